"""Nonresponse adjustment within weighting classes, collapsing, and the nonresponse-bias table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import AnalysisError, frame_margins, nonresponse_adjust, nonresponse_bias_table


@pytest.fixture
def sample():
    rng = np.random.default_rng(5)
    n = 600
    frame = pd.DataFrame(
        {
            "system_rating": rng.choice(
                ["satisfied", "basically_satisfied", "dissatisfied"], n, p=[0.7, 0.2, 0.1]
            ),
            "channel": rng.choice(["网络平台", "实体平台", "热线平台"], n),
            "design_weight": rng.uniform(5, 15, n),
        }
    )
    frame["responded"] = rng.random(n) < np.where(frame["system_rating"] == "dissatisfied", 0.3, 0.6)
    return frame


def test_respondent_weights_add_up_to_the_sample_weight_in_every_class(sample):
    result = nonresponse_adjust(sample, "responded", ["system_rating", "channel"], min_respondents=5)
    data = result.data
    by_class = data.groupby("nr_class")
    assert by_class["nr_weight"].sum().to_numpy() == pytest.approx(by_class["design_weight"].sum().to_numpy())


def test_nonrespondents_get_weight_zero(sample):
    data = nonresponse_adjust(sample, "responded", ["system_rating"], min_respondents=5).data
    assert (data.loc[~data["responded"], "nr_weight"] == 0).all()


def test_adjustment_factor_is_class_weight_over_respondent_weight(sample):
    data = nonresponse_adjust(sample, "responded", ["system_rating"], min_respondents=5).data
    cls = data["system_rating"] == "dissatisfied"
    expected = data.loc[cls, "design_weight"].sum() / data.loc[cls & data["responded"], "design_weight"].sum()
    assert data.loc[cls, "nr_factor"].iloc[0] == pytest.approx(expected)


def test_a_class_with_too_few_respondents_collapses_to_its_coarser_class(sample):
    result = nonresponse_adjust(sample, "responded", ["system_rating", "channel"], min_respondents=15)
    dissatisfied = result.data.loc[result.data["system_rating"] == "dissatisfied", "nr_class"]
    assert set(dissatisfied) == {"dissatisfied"}
    assert result.classes.loc["dissatisfied", "variables"] == 1


def test_ineligible_cases_take_no_part(sample):
    sample["eligible"] = True
    sample.loc[:9, "eligible"] = False
    data = nonresponse_adjust(
        sample, "responded", ["system_rating"], eligible_col="eligible", min_respondents=5
    ).data
    assert data.loc[data["responded"], "nr_weight"].sum() == pytest.approx(
        sample.loc[10:, "design_weight"].sum()
    )


def test_missing_class_column_is_named(sample):
    with pytest.raises(AnalysisError, match="'district'"):
        nonresponse_adjust(sample, "responded", ["district"])


def test_frame_margins_count_every_level(sample):
    margins = frame_margins(sample, ["channel"])
    assert margins["channel"] == sample["channel"].value_counts().to_dict()


def test_bias_table_tests_response_against_each_variable_with_pearsons_chi_square(sample):
    table = nonresponse_bias_table(sample, "responded", ["system_rating", "channel"])
    expected = stats.chi2_contingency(
        pd.crosstab(sample["system_rating"], sample["responded"]), correction=False
    )
    row = table[table["variable"] == "system_rating"].iloc[0]
    assert (row["chi2"], row["p_value"]) == pytest.approx((expected[0], expected[1]))


def test_bias_table_shares_sum_to_one_on_each_side(sample):
    table = nonresponse_bias_table(sample, "responded", ["channel"], weight_col="design_weight")
    assert table["share_respondents"].sum() == pytest.approx(1)
    assert table["share_nonrespondents"].sum() == pytest.approx(1)


def test_calibration_to_the_frame_reproduces_the_frame_counts(sample):
    from analysis import Design
    from analysis.weighting import calibrate_to_frame

    frame = sample.loc[sample.index.repeat(3)].reset_index(drop=True)
    respondents = nonresponse_adjust(sample, "responded", ["system_rating"], min_respondents=5).data
    respondents = respondents[respondents["responded"]]
    design = Design(respondents, weights="nr_weight")
    for method in ("rake", "linear"):
        calibrated = calibrate_to_frame(design, frame, ["system_rating", "channel"], method=method)
        for column in ("system_rating", "channel"):
            totals = pd.Series(calibrated.weights).groupby(calibrated.data[column].to_numpy()).sum()
            assert totals.to_dict() == pytest.approx(frame[column].value_counts().to_dict())


def test_bias_table_compares_every_frame_variable_present_by_default(sample):
    table = nonresponse_bias_table(sample, "responded")
    assert set(table["variable"]) == {"system_rating", "channel"}
