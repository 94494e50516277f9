"""The call queue: who gets which case, in which order, and how a case moves on after an attempt."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from sqlalchemy import select, update

from survey_app.services import fieldwork
from survey_app.services.errors import InvalidState
from survey_app.storage.models import CallAttempt, Case
from tests.fieldwork.conftest import WEDNESDAY_10_SHANGHAI, add_surveyors, make_study
from tests.fieldwork.helpers import act, act_on_study

pytestmark = pytest.mark.db

NOW = WEDNESDAY_10_SHANGHAI


def claim(db, surveyor, study_id, now=NOW):
    return act_on_study(db, fieldwork.next_case, surveyor, study_id, now=now)


def set_case(db, case_id, **values):
    with db.session() as session:
        session.execute(update(Case).where(Case.id == case_id).values(**values))


def test_fresh_cases_come_by_priority_then_replicate_then_selection_order(db, users):
    study_id = make_study(db, cases=4)
    with db.session() as session:
        ids = session.scalars(select(Case.id).order_by(Case.selection_order)).all()
    set_case(db, ids[3], priority=5)
    set_case(db, ids[0], replicate=1)
    others = add_surveyors(db, 3)
    order = [claim(db, s, study_id).id for s in [users["surveyor"], *others]]
    assert order == [ids[3], ids[1], ids[2], ids[0]]


def test_a_surveyor_who_holds_a_case_gets_the_same_case_again(db, users, study_id):
    first = claim(db, users["surveyor"], study_id)
    again = claim(db, users["surveyor"], study_id)
    assert again.id == first.id


def test_a_due_appointment_comes_before_fresh_cases(db, users, study_id):
    with db.session() as session:
        last = session.scalar(select(Case.id).order_by(Case.selection_order.desc()))
    set_case(db, last, state="appointment", attempts=1, appointment_at=NOW - dt.timedelta(minutes=1))
    assert claim(db, users["surveyor"], study_id).id == last


def test_an_appointment_not_yet_due_waits(db, users, study_id):
    with db.session() as session:
        first = session.scalar(select(Case.id).order_by(Case.selection_order))
    set_case(db, first, state="appointment", attempts=1, appointment_at=NOW + dt.timedelta(hours=1))
    assert claim(db, users["surveyor"], study_id).id != first


def test_a_retry_is_offered_only_after_its_gap(db, users):
    study_id = make_study(db, cases=1)
    case = claim(db, users["surveyor"], study_id)
    act(db, fieldwork.record_attempt, users["surveyor"], case.id, "3.13", now=NOW)
    with db.session() as session:
        due = session.get(Case, case.id).next_call_after
    assert claim(db, users["surveyor"], study_id, now=due - dt.timedelta(minutes=1)) is None
    assert claim(db, users["surveyor"], study_id, now=due).id == case.id


def test_fresh_cases_come_before_due_retries(db, users):
    study_id = make_study(db, cases=2)
    first = claim(db, users["surveyor"], study_id)
    act(db, fieldwork.record_attempt, users["surveyor"], first.id, "3.13", now=NOW)
    later = NOW + dt.timedelta(hours=5)
    assert claim(db, users["surveyor"], study_id, now=later).id != first.id


def test_an_abandoned_claim_returns_to_the_queue_after_the_timeout(db, users):
    study_id = make_study(db, cases=1, settings={"claim_timeout_minutes": 30})
    (other,) = add_surveyors(db, 1)
    case = claim(db, users["surveyor"], study_id)
    assert claim(db, other, study_id, now=NOW + dt.timedelta(minutes=29)) is None
    taken = claim(db, other, study_id, now=NOW + dt.timedelta(minutes=31))
    assert taken.id == case.id and taken.held_by == other.id


def test_the_old_holder_of_a_taken_over_claim_can_no_longer_record_on_it(db, users):
    study_id = make_study(db, cases=1, settings={"claim_timeout_minutes": 30})
    (other,) = add_surveyors(db, 1)
    case = claim(db, users["surveyor"], study_id)
    claim(db, other, study_id, now=NOW + dt.timedelta(minutes=31))
    with pytest.raises(Exception, match="not a case you hold"):
        act(db, fieldwork.record_attempt, users["surveyor"], case.id, "3.13", now=NOW)


def test_a_case_assigned_to_another_surveyor_is_never_offered(db, users):
    study_id = make_study(db, cases=1)
    (other,) = add_surveyors(db, 1)
    with db.session() as session:
        case_id = session.scalar(select(Case.id))
    set_case(db, case_id, assigned_to=other.id)
    assert claim(db, users["surveyor"], study_id) is None
    assert claim(db, other, study_id).id == case_id


def test_cases_assigned_to_me_come_before_unassigned_ones(db, users):
    study_id = make_study(db, cases=3)
    with db.session() as session:
        last = session.scalar(select(Case.id).order_by(Case.selection_order.desc()))
    set_case(db, last, assigned_to=users["surveyor"].id)
    assert claim(db, users["surveyor"], study_id).id == last


def test_an_empty_queue_gives_none(db, users):
    study_id = make_study(db, cases=0, reserve=2)
    assert claim(db, users["surveyor"], study_id) is None


def test_no_case_is_handed_out_before_fieldwork_starts(db, users):
    study_id = make_study(db, state="design")
    with pytest.raises(InvalidState, match="not fieldwork"):
        claim(db, users["surveyor"], study_id)


def test_a_refusal_finalises_the_case_at_once(db, users):
    study_id = make_study(db, cases=1)
    case = claim(db, users["surveyor"], study_id)
    act(db, fieldwork.record_attempt, users["surveyor"], case.id, "2.11", now=NOW)
    with db.session() as session:
        stored = session.get(Case, case.id)
        assert (stored.state, stored.final_disposition, stored.held_by) == ("finalised", "2.11", None)


def test_the_last_allowed_attempt_finalises_with_the_last_unknown_eligibility_code(db, users):
    study_id = make_study(db, cases=1, settings={"max_attempts": 3})
    now = NOW
    for code in ("3.13", "3.12", "3.13"):
        case = claim(db, users["surveyor"], study_id, now=now)
        act(db, fieldwork.record_attempt, users["surveyor"], case.id, code, now=now)
        with db.session() as session:
            now = session.get(Case, case.id).next_call_after or now
    with db.session() as session:
        stored = session.get(Case, case.id)
        attempts = session.scalars(select(CallAttempt.attempt_no).where(CallAttempt.case_id == case.id)).all()
    assert (stored.state, stored.final_disposition, sorted(attempts)) == ("finalised", "3.13", [1, 2, 3])


def test_an_earlier_contact_keeps_the_case_eligible_when_later_calls_go_unanswered(db, users):
    study_id = make_study(db, cases=1, settings={"max_attempts": 2})
    case = claim(db, users["surveyor"], study_id)
    act(db, fieldwork.record_attempt, users["surveyor"], case.id, "2.22", now=NOW)
    later = NOW + dt.timedelta(days=1)
    case = claim(db, users["surveyor"], study_id, now=later)
    act(db, fieldwork.record_attempt, users["surveyor"], case.id, "3.13", now=later)
    with db.session() as session:
        assert session.get(Case, case.id).final_disposition == "2.22"


def test_a_complete_cannot_be_recorded_without_a_complete_interview(db, users, study_id):
    case = claim(db, users["surveyor"], study_id)
    with pytest.raises(InvalidState, match="needs a complete interview"):
        act(db, fieldwork.record_attempt, users["surveyor"], case.id, "1.1", now=NOW)


def test_an_unknown_disposition_code_is_refused_and_nothing_is_recorded(db, users, study_id):
    case = claim(db, users["surveyor"], study_id)
    with pytest.raises(InvalidState, match=r"Unknown disposition code '9\.9'"):
        act(db, fieldwork.record_attempt, users["surveyor"], case.id, "9.9", now=NOW)
    with db.session() as session:
        assert session.get(Case, case.id).attempts == 0


def test_releasing_a_claim_puts_the_case_back_without_an_attempt(db, users):
    study_id = make_study(db, cases=1)
    (other,) = add_surveyors(db, 1)
    case = claim(db, users["surveyor"], study_id)
    act(db, fieldwork.release_claim, users["surveyor"], case.id)
    taken = claim(db, other, study_id)
    assert (taken.id, taken.attempts) == (case.id, 0)


def test_my_queue_counts_what_waits_for_me(db, users):
    study_id = make_study(db, cases=3)
    case = claim(db, users["surveyor"], study_id)
    act(db, fieldwork.record_attempt, users["surveyor"], case.id, "3.13", now=NOW)
    counts = act_on_study(db, fieldwork.my_queue, users["surveyor"], study_id, now=NOW + dt.timedelta(days=1))
    assert counts == {"appointments_due": 0, "fresh": 2, "retries_due": 1, "abandoned_claims": 0, "held": 0}


def test_next_case_reads_the_clock_when_no_time_is_given(db, users, study_id):
    at_21_shanghai = dt.datetime(2026, 3, 4, 13, 0, tzinfo=dt.UTC)
    with (
        time_machine.travel(at_21_shanghai, tick=False),
        pytest.raises(InvalidState, match="Calls only between 09:00 and 20:00"),
    ):
        claim(db, users["surveyor"], study_id, now=None)
