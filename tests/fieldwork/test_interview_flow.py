"""The interview inside the call queue: answers saved one by one, resumed after a drop, and the case
finalised by how the interview ended (questionnaire: the `justice-callback` template)."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update

import questionnaires
from survey_app.services import fieldwork, interviews, questionnaire_store
from survey_app.storage.models import Answer, CallAttempt, Case, Interview, Study
from tests.fieldwork.conftest import WEDNESDAY_10_SHANGHAI, make_study
from tests.fieldwork.helpers import act, act_on_study

pytestmark = pytest.mark.db


@pytest.fixture
def held_case(db, users):
    """A case the surveyor holds in a study whose frozen questionnaire is the callback template."""
    study_id = make_study(db, cases=2)
    with db.session() as session:
        version = questionnaire_store.save_version(
            session,
            users["researcher"],
            session.get(Study, study_id),
            questionnaires.template("justice-callback"),
        )
        questionnaire_store.freeze(session, users["researcher"], version.id)
    return act_on_study(db, fieldwork.next_case, users["surveyor"], study_id, now=WEDNESDAY_10_SHANGHAI).id


def answer_all(db, surveyor, case_id, answers):
    engine = None
    for value in answers:
        engine = act(db, interviews.save_answer, surveyor, case_id, value)
    return engine


OPENING = [None, "yes", "yes", "self", "no"]  # intro, identity, received_service, who_rated, staff_asked
SATISFACTION = ["satisfied", "basically_satisfied", "satisfied", "dk", "satisfied", "satisfied", "satisfied"]
CLOSING = [
    "yes",
    "no",
    "public_legal",
    None,
    None,
]  # aware_12348, aware_public_legal, first_choice, comment, closing


def test_after_a_dropped_connection_the_interview_resumes_at_the_next_unanswered_item(db, users, held_case):
    answer_all(db, users["surveyor"], held_case, OPENING)
    _, engine = act(
        db, interviews.open_interview, users["surveyor"], held_case
    )  # a new session, as after a reload
    assert engine.current().name == "sat_attitude"
    assert engine.answers == dict(
        zip(
            ["intro", "identity", "received_service", "who_rated", "staff_asked_rating"], OPENING, strict=True
        )
    )


def test_a_full_interview_finalises_the_case_as_complete_and_releases_it(db, users, held_case):
    engine = answer_all(db, users["surveyor"], held_case, OPENING + SATISFACTION + CLOSING)
    with db.session() as session:
        case = session.get(Case, held_case)
        codes = session.scalars(select(CallAttempt.disposition).where(CallAttempt.case_id == held_case)).all()
        stored = session.scalar(select(Answer.value).where(Answer.item == "sat_overall"))
    assert engine.complete and (case.state, case.final_disposition, case.held_by, codes) == (
        "finalised",
        "1.1",
        None,
        ["1.1"],
    )
    assert stored == "satisfied"


def test_a_respondent_who_hangs_up_before_the_headline_item_is_a_break_off(db, users, held_case):
    answer_all(db, users["surveyor"], held_case, OPENING + SATISFACTION[:3])
    assert act(db, interviews.stop_interview, users["surveyor"], held_case) == "2.12"
    with db.session() as session:
        assert session.get(Case, held_case).final_disposition == "2.12"


def test_a_complete_cannot_be_claimed_by_recording_the_code_by_hand(db, users, held_case):
    answer_all(db, users["surveyor"], held_case, OPENING)
    with pytest.raises(Exception, match="needs a complete interview"):
        act(db, fieldwork.record_attempt, users["surveyor"], held_case, "1.1", now=WEDNESDAY_10_SHANGHAI)


def test_an_interview_ended_by_not_me_finalises_the_case_as_not_eligible(db, users, held_case):
    answer_all(db, users["surveyor"], held_case, [None, "no", None])
    with db.session() as session:
        assert session.get(Case, held_case).final_disposition == "4.12"


def test_the_first_screen_of_a_case_starts_its_interview(db, users, held_case):
    engine = act(db, interviews.resume_interview, users["surveyor"], held_case)
    with db.session() as session:
        started = session.scalars(select(Interview.status).where(Interview.case_id == held_case)).all()
    assert engine.current().name == "intro" and started == ["in_progress"]


def test_the_screen_shows_the_stored_answers_even_when_they_changed_behind_the_kept_engine(
    db, users, held_case
):
    answer_all(db, users["surveyor"], held_case, OPENING + SATISFACTION[:2])
    with db.session() as session:  # e.g. another app server, or an edit straight in the database
        session.execute(delete(Answer).where(Answer.item == "sat_efficiency"))
    engine = act(db, interviews.resume_interview, users["surveyor"], held_case)
    assert engine.current().name == "sat_efficiency" and "sat_efficiency" not in engine.answers


def test_an_answer_saved_after_a_change_behind_the_kept_engine_keeps_the_stored_answers(db, users, held_case):
    answer_all(db, users["surveyor"], held_case, OPENING + SATISFACTION[:2])
    with db.session() as session:
        session.execute(
            update(Answer).where(Answer.item == "sat_attitude").values(value="basically_satisfied")
        )
    engine = act(db, interviews.save_answer, users["surveyor"], held_case, SATISFACTION[2])
    assert engine.answers["sat_attitude"] == "basically_satisfied"
