"""How long after the service each phase of a two-phase study was called, and the caution the summary
adds where phase 2 was called much later (`phase_two.callback_days_of`,
`analysis_service.phase_two_lines`; no database)."""

from __future__ import annotations

import types

import numpy as np
import pandas as pd
import pytest

from analysis.phase_two_test import FADE_MIN_UNITS, DomainFade, Fade
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


def _expanded(days: dict, fade: Fade | None = None) -> analysis_service.ExpandedStrata:
    return analysis_service.ExpandedStrata(
        pd.DataFrame(), "organisation_id", pd.Series(dtype=object), 1, days, fade
    )


def test_the_summary_cautions_against_a_small_p_where_phase_two_was_called_weeks_later():
    lines = analysis_service.phase_two_lines(_units(), strata=_expanded({1: 6.0, 2: 32.0}))
    assert lines[-2] == (
        "  The expanded units were called a median of 6 days after the service in phase 1, 32 in phase 2."
    )
    assert (
        lines[-1].startswith("  Phase 2 was called much later than phase 1") and "with caution" in lines[-1]
    )


def test_the_caution_says_whether_the_test_allowed_for_a_fade_phase_one_measured():
    measured = analysis_service.phase_two_lines(
        _units(), strata=_expanded({1: 6.0, 2: 32.0}, Fade(-0.012, -0.02, -0.004, 850))
    )
    unmeasured = analysis_service.phase_two_lines(_units(), strata=_expanded({1: 6.0, 2: 32.0}))
    assert "The test allows for the fade phase 1 measured" in measured[-1]
    assert measured[-2].endswith("the test above allows for it.")
    assert "too few to measure a fade, so the test does not allow for one" in unmeasured[-1]


def test_the_summary_says_what_the_test_expected_for_a_unit_s_lateness():
    lines = analysis_service.phase_two_lines(_units().assign(fade_allowance=[-0.0667]))
    assert lines[1].endswith("adjusted 0.05, -6.7 points expected for lateness")


def test_the_summary_only_states_the_days_where_both_phases_were_called_alike():
    lines = analysis_service.phase_two_lines(_units(), strata=_expanded({1: 6.0, 2: 12.0}))
    assert lines[-1] == (
        "  The expanded units were called a median of 6 days after the service in phase 1, 12 in phase 2."
    )


def test_the_summary_says_how_fast_phase_one_answers_faded():
    lines = analysis_service.phase_two_lines(
        _units(), strata=_expanded({1: 6.0, 2: 12.0}, Fade(-0.012, -0.02, -0.004, 850))
    )
    assert lines[-1] == (
        "  In phase 1, the share of satisfied answers on records rated satisfied changed by -1.2 points for "
        "each week later after the service (95% CI -2.0 to -0.4, within units, 850 answers); the test above "
        "allows for it."
    )


def test_the_summary_says_nothing_of_days_before_phase_two_is_called():
    lines = analysis_service.phase_two_lines(_units(), strata=_expanded({1: 6.0, 2: float("nan")}))
    assert not any("median" in line for line in lines)


def test_the_report_carries_the_phases_days_and_fade_only_once_both_were_called():
    fade = Fade(-0.012, -0.02, -0.004, 850)

    def timing(days):
        return reports._phase_timing(types.SimpleNamespace(expanded=_expanded(days, fade)))

    assert timing({1: 6.0, 2: 32.0}) == {"phase_days": (6.0, 32.0), "phase_fade": fade}
    assert timing({1: 6.0, 2: float("nan")}) == {}
    assert reports._phase_timing(types.SimpleNamespace(expanded=None)) == {}


def _fading(phase_two_flipped: bool = False) -> pd.DataFrame:
    """Phase-1 answers on records rated satisfied in two strata: satisfied within 20 days of the
    service, not after; records rated not satisfied (and, with `phase_two_flipped`, phase 2) the other
    way round."""
    rows = []
    for stratum in ("S1", "S2"):
        for day in range(0, 40, 2):
            rows.append((stratum, 1, "satisfied", day, "满意" if day < 20 else "不满意"))
            rows.append((stratum, 1, "unsatisfied", day, "不满意" if day < 20 else "满意"))
            if phase_two_flipped:
                rows.append((stratum, 4, "satisfied", day + 30, "不满意" if day < 20 else "满意"))
    data = pd.DataFrame(rows, columns=["stratum", "replicate", "system_rating", "days", "sat_overall"])
    return data.assign(
        respondent=True,
        service_date=pd.Timestamp("2026-03-01"),
        started_at=pd.Timestamp("2026-03-01 09:00") + pd.to_timedelta(data["days"], unit="D"),
    )


def test_phase_one_fade_reads_only_phase_one_answers_on_records_rated_satisfied():
    design = types.SimpleNamespace(params={"phase2": {"replicate": 4, "system_codes": ["satisfied"]}})
    alone = phase_two.phase_one_fade(_fading(), design, ["满意"])
    assert alone.per_week < 0 and alone.answers == 40
    assert phase_two.phase_one_fade(_fading(phase_two_flipped=True), design, ["满意"]) == alone


def test_phase_one_fade_measures_each_domain_on_its_own_strata():
    design = types.SimpleNamespace(params={"phase2": {"replicate": 4, "system_codes": ["satisfied"]}})
    fading = pd.concat(  # 公证's answers fade as `_fading`'s, 律师's never
        [_fading().assign(stratum=lambda t, i=i: t["stratum"] + f"-{i}") for i in range(FADE_MIN_UNITS)]
    ).assign(domain="公证")
    alternating = np.where(fading["days"] % 4 == 0, "满意", "不满意")  # every other answer, early and late
    steady = fading.assign(domain="律师", stratum=lambda t: "L" + t["stratum"], sat_overall=alternating)
    fade = phase_two.phase_one_fade(pd.concat([fading, steady], ignore_index=True), design, ["满意"])
    assert set(fade.by_domain) == {"公证", "律师"}
    assert fade.by_domain["公证"].per_week < fade.per_week < 0
    assert abs(fade.by_domain["律师"].per_week) < abs(fade.by_domain["公证"].per_week) / 5


def test_each_expanded_stratum_counts_how_late_its_answers_on_records_rated_satisfied_came():
    design = types.SimpleNamespace(
        params={"phase2": {"allocation": {"S1": 20, "S2": 0}, "replicate": 4, "system_codes": ["satisfied"]}}
    )
    data = _fading(phase_two_flipped=True)
    data = data[(data["stratum"] == "S1") | (data["replicate"] == 1)]  # phase 2 called S1 only
    counts = phase_two.expanded_counts_of(data, design, ["满意"])
    # the study's 60 such answers: S1's phase 1 (mean day 19) and phase 2 (49), S2's phase 1 (19);
    # mean day 29, so S1's answers were 20 × (−10) + 20 × 20 = 200 days later than it, in sum
    assert list(counts.index) == ["S1"]
    assert counts.loc["S1", "late_weeks"] == pytest.approx(200 / 7)


def test_the_rate_test_of_an_expanded_unit_allows_for_the_fade_phase_one_measured():
    counts = pd.DataFrame(
        {"phase2_cases": [24], "x": [27], "n": [36], "late_weeks": [24 * 4.0]}, index=["S1"]
    )
    units = pd.DataFrame(
        {"system_satisfied": [285], "frame_records": [300], "honest_gap": [0.4], "honest_spread": [0.3]},
        index=pd.Index(["ORG1"], name="organisation_id"),
    )

    def tested(fade: Fade | None) -> pd.Series:
        strata = analysis_service.ExpandedStrata(
            counts, "organisation_id", pd.Series({"S1": "ORG1"}), 10, {1: 6.0, 2: 34.0}, fade
        )
        return analysis_service.combination_by_unit(strata, units).iloc[0]

    # system 95%, callbacks 75%, phase 2's 24 answers four weeks later: the fade explains part of it
    allowed, plain = tested(Fade(-0.025, -0.035, -0.015, 900)), tested(None)
    assert allowed["combination_p_value"] > 2 * plain["combination_p_value"]
    assert allowed["fade_allowance"] == pytest.approx(-0.025 * 96 / 36)  # said beside the p-value
    assert np.isnan(plain["fade_allowance"])


def test_the_rate_test_of_an_expanded_unit_allows_for_its_own_domain_s_fade():
    counts = pd.DataFrame(
        {"phase2_cases": [24], "x": [27], "n": [36], "late_weeks": [24 * 4.0]}, index=["S1"]
    )
    units = pd.DataFrame(
        {
            "system_satisfied": [285],
            "frame_records": [300],
            "honest_gap": [0.4],
            "honest_spread": [0.3],
            "domain": ["人民调解"],
        },
        index=pd.Index(["ORG1"], name="organisation_id"),
    )

    def tested(fade: Fade) -> pd.Series:
        strata = analysis_service.ExpandedStrata(
            counts, "organisation_id", pd.Series({"S1": "ORG1"}), 10, {1: 6.0, 2: 34.0}, fade
        )
        return analysis_service.combination_by_unit(strata, units).iloc[0]

    study = Fade(-0.0125, -0.0225, -0.0025, 900)
    own = Fade(-0.0125, -0.0225, -0.0025, 900, {"人民调解": DomainFade(-0.025, 0.005, 300)})
    # the study's fade is half of 人民调解's own: the unit's own domain explains more of its gap
    assert tested(own)["combination_p_value"] > tested(study)["combination_p_value"]
    assert tested(own)["fade_allowance"] == pytest.approx(-0.025 * 96 / 36)
