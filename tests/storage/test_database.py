"""Opening, migrating and refusing databases."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from survey_app.services.errors import DatabaseUnavailable
from survey_app.storage import open_database, upgrade
from survey_app.storage.migrate import current_revision, head_revision


def test_a_new_sqlite_file_is_migrated_to_the_head_revision(tmp_path):
    db = open_database(str(tmp_path / "new.db"))
    before, after = upgrade(db)
    assert (before, after) == (None, head_revision(db))
    assert {"users", "studies", "frame_records", "cases", "answers", "audit_log"} <= set(
        inspect(db.engine).get_table_names()
    )


def test_upgrading_twice_changes_nothing(tmp_path):
    db = open_database(str(tmp_path / "again.db"))
    upgrade(db)
    assert upgrade(db) == (head_revision(db), head_revision(db))


def test_a_file_that_is_not_sqlite_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my meeting notes, not a database" * 10)
    before = path.read_bytes()
    with pytest.raises(DatabaseUnavailable, match="not a SQLite database"):
        open_database(str(path))
    assert path.read_bytes() == before


def test_a_damaged_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "damaged.db"
    db = open_database(str(path))
    upgrade(db)
    db.dispose()
    data = bytearray(path.read_bytes())
    data[4096:8192] = b"\xff" * 4096  # overwrite a b-tree page
    path.write_bytes(bytes(data))
    with pytest.raises(DatabaseUnavailable, match="damaged"):
        open_database(str(path))


def test_a_folder_that_does_not_exist_is_named(tmp_path):
    with pytest.raises(DatabaseUnavailable, match="does not exist"):
        open_database(str(tmp_path / "missing" / "huifang.db"))


def test_a_server_that_does_not_answer_gets_a_plain_message():
    with pytest.raises(DatabaseUnavailable, match="Cannot connect to postgresql"):
        open_database("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")


def test_the_schema_is_at_head_in_the_test_database(db):
    assert current_revision(db) == head_revision(db)


def test_the_audit_log_refuses_updates_and_deletes_in_the_database_itself(db, users):
    with pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'someone else'"))
    with pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))
