"""Every start upgrades the schema: a database at the head costs one query, any other still goes
through Alembic (an older schema is upgraded, a newer or unknown one refused)."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.util.exc import CommandError
from click.testing import CliRunner
from sqlalchemy import event, inspect, text

from survey_app.cli import main
from survey_app.storage import Database, migrate, upgrade

OLDER = "0009_queue_lookup"  # the revision before the head's `users.session_generation`


def downgrade(db: Database, revision: str) -> None:
    """Put the database back at an older release's schema, as that release left it."""
    config = migrate.alembic_config(db)
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def user_columns(db: Database) -> set[str]:
    return {column["name"] for column in inspect(db.engine).get_columns("users")}


def test_a_database_at_the_head_is_answered_by_one_query_without_alembic(db, monkeypatch):
    def no_alembic(*_args, **_kwargs):
        raise AssertionError("Alembic ran on a database already at the head")

    monkeypatch.setattr(migrate.command, "upgrade", no_alembic)
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731 (conn, cursor, statement, ...)
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert upgrade(db) == (migrate.head_revision(), migrate.head_revision())
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    queries = [sql for sql in statements if not sql.startswith("BEGIN")]  # SQLite's own BEGIN IMMEDIATE
    assert queries == ["SELECT version_num FROM alembic_version"]


def test_a_database_one_migration_behind_is_upgraded_at_start(db):
    downgrade(db, OLDER)
    assert not migrate.at_head(db) and "session_generation" not in user_columns(db)
    assert upgrade(db) == (OLDER, migrate.head_revision())
    assert migrate.at_head(db) and "session_generation" in user_columns(db)


def test_a_huifang_command_upgrades_an_older_database_before_it_runs(db):
    downgrade(db, OLDER)
    result = CliRunner().invoke(main, ["--db", db.url, "studies"], catch_exceptions=False)
    assert result.exit_code == 0
    assert migrate.current_revision(db) == migrate.head_revision()


def test_a_schema_newer_than_this_release_still_goes_to_alembic_and_is_refused(db):
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099_from_a_newer_release'"))
    assert not migrate.at_head(db)
    with pytest.raises(CommandError, match="0099_from_a_newer_release"):
        upgrade(db)


def test_a_database_without_a_version_table_is_not_at_the_head(db):
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
    assert not migrate.at_head(db)
