"""The one sentence that says what the surveyors' own variance did to the headline interval
(`analysis_service.interviewer_words`; ARCHITECTURE.md, "Interviewer variance")."""

from __future__ import annotations

import pandas as pd

from survey_app.services.analysis_service import SATISFACTION, interviewer_words


def headline(se_interviewer: float, rho: float, interviewers: int = 5) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "metric": [SATISFACTION],
            "group": ["overall"],
            "se": [(0.011**2 + se_interviewer**2) ** 0.5],
            "se_sampling": [0.011],
            "se_interviewer": [se_interviewer],
            "interviewer_rho": [rho],
            "interviewers": [interviewers],
        }
    )


def test_a_positive_component_is_stated_with_rho_and_both_standard_errors():
    said = interviewer_words(headline(0.008, 0.004), "en")
    assert "ρ = 0.004" in said and "from 1.1 to 1.4 points" in said


def test_surveyors_alike_leave_the_interval_as_it_was():
    assert "区间未因此加宽" in interviewer_words(headline(0.0, 0.0))


def test_surveyors_who_called_no_citizens_rated_alike_are_not_called_alike():
    said = interviewer_words(headline(0.0, float("nan")), "en")
    assert "could not be estimated" in said and "no more than chance" not in said
    assert "访员间差异无法估计" in interviewer_words(headline(0.0, float("nan")))


def test_one_surveyor_gets_no_sentence():
    assert interviewer_words(headline(0.0, float("nan"), interviewers=1)) == ""


def test_a_positive_component_gives_the_surveyors_spread_to_plan_the_next_study_with():
    table = headline(0.008, 0.004).assign(interviewer_sd=0.021)
    assert "SD of about 2.1 points of the satisfied share" in interviewer_words(table, "en")
    assert "访员之间的差异约为满意比例的 2.1 个百分点（标准差）" in interviewer_words(table)
