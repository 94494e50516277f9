"""How long after the service each phase of a two-phase study was called, and the caution the summary
adds where phase 2 was called much later (`phase_two.callback_days_of`,
`analysis_service.phase_two_lines`; no database)."""

from __future__ import annotations

import types

import numpy as np
import pandas as pd

from survey_app.services import analysis_service, phase_two, reports

DESIGN = types.SimpleNamespace(params={"phase2": {"allocation": {"S1": 2, "S2": 0}, "replicate": 4}})


def _cases(**changes) -> pd.DataFrame:
    cases = pd.DataFrame(
        {
            "stratum": ["S1", "S1", "S1", "S1", "S2"],
            "replicate": [1, 1, 4, 4, 1],
            "respondent": [True, True, True, False, True],
            "service_date": pd.to_datetime(["2026-03-01"] * 5),
            "started_at": pd.to_datetime(
                [
                    "2026-03-05 10:00",
                    "2026-03-09 11:00",
                    "2026-04-02 09:00",
                    "2026-05-30 08:00",
                    "2026-06-30 08:00",
                ]
            ),
        }
    )
    return cases.assign(**changes)


def test_each_phase_is_the_median_of_its_respondents_in_the_expanded_strata():
    # phase 1: 4 and 8 days; phase 2: 32 days (its non-respondent and the unexpanded S2 do not count)
    assert phase_two.callback_days_of(_cases(), DESIGN) == {1: 6.0, 2: 32.0}


def test_a_phase_nobody_answered_yet_has_no_figure():
    days = phase_two.callback_days_of(_cases(respondent=[True, True, False, False, True]), DESIGN)
    assert days[1] == 6.0 and np.isnan(days[2])


def test_a_one_phase_study_has_no_figures():
    assert phase_two.callback_days_of(_cases(), types.SimpleNamespace(params={})) == {}


def _units() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": ["甲所"],
            "phase2_cases": [12.0],
            "combination_p_value": [0.01],
            "combination_p_adjusted": [0.05],
        },
        index=["ORG0001"],
    )


def test_the_summary_cautions_against_a_small_p_where_phase_two_was_called_weeks_later():
    lines = analysis_service.phase_two_lines(_units(), days={1: 6.0, 2: 32.0})
    assert lines[-2] == (
        "  The expanded units were called a median of 6 days after the service in phase 1, 32 in phase 2."
    )
    assert (
        lines[-1].startswith("  Phase 2 was called much later than phase 1") and "with caution" in lines[-1]
    )


def test_the_summary_only_states_the_days_where_both_phases_were_called_alike():
    lines = analysis_service.phase_two_lines(_units(), days={1: 6.0, 2: 12.0})
    assert lines[-1] == (
        "  The expanded units were called a median of 6 days after the service in phase 1, 12 in phase 2."
    )


def test_the_summary_says_nothing_of_days_before_phase_two_is_called():
    lines = analysis_service.phase_two_lines(_units(), days={1: 6.0, 2: float("nan")})
    assert not any("median" in line for line in lines)


def test_the_report_carries_both_phases_days_only_when_both_were_called():
    def result(days):
        return types.SimpleNamespace(expanded=types.SimpleNamespace(days=days))

    assert reports._phase_days(result({1: 6.0, 2: 32.0})) == (6.0, 32.0)
    assert reports._phase_days(result({1: 6.0, 2: float("nan")})) is None
    assert reports._phase_days(types.SimpleNamespace(expanded=None)) is None
