"""Calling rules: hours, days and holidays in Asia/Shanghai, gaps, retries spread over the day, appointments."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import select

from survey_app.services import fieldwork
from survey_app.services.errors import InvalidState
from survey_app.services.fieldwork import CallingRules, shanghai_time, to_utc
from survey_app.storage.models import Case, Study
from tests.fieldwork.conftest import make_study
from tests.fieldwork.helpers import act, act_on_study


def rules(**settings) -> CallingRules:
    return CallingRules.of(Study(name="s", title="s", settings=settings))


def shanghai(*args) -> dt.datetime:
    """A Shanghai wall-clock time as the naive UTC the services take."""
    return to_utc(dt.datetime(*args))


# 2026-03-04 is a Wednesday.


def test_a_call_inside_the_hours_is_allowed():
    assert rules().allows(shanghai(2026, 3, 4, 9, 0)) == (True, "")


def test_hours_are_shanghai_time_not_utc():
    allowed, why = rules().allows(dt.datetime(2026, 3, 4, 12, 30))  # 20:30 in Shanghai
    assert not allowed and "now 20:30" in why


def test_the_end_of_the_calling_hours_is_exclusive():
    assert not rules(calling_hours=[9, 20]).allows(shanghai(2026, 3, 4, 20, 0))[0]


def test_calling_hours_may_be_written_as_clock_times():
    checked = rules(calling_hours=["08:30", "12:15"])
    assert (
        checked.allows(shanghai(2026, 3, 4, 8, 30))[0] and not checked.allows(shanghai(2026, 3, 4, 12, 15))[0]
    )


def test_no_calls_on_a_day_outside_the_calling_days():
    allowed, why = rules(calling_days=[0, 1, 2, 3, 4]).allows(shanghai(2026, 3, 7, 10, 0))
    assert not allowed and "Saturday" in why


def test_no_calls_on_a_holiday():
    allowed, why = rules(holidays=["2026-10-01"]).allows(shanghai(2026, 10, 1, 10, 0))
    assert not allowed and "holiday" in why


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"calling_hours": [20, 9]}, "calling_hours"),
        ({"calling_hours": [9]}, "calling_hours"),
        ({"calling_hours": ["nine", 20]}, "calling_hours"),
        ({"calling_days": [7]}, "calling_days"),
        ({"holidays": ["1 October"]}, "holidays"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"call_windows": [[8, 12]]}, "call_windows"),
    ],
)
def test_a_nonsensical_setting_is_refused_naming_it(settings, named):
    with pytest.raises(InvalidState, match=f"Study setting {named}"):
        rules(**settings)


def test_the_default_windows_split_the_day_into_morning_afternoon_and_evening():
    assert rules(calling_hours=[9, 20]).windows == (
        (dt.time(9), dt.time(12)),
        (dt.time(12), dt.time(17)),
        (dt.time(17), dt.time(20)),
    )


def test_a_retry_after_a_morning_no_answer_goes_to_the_afternoon():
    checked = rules()
    morning = shanghai(2026, 3, 4, 10, 0)
    tried = Counter([checked.window_of(morning)])
    retry = checked.next_call_time(morning + checked.min_gap, tried)
    assert retry == shanghai(2026, 3, 4, 12, 0)


def test_after_morning_and_afternoon_tries_the_retry_goes_to_the_evening():
    checked = rules()
    tried = Counter([0, 1])
    assert checked.next_call_time(shanghai(2026, 3, 4, 14, 0), tried) == shanghai(2026, 3, 4, 17, 0)


def test_when_every_window_was_tried_equally_the_earliest_slot_wins():
    checked = rules()
    assert checked.next_call_time(shanghai(2026, 3, 4, 14, 0), Counter([0, 1, 2])) == shanghai(
        2026, 3, 4, 14, 0
    )


def test_a_retry_never_lands_on_a_holiday_or_a_day_without_calls():
    checked = rules(calling_days=[0, 1, 2, 3, 4], holidays=["2026-03-09"])  # Monday 9 March off
    friday_evening = shanghai(2026, 3, 6, 19, 30)
    retry = checked.next_call_time(friday_evening + checked.min_gap, Counter([2]))
    assert retry == shanghai(2026, 3, 10, 9, 0)  # Tuesday morning


def test_rules_that_allow_no_call_at_all_say_so():
    checked = rules(
        calling_days=[0],
        holidays=[f"2026-03-{d:02d}" for d in (9, 16, 23, 30)]
        + ["2026-04-06", "2026-04-13", "2026-04-20", "2026-04-27", "2026-05-04"],
    )
    with pytest.raises(InvalidState, match="allow no call"):
        checked.next_call_time(shanghai(2026, 3, 4, 10, 0), Counter())


@pytest.mark.db
def test_a_recorded_no_answer_schedules_the_retry_in_another_window(db, users):
    study_id = make_study(db, cases=1)
    morning = shanghai(2026, 3, 4, 9, 30)
    case = act_on_study(db, fieldwork.next_case, users["surveyor"], study_id, now=morning)
    act(db, fieldwork.record_attempt, users["surveyor"], case.id, "3.13", now=morning)
    with db.session() as session:
        retry = session.get(Case, case.id).next_call_after
    assert retry >= morning + dt.timedelta(minutes=120)
    assert shanghai_time(retry).hour >= 12


@pytest.mark.db
def test_an_appointment_is_kept_with_its_time_and_note_and_offered_first_when_due(db, users):
    study_id = make_study(db, cases=3)
    now = shanghai(2026, 3, 4, 10, 0)
    at = shanghai(2026, 3, 5, 15, 30)
    case = act_on_study(db, fieldwork.next_case, users["surveyor"], study_id, now=now)
    act(
        db,
        fieldwork.record_attempt,
        users["surveyor"],
        case.id,
        "2.21",
        appointment_at=at,
        note="下午三点半再打",
        now=now,
    )
    with db.session() as session:
        stored = session.get(Case, case.id)
        assert (stored.state, stored.appointment_at, stored.appointment_note) == (
            "appointment",
            at,
            "下午三点半再打",
        )
    offered = act_on_study(db, fieldwork.next_case, users["surveyor"], study_id, now=at)
    assert offered.id == case.id


@pytest.mark.db
@pytest.mark.parametrize(
    ("when", "why"),
    [
        ((2026, 3, 4, 21, 0), "outside the calling rules"),
        ((2026, 3, 4, 9, 0), "must be in the future"),
    ],
)
def test_an_appointment_outside_the_rules_or_in_the_past_is_refused(db, users, when, why):
    study_id = make_study(db, cases=1)
    now = shanghai(2026, 3, 4, 10, 0)
    case = act_on_study(db, fieldwork.next_case, users["surveyor"], study_id, now=now)
    with pytest.raises(InvalidState, match=why):
        act(
            db,
            fieldwork.record_attempt,
            users["surveyor"],
            case.id,
            "2.21",
            appointment_at=shanghai(*when),
            now=now,
        )


@pytest.mark.db
def test_an_appointment_code_without_a_time_is_refused(db, users):
    study_id = make_study(db, cases=1)
    now = shanghai(2026, 3, 4, 10, 0)
    case = act_on_study(db, fieldwork.next_case, users["surveyor"], study_id, now=now)
    with pytest.raises(InvalidState, match="needs a date and time"):
        act(db, fieldwork.record_attempt, users["surveyor"], case.id, "2.21", now=now)


@pytest.mark.db
def test_a_missed_appointment_becomes_an_ordinary_retry(db, users):
    study_id = make_study(db, cases=1)
    now = shanghai(2026, 3, 4, 10, 0)
    at = shanghai(2026, 3, 4, 16, 0)
    case = act_on_study(db, fieldwork.next_case, users["surveyor"], study_id, now=now)
    act(db, fieldwork.record_attempt, users["surveyor"], case.id, "2.21", appointment_at=at, now=now)
    act_on_study(db, fieldwork.next_case, users["surveyor"], study_id, now=at)
    act(db, fieldwork.record_attempt, users["surveyor"], case.id, "3.13", now=at)
    with db.session() as session:
        stored = session.scalar(select(Case).where(Case.id == case.id))
        assert (stored.state, stored.appointment_at) == ("pending", None)
        assert stored.next_call_after >= at + dt.timedelta(hours=2)


@pytest.mark.db
def test_a_surveyor_gets_no_case_outside_the_calling_hours(db, users):
    study_id = make_study(db, cases=1)
    with pytest.raises(InvalidState, match="Calls only between"):
        act_on_study(db, fieldwork.next_case, users["surveyor"], study_id, now=shanghai(2026, 3, 4, 7, 59))
