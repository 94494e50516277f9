""" "其他（请注明）" (template version 2): the reason in the person's words is kept in the analysis
dataset as a text variable, coded like a comment, scrubbed like it, and never exported (issue 14)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from survey_app.services import analysis_service, coding, fieldwork, interviews
from survey_app.storage.models import Study, User, utcnow
from tests.app.builders import build_fieldwork_study, full_answers

pytestmark = pytest.mark.db

#: Typed by the surveyor in the respondent's words: a title with a surname, and a mobile number.
REASON = "王律师一直推诿，让我打13912345678找别的部门。"
OTHER = "unsatisfied_reason_other"


@pytest.fixture
def study(db, tmp_path):
    """Six interviews of the built-in template; the dissatisfied ones (2 and 5) chose "other" and
    said why in their own words."""
    built = build_fieldwork_study(db, tmp_path)
    with db.session() as session:
        surveyor = session.scalar(select(User).where(User.username == "surveyor"))
        study = session.get(Study, built.study_id)
        now = utcnow()
        for number in range(6):
            answers = full_answers(number)
            if answers["sat_overall"] == "dissatisfied":
                answers |= {"unsatisfied_reason": "other", OTHER: f"{REASON}#{number}"}
            case = fieldwork.next_case(session, surveyor, study)
            interviews.import_interview(
                session, surveyor, case.id, answers, started_at=now - dt.timedelta(minutes=5), ended_at=now
            )
    return built


def _researcher(session) -> User:
    return session.scalar(select(User).where(User.username == "researcher"))


def test_the_reason_behind_other_is_offered_for_coding_scrubbed(db, study):
    with db.session() as session:
        shown = coding.comments(session, _researcher(session), session.get(Study, study.study_id))
    reasons = [c.text for c in shown if c.question == OTHER]
    assert reasons == [
        "某律师一直推诿，让我打〔电话〕找别的部门。#2",
        "某律师一直推诿，让我打〔电话〕找别的部门。#5",
    ]


def test_the_reason_is_coded_and_reaches_the_final_codes(db, study):
    with db.session() as session:
        researcher, chosen = _researcher(session), session.get(Study, study.study_id)
        first = next(c for c in coding.comments(session, researcher, chosen) if c.question == OTHER)
        suggested = [s.code for s in coding.suggestions(session, chosen, first.text)]
        coding.save_coding(
            session, researcher, chosen, first.interview_id, OTHER, suggested, suggested=suggested
        )
        final = coding.final_codes(session, chosen)
    assert suggested and final[(first.interview_id, OTHER)] == frozenset(suggested)


def test_the_analysis_dataset_keeps_the_reason_as_a_text_variable(db, study):
    with db.session() as session:
        result = analysis_service.analyse(session, session.get(Study, study.study_id))
    kept = result.respondents[OTHER].dropna()
    assert sorted(kept) == [f"{REASON}#2", f"{REASON}#5"]


def test_the_exported_dataset_leaves_the_words_out(db, study, tmp_path):
    path = tmp_path / "dataset.csv"
    with db.session() as session:
        reviewer = session.scalar(select(User).where(User.username == "reviewer"))
        analysis_service.export_analysis_dataset(session, reviewer, session.get(Study, study.study_id), path)
    written = path.read_text(encoding="utf-8-sig")
    assert OTHER not in written and REASON[:6] not in written
    assert "unsatisfied_reason" in written  # the choice itself stays


def test_the_demo_has_other_reasons_in_words_and_codes_them(demo_db):
    from survey_app.services import studies
    from survey_app.storage.models_coding import CommentCoding

    with demo_db.session() as session:
        researcher = _researcher(session)
        demo = studies.find_study(session, "demo")
        reasons = [c for c in coding.comments(session, researcher, demo) if c.question == OTHER]
        coded = session.scalars(
            select(CommentCoding.interview_id).where(CommentCoding.question == OTHER)
        ).all()
    assert reasons and {c.interview_id for c in reasons} <= set(coded)
