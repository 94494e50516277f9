"""Alembic, driven from code: `huifang db upgrade` and every start call `upgrade()`.

Every start (each `huifang` command, each database an app process opens) calls `upgrade()`; a database
already at the head answers one query (`at_head`) instead of Alembic loading every migration script
and running its environment (~20 ms of CPU on SQLite, more round trips on PostgreSQL). The head is
read from the scripts once per process; anything but exactly that one revision goes through Alembic.
"""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from survey_app.storage.db import Database

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(db: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return config


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@functools.cache
def _script_head(location: str) -> str | None:
    """The newest revision of the migration scripts in `location` (they do not change while a process runs)."""
    config = Config()
    config.set_main_option("script_location", location)
    return ScriptDirectory.from_config(config).get_current_head()


def head_revision(db: Database | None = None) -> str | None:
    """The revision this release's migrations end at."""
    return _script_head(str(MIGRATIONS))


def at_head(db: Database) -> bool:
    """The database records exactly this release's head revision (one query; False for a new database,
    an older or newer schema, or any table Alembic would have to look at itself)."""
    try:
        with db.engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except DBAPIError:  # no version table yet: a new database
        return False
    return rows == [head_revision()]


def upgrade(db: Database, revision: str = "head") -> tuple[str | None, str | None]:
    """Bring the schema to `revision`; returns (before, after). Each migration is one transaction."""
    if revision == "head" and at_head(db):
        head = head_revision()
        return head, head
    before = current_revision(db)
    config = alembic_config(db)
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return before, current_revision(db)
