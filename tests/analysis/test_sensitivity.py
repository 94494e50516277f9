"""The Γ-bounded refusal range beside the headline 满意率 (`analysis.sensitivity`)."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.errors import AnalysisError
from analysis.headline import replicate_headline
from analysis.respondents import adjusted_sample
from analysis.sensitivity import REFUSAL_HIGH, REFUSAL_LOW, refusal_sensitivity, tilt, tilted_rate
from tests.analysis.nonresponse_sim import ORDER, draw_study, make_population


def test_tilt_makes_the_odds_gamma_times_lower():
    p = np.array([0.2, 0.5, 0.9])
    shifted = tilt(p, 2.0)
    assert np.allclose((p / (1 - p)) / (shifted / (1 - shifted)), 2.0)


def test_tilted_rate_matches_a_hand_computation():
    # class 0: two respondents (calibrated weight 1 each, one satisfied), factor 2 → final 2 each
    # class 1: one satisfied respondent (calibrated 1), factor 3 → final 3
    calibrated = np.array([1.0, 1.0, 1.0])
    final = np.array([2.0, 2.0, 3.0])
    classes = np.array([0, 0, 1])
    satisfied = np.array([1.0, 0.0, 1.0])
    # class 0: p = 1/2, n = 2, smoothed (2·½ + ½)/3 = ½, tilt(½, 2) = 1/3, q = ½ − (½ − ⅓) = ⅓;
    #          satisfied 1 + ⅓ · (4 − 2) nonrespondent weight = 5/3
    # class 1: p = 1, n = 1, smoothed (1 + ½)/2 = ¾, tilt(¾, 2) = ¾ / (¾ + ½) = 3/5, q = 1 − (¾ − 3/5) = 17/20;
    #          satisfied 1 + 17/20 · (3 − 1) = 27/10
    expected = (5 / 3 + 27 / 10) / 7
    assert tilted_rate(final, calibrated, classes, satisfied, 2.0)[0] == pytest.approx(expected, abs=1e-12)


def test_gamma_one_gives_the_adjusted_estimate():
    calibrated = np.array([1.0, 1.0, 1.0])
    final = np.array([2.0, 2.0, 3.0])
    satisfied = np.array([1.0, 0.0, 1.0])
    rate = tilted_rate(final, calibrated, np.array([0, 0, 1]), satisfied, 1.0)[0]
    assert rate == pytest.approx((final * satisfied).sum() / final.sum(), abs=1e-12)


@pytest.fixture(scope="module")
def refusal_study():
    population = make_population(7, events=6_000, units=40, districts=6)
    cases, totals = draw_study(population, 11, "refuse", 400, "organisation_id")
    return adjusted_sample(cases, totals, rating_order=ORDER)


def _overall(table, metric="满意率"):
    return table[(table["metric"] == metric) & (table["group"] == "overall")].iloc[0]


def test_range_brackets_the_headline_with_jackknife_intervals(refusal_study):
    headline = _overall(replicate_headline(refusal_study, by=()))
    table = refusal_sensitivity(refusal_study).set_index("metric")
    low, high = table.loc[REFUSAL_LOW], table.loc[REFUSAL_HIGH]
    assert low["estimate"] < headline["estimate"] < high["estimate"]
    assert low["ci_low"] < low["estimate"] < low["ci_high"] and low["se"] > 0
    assert high["ci_low"] < high["estimate"] < high["ci_high"] and high["se"] > 0
    assert low["n"] == headline["n"] and low["df"] == headline["df"]


def test_gamma_one_reproduces_the_headline_and_its_jackknife_se(refusal_study):
    headline = _overall(replicate_headline(refusal_study, by=()))
    table = refusal_sensitivity(refusal_study, gamma=1.0)
    assert np.allclose(table["estimate"], headline["estimate"], atol=1e-12)
    assert np.allclose(table["se"], headline["se"], atol=1e-12)


def test_a_larger_gamma_widens_the_range(refusal_study):
    narrow = refusal_sensitivity(refusal_study, gamma=1.5)["estimate"].to_numpy()
    wide = refusal_sensitivity(refusal_study, gamma=3.0)["estimate"].to_numpy()
    assert wide[0] < narrow[0] and wide[1] > narrow[1]


def test_gamma_below_one_is_refused_in_words(refusal_study):
    with pytest.raises(AnalysisError, match=r"gamma=0\.5 must be a number ≥ 1"):
        refusal_sensitivity(refusal_study, gamma=0.5)
