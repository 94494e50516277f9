"""Shared test fixtures: a fresh, migrated database per test, on SQLite or PostgreSQL.

`HUIFANG_TEST_DATABASE_URL` chooses the server (`.ci/run` sets it to a throwaway PostgreSQL 15
cluster for a second pass over the tests marked `db`); without it every database is a SQLite file.
A migrated template is made once per run and copied per test, so each test starts from an empty,
fully migrated schema in milliseconds.
"""

from __future__ import annotations

import os

os.environ.setdefault("HUIFANG_ARGON2_PROFILE", "test")  # before survey_app is imported

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from survey_app.storage import Database, open_database, upgrade

PG_URL = os.environ.get("HUIFANG_TEST_DATABASE_URL")


def _pg_admin_url(url: str) -> str:
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if PG_URL:
        name = f"huifang_tpl_{uuid.uuid4().hex[:8]}"
        admin = create_engine(_pg_admin_url(PG_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        db = open_database(url)
        upgrade(db)
        db.dispose()
        yield name
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        db = open_database(str(path))
        upgrade(db)
        db.dispose()
        yield str(path)


@pytest.fixture
def database_url(_template: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, migrated, empty database for this test."""
    if PG_URL:
        name = f"huifang_t_{uuid.uuid4().hex[:10]}"
        admin = create_engine(_pg_admin_url(PG_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{_template}"'))
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path / "huifang.db"
        shutil.copy(_template, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A fresh, migrated database (SQLite file, or PostgreSQL when HUIFANG_TEST_DATABASE_URL is set)."""
    database = open_database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def users(db: Database) -> dict:
    """One active user per role, named after the role (password: 'password-<role>')."""
    from survey_app.services import auth
    from survey_app.storage.models import ROLES

    made = {}
    with db.session() as session:
        for number, role in enumerate(ROLES, start=1):
            made[role] = auth.create_user(
                session,
                None,
                role,
                f"password-{role}",
                role,
                surveyor_no=f"{number:03d}" if role == "surveyor" else None,
            )
    return made


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test that uses a database is a `db` test, so the PostgreSQL pass cannot miss one."""
    for item in items:
        if {"db", "database_url"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)
