"""Engine and sessions: one engine per database URL, one short session per action.

SQLite runs in WAL mode with a busy timeout, and every transaction starts with `BEGIN IMMEDIATE`, so
two writers queue instead of failing half-way (a deferred transaction that later writes can fail with
SQLITE_BUSY that no timeout cures). PostgreSQL uses row locks where the services need them.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from survey_app.config import database_url, describe
from survey_app.services.errors import DatabaseUnavailable, DatabaseWriteFailed

SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass
class Database:
    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    #: SQLite: one writer at a time anyway; taking turns in the process is fairer than busy-wait retries.
    _turn: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def description(self) -> str:
        return describe(self.url)

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose transaction commits when the block ends and rolls back on any error.

        On SQLite the threads of one process take turns (a fair lock) before `BEGIN IMMEDIATE`; other
        processes still queue on SQLite's own busy timeout.
        """
        turn = self._turn if self.is_sqlite else contextlib.nullcontext()
        try:
            with turn, self.sessions() as session, session.begin():
                yield session
        except OperationalError as exc:  # a full disk, an I/O error: rolled back, said in one sentence
            raise DatabaseWriteFailed(_write_failure(exc)) from exc

    def dispose(self) -> None:
        self.engine.dispose()


def _write_failure(exc: OperationalError) -> str:
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc).splitlines()[0]
    if "full" in reason.lower() or "no space" in reason.lower():
        return (
            f"The database could not be written ({reason}); nothing of this action was saved and the "
            "database is as it was before. Free some disk space and try again."
        )
    return f"The database refused this action ({reason}); nothing of it was saved. Try again."


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # pragma: no cover - driver callback
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # pragma: no cover - driver callback
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _check_sqlite_file(path: Path) -> None:
    """Refuse a file that exists but is not a SQLite database, before anything writes to it."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_MAGIC))
    if header != SQLITE_MAGIC:
        raise DatabaseUnavailable(
            f"{path} is not a SQLite database (its first bytes are not the SQLite header). "
            "It may be corrupt or another kind of file: restore it from a backup or choose another "
            "path with --db or HUIFANG_DATABASE_URL. Nothing was written to it."
        )
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            result = conn.execute("PRAGMA quick_check").fetchone()
    except sqlite3.DatabaseError as exc:
        raise DatabaseUnavailable(
            f"{path} is a damaged SQLite database ({exc}). Nothing was written to it."
        ) from exc
    if result is None or result[0] != "ok":
        raise DatabaseUnavailable(
            f"{path} is a damaged SQLite database (integrity check: {result[0] if result else 'no answer'}). "
            "Nothing was written to it."
        )


def open_database(url: str | None = None, *, check: bool = True) -> Database:
    """Open (not yet migrate) the database named by `url`, `HUIFANG_DATABASE_URL` or `./huifang.db`.

    Raises `DatabaseUnavailable` with a plain explanation when it cannot be reached or is corrupt.
    """
    resolved = database_url(url)
    parsed = make_url(resolved)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            path = Path(parsed.database)
            if not path.parent.exists():
                raise DatabaseUnavailable(f"Cannot create {path}: the folder {path.parent} does not exist.")
            _check_sqlite_file(path)
        engine = create_engine(resolved, connect_args={"check_same_thread": False, "timeout": 30})
        _configure_sqlite(engine)
    else:
        if parsed.drivername == "postgresql":
            resolved = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        try:
            engine = create_engine(resolved, pool_pre_ping=True, pool_size=10, max_overflow=20)
        except Exception as exc:  # bad driver names, missing driver packages
            raise DatabaseUnavailable(f"Cannot use {describe(resolved)}: {exc}") from exc
    if check:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except (OperationalError, DatabaseError) as exc:
            engine.dispose()
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise DatabaseUnavailable(f"Cannot connect to {describe(resolved)}: {reason}") from exc
    return Database(resolved, engine, sessionmaker(engine, expire_on_commit=False))
