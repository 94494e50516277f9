"""The call queue's hot paths stay within their statement budgets (issue 15), on SQLite and PostgreSQL.

What counts: every statement the driver is asked to execute during the action's one transaction, as
SQLAlchemy's `before_cursor_execute` event sees it — reads, writes and the audit append alike.
Transaction control (`BEGIN IMMEDIATE`, `COMMIT`, `ROLLBACK`) is not counted: every action has
exactly one transaction, so it adds the same two round trips to each. The actor and the study are
passed in already loaded, as the tests and the benchmark do; a questionnaire version's definition is
parsed once per process (its cache is warmed first here).

Budgets: `next_case` ≤ 3 (claim, audit head, audit append), `save_answer` ≤ 4, `record_attempt` ≤ 4.
The answer that completes an interview also records its call attempt in the same transaction, so its
budget is the two together less the shared lock and append: ≤ 7. The interview screen
(`resume_interview`, read on every run of the page) is one statement without a row lock, so on
PostgreSQL its transaction writes nothing the commit must flush.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import event

import questionnaires
from survey_app.security.audit import verify_chain
from survey_app.services import fieldwork, interviews, questionnaire_store
from survey_app.storage.models import Study
from tests.fieldwork.conftest import WEDNESDAY_10_SHANGHAI, make_study
from tests.fieldwork.helpers import act

pytestmark = pytest.mark.db

NEXT_CASE, SAVE_ANSWER, RECORD_ATTEMPT, COMPLETING_ANSWER, SCREEN = 3, 4, 4, 7, 1
_TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK")

#: The justice-callback template answered to the end (as in test_interview_flow).
OPENING = [None, "yes", "yes", "self", "no"]
SATISFACTION = ["satisfied", "basically_satisfied", "satisfied", "dk", "satisfied", "satisfied", "satisfied"]
CLOSING = ["yes", "no", "public_legal", None, None]


@contextlib.contextmanager
def counted(db) -> Iterator[list[str]]:
    """The statements executed inside the block, transaction control left out."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, _parameters, _context, _many) -> None:
        if not statement.lstrip().upper().startswith(_TRANSACTION_CONTROL):
            seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


def within(statements: list[str], limit: int, action: str) -> None:
    listing = "\n  ".join(statement[:160] for statement in statements)
    assert len(statements) <= limit, f"{action}: {len(statements)} statements (limit {limit}):\n  {listing}"


@pytest.fixture
def study_id(db, users) -> int:
    """A study in fieldwork with the callback template frozen, and its parsed version cached."""
    study_id = make_study(db, cases=4)
    with db.session() as session:
        version = questionnaire_store.save_version(
            session,
            users["researcher"],
            session.get(Study, study_id),
            questionnaires.template("justice-callback"),
        )
        questionnaire_store.freeze(session, users["researcher"], version.id)
        questionnaire_store.load_version(session, version.id)
    return study_id


def claim(db, users, study_id: int) -> int:
    """`next_case` with the study loaded beforehand (the app keeps the chosen study between actions)."""
    with db.session() as session:
        study = session.get(Study, study_id)
    return act(db, fieldwork.next_case, users["surveyor"], study, now=WEDNESDAY_10_SHANGHAI).id


def test_claiming_a_case_stays_within_three_statements(db, users, study_id):
    with db.session() as session:
        study = session.get(Study, study_id)
    with counted(db) as statements:
        act(db, fieldwork.next_case, users["surveyor"], study, now=WEDNESDAY_10_SHANGHAI)
    within(statements, NEXT_CASE, "next_case (claim)")


def test_asking_again_while_holding_a_case_stays_within_three_statements(db, users, study_id):
    held = claim(db, users, study_id)
    with db.session() as session:
        study = session.get(Study, study_id)
    with counted(db) as statements:
        again = act(db, fieldwork.next_case, users["surveyor"], study, now=WEDNESDAY_10_SHANGHAI)
    assert again.id == held
    within(statements, NEXT_CASE, "next_case (already held)")


def test_an_interviews_first_answer_stays_within_four_statements(db, users, study_id):
    case_id = claim(db, users, study_id)
    with counted(db) as statements:
        act(db, interviews.save_answer, users["surveyor"], case_id, OPENING[0])
    within(statements, SAVE_ANSWER, "save_answer (first, starts the interview)")


def test_every_later_answer_stays_within_four_statements(db, users, study_id):
    case_id = claim(db, users, study_id)
    answers = OPENING + SATISFACTION + CLOSING
    act(db, interviews.save_answer, users["surveyor"], case_id, answers[0])
    for value in answers[1:-1]:
        with counted(db) as statements:
            act(db, interviews.save_answer, users["surveyor"], case_id, value)
        within(statements, SAVE_ANSWER, f"save_answer ({value!r})")


def test_the_answer_that_completes_the_interview_also_records_its_attempt_within_seven(db, users, study_id):
    case_id = claim(db, users, study_id)
    answers = OPENING + SATISFACTION + CLOSING
    for value in answers[:-1]:
        act(db, interviews.save_answer, users["surveyor"], case_id, value)
    with counted(db) as statements:
        engine = act(db, interviews.save_answer, users["surveyor"], case_id, answers[-1])
    assert engine.complete
    within(statements, COMPLETING_ANSWER, "save_answer (completes the interview)")


def test_the_interview_screen_reads_in_one_statement_and_locks_nothing(db, users, study_id):
    case_id = claim(db, users, study_id)
    act(db, interviews.save_answer, users["surveyor"], case_id, OPENING[0])
    with counted(db) as statements:
        engine = act(db, interviews.resume_interview, users["surveyor"], case_id)
    assert engine.current().name == "identity"
    within(statements, SCREEN, "resume_interview")
    assert "FOR UPDATE" not in statements[0].upper()


@pytest.mark.parametrize(
    ("code", "appointment_in"),
    [("3.13", None), ("2.21", dt.timedelta(days=1)), ("2.11", None)],
    ids=["no-answer retry", "appointment", "refusal (final)"],
)
def test_recording_an_attempt_stays_within_four_statements(db, users, study_id, code, appointment_in):
    case_id = claim(db, users, study_id)
    appointment = None if appointment_in is None else WEDNESDAY_10_SHANGHAI + appointment_in
    with counted(db) as statements:
        act(
            db,
            fieldwork.record_attempt,
            users["surveyor"],
            case_id,
            code,
            appointment_at=appointment,
            now=WEDNESDAY_10_SHANGHAI,
        )
    within(statements, RECORD_ATTEMPT, f"record_attempt ({code})")


def test_the_lean_paths_leave_the_audit_chain_intact(db, users, study_id):
    case_id = claim(db, users, study_id)
    for value in OPENING + SATISFACTION + CLOSING:
        act(db, interviews.save_answer, users["surveyor"], case_id, value)
    other = claim(db, users, study_id)
    act(db, fieldwork.record_attempt, users["surveyor"], other, "3.13", now=WEDNESDAY_10_SHANGHAI)
    with db.session() as session:
        check = verify_chain(session)
    assert check.ok, check.describe()
