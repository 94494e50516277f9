"""Unit-level comparison on a small synthetic study with known truth (tests/analysis/synthetic.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import Design, compare_units, surveyor_effects
from analysis.units import binomial_lower_tail, shrink
from tests.analysis.synthetic import make_study


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


def test_continuous_binomial_tail_equals_the_binomial_cdf_at_whole_numbers():
    x, n, p = np.array([0, 3, 7, 10]), np.array([10, 10, 10, 10]), np.array([0.8, 0.8, 0.8, 0.8])
    assert binomial_lower_tail(x, n, p) == pytest.approx(stats.binom.cdf(x, n, p), rel=1e-10)


def test_benjamini_hochberg_adjustment_is_the_step_up_minimum(result):
    p = result["evidence_p_value"].dropna().sort_values()
    m = len(p)
    step_up = np.minimum.accumulate((p.to_numpy() * m / np.arange(1, m + 1))[::-1])[::-1].clip(max=1)
    assert result.loc[p.index, "evidence_p_adjusted"].to_numpy() == pytest.approx(step_up)


def test_flagged_units_have_adjusted_p_at_most_q(result):
    assert (result.loc[result["flagged"], "evidence_p_adjusted"] <= 0.10).all()


def test_most_inflated_units_are_flagged_and_few_honest_ones(study, result):
    flagged = set(result.index[result["flagged"]])
    assert len(flagged & study.inflated) >= 0.7 * len(study.inflated)
    assert len(flagged - study.inflated) <= max(1, 0.2 * len(flagged))


def test_shrinkage_pulls_small_units_further_towards_the_mean():
    x_eff, n_eff = np.array([2.0, 20.0, 40.0, 80.0]), np.array([4.0, 40.0, 50.0, 100.0])
    posterior, _, mu, tau2 = shrink(x_eff, n_eff)
    raw = np.log((x_eff + 0.5) / (n_eff - x_eff + 0.5))
    pull = np.abs(posterior - raw) / np.abs(mu - raw)
    assert tau2 > 0
    assert pull[0] > pull[1]


def test_rank_interval_contains_the_rank(result):
    ranked = result.dropna(subset=["rank"])
    assert ((ranked["rank_low"] <= ranked["rank"]) & (ranked["rank"] <= ranked["rank_high"])).all()


def test_rank_intervals_repeat_with_the_same_seed(study):
    design = Design(study.respondents, strata="organisation_id", weights="weight")
    first = compare_units(study.frame, design, seed=3)["rank_high"]
    again = compare_units(study.frame, design, seed=3)["rank_high"]
    pd.testing.assert_series_equal(first, again)


def test_a_unit_with_responses_but_no_frame_records_is_an_error(study):
    frame = study.frame[study.frame["organisation_id"] != "ORG0000"]
    with pytest.raises(Exception, match="ORG0000"):
        compare_units(frame, Design(study.respondents, strata="organisation_id", weights="weight"))


def test_a_surveyor_who_records_more_satisfaction_than_peers_is_flagged():
    rng = np.random.default_rng(2)
    n = 1200
    data = pd.DataFrame(
        {"stratum": rng.choice(["a", "b", "c"], n), "surveyor_id": rng.choice(list("PQRSTU"), n)}
    )
    p = np.where(data["surveyor_id"] == "P", 0.97, 0.75)
    data["sat_overall"] = np.where(rng.random(n) < p, "satisfied", "dissatisfied")
    table = surveyor_effects(data)
    assert table.loc["P", "satisfied_flagged"]
    assert table["satisfied_flagged"].sum() == 1


def test_simes_combination_is_twice_the_smaller_or_the_larger_p_value():
    from analysis.units import simes

    combined = simes(pd.Series([0.01, 0.04, 0.3, np.nan]), pd.Series([0.03, 0.01, np.nan, np.nan]))
    assert combined.tolist()[:3] == pytest.approx([0.02, 0.02, 0.3])
    assert np.isnan(combined.iloc[3])
