"""Tampering with the audit log behind the app's back: the chain names the first bad row.

Each test first drops the append-only trigger (what an intruder with database rights would do), then
edits, deletes or inserts rows with plain SQL on SQLite or PostgreSQL, and asks `verify_chain`.
"""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from survey_app.security import audit
from survey_app.security.audit import verify_chain
from survey_app.storage.models import ROLES

pytestmark = pytest.mark.db

#: the `state.changed` entry after one `user.created` entry per role: the chain's last entry
LAST = len(ROLES) + 1


@pytest.fixture
def chained(db, users):
    """One user per role made = one `user.created` entry each (ids 1 … LAST − 1) and the `state.changed`
    entry that records the new rows (id LAST), chain intact."""
    with db.session() as session:
        check = verify_chain(session)
    assert check.ok and check.entries == LAST
    return db


def drop_append_only_triggers(db) -> None:
    with db.engine.begin() as conn:
        if db.is_sqlite:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_delete"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log"))


def tamper(db, sql: str, **params) -> None:
    with db.engine.begin() as conn:
        conn.execute(text(sql), params)


def check(db):
    with db.session() as session:
        return verify_chain(session)


def test_the_database_itself_refuses_to_edit_an_audit_row(chained):
    with pytest.raises(DBAPIError, match="append-only"):
        tamper(chained, "UPDATE audit_log SET actor = 'mallory' WHERE id = 3")


def test_the_database_itself_refuses_to_delete_an_audit_row(chained):
    with pytest.raises(DBAPIError, match="append-only"):
        tamper(chained, "DELETE FROM audit_log WHERE id = 3")


def test_an_edited_row_is_named(chained):
    drop_append_only_triggers(chained)
    tamper(chained, "UPDATE audit_log SET details = :d WHERE id = 3", d='{"role":"admin"}')
    result = check(chained)
    assert (result.ok, result.first_bad_id) == (False, 3) and "edited" in result.problem


def test_an_edited_row_with_a_recomputed_hash_breaks_the_next_link(chained):
    drop_append_only_triggers(chained)
    with chained.session() as session:
        row = session.get(audit.AuditEntry, 3)
        forged = audit._entry_hash(
            row.prev_hash,
            row.id,
            row.at,
            "mallory",
            row.action,
            row.study_id,
            row.entity,
            row.entity_id,
            row.details,
        )
    tamper(chained, "UPDATE audit_log SET actor = 'mallory', hash = :h WHERE id = 3", h=forged)
    result = check(chained)
    assert (result.ok, result.first_bad_id) == (False, 4)


def test_a_deleted_row_in_the_middle_is_named(chained):
    drop_append_only_triggers(chained)
    tamper(chained, "DELETE FROM audit_log WHERE id = 3")
    result = check(chained)
    assert (result.ok, result.first_bad_id) == (False, 3) and "missing" in result.problem


def test_deleting_the_newest_rows_is_caught_by_the_head(chained):
    drop_append_only_triggers(chained)
    tamper(chained, "DELETE FROM audit_log WHERE id >= 5")
    result = check(chained)
    assert (result.ok, result.first_bad_id) == (False, 5) and f"5–{LAST}" in result.problem


def test_a_row_inserted_with_a_made_up_hash_is_named(chained):
    with chained.session() as session:
        last = session.get(audit.AuditEntry, LAST)
    tamper(
        chained,
        "INSERT INTO audit_log (id, at, actor, action, details, prev_hash, hash) "
        "VALUES (:id, :at, 'mallory', 'login', '{}', :prev, :h)",
        id=LAST + 1,
        at=last.at,
        prev=last.hash,
        h=hashlib.sha256(b"forged").hexdigest(),
    )
    result = check(chained)
    assert (result.ok, result.first_bad_id) == (False, LAST + 1) and "edited" in result.problem


def test_a_row_inserted_with_a_correctly_chained_hash_is_still_caught(chained):
    with chained.session() as session:
        last = session.get(audit.AuditEntry, LAST)
    forged = audit._entry_hash(last.hash, LAST + 1, last.at, "mallory", "login", None, None, None, "{}")
    tamper(
        chained,
        "INSERT INTO audit_log (id, at, actor, action, details, prev_hash, hash) "
        "VALUES (:id, :at, 'mallory', 'login', '{}', :prev, :h)",
        id=LAST + 1,
        at=last.at,
        prev=last.hash,
        h=forged,
    )
    result = check(chained)
    assert not result.ok and "head" in result.problem


def test_a_row_inserted_out_of_sequence_is_caught_at_the_gap(chained):
    with chained.session() as session:
        last = session.get(audit.AuditEntry, LAST)
    tamper(
        chained,
        "INSERT INTO audit_log (id, at, actor, action, details, prev_hash, hash) "
        "VALUES (100, :at, 'mallory', 'login', '{}', :prev, :prev)",
        at=last.at,
        prev=last.hash,
    )
    result = check(chained)
    assert (result.ok, result.first_bad_id) == (False, LAST + 1)


def test_an_edited_chain_head_is_caught(chained):
    tamper(chained, "UPDATE audit_head SET last_hash = :h WHERE id = 1", h="f" * 64)
    result = check(chained)
    assert not result.ok and "head" in result.problem


def test_entries_appended_by_fieldwork_keep_the_chain_intact(chained, users):
    from survey_app.services import fieldwork
    from tests.fieldwork.conftest import WEDNESDAY_10_SHANGHAI, make_study
    from tests.fieldwork.helpers import act, act_on_study

    study_id = make_study(chained, cases=2)
    case = act_on_study(chained, fieldwork.next_case, users["surveyor"], study_id, now=WEDNESDAY_10_SHANGHAI)
    act(chained, fieldwork.reveal_phone, users["surveyor"], case.id)
    act(chained, fieldwork.record_attempt, users["surveyor"], case.id, "3.13", now=WEDNESDAY_10_SHANGHAI)
    result = check(chained)
    assert result.ok and result.entries > 9
