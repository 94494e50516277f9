"""The study analysis service: honest about what it cannot estimate yet, and closed to surveyors."""

from __future__ import annotations

import pytest

from survey_app.services import analysis_service, interviews, studies, verification
from survey_app.services.errors import PermissionDenied
from tests.app.builders import build_fieldwork_study, complete_interviews, ensure_users


def test_a_study_without_interviews_reports_fieldwork_and_no_estimates(db, tmp_path):
    build_fieldwork_study(db, tmp_path)
    with db.session() as session:
        result = analysis_service.analyse(session, studies.list_studies(session)[0])
    assert result.third_party is None and result.headline.empty and len(result.cases) > 0
    assert "Units flagged as inflated" in analysis_service.summary_text(result)


def test_an_interview_still_in_progress_does_not_break_the_dataset(db, tmp_path):
    built = build_fieldwork_study(db, tmp_path)
    complete_interviews(db, 2)
    users = ensure_users(db)
    from survey_app.services import fieldwork

    with db.session() as session:
        study = studies.list_studies(session)[0]
        case = fieldwork.next_case(session, users["surveyor"], study, enforce_hours=False)
        interviews.open_interview(session, users["surveyor"], case.id)
    with db.session() as session:
        result = analysis_service.analyse(session, studies.list_studies(session)[0])
    assert result.cases["status"].eq("in_progress").sum() == 1
    assert built is not None


@pytest.mark.parametrize("role", ["surveyor"])
def test_a_surveyor_may_not_see_results_or_verification(db, tmp_path, role):
    build_fieldwork_study(db, tmp_path)
    users = ensure_users(db)
    with db.session() as session:
        study = studies.list_studies(session)[0]
        with pytest.raises(PermissionDenied):
            analysis_service.analyse(session, study, actor=users[role])
        with pytest.raises(PermissionDenied):
            verification.verify_study(session, study, actor=users[role])


def test_every_unit_gets_a_verdict_status_and_a_plain_explanation(db, tmp_path):
    build_fieldwork_study(db, tmp_path)
    complete_interviews(db, 4)
    with db.session() as session:
        result = analysis_service.analyse(session, studies.list_studies(session)[0])
    assert (
        result.units["status"].isin(["flagged", "no_evidence", "insufficient_evidence", "not_surveyed"]).all()
    )
    surveyed = result.units.index[result.units["respondents"] > 0][0]
    assert "回访满意率" in " ".join(analysis_service.unit_explanation(result, surveyed, "zh"))
    assert "callback rate" in " ".join(analysis_service.unit_explanation(result, surveyed, "en"))


def test_the_verdict_is_told_who_asked_each_phone_answer(db, tmp_path, monkeypatch):
    """The wiring of the surveyor guard (`compare_units(interviewer=)`, `analysis.surveyor_bias`); its
    statistics are tested in tests/analysis/test_surveyor_bias.py and test_units_surveyor_guard.py."""
    import analysis

    build_fieldwork_study(db, tmp_path)
    complete_interviews(db, 4)
    seen = {}
    original = analysis.compare_units

    def spy(frame, design, *args, **options):
        seen["interviewer"] = options.get("interviewer")
        seen["asked"] = set(design.data[options["interviewer"]].dropna())
        return original(frame, design, *args, **options)

    monkeypatch.setattr(analysis, "compare_units", spy)
    with db.session() as session:
        result = analysis_service.analyse(session, studies.list_studies(session)[0])
    assert seen == {"interviewer": analysis_service.INTERVIEWER, "asked": {"surveyor"}}
    assert not result.units["surveyor_held"].any()


def test_the_summary_counts_the_units_judged_without_some_surveyors_answers(db, tmp_path):
    import dataclasses

    build_fieldwork_study(db, tmp_path)
    complete_interviews(db, 4)
    with db.session() as session:
        result = analysis_service.analyse(session, studies.list_studies(session)[0])
    assert "judged without the answers of surveyors" not in analysis_service.summary_text(result)
    held = result.units["surveyor_held"].copy()
    held.iloc[:2] = True
    text = analysis_service.summary_text(
        dataclasses.replace(result, units=result.units.assign(surveyor_held=held))
    )
    assert "of all units, 2 judged without the answers of surveyors who record" in text


def test_the_report_check_reads_the_surveyors_who_rated_answers(db, tmp_path):
    """The wiring of `surveyor_effects(who=)`: the template asks who rated, so the table has its share."""
    build_fieldwork_study(db, tmp_path)
    complete_interviews(db, 4)
    with db.session() as session:
        result = analysis_service.analyse(session, studies.list_studies(session)[0])
    assert result.surveyors.loc["surveyor", ["interviews", "who_rated_rate"]].tolist() == [4, 0.0]


def test_the_summary_names_a_flagged_surveyor_with_the_measure_and_both_shares(db, tmp_path):
    import dataclasses

    build_fieldwork_study(db, tmp_path)
    complete_interviews(db, 4)
    with db.session() as session:
        result = analysis_service.analyse(session, studies.list_studies(session)[0])
    assert "Surveyors unlike their peers on comparable cases (BH q ≤ 0.1; listen back first): 0" in (
        analysis_service.summary_text(result)
    )
    odd = result.surveyors.assign(who_rated_flagged=True, who_rated_rate=0.214, who_rated_peers=0.083)
    text = analysis_service.summary_text(dataclasses.replace(result, surveyors=odd))
    assert "  surveyor: someone else or nobody rated 21.4% vs peers 8.3%" in text


def test_the_summary_counts_the_units_cleared_with_proxy_rating_unexamined():
    import pandas as pd

    units = pd.DataFrame(
        {
            "status": ["no_evidence", "no_evidence", "flagged", "no_evidence"],
            "who_held": [True, True, True, False],
            "interviews_who_kept": [0, 4, 0, 0],
        }
    )
    assert analysis_service.unexamined_proxy_count(units) == 1
    assert analysis_service.unexamined_proxy_count(units.drop(columns="who_held")) == 0
