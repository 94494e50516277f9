"""Every fieldwork action checks role and ownership on the server side, whatever the request says.

A surveyor calling a service with a case id that is not theirs (as a crafted request would) learns
nothing and changes nothing; the other roles can do only what DESIGN.md §2 gives them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import func, select

from survey_app.services import auth, fieldwork, interviews, supervision
from survey_app.services.errors import PermissionDenied
from survey_app.storage.models import AuditEntry, CallAttempt, Case, Study
from tests.fieldwork.conftest import WEDNESDAY_10_SHANGHAI, add_surveyors, case_ids, make_study
from tests.fieldwork.helpers import act, act_on_study

pytestmark = pytest.mark.db

NOW = WEDNESDAY_10_SHANGHAI
NOT_SURVEYORS = ("researcher", "supervisor", "reviewer", "auditor", "admin")


@pytest.fixture
def someone_elses_case(db, users):
    """(study id, the case another surveyor holds, that other surveyor)."""
    study_id = make_study(db, cases=3)
    (other,) = add_surveyors(db, 1)
    case = act_on_study(db, fieldwork.next_case, other, study_id, now=NOW)
    return study_id, case.id, other


CASE_ACTIONS = {
    "view_case": lambda s, u, c: fieldwork.view_case(s, u, c),
    "reveal_phone": lambda s, u, c: fieldwork.reveal_phone(s, u, c),
    "release_claim": lambda s, u, c: fieldwork.release_claim(s, u, c),
    "record_attempt": lambda s, u, c: fieldwork.record_attempt(s, u, c, "2.11", now=NOW),
    "open_interview": lambda s, u, c: interviews.open_interview(s, u, c),
    "save_answer": lambda s, u, c: interviews.save_answer(s, u, c, "yes"),
    "stop_interview": lambda s, u, c: interviews.stop_interview(s, u, c),
}


@pytest.mark.parametrize("action", sorted(CASE_ACTIONS))
def test_a_surveyor_cannot_act_on_a_case_another_surveyor_holds(db, users, someone_elses_case, action):
    _, case_id, other = someone_elses_case
    with pytest.raises(PermissionDenied, match="not a case you hold"):
        act(db, CASE_ACTIONS[action], users["surveyor"], case_id)
    with db.session() as session:
        case = session.get(Case, case_id)
        attempts = session.scalar(select(func.count()).select_from(CallAttempt))
        reveals = session.scalar(select(func.count()).where(AuditEntry.action == "phone.revealed"))
    assert (case.state, case.held_by, attempts, reveals) == ("held", other.id, 0, 0)


@pytest.mark.parametrize("action", ["view_case", "reveal_phone", "record_attempt"])
def test_a_surveyor_cannot_act_on_a_waiting_case_they_have_not_been_given(db, users, action):
    study_id = make_study(db, cases=1)
    (case_id,) = case_ids(db, study_id)
    with pytest.raises(PermissionDenied):
        act(db, CASE_ACTIONS[action], users["surveyor"], case_id)


def test_another_surveyors_case_and_a_missing_case_look_the_same(db, users, someone_elses_case):
    _, case_id, _ = someone_elses_case
    messages = []
    for target in (case_id, 999_999):
        with pytest.raises(PermissionDenied) as caught:
            act(db, fieldwork.view_case, users["surveyor"], target)
        messages.append(str(caught.value).replace(str(target), "#"))
    assert messages[0] == messages[1]


@pytest.mark.parametrize("role", NOT_SURVEYORS)
def test_only_surveyors_take_cases_from_the_queue(db, users, role):
    study_id = make_study(db, cases=1)
    with pytest.raises(PermissionDenied, match="needs the role surveyor"):
        act_on_study(db, fieldwork.next_case, users[role], study_id, now=NOW)


@pytest.mark.parametrize("role", NOT_SURVEYORS)
def test_no_other_role_can_reveal_a_number_even_of_a_held_case(db, users, someone_elses_case, role):
    _, case_id, _ = someone_elses_case
    with pytest.raises(PermissionDenied):
        act(db, fieldwork.reveal_phone, users[role], case_id)


def test_a_deactivated_surveyor_gets_no_case(db, users):
    study_id = make_study(db, cases=1)
    act(db, auth.set_active, users["admin"], users["surveyor"].id, False)
    with db.session() as session:
        surveyor = auth.get_user(session, users["surveyor"].id)
    with pytest.raises(PermissionDenied, match="deactivated"):
        act_on_study(db, fieldwork.next_case, surveyor, study_id, now=NOW)


def test_the_surveyors_view_of_a_case_has_no_system_rating_and_masked_personal_data(db, users):
    study_id = make_study(db, cases=1)
    case = act_on_study(db, fieldwork.next_case, users["surveyor"], study_id, now=NOW)
    view = act(db, fieldwork.view_case, users["surveyor"], case.id)
    fields = {f.name for f in dataclasses.fields(view)}
    assert not any("rating" in name for name in fields)
    assert (view.phone_masked, view.name_masked) == ("138****0000", "张*丰")


def test_every_reveal_is_audited_with_who_and_which_case(db, users):
    study_id = make_study(db, cases=1)
    case = act_on_study(db, fieldwork.next_case, users["surveyor"], study_id, now=NOW)
    phones = [act(db, fieldwork.reveal_phone, users["surveyor"], case.id) for _ in range(2)]
    with db.session() as session:
        reveals = session.execute(
            select(AuditEntry.actor, AuditEntry.entity_id).where(AuditEntry.action == "phone.revealed")
        ).all()
    assert phones == ["13800000000"] * 2 and reveals == [("surveyor", str(case.id))] * 2


WATCHING = {
    "progress": lambda s, u, study: supervision.progress(s, u, study),
    "case_table (export)": lambda s, u, study: supervision.case_table(s, u, study),
    "quality_flags": lambda s, u, study: supervision.quality_flags(s, u, study),
    "verification_history": lambda s, u, study: supervision.verification_history(s, u, study),
}
STEERING = {
    "release_reserve": lambda s, u, study: supervision.release_reserve(s, u, study, 1),
    "verification_subsample": lambda s, u, study: supervision.verification_subsample(s, u, study, seed=1),
}


def run_on_study(db, action, actor, study_id):
    with db.session() as session:
        return action(session, actor, session.get(Study, study_id))


@pytest.mark.parametrize("action", sorted(WATCHING))
@pytest.mark.parametrize("role", ["surveyor", "reviewer"])
def test_surveyors_and_reviewers_cannot_watch_or_export_fieldwork(db, users, action, role):
    study_id = make_study(db, cases=1)
    with pytest.raises(PermissionDenied):
        run_on_study(db, WATCHING[action], users[role], study_id)


@pytest.mark.parametrize("action", sorted(STEERING))
@pytest.mark.parametrize("role", ["surveyor", "reviewer", "auditor", "researcher"])
def test_only_supervisors_and_admins_steer_fieldwork(db, users, action, role):
    study_id = make_study(db, cases=1, reserve=1)
    with pytest.raises(PermissionDenied):
        run_on_study(db, STEERING[action], users[role], study_id)


@pytest.mark.parametrize("role", ["surveyor", "reviewer", "auditor", "researcher"])
def test_only_supervisors_and_admins_reassign_cases(db, users, role):
    study_id = make_study(db, cases=1)
    (case_id,) = case_ids(db, study_id)
    with pytest.raises(PermissionDenied):
        act(db, supervision.reassign_case, users[role], case_id, users["surveyor"].id, "a reason")


def test_the_auditor_can_read_progress_and_the_masked_export(db, users):
    study_id = make_study(db, cases=1)
    table = run_on_study(db, WATCHING["case_table (export)"], users["auditor"], study_id)
    assert list(table["phone"]) == ["138****0000"]


def test_a_surveyor_cannot_record_a_second_attempt_on_a_case_they_already_released(db, users):
    study_id = make_study(db, cases=1)
    case = act_on_study(db, fieldwork.next_case, users["surveyor"], study_id, now=NOW)
    act(db, fieldwork.record_attempt, users["surveyor"], case.id, "3.13", now=NOW)
    with pytest.raises(PermissionDenied):
        act(
            db,
            fieldwork.record_attempt,
            users["surveyor"],
            case.id,
            "3.13",
            now=NOW + dt.timedelta(minutes=1),
        )
