"""The test of whether phase 2's answers differ from what phase 1's imply (`analysis.phase_effect`)."""

import itertools

import numpy as np
import pandas as pd
import pytest

from analysis.phase_effect import phase_effect
from sampling.two_phase import phase_one_splits, rao_blackwell_weights

# stratum "a": a final sample of 9 cases (phase 1 held 5 of them) that the rule expanded;
# stratum "b": 4 phase-1 cases that phase 2 passed over
A_OUTCOMES = ["satisfied"] * 5 + ["unsatisfied"] * 4
EVIDENCE = pd.DataFrame({"N_h": [30.0, 12.0]}, index=["a", "b"])
ALLOCATION = pd.Series({"a": 4, "b": 0})


def few_satisfied(x: np.ndarray, r: np.ndarray, evidence: pd.DataFrame) -> np.ndarray:
    """Row-wise: phase 2 for a unit with at most 3 satisfied of its phase-1 answers."""
    return np.asarray(x) <= 3


def study(first: tuple[int, ...], outcomes: list[str] = A_OUTCOMES) -> pd.DataFrame:
    """Both strata's released cases, stratum a's phase 1 being the cases numbered in ``first``."""
    a = pd.DataFrame(
        {"stratum": "a", "phase": [1 if i in first else 2 for i in range(len(outcomes))], "outcome": outcomes}
    )
    b = pd.DataFrame(
        {"stratum": "b", "phase": 1, "outcome": ["satisfied", "satisfied", "unsatisfied", "none"]}
    )
    cases = pd.concat([a, b], ignore_index=True)
    cases["satisfied"] = cases["outcome"].map({"satisfied": 1.0, "unsatisfied": 0.0})
    return cases


def effect(cases: pd.DataFrame):
    weights = rao_blackwell_weights(cases, EVIDENCE, ALLOCATION, few_satisfied)
    splits = phase_one_splits(cases, EVIDENCE, ALLOCATION, few_satisfied, pairs=True)
    return phase_effect(cases, weights, EVIDENCE["N_h"], splits)


def selecting_splits(outcomes: list[str], m: int = 5) -> list[tuple[int, ...]]:
    satisfied = np.array([o == "satisfied" for o in outcomes])
    return [s for s in itertools.combinations(range(len(outcomes)), m) if satisfied[list(s)].sum() <= 3]


def test_over_every_phase_one_the_rule_allows_the_difference_averages_zero_and_varies_as_its_se_says():
    # everyone answered, so the difference is exactly linear in which cases phase 1 held
    results = [effect(study(first)) for first in selecting_splits(A_OUTCOMES)]
    differences = np.array([r.difference for r in results])
    assert len(results) > 20
    assert differences.mean() == pytest.approx(0.0, abs=1e-14)
    assert {round(r.se, 12) for r in results} == {round(results[0].se, 12)}  # the final sample's, alone
    assert np.sqrt((differences**2).mean()) == pytest.approx(results[0].se, rel=1e-12)


def test_the_more_satisfied_phase_two_was_than_phase_one_the_higher_the_difference():
    # the same final sample (5 satisfied, 4 not) split two ways the rule allows
    level = effect(study((0, 1, 2, 5, 6)))  # phase 1: 3 of 5 satisfied; phase 2: 2 of 4
    higher = effect(study((0, 5, 6, 7, 8)))  # phase 1: 1 of 5; phase 2: 4 of 4
    assert higher.difference > level.difference
    assert higher.z > 1


def test_strata_phase_two_passed_over_add_nothing():
    cases = study((0, 1, 2, 5, 6))
    alone = effect(cases[cases["stratum"] == "a"])
    both = effect(cases)
    assert both.strata == alone.strata == 1
    assert both.phase_two_answers == alone.phase_two_answers == 4


def test_without_an_expanded_stratum_there_is_no_test():
    cases = study((0, 1, 2, 3, 4, 5, 6, 7, 8))  # phase 1 held the whole sample
    assert effect(cases) is None
