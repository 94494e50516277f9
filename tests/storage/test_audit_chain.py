"""The hash-chained audit log names the first entry that was edited, deleted or inserted."""

from __future__ import annotations

from sqlalchemy import text

from survey_app.security import audit


def _append(db, count: int) -> None:
    with db.session() as session:
        for number in range(count):
            audit.record(session, "tester", "test.event", entity="thing", entity_id=number, n=number)


def _drop_guards(db) -> None:
    """What someone with direct database access would do first."""
    with db.engine.begin() as conn:
        if db.is_sqlite:
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
            conn.execute(text("DROP TRIGGER audit_log_no_delete"))
        else:
            conn.execute(text("DROP TRIGGER audit_log_append_only ON audit_log"))


def _check(db) -> audit.ChainCheck:
    with db.session() as session:
        return audit.verify_chain(session)


def test_an_untouched_chain_verifies(db):
    _append(db, 5)
    result = _check(db)
    assert result.ok and result.entries == 5


def test_an_edited_entry_is_named(db):
    _append(db, 5)
    _drop_guards(db)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET details = :d WHERE id = 3"), {"d": '{"n":99}'})
    result = _check(db)
    assert not result.ok and result.first_bad_id == 3 and "edited" in result.problem


def test_a_deleted_entry_in_the_middle_is_named(db):
    _append(db, 5)
    _drop_guards(db)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE id = 2"))
    result = _check(db)
    assert not result.ok and result.first_bad_id == 2 and "missing" in result.problem


def test_deleting_the_newest_entries_is_caught_by_the_head(db):
    _append(db, 5)
    _drop_guards(db)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE id >= 4"))
    result = _check(db)
    assert not result.ok and result.first_bad_id == 4


def test_an_inserted_entry_is_named(db):
    _append(db, 3)
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_log (id, at, actor, action, details, prev_hash, hash) "
                "VALUES (4, '2026-01-01 00:00:00', 'intruder', 'answer.saved', '{}', :h, :h)"
            ),
            {"h": "0" * 64},
        )
    result = _check(db)
    assert not result.ok and result.first_bad_id == 4
