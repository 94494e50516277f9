"""Minimum detectable inflation and the audit-units design, against binomial sums written out here."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.stats import norm

from sampling.errors import DesignError
from sampling.power import (
    audit_allocation,
    completes_for_inflation,
    critical_count,
    mdi_table,
    members_judged,
    minimum_detectable_inflation,
    unit_alpha,
)


def lower_tail(c: int, m: int, p: float) -> float:
    """P(X ≤ c) for X ~ Binomial(m, p), summed term by term."""
    return sum(math.comb(m, k) * p**k * (1 - p) ** (m - k) for k in range(c + 1))


@pytest.mark.parametrize(
    ("p0", "m", "alpha"), [(0.95, 16, 0.004), (0.9, 16, 0.05), (0.8, 40, 0.01), (0.99, 7, 0.1)]
)
def test_the_critical_count_is_the_largest_count_significant_at_alpha(p0, m, alpha):
    c = int(critical_count(np.array([m]), np.array([p0]), alpha)[0])
    assert lower_tail(c, m, p0) <= alpha
    assert lower_tail(c + 1, m, p0) > alpha


@pytest.mark.parametrize(
    ("p0", "m", "alpha"), [(0.95, 16, 0.004), (0.9, 30, 0.05), (0.8, 40, 0.01), (1.0, 16, 0.004)]
)
def test_at_the_minimum_detectable_inflation_the_exact_test_has_power_0_8(p0, m, alpha):
    mdi = float(minimum_detectable_inflation(p0, m, alpha)[0])
    c = int(critical_count(np.array([m]), np.array([p0]), alpha)[0])
    assert lower_tail(c, m, p0 - mdi) == pytest.approx(0.8, abs=1e-9)


def test_a_smaller_inflation_than_the_minimum_is_detected_with_less_than_the_power():
    mdi = float(minimum_detectable_inflation(0.9, 30, 0.01)[0])
    c = int(critical_count(np.array([30]), np.array([0.9]), 0.01)[0])
    assert lower_tail(c, 30, 0.9 - mdi + 0.01) < 0.8


def test_a_unit_whose_every_outcome_is_insignificant_cannot_be_audited():
    # 3 interviews at p0 = 0.95: even 0 satisfied has probability 0.05³ = 1.25e-4 > α = 1e-4
    assert math.isinf(minimum_detectable_inflation(0.95, 3, 1e-4)[0])


def test_partial_interviews_are_rounded_down():
    assert minimum_detectable_inflation(0.9, 16.9, 0.01)[0] == minimum_detectable_inflation(0.9, 16, 0.01)[0]


def test_an_honest_gap_moves_the_null_down_by_the_gap():
    with_gap = minimum_detectable_inflation(0.95, 50, 0.01, honest_gap=0.05)[0]
    assert with_gap == pytest.approx(minimum_detectable_inflation(0.90, 50, 0.01)[0], abs=1e-12)


def test_with_many_interviews_the_exact_mdi_approaches_the_normal_approximation():
    p0, m, alpha = 0.9, 4000, 0.01
    # solve p0 − δ: z_α √(p0(1−p0)/m) + z_β √(p1(1−p1)/m) = δ by fixed-point iteration
    delta = 0.02
    for _ in range(50):
        p1 = p0 - delta
        delta = (
            norm.ppf(1 - alpha) * math.sqrt(p0 * (1 - p0)) + norm.ppf(0.8) * math.sqrt(p1 * (1 - p1))
        ) / math.sqrt(m)
    assert minimum_detectable_inflation(p0, m, alpha)[0] == pytest.approx(delta, abs=0.002)


def test_completes_for_inflation_is_where_every_larger_sample_detects_the_inflation():
    m = completes_for_inflation(0.9, 0.1, 0.01)
    assert m is not None
    after = minimum_detectable_inflation(np.full(400, 0.9), np.arange(m, m + 400), 0.01)
    assert (after <= 0.1 + 1e-12).all()
    assert minimum_detectable_inflation(0.9, m - 1, 0.01)[0] > 0.1


def test_the_multiplicity_allowance_is_q_over_the_number_of_audited_units():
    assert unit_alpha(0.1, 25) == pytest.approx(0.004)
    with pytest.raises(DesignError, match="at least 1"):
        unit_alpha(0.1, 0)


def test_the_mdi_table_plans_at_q_over_k_and_records_it():
    sizes = pd.Series({"a": 200, "b": 50})
    table = mdi_table(
        sizes, pd.Series({"a": 40, "b": 10}), pd.Series({"a": 0.9, "b": 0.95}), response_rate=0.5
    )
    assert table.attrs["alpha"] == pytest.approx(0.05)
    assert list(table["planned_completes"]) == [20, 5]
    assert table.loc["a", "mdi"] == minimum_detectable_inflation(0.9, 20, 0.05)[0]


SIZES = pd.Series({"risk:A": 500, "risk:B": 300, "risk:C": 40, "rest": 5000})
RATES = pd.Series({"risk:A": 0.95, "risk:B": 0.90, "risk:C": 0.97, "rest": 0.85})
AUDITED = ["risk:A", "risk:B", "risk:C"]


def test_funded_audit_units_detect_the_chosen_inflation_and_the_budget_is_spent_exactly():
    table = audit_allocation(SIZES, RATES, 600, 0.10, audited=AUDITED, response_rate=0.6)
    assert int(table["n_h"].sum()) == 600
    funded = table[table["status"] == "funded"]
    assert set(funded.index) == {"risk:A", "risk:B"}
    assert (funded["mdi"] <= 0.10).all()


def test_a_unit_too_small_even_for_a_census_is_reported_unreachable():
    table = audit_allocation(SIZES, RATES, 600, 0.10, audited=AUDITED, response_rate=0.6)
    assert table.loc["risk:C", "status"] == "unreachable"
    assert table.loc["risk:C", "mdi"] > 0.10


def test_when_the_budget_runs_out_the_units_left_over_are_named_over_budget():
    table = audit_allocation(SIZES, RATES, 200, 0.10, audited=AUDITED, response_rate=0.6)
    assert table.loc["risk:A", "status"] == "funded"  # the cheaper need is funded first
    assert table.loc["risk:B", "status"] == "over budget"
    assert table.loc["risk:B", "mdi"] > 0.10
    assert int(table["n_h"].sum()) == 200


def test_every_stratum_keeps_its_minimum_for_the_headline():
    table = audit_allocation(SIZES, RATES, 200, 0.10, audited=AUDITED, response_rate=0.6, minimum=5)
    assert (table["n_h"] >= 5).all()


def test_a_budget_below_the_minimums_is_refused_in_one_sentence():
    with pytest.raises(DesignError, match="cannot give every one of the 4 strata its minimum of 2"):
        audit_allocation(SIZES, RATES, 7, 0.10)


def _poisson_binomial_tail(probabilities, k: int) -> float:
    """P(at least k successes) of independent Bernoulli draws, by exact convolution."""
    law = np.array([1.0])
    for p in probabilities:
        law = np.convolve(law, [1 - p, p])
    return float(law[k:].sum())


def test_a_member_certain_to_reach_five_respondents_is_judged_and_one_with_four_units_never():
    members = pd.Series(["A"] * 6 + ["B"] * 4)
    table = members_judged(members, np.ones(10), response_rate=1.0)
    assert table.loc["A", "p_judged"] == 1.0 and table.loc["B", "p_judged"] == 0.0
    assert table.attrs["expected_judged"] == 1.0


def test_equal_chances_give_the_binomial_tail_exactly():
    table = members_judged(pd.Series(["A"] * 10), np.full(10, 0.5), response_rate=0.8)
    assert table.loc["A", "expected_respondents"] == pytest.approx(4.0)
    assert table.loc["A", "p_judged"] == pytest.approx(stats.binom.sf(4, 10, 0.4), abs=1e-15)


def test_with_unequal_chances_the_tail_is_the_exact_poisson_binomial():
    probabilities = np.array([0.9, 0.9, 0.9, 0.6, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05])
    members = pd.Series(["A"] * 10 + ["B"] * 3 + ["C"] * 6)
    chances = np.concatenate([probabilities, [0.9, 0.9, 0.9], np.full(6, 0.7)])
    table = members_judged(members, chances, response_rate=1.0)
    assert table.loc["A", "p_judged"] == pytest.approx(_poisson_binomial_tail(probabilities, 5), abs=1e-14)
    assert table.loc["B", "p_judged"] == 0.0
    assert table.loc["C", "p_judged"] == pytest.approx(_poisson_binomial_tail(np.full(6, 0.7), 5), abs=1e-14)


def test_records_that_name_no_member_are_left_out():
    members = pd.Series(["A", None, " ", "A"])
    table = members_judged(members, np.full(4, 0.5), response_rate=1.0)
    assert list(table.index) == ["A"] and table.loc["A", "units"] == 2


def test_an_impossible_response_rate_is_refused():
    with pytest.raises(DesignError, match=r"response rate must be in \(0, 1\]"):
        members_judged(pd.Series(["A"]), np.ones(1), response_rate=0.0)


def _frame_with_staff(records: int = 20000, seed: int = 5) -> pd.DataFrame:
    """80 offices in 8 districts, each with six staff members of unequal workloads."""
    rng = np.random.default_rng(seed)
    office = rng.integers(0, 80, records)
    member = rng.choice(6, records, p=[0.35, 0.25, 0.15, 0.1, 0.1, 0.05])
    return pd.DataFrame(
        {
            "record_id": [f"R{i:06d}" for i in range(records)],
            "organisation_id": [f"ORG{o:04d}" for o in office],
            "district": [f"D{o % 8}" for o in office],
            "staff_id": [f"ORG{o:04d}-S{m:02d}" for o, m in zip(office, member, strict=True)],
            "system_rating": np.where(rng.random(records) < 0.9, "satisfied", "dissatisfied"),
        }
    )


@pytest.mark.parametrize(
    ("strata", "n", "method"), [("district", 1500, "proportional"), ("organisation_id", 3000, "equal")]
)
def test_the_planned_count_of_members_judged_is_what_repeated_draws_give(strata, n, method):
    from sampling.design import SampleDesign, draw_design, staff_coverage, unit_sizes
    from sampling.size import plan

    data = _frame_with_staff()
    design = SampleDesign(strata=[strata], seed=1, unit="event", method=method, n=n, response_rate=0.5)
    planned = staff_coverage(
        data, design, plan(unit_sizes(data, design), n=n, method=method, response_rate=0.5)
    )
    judged = []
    for seed in range(1, 41):  # draw and respond anew, count the members with five respondents or more
        cases = draw_design(data, design.model_copy(update={"seed": seed})).cases
        answered = cases[np.random.default_rng(seed).random(len(cases)) < 0.5]
        judged.append(int((answered["staff_id"].value_counts() >= 5).sum()))
    error = np.std(judged, ddof=1) / np.sqrt(len(judged))
    # measured: 27.4 planned against 26.7 ± 0.8 drawn (district), 122.5 against 122.6 ± 1.0 (office)
    assert abs(planned.attrs["expected_judged"] - np.mean(judged)) < 3 * error
