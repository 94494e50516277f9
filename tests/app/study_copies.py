"""Copies of a built test study: built once per test session and database kind, then copied per test.

Why: `builders.build_fieldwork_study` (users with argon2 hashes, a frame import, a draw, a frozen
questionnaire) ran afresh in some 80 tests, a large share of CI's time. The first build of a session
on each database kind is kept as a snapshot; every later test whose database is still pristine gets a
copy of it instead, which is what a fresh build would have left (same ids, rows and audit chain). On
both database kinds (`COPY_ON_POSTGRESQL` says what it costs on PostgreSQL):

- the database: SQLite through the backup API into the test's own file; PostgreSQL by dropping the
  test's database and creating it again under the same name with `CREATE DATABASE … TEMPLATE` (a file
  copy, `STRATEGY FILE_COPY`) from the snapshot database (made from the first built one once its engine
  was disposed: a template must have no open connection);
- the frame file, into the test's own folder, and the frame row's `source_path` pointed at that copy;
- the key files the stored data depends on (the match key and the study's data key), copied into the
  test's key folder where they are missing, so a test with a key folder of its own gets its own copies
  and a test that purges the study (destroying its data key) cannot take it from the next one.

A test gets a fresh build instead when its database is not pristine (any row beyond what the
migrations write), when its key folder's signing key is not the one the snapshot's audit entries were
signed with (e.g. a key made by the test itself), when its folder holds another match key, or outside
a `keeping` block (tests/conftest.py opens one per session).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlalchemy import Engine, create_engine, inspect, select, text, update
from sqlalchemy.engine import make_url

from survey_app import config
from survey_app.security import fieldcrypto, signing
from survey_app.storage import Database
from survey_app.storage.models import Frame, Study

#: Tables that a freshly migrated database already fills.
MIGRATION_ROWS = frozenset({"alembic_version", "audit_head"})
#: On since the copies are file copies (STRATEGY FILE_COPY) and the test databases are dropped in batches
#: (tests/pg_databases.py): measured on PostgreSQL 15 (HUIFANG_PG_FAST), 30 tests with a built study took
#: 16.2-17.2 s of CPU (client + server) copied against 19.7-20.3 s built afresh, ~0.11 s per test (the
#: copy's drop still forces a checkpoint: +0.09 s on the server, -0.19 s in the test). With the WAL_LOG
#: copy and a drop per test a copy had cost ~0.46 s of server CPU, more than the build, so it was off.
COPY_ON_POSTGRESQL = True


class Built(Protocol):
    study_id: int
    frame_path: Path


B = TypeVar("B", bound=Built)


@dataclasses.dataclass(frozen=True)
class Snapshot:
    source: str  # SQLite: the snapshot file; PostgreSQL: the template database's name
    folder: Path  # the frame file and, under keys/, the key files as the build left them
    key_files: tuple[str, ...]  # relative to the key folder
    result: Any


@dataclasses.dataclass
class _Store:
    folder: Path
    snapshots: dict[tuple[str, str | None], Snapshot] = dataclasses.field(default_factory=dict)
    admins: dict[str, Engine] = dataclasses.field(default_factory=dict)
    templates: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (admin url, name)
    strategies: dict[str, str] = dataclasses.field(default_factory=dict)  # admin url → copy clause

    def admin(self, url: str) -> tuple[str, Engine]:
        """The URL of the server's `postgres` database and an AUTOCOMMIT engine on it (CREATE/DROP DATABASE)."""
        admin_url = make_url(url).set(database="postgres").render_as_string(hide_password=False)
        if admin_url not in self.admins:
            self.admins[admin_url] = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        return admin_url, self.admins[admin_url]

    def copy_clause(self, url: str) -> str:
        """`STRATEGY FILE_COPY` on PostgreSQL 15 and later (a copy of the files, not of every page through
        the WAL and shared buffers: tests/pg_databases.py); older servers copy files anyway."""
        admin_url, admin = self.admin(url)
        if admin_url not in self.strategies:
            with admin.connect() as conn:
                version = int(conn.execute(text("SHOW server_version_num")).scalar_one())
            self.strategies[admin_url] = " STRATEGY FILE_COPY" if version >= 150000 else ""
        return self.strategies[admin_url]

    def close(self) -> None:
        for admin_url, name in self.templates:
            with self.admins[admin_url].connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        for engine in self.admins.values():
            engine.dispose()


_store: _Store | None = None


@contextlib.contextmanager
def keeping(folder: Path) -> Iterator[None]:
    """Within this block builds are kept (under `folder`) and copied; afterwards every snapshot
    database is dropped."""
    global _store
    _store = _Store(folder)
    try:
        yield
    finally:
        store, _store = _store, None
        store.close()


def copy_or_build(db: Database, folder: Path, build: Callable[[], B]) -> B:
    """The result of `build()` on `db` (pristine) with its frame file in `folder`: a copy of this
    session's snapshot when one fits, else a fresh build (kept as the snapshot if there was none)."""
    store = _store
    if store is None or (not db.is_sqlite and not COPY_ON_POSTGRESQL) or not _pristine(db):
        return build()
    key = (db.engine.dialect.name, _signing_state(config.key_dir()))
    snapshot = store.snapshots.get(key)
    if snapshot is not None and _keys_fit(snapshot):
        return _restore(store, db, folder, snapshot)
    result = build()
    if snapshot is None:
        store.snapshots[key] = _take(store, db, result)
    return result


def _pristine(db: Database) -> bool:
    with db.engine.connect() as conn:
        tables = [name for name in inspect(conn).get_table_names() if name not in MIGRATION_ROWS]
        return not any(conn.execute(text(f'SELECT 1 FROM "{name}" LIMIT 1')).first() for name in tables)


def _signing_state(folder: Path) -> str | None:
    """A digest of the folder's keyring and signing keys (None without a keyring): the audit entries
    of a copy verify only where the key that signed them is the active one."""
    ring = folder / signing.KEYRING
    if not ring.exists():
        return None
    digest = hashlib.sha256(ring.read_bytes())
    for path in sorted(folder.glob("signing-*.key")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _keys_fit(snapshot: Snapshot) -> bool:
    """No key file the copy needs is present under another content."""
    keys = config.key_dir()
    for name in snapshot.key_files:
        target = keys / name
        if target.exists() and target.read_bytes() != (snapshot.folder / "keys" / name).read_bytes():
            return False
    return True


def _take(store: _Store, db: Database, result: Built) -> Snapshot:
    folder = store.folder / uuid.uuid4().hex[:12]
    folder.mkdir()
    shutil.copy2(result.frame_path, folder / result.frame_path.name)
    with db.session() as session:
        key_id = session.scalar(select(Study.data_key_id).where(Study.id == result.study_id))
    wanted = [fieldcrypto.MATCH_KEY_FILE] + (
        [f"{fieldcrypto.DATA_KEY_FOLDER}/{key_id}.key"] if key_id else []
    )
    keys = config.key_dir()
    key_files = tuple(name for name in wanted if (keys / name).exists())
    for name in key_files:
        (folder / "keys" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(keys / name, folder / "keys" / name)
    db.dispose()
    if db.is_sqlite:
        source = str(folder / "study.db")
        _backup(make_url(db.url).database, source)
    else:
        source = f"huifang_built_{uuid.uuid4().hex[:10]}"
        admin_url, admin = store.admin(db.url)
        with admin.connect() as conn:
            conn.execute(
                text(
                    f'CREATE DATABASE "{source}" TEMPLATE "{make_url(db.url).database}"'
                    + store.copy_clause(db.url)
                )
            )
        store.templates.append((admin_url, source))
    return Snapshot(source, folder, key_files, result)


def _restore(store: _Store, db: Database, folder: Path, snapshot: Snapshot) -> Built:
    keys = config.private_dir(config.key_dir())
    for name in snapshot.key_files:
        target = keys / name
        if not target.exists():
            config.private_dir(target.parent)
            shutil.copyfile(snapshot.folder / "keys" / name, target)
            target.chmod(config.PRIVATE_FILE_MODE)
    db.dispose()
    if db.is_sqlite:
        _backup(snapshot.source, make_url(db.url).database)
    else:
        name = make_url(db.url).database
        clause = store.copy_clause(db.url)
        with store.admin(db.url)[1].connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{snapshot.source}"{clause}'))
    frame_path = folder / snapshot.result.frame_path.name
    shutil.copy2(snapshot.folder / frame_path.name, frame_path)
    with db.engine.begin() as conn:  # not a tracked table, not in the audit details: as a build leaves it
        conn.execute(
            update(Frame)
            .where(Frame.study_id == snapshot.result.study_id)
            .values(source_path=str(frame_path.resolve()))
        )
    return dataclasses.replace(snapshot.result, frame_path=frame_path)


def _backup(source: str, target: str) -> None:
    """Copy a whole SQLite database file through SQLite's backup API (consistent, WAL included)."""
    with (
        contextlib.closing(sqlite3.connect(source)) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)
