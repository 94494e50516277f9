"""Two-phase adaptive sampling: the rule, the allocation, the seeded draw and exactly unbiased weights.

Unbiasedness is checked by enumerating every phase-1 and phase-2 sample of a small stratum, so the
expectation is exact (no simulation error): the Rao–Blackwell weights hit the population totals to
1e-12, and the naive pooled weights miss them.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sampling.errors import DesignError
from sampling.two_phase import (
    PhaseTwoRule,
    combination_p_values,
    draw_phase_two,
    evidence_table,
    phase_two_allocation,
    planned_need,
    pooled_weights,
    rao_blackwell_weights,
)

# ten people of one unit: outcome category and some other answer (e.g. 知晓 12348) to estimate
OUTCOMES = ["satisfied"] * 4 + ["unsatisfied"] * 2 + ["none"] * 2
OTHER = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0])
N, M, K = 8, 3, 2
FIRST_SAMPLES = len(list(itertools.combinations(range(N), M)))


def low_satisfied(x: np.ndarray, r: np.ndarray, evidence: pd.DataFrame) -> np.ndarray:
    """A toy rule: expand when at most one of the phase-1 cases was satisfied."""
    return np.asarray(x) <= 1


def enumerate_estimates(weighting) -> tuple[float, float, float]:
    """Exact expectation of Σ w·satisfied and Σ w·other over every phase-1 and phase-2 sample."""
    evidence = pd.DataFrame({"N_h": [N], "system_rate": [0.9]}, index=["u"])
    total_probability = expected_sat = expected_other = 0.0
    for first in itertools.combinations(range(N), M):
        x = sum(OUTCOMES[i] == "satisfied" for i in first)
        p_first = 1 / FIRST_SAMPLES
        rest = [i for i in range(N) if i not in first]
        seconds = list(itertools.combinations(rest, K)) if low_satisfied(x, 0, evidence) else [()]
        for second in seconds:
            chosen = list(first) + list(second)
            cases = pd.DataFrame(
                {
                    "stratum": "u",
                    "phase": [1] * M + [2] * len(second),
                    "outcome": [OUTCOMES[i] for i in chosen],
                }
            )
            allocation = pd.Series({"u": len(second)})
            w = weighting(cases, evidence, allocation).to_numpy()
            p = p_first / len(seconds)
            sat = np.array([OUTCOMES[i] == "satisfied" for i in chosen], dtype=float)
            expected_sat += p * (w * sat).sum()
            expected_other += p * (w * OTHER[chosen]).sum()
            total_probability += p
    return total_probability, expected_sat, expected_other


def test_rao_blackwell_weights_estimate_every_total_without_bias_exactly():
    total, sat, other = enumerate_estimates(
        lambda cases, evidence, allocation: rao_blackwell_weights(cases, evidence, allocation, low_satisfied)
    )
    assert total == pytest.approx(1.0, abs=1e-12)
    assert sat == pytest.approx(4.0, abs=1e-12)
    assert other == pytest.approx(OTHER.sum(), abs=1e-12)


def test_pooling_both_phases_with_pi_equal_to_m_plus_k_over_n_is_biased_upwards():
    _, sat, _ = enumerate_estimates(lambda cases, evidence, allocation: pooled_weights(cases, evidence))
    assert sat > 4.0 + 0.05


def test_rao_blackwell_weights_of_an_expanded_stratum_sum_to_its_population():
    evidence = pd.DataFrame({"N_h": [N], "system_rate": [0.9]}, index=["u"])
    cases = pd.DataFrame(
        {
            "stratum": "u",
            "phase": [1, 1, 1, 2, 2],
            "outcome": [OUTCOMES[i] for i in (0, 4, 6, 1, 7)],
        }
    )
    weights = rao_blackwell_weights(cases, evidence, pd.Series({"u": 2}), low_satisfied)
    assert weights.sum() == pytest.approx(N, abs=1e-12)


def test_a_stratum_without_phase_two_keeps_its_phase_one_weight():
    evidence = pd.DataFrame({"N_h": [N], "system_rate": [0.9]}, index=["u"])
    cases = pd.DataFrame({"stratum": "u", "phase": 1, "outcome": ["satisfied"] * M})
    weights = rao_blackwell_weights(cases, evidence, pd.Series({"u": 0}), low_satisfied)
    assert (weights == N / M).all()


def rule_evidence(system_rate: float = 0.95) -> pd.DataFrame:
    return pd.DataFrame({"system_rate": [system_rate]}, index=["u"])


def test_the_rule_clears_a_unit_whose_callbacks_rule_out_the_inflation():
    rule = PhaseTwoRule(inflation=0.10, level=0.20)
    # 12 of 12 satisfied: P(X ≥ 12 | 12, 0.85) = 0.85¹² = 0.142 ≤ 0.20
    assert not rule.selected(np.array([12]), np.array([12]), rule_evidence())[0]


def test_the_rule_sends_suspicious_and_inconclusive_units_to_phase_two():
    rule = PhaseTwoRule(inflation=0.10, level=0.20)
    evidence = rule_evidence()
    assert rule.selected(np.array([7]), np.array([12]), evidence)[0]  # suspicious
    assert rule.selected(np.array([4]), np.array([4]), evidence)[0]  # inconclusive: 0.85⁴ = 0.52
    assert rule.selected(np.array([0]), np.array([0]), evidence)[0]  # nobody answered yet


def test_evidence_counts_satisfied_and_answered_per_stratum():
    cases = pd.DataFrame(
        {"stratum": ["a", "a", "a", "b"], "outcome": ["satisfied", "unsatisfied", "none", "satisfied"]}
    )
    sizes = pd.Series({"a": 50, "b": 40})
    table = evidence_table(cases, pd.Series({"a": 0.9, "b": 0.95}), sizes, pd.Series({"a": 4, "b": 2}))
    assert table.loc["a", ["m", "x", "r", "M_h"]].tolist() == [3, 1, 2, 4]


def test_an_unknown_outcome_is_named():
    cases = pd.DataFrame({"stratum": ["a"], "outcome": ["maybe"]})
    with pytest.raises(DesignError, match="unknown case outcome"):
        evidence_table(cases, pd.Series({"a": 0.9}), pd.Series({"a": 5}), pd.Series({"a": 1}))


def allocation_evidence() -> pd.DataFrame:
    return pd.DataFrame(
        {"N_h": [300, 300, 100], "M_h": [20, 20, 20], "m": [16, 16, 16], "system_rate": [0.9, 0.95, 0.9]},
        index=["a", "b", "c"],
    )


def test_the_need_comes_from_the_design_and_never_exceeds_the_records_left():
    evidence = allocation_evidence()
    need = planned_need(evidence, PhaseTwoRule(response_rate=0.6), ["a", "b", "c"])
    assert need["c"] == 80  # a census of c's remaining records still falls short
    assert 0 < need["b"] < need["a"] <= 280


def test_the_budget_goes_to_selected_units_in_proportion_to_need():
    evidence = allocation_evidence()
    selected = pd.Series({"a": True, "b": False, "c": True})
    need = pd.Series({"a": 200, "b": 100, "c": 50})
    k = phase_two_allocation(evidence, selected, need, 100)
    assert k.to_dict() == {"a": 80, "b": 0, "c": 20}


def test_a_budget_larger_than_the_needs_fills_the_selected_units_records():
    evidence = allocation_evidence()
    selected = pd.Series({"a": True, "b": False, "c": True})
    k = phase_two_allocation(evidence, selected, pd.Series({"a": 10, "b": 0, "c": 10}), 100)
    assert int(k.sum()) == 100 and k["b"] == 0 and k["a"] >= 10 and k["c"] >= 10


def test_the_phase_two_draw_takes_only_records_not_drawn_in_phase_one_and_repeats_with_its_seed():
    drawn = {"u": np.array([True, False] * 10)}
    members = {"u": np.arange(20)}
    first = draw_phase_two(members, drawn, pd.Series({"u": 5}), seed=99)
    again = draw_phase_two(members, drawn, pd.Series({"u": 5}), seed=99)
    other = draw_phase_two(members, drawn, pd.Series({"u": 5}), seed=100)
    assert (first["u"] % 2 == 1).all() and len(set(first["u"])) == 5
    assert np.array_equal(first["u"], again["u"]) and not np.array_equal(first["u"], other["u"])


def test_asking_phase_two_for_more_records_than_are_left_is_refused_by_stratum():
    with pytest.raises(DesignError, match="stratum 'u': phase 2 asks for 3 cases but only 2"):
        draw_phase_two(
            {"u": np.arange(4)}, {"u": np.array([True, True, False, False])}, pd.Series({"u": 3}), 1
        )


def test_the_combination_test_is_valid_under_the_null_whatever_the_rule_did():
    """Under H0 (callback rate = system rate), P(p ≤ 0.05) ≤ 0.05 over 4,000 simulated units."""
    rng = np.random.default_rng(5)
    units, p0, m, k = 4000, 0.9, 10, 20
    x1 = rng.binomial(m, p0, units)
    selected = PhaseTwoRule(level=0.3).selected(
        x1, np.full(units, m), pd.DataFrame({"system_rate": [p0] * units})
    )
    x2 = rng.binomial(k, p0, units)
    evidence = pd.DataFrame({"system_rate": p0, "x": x1, "r": m, "m": m})
    allocation = pd.Series(np.where(selected, k, 0))
    p = combination_p_values(evidence, pd.DataFrame({"x": x2, "r": k}), allocation)
    assert (p <= 0.05).mean() <= 0.05


def test_a_per_unit_honest_rate_moves_what_counts_as_cleared():
    rule = PhaseTwoRule(inflation=0.10, level=0.20)
    # 11 of 12 at system rate 0.95: P(X ≥ 11 | 12, 0.85) = 0.44, not cleared; with an honest callback
    # rate of 0.80 (a −15-point mode effect) the inflated rate is 0.70 and P(X ≥ 11 | 12, 0.70) = 0.085
    evidence = pd.DataFrame({"system_rate": [0.95, 0.95], "honest_rate": [np.nan, 0.80]}, index=["a", "b"])
    decided = rule.selected(np.array([11, 11]), np.array([12, 12]), evidence)
    assert decided[0] == (stats.binom.sf(10, 12, 0.85) > 0.20)
    assert decided[1] == (stats.binom.sf(10, 12, 0.70) > 0.20)
    assert decided[0] and not decided[1]
