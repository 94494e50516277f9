"""From released cases with dispositions to the respondent design."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import AnalysisError, respondent_design


@pytest.fixture
def cases():
    dispositions = ["1.1", "1.1", "2.11", "4.12", "1.2", "3.13", "1.1", "2.21", "1.1", "1.1"]
    return pd.DataFrame(
        {
            "stratum": ["a"] * 5 + ["b"] * 5,
            "N_h": [100] * 5 + [50] * 5,
            "design_weight": [20.0] * 5 + [10.0] * 5,
            "system_rating": ["satisfied"] * 10,
            "disposition": dispositions,
            "sat_overall": [
                "satisfied",
                "dk",
                None,
                None,
                "satisfied",
                None,
                "dissatisfied",
                None,
                "satisfied",
                "satisfied",
            ],
        }
    )


def test_interviews_of_eligible_cases_make_the_design(cases):
    result = respondent_design(cases, min_respondents=1)
    assert result.design.n == 6  # 1.1 ×5 and 1.2; the 4.12 case is not eligible


def test_respondent_weights_carry_the_eligible_nonrespondents(cases):
    result = respondent_design(cases, min_respondents=1)
    # stratum a: eligible weight 4 × 20 = 80 over 3 respondents; stratum b: 5 × 10 over 3
    assert result.design.weights.sum() == pytest.approx(80 + 50)


def test_missing_disposition_column_is_named(cases):
    with pytest.raises(AnalysisError, match="'disposition'"):
        respondent_design(cases.drop(columns="disposition"))
