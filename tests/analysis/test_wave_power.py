"""Planning the next study of a pair (`analysis.wave_power`): the later study modelled as the analysis
would see it, the power the exact sum of the counts that mark, the size the fewest answers from which
on that power holds, and no size where the earlier study's own interval forbids one."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import Design, headline
from analysis.wave_power import (
    answers_for_change,
    change_alpha,
    change_power,
    design_effect,
    later_interval,
    minimum_detectable_change,
    plan_changes,
)
from analysis.waves import mover_interval

LEVEL = 1 - 0.05 / 16


def _enumerated_power(p1, arm, size, change, level, direction):
    """Every count of the later study judged, as the comparison would, and the probabilities of those
    that mark summed."""
    x = np.arange(size + 1.0)
    low, high = later_interval(x, np.full_like(x, size), level)
    p = x / size
    if direction == "fall":
        marks = mover_interval(np.full_like(p, p1), p1 - arm, p1, p, low, high)[1] < 0
        return float(stats.binom.pmf(x, size, p1 - change)[marks].sum())
    marks = mover_interval(np.full_like(p, p1), p1, p1 + arm, p, low, high)[0] > 0
    return float(stats.binom.pmf(x, size, p1 + change)[marks].sum())


def test_the_later_study_is_modelled_as_the_analysis_judges_a_district_sampled_as_its_own_stratum():
    answers = np.array(["satisfied"] * 41 + ["dissatisfied"] * 7)
    data = pd.DataFrame({"district": "D", "w": 100.0, "sat_overall": answers})
    data["aware_12348"], data["first_choice"] = "yes", "public_legal"
    row = headline(Design(data, strata="district", weights="w"), by=("district",)).query(
        "metric == '满意率' and group == 'district'"
    )
    from analysis.intervals import proportion_interval

    analysed = proportion_interval(row["estimate"], row["se"], row["df"], row["n"], "logit", LEVEL)
    modelled = later_interval(np.array([41.0]), np.array([48.0]), LEVEL)
    assert np.allclose(np.ravel(analysed), np.ravel(modelled), rtol=0, atol=1e-12)


@pytest.mark.parametrize("direction", ["fall", "rise"])
def test_the_power_is_the_probability_of_every_count_that_marks_the_change_small_studies_included(direction):
    for p1 in (0.3, 0.8, 0.95, 1.0):
        for arm in (0.0, 0.05, 0.15):
            for size in (2, 5, 9, 12, 30, 100, 400):
                change = 0.15 if (p1 - 0.15 >= 0 if direction == "fall" else p1 + 0.15 <= 1) else None
                if change is None:
                    continue
                exact = _enumerated_power(p1, arm, size, change, LEVEL, direction)
                computed = change_power(p1, arm, np.array([size]), change, LEVEL, direction=direction)[0]
                assert computed == pytest.approx(exact, abs=1e-12), (p1, arm, size)


def test_the_planned_size_is_the_fewest_answers_from_which_every_larger_study_reaches_the_power():
    size, why = answers_for_change(0.9, 0.06, 0.15, LEVEL)
    assert why == "" and size is not None
    larger = change_power(0.9, 0.06, np.arange(size, 3 * size), 0.15, LEVEL)
    assert (larger >= 0.8).all()
    assert change_power(0.9, 0.06, np.array([size - 1]), 0.15, LEVEL)[0] < 0.8


def test_a_change_no_larger_than_the_earlier_interval_s_arm_is_found_less_than_half_the_time_at_any_size():
    assert answers_for_change(0.9, 0.15, 0.15, LEVEL) == (None, "first_study")
    sizes = np.unique(np.geomspace(2, 100_000, 200).astype(int)).astype(float)
    for p1, arm in ((0.9, 0.15), (0.5, 0.10), (0.97, 0.05), (0.8, 0.02)):
        assert change_power(p1, arm, sizes, arm, LEVEL).max() < 0.5


def test_a_plan_averaged_over_where_the_true_rate_may_lie_asks_more_than_one_made_at_the_estimate():
    at_estimate, _ = answers_for_change(0.9, 0.06, 0.15, LEVEL)
    averaged, _ = answers_for_change(0.9, 0.06, 0.15, LEVEL, earlier_answers=200)
    assert averaged > at_estimate
    assert change_power(0.9, 0.06, np.array([averaged]), 0.15, LEVEL, earlier_answers=200)[0] >= 0.8


def test_a_change_just_beyond_the_arm_of_an_uncertain_earlier_study_cannot_be_promised():
    assert answers_for_change(0.9, 0.06, 0.07, LEVEL)[1] == ""  # were the estimate the truth
    assert answers_for_change(0.9, 0.06, 0.07, LEVEL, earlier_answers=200) == (None, "first_study")


def test_a_rate_that_cannot_move_that_far_gets_no_size():
    assert answers_for_change(0.95, 0.02, 0.10, LEVEL, direction="rise") == (None, "bounds")


def test_a_change_just_beyond_the_earlier_arm_needs_many_more_answers_than_one_well_beyond_it():
    near, _ = answers_for_change(0.9, 0.06, 0.07, LEVEL)
    far, _ = answers_for_change(0.9, 0.06, 0.15, LEVEL)
    assert near > 5 * far


def test_the_minimum_detectable_change_is_the_change_the_size_finds_with_the_power():
    found = minimum_detectable_change(0.9, 0.06, 150, LEVEL)
    assert change_power(0.9, 0.06, np.array([150]), found, LEVEL)[0] >= 0.8
    assert change_power(0.9, 0.06, np.array([150]), found - 1e-6, LEVEL)[0] < 0.8
    assert minimum_detectable_change(0.97, 0.02, 150, LEVEL, direction="rise") == math.inf  # no room


def test_a_group_is_judged_at_the_false_discovery_rate_over_the_groups_of_its_family():
    assert change_alpha(16) == pytest.approx(0.05 / 16)


def test_a_design_effect_below_one_is_planned_as_one_and_one_above_multiplies_the_answers():
    assert design_effect(
        np.array([0.8, 0.8, 1.0]), np.array([0.02, 0.08, 0.0]), np.array([101, 101, 30])
    ) == (pytest.approx([1.0, 0.08**2 * 100 / 0.16, 1.0]))
    rows = pd.DataFrame({"level": ["A", "B"], "estimate": 0.8, "n": 401.0, "df": 400.0})
    rows["se"] = [math.sqrt(0.16 / 400), 2 * math.sqrt(0.16 / 400)]  # B's design effect is 4
    plan = plan_changes(rows, 0.10)
    # B's design effect is 4 and, as large as A, it has a quarter of A's effective answers: its own
    # interval is twice as wide, so it needs more than four times A's answers, or none reaches
    a, b = plan["fall_answers"]
    assert plan["deff"].tolist() == pytest.approx([1.0, 4.0])
    assert pd.isna(b) or b > 4 * a


def test_the_plan_turns_answers_into_cases_at_each_group_s_yield_and_says_why_a_group_has_no_size():
    rows = pd.DataFrame(
        {"level": ["A", "B", "C"], "estimate": [0.85, 1.0, 0.9], "n": [300.0, 300.0, 1.0], "df": 299.0}
    )
    rows["se"] = [math.sqrt(0.85 * 0.15 / 299), 0.0, np.nan]
    plan = plan_changes(rows, 0.10, yields=pd.Series({"A": 0.5, "B": 0.5, "C": 0.5})).set_index("level")
    assert plan.attrs["alpha"] == pytest.approx(0.05 / 2)  # C has no interval: not in the family
    assert plan.loc["A", "fall_cases"] == math.ceil(plan.loc["A", "fall_answers"] / 0.5)
    assert plan.loc["B", "rise_limit"] == "bounds"
    assert plan.loc["C", "fall_limit"] == "no_interval" and pd.isna(plan.loc["C", "fall_answers"])


def _district_rows(counts: dict[str, tuple[int, int]]) -> pd.DataFrame:
    """满意率 by district of a study stratified by district: `counts` is satisfied, answered."""
    data = pd.concat(
        [
            pd.DataFrame(
                {"district": d, "w": 100.0, "sat_overall": ["satisfied"] * x + ["dissatisfied"] * (n - x)}
            )
            for d, (x, n) in counts.items()
        ],
        ignore_index=True,
    )
    data["aware_12348"], data["first_choice"] = "yes", "public_legal"
    table = headline(Design(data, strata="district", weights="w"), by=("district",))
    return table[table["metric"] == "满意率"]


def _earlier_low(table: pd.DataFrame, level: str, alpha: float) -> float:
    from analysis.intervals import proportion_interval

    row = table[(table["group"] == "district") & (table["level"] == level)]
    return float(
        proportion_interval(row["estimate"], row["se"], row["df"], row["n"], "logit", 1 - alpha)[0][0]
    )


def test_the_planned_power_is_what_the_comparison_itself_delivers_count_by_count():
    """Every likely outcome of the later study's falling district (all but 1e-12 of the probability)
    run through `headline` and `compare_waves`, the other districts unchanged: the probability of the
    outcomes it marks is the planned power."""
    from analysis.waves import compare_waves

    earlier_counts = {"A": (102, 120), "B": (108, 120), "C": (110, 120), "D": (114, 120)}
    earlier = _district_rows(earlier_counts)
    plan = plan_changes(earlier[earlier["group"] == "district"], 0.20).set_index("level")
    size, alpha, p1 = int(plan.loc["A", "fall_answers"]), plan.attrs["alpha"], 102 / 120
    counts = np.arange(size + 1)
    chance = stats.binom.pmf(counts, size, p1 - 0.20)
    delivered = 0.0
    for x in counts[chance > 1e-14]:
        later = _district_rows({**earlier_counts, "A": (int(x), size)})
        verdict = (
            compare_waves(earlier, later).query("group == 'district' and level == 'A'")["verdict"].iloc[0]
        )
        delivered += chance[x] if verdict == "fell" else 0.0
    planned = change_power(p1, p1 - _earlier_low(earlier, "A", alpha), np.array([size]), 0.20, 1 - alpha)[0]
    assert delivered == pytest.approx(planned, abs=1e-10)
    assert delivered >= 0.8


@pytest.mark.parametrize(
    ("change", "power", "said"),
    [(0.0, 0.8, "the change to detect must lie between 0 and 1"), (0.1, 1.0, "the power must lie between")],
)
def test_an_impossible_request_is_refused_in_one_sentence(change, power, said):
    from analysis.errors import AnalysisError

    rows = pd.DataFrame({"level": ["A"], "estimate": [0.8], "se": [0.04], "n": [100.0], "df": [99.0]})
    with pytest.raises(AnalysisError, match=said):
        plan_changes(rows, change, power=power)


def test_a_family_where_no_group_has_an_interval_is_planned_as_none_without_failing():
    rows = pd.DataFrame(
        {"level": ["A", "B"], "estimate": [np.nan, 1.0], "se": np.nan, "n": [0.0, 1.0], "df": 0.0}
    )
    plan = plan_changes(rows, 0.10)
    assert list(plan["fall_limit"]) == ["no_interval", "no_interval"]
    assert plan["fall_answers"].isna().all()


def test_a_plan_for_falls_alone_has_the_fall_columns_of_the_plan_for_both():
    rows = pd.DataFrame({"level": ["A"], "estimate": [0.85], "se": [0.026], "n": [180.0], "df": [179.0]})
    both, falls = plan_changes(rows, 0.15), plan_changes(rows, 0.15, directions=("fall",))
    assert "rise_answers" not in falls.columns
    pd.testing.assert_frame_equal(falls, both[falls.columns])
