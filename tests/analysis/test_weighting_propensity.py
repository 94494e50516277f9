"""Propensity-class nonresponse adjustment: the system rating is never pooled away, weights add up."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import AnalysisError
from analysis.weighting import ordered_groups, propensity_adjust, response_propensity

ORDER = ("satisfied", "basically_satisfied", "dissatisfied")


@pytest.fixture
def cases():
    rng = np.random.default_rng(8)
    n = 900
    frame = pd.DataFrame(
        {
            "stratum": rng.choice([f"ORG{i:03d}" for i in range(60)], n),
            "system_rating": rng.choice(ORDER, n, p=[0.7, 0.2, 0.1]),
            "channel": rng.choice(["网络平台", "实体平台", "热线平台"], n),
            "domain": rng.choice(["律师", "公证"], n),
            "w": rng.uniform(5, 15, n),
        }
    )
    frame["eligible"] = rng.random(n) > 0.03
    base = np.where(frame["system_rating"] == "dissatisfied", 0.3, 0.6)
    frame["responded"] = rng.random(n) < base + np.where(frame["channel"] == "网络平台", 0.2, 0.0)
    return frame


TOTALS = {"satisfied": 7000.0, "basically_satisfied": 2100.0, "dissatisfied": 900.0}


def test_ordered_groups_merge_only_neighbours_smallest_first():
    assert ordered_groups(["a", "b", "c", "d"], [50, 3, 40, 30], 20) == [["a"], ["b", "c"], ["d"]]
    assert ordered_groups(["a", "b", "c"], [50, 40, 3], 20) == [["a"], ["b", "c"]]
    assert ordered_groups(["a", "b", "c"], [5, 5, 5], 20) == [["a", "b", "c"]]


def test_response_classes_never_mix_system_ratings_even_with_one_small_stratum_per_unit(cases):
    result = propensity_adjust(cases, "responded", "eligible", "w", rating_order=ORDER, rating_totals=TOTALS)
    data = result.data[result.data["eligible"]]
    assert (data.groupby("nr_class")["system_rating"].nunique() == 1).all()
    assert set(result.classes["rating_group"]) == set(ORDER)


def test_a_rating_level_with_too_few_respondents_joins_its_neighbour_on_the_scale(cases):
    few = cases[(cases["system_rating"] != "dissatisfied") | (cases.index % 10 == 0)]
    assert (few["responded"] & (few["system_rating"] == "dissatisfied")).sum() < 5
    result = propensity_adjust(
        few, "responded", "eligible", "w", rating_order=ORDER, min_rating_respondents=5
    )
    assert set(result.classes["rating_group"]) == {"satisfied", "basically_satisfied+dissatisfied"}


def test_released_cases_are_calibrated_to_the_frame_counts_per_system_rating(cases):
    result = propensity_adjust(cases, "responded", "eligible", "w", rating_order=ORDER, rating_totals=TOTALS)
    data = result.data
    calibrated = result.recipe.apply(np.ones(len(data)) * data["w"].to_numpy())
    # respondents carry the eligible cases' calibrated weight; ineligible cases keep theirs out of it
    sums = data["w"].groupby(data["system_rating"]).sum()
    ineligible = data.loc[~data["eligible"], "w"].groupby(data["system_rating"]).sum()
    share_ineligible = (ineligible / sums).reindex(list(ORDER), fill_value=0)
    by_rating = pd.Series(calibrated).groupby(data["system_rating"].to_numpy()).sum()
    expected = pd.Series(TOTALS) * (1 - share_ineligible)
    assert by_rating.reindex(list(ORDER)).to_numpy() == pytest.approx(
        expected.reindex(list(ORDER)).to_numpy()
    )


def test_respondent_weights_add_up_to_each_class_eligible_weight(cases):
    result = propensity_adjust(cases, "responded", "eligible", "w", rating_order=ORDER)
    data = result.data[result.data["eligible"]]
    by_class = data.groupby("nr_class")
    assert by_class["nr_weight"].sum().to_numpy() == pytest.approx(by_class["w"].sum().to_numpy())
    assert (result.data.loc[~result.data["responded"], "nr_weight"] == 0).all()


def test_propensity_groups_have_the_minimum_of_respondents_and_a_small_rating_level_stays_one_class(cases):
    result = propensity_adjust(cases, "responded", "eligible", "w", rating_order=ORDER, min_respondents=25)
    classes = result.classes
    split = classes.groupby("rating_group")["respondents"].transform("size") > 1
    assert (classes.loc[split, "respondents"] >= 25).all()
    small = classes.groupby("rating_group")["respondents"].sum() < 2 * 25
    assert (classes.groupby("rating_group").size()[small] == 1).all() and small.any()


def test_the_recipe_applied_to_a_matrix_repeats_it_column_by_column(cases):
    recipe = propensity_adjust(
        cases, "responded", "eligible", "w", rating_order=ORDER, rating_totals=TOTALS
    ).recipe
    rng = np.random.default_rng(1)
    weights = cases["w"].to_numpy()[:, None] * rng.uniform(0.5, 1.5, (len(cases), 3))
    together = recipe.apply(weights)
    for k in range(3):
        assert together[:, k] == pytest.approx(recipe.apply(weights[:, k]), rel=1e-13)


def test_unpenalised_propensity_equals_statsmodels_logistic_regression(cases):
    import statsmodels.api as sm

    fitted = response_propensity(
        cases, cases["responded"].to_numpy(), ["system_rating", "channel"], ridge=0.0
    )
    x = pd.get_dummies(cases[["system_rating", "channel"]], drop_first=True).astype(float)
    reference = sm.Logit(cases["responded"].astype(float), sm.add_constant(x)).fit(disp=0).predict()
    assert fitted == pytest.approx(np.asarray(reference), abs=1e-8)


def test_a_case_without_system_rating_is_named(cases):
    cases.loc[7, "system_rating"] = None
    with pytest.raises(AnalysisError, match="'system_rating' is empty at row 7"):
        propensity_adjust(cases, "responded", "eligible", "w", rating_order=ORDER)
