"""Unit-level comparison on a small synthetic study with known truth (tests/analysis/synthetic.py), and
the unit table's contract: rates, intervals, n_eff, shrinkage toward domain means, status."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import Design, compare_units
from analysis.units import STATUSES
from tests.analysis.synthetic import make_study
from tests.analysis.verdict_sim import SCENARIOS, simulate, verdicts


@pytest.fixture(scope="module")
def study():
    return make_study(seed=11, units=30, per_unit=60)


@pytest.fixture(scope="module")
def result(study):
    design = Design(study.respondents, strata="organisation_id", weights="weight")
    return compare_units(study.frame, design, unit="organisation_id")


def test_system_rate_is_the_share_satisfied_over_the_whole_frame(study, result):
    frame = study.frame
    expected = (
        frame["system_rating"]
        .isin(["satisfied", "basically_satisfied"])
        .groupby(frame["organisation_id"])
        .mean()
    )
    assert result["system_rate"].to_numpy() == pytest.approx(expected.reindex(result.index).to_numpy())


def test_third_party_rate_is_the_domain_estimate_on_the_full_design(study, result):
    design = Design(study.respondents, strata="organisation_id", weights="weight")
    y = study.respondents["sat_overall"].map(
        {"satisfied": 1.0, "basically_satisfied": 1.0, "dissatisfied": 0.0}
    )
    direct = design.by("organisation_id").proportion(y)
    assert result["third_party_se"].to_numpy() == pytest.approx(direct["se"].reindex(result.index).to_numpy())


def test_difference_interval_is_the_system_rate_minus_the_third_party_interval(result):
    assert (result["difference_low"] == result["system_rate"] - result["ci_high"]).all()
    assert (result["difference_high"] == result["system_rate"] - result["ci_low"]).all()


def test_benjamini_hochberg_adjustment_is_the_step_up_minimum(result):
    p = result["evidence_p_value"].dropna().sort_values()
    m = len(p)
    step_up = np.minimum.accumulate((p.to_numpy() * m / np.arange(1, m + 1))[::-1])[::-1].clip(max=1)
    assert result.loc[p.index, "evidence_p_adjusted"].to_numpy() == pytest.approx(step_up)


def test_flagged_units_have_adjusted_p_at_most_q(result):
    assert (result.loc[result["flagged"], "evidence_p_adjusted"] <= 0.10).all()


def test_most_units_inflated_by_five_points_or_more_are_flagged_and_no_honest_one(study, result):
    frame = study.frame
    sat = ["satisfied", "basically_satisfied"]
    realised = (
        (frame["system_rating"].isin(sat) & ~frame["true_answer"].isin(sat))
        .groupby(frame["organisation_id"])
        .mean()
    )
    strong = set(realised.index[realised >= 0.05]) & study.inflated
    flagged = set(result.index[result["flagged"]])
    assert len(strong & flagged) >= 0.5 * len(strong) > 0  # 36 respondents a unit: power is limited
    assert not flagged - study.inflated


def test_every_unit_has_one_of_the_four_statuses_and_flagged_means_status_flagged(result):
    assert set(result["status"]) <= set(STATUSES)
    assert (result["flagged"] == (result["status"] == "flagged")).all()


def test_n_eff_never_exceeds_the_respondents_even_when_response_is_almost_complete():
    frame = pd.DataFrame({"organisation_id": ["A"] * 8 + ["B"] * 40, "system_rating": "satisfied"})
    answers = pd.DataFrame(
        {
            "organisation_id": ["A"] * 7 + ["B"] * 20,
            "sat_overall": ["satisfied"] * 6 + ["dissatisfied"] + ["satisfied"] * 20,
            "N": [8] * 7 + [40] * 20,
            "w": [8 / 7] * 7 + [2.0] * 20,
        }
    )
    table = compare_units(frame, Design(answers, strata="organisation_id", weights="w", fpc="N"))
    assert table.loc["A", "n_eff"] == pytest.approx(7.0)
    assert (table["n_eff"] <= table["respondents"]).all()


def test_a_five_event_unit_at_100_percent_is_not_accused_for_one_dissatisfied_answer():
    study = simulate(SCENARIOS["honest"], seed=4)
    frame = study.frame.copy()
    frame = pd.concat(
        [frame, pd.DataFrame({"record_id": [f"T{i}" for i in range(5)], "organisation_id": "TINY",
                              "domain": "律师", "system_rating": "satisfied"})],
        ignore_index=True,
    )  # fmt: skip
    tiny = study.interviews.iloc[:5].copy()
    tiny["organisation_id"], tiny["weight"] = "TINY", 1.0
    tiny["sat_overall"] = ["satisfied"] * 4 + ["dissatisfied"]
    interviews = pd.concat([study.interviews, tiny], ignore_index=True)
    design = Design(interviews, strata="organisation_id", weights="weight", lonely_psu="adjust")
    table = compare_units(frame, design, interviews=interviews)
    assert table.loc["TINY", "p_value"] > 0.2 or table.loc["TINY", "status"] == "insufficient_evidence"
    assert not table.loc["TINY", "flagged"]


def test_an_honest_unit_with_three_of_fourteen_saying_someone_else_rated_is_not_accused_on_that_alone():
    # 1.8% of all respondents say so; honest offices differ in it (the simulation's multiplier has a CV
    # of 0.5), while the truncated fit found almost no spread: against that law U049's evidence p was
    # below BH's 0.1/60. With the spread floored (`unit_model.SIGN_SPREAD_SHAPE`) it is 0.0019
    table = verdicts(simulate(SCENARIOS["honest_near_100"], seed=19))
    assert table.loc["U049", ["rated_by_other", "interviews"]].tolist() == [3, 14]
    assert not table["flagged"].any()


def test_a_unit_with_too_few_respondents_is_insufficient_evidence_and_never_tested():
    study = simulate(SCENARIOS["honest_small_units"], seed=2)
    table = verdicts(study)
    few = table["respondents"].between(1, 4)
    assert few.any()
    assert (table.loc[few, "status"] == "insufficient_evidence").all()
    assert table.loc[few, "evidence_p_value"].isna().all()


def test_units_without_respondents_are_not_surveyed():
    study = simulate(SCENARIOS["honest"], seed=3)
    frame = pd.concat(
        [study.frame, pd.DataFrame({"record_id": ["X1"], "organisation_id": "NONE", "domain": "律师",
                                    "system_rating": "satisfied"})],
        ignore_index=True,
    )  # fmt: skip
    table = compare_units(frame, study.design, interviews=study.interviews)
    assert table.loc["NONE", "status"] == "not_surveyed"


def test_the_honest_gap_is_estimated_from_the_data_not_assumed_zero():
    table = verdicts(simulate(SCENARIOS["honest_mode_-3"], seed=5))
    assert (table["honest_gap"].dropna() > 0.1).all()


def test_shrinkage_pulls_each_unit_toward_its_own_domain_mean():
    table = verdicts(simulate(SCENARIOS["honest_domains_differ"], seed=1))
    by_domain = table.groupby("domain")["shrunk_rate"].mean()
    assert by_domain.max() - by_domain.min() > 0.2  # not one constant for every unit
    for _, part in table.dropna(subset=["shrunk_rate"]).groupby("domain"):
        raw = part["x_eff"] / part["n_eff"]
        assert part["shrunk_rate"].std() < raw.std()  # pulled together, toward the domain's mean
        assert part["shrunk_rate"].nunique() > 1  # not pooled into one constant


def test_shrunk_interval_contains_the_shrunk_rate(result):
    ranked = result.dropna(subset=["shrunk_rate"])
    assert (
        (ranked["shrunk_low"] <= ranked["shrunk_rate"]) & (ranked["shrunk_rate"] <= ranked["shrunk_high"])
    ).all()


def test_inflation_interval_contains_the_inflation_estimate(result):
    rows = result.dropna(subset=["inflation"])
    assert (
        (rows["inflation_low"] <= rows["inflation"]) & (rows["inflation"] <= rows["inflation_high"])
    ).all()


def test_not_rated_answers_are_counted_apart_from_someone_else_rated():
    study = simulate(SCENARIOS["honest"], seed=6)
    table = verdicts(study)
    answers = study.interviews.groupby("organisation_id")["who_rated"]
    assert table["rated_by_other"].to_dict() == answers.apply(lambda s: int((s == "other").sum())).to_dict()
    assert table["not_rated"].to_dict() == answers.apply(lambda s: int((s == "not_rated").sum())).to_dict()


def test_rank_interval_contains_the_rank(result):
    ranked = result.dropna(subset=["rank"])
    assert ((ranked["rank_low"] <= ranked["rank"]) & (ranked["rank"] <= ranked["rank_high"])).all()


def test_rank_intervals_repeat_with_the_same_seed_and_the_seed_is_recorded(study):
    design = Design(study.respondents, strata="organisation_id", weights="weight")
    first = compare_units(study.frame, design, seed=3)
    again = compare_units(study.frame, design, seed=3)
    pd.testing.assert_series_equal(first["rank_high"], again["rank_high"])
    assert first.attrs["seed"] == 3


def test_a_unit_with_responses_but_no_frame_records_is_an_error(study):
    frame = study.frame[study.frame["organisation_id"] != "ORG0000"]
    with pytest.raises(Exception, match="ORG0000"):
        compare_units(frame, Design(study.respondents, strata="organisation_id", weights="weight"))


def test_simes_combination_is_twice_the_smaller_or_the_larger_p_value():
    from analysis.units import simes

    combined = simes(pd.Series([0.01, 0.04, 0.3, np.nan]), pd.Series([0.03, 0.01, np.nan, np.nan]))
    assert combined.tolist()[:3] == pytest.approx([0.02, 0.02, 0.3])
    assert np.isnan(combined.iloc[3])
