"""Engine and sessions: one engine per database URL, one short session per action.

Two kinds of session (ARCHITECTURE, "Storage"):

- `Database.session()` for anything that may write — and an audited read (a reveal, a recorded
  build, an export) writes its audit entry. On SQLite (WAL mode, busy timeout) its transaction starts
  with `BEGIN IMMEDIATE`, so two writers queue instead of failing half-way (a deferred transaction
  that later writes can fail with SQLITE_BUSY that no timeout cures). PostgreSQL uses row locks where
  the services need them.
- `Database.reading()` for work that only reads (pages, dashboards, analyses, checks). On SQLite a
  deferred `BEGIN` under `PRAGMA query_only`: one WAL snapshot, never the write lock, so it waits
  neither for a writer nor for another reader. On PostgreSQL `REPEATABLE READ, READ ONLY`: one
  snapshot for every statement, as on SQLite. Either database refuses a write in it, which surfaces
  as `ReadOnlySessionWrite` (one sentence), never as a silent wait for the write lock.
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
from sqlalchemy.exc import DatabaseError, DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from survey_app.config import database_url, describe
from survey_app.services.errors import DatabaseUnavailable, DatabaseWriteFailed, ReadOnlySessionWrite

SQLITE_MAGIC = b"SQLite format 3\x00"
#: How long a SQLite connection waits for another's lock before giving up (seconds).
BUSY_TIMEOUT = 30.0


@dataclass
class Database:
    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    #: SQLite: one writer at a time anyway; taking turns in the process is fairer than busy-wait retries.
    _turn: threading.RLock = field(default_factory=threading.RLock, repr=False)
    #: SQLite file: the pool of `reading()`, connections under `PRAGMA query_only` for their whole life
    #: (switching it per transaction would expire every prepared statement of the connection)
    reader_engine: Engine | None = None
    _readers: sessionmaker[Session] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.reader_engine is not None:
            bind = self.reader_engine
        elif self.is_sqlite:  # in-memory (one database per connection): reading() is session()
            bind = self.engine
        else:  # PostgreSQL: connection characteristics, reset when the connection goes back to the pool
            bind = self.engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        self._readers = sessionmaker(bind, expire_on_commit=False)

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

    @contextlib.contextmanager
    def reading(self) -> Iterator[Session]:
        """A session that only reads: one consistent snapshot, no write lock, no turn to wait for.

        SQLite: deferred `BEGIN` under `PRAGMA query_only` (WAL: readers never wait for the writer or
        each other). PostgreSQL: `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`. A write through it —
        an ORM flush, a Core statement, an audit entry at the commit — is refused by the database and
        raised as `ReadOnlySessionWrite`; nothing is written. Use `session()` for anything audited.
        """
        try:
            with self._readers() as session, session.begin():
                yield session
        except DBAPIError as exc:
            if _refused_as_read_only(exc):
                raise _read_only_refusal(exc) from exc
            if isinstance(exc, OperationalError):
                raise DatabaseWriteFailed(_write_failure(exc)) from exc
            raise

    def dispose(self) -> None:
        self.engine.dispose()
        if self.reader_engine is not None:
            self.reader_engine.dispose()


def _write_failure(exc: OperationalError) -> str:
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc).splitlines()[0]
    if "full" in reason.lower() or "no space" in reason.lower():
        return (
            f"The database could not be written ({reason}); nothing of this action was saved and the "
            "database is as it was before. Free some disk space and try again."
        )
    return f"The database refused this action ({reason}); nothing of it was saved. Try again."


def _refused_as_read_only(exc: DBAPIError) -> bool:
    """Whether the database refused a statement because the transaction is read-only."""
    if getattr(exc.orig, "sqlstate", None) == "25006":  # PostgreSQL: read_only_sql_transaction
        return True
    return "readonly database" in str(exc.orig)  # SQLite under PRAGMA query_only: SQLITE_READONLY


def _read_only_refusal(exc: DBAPIError) -> ReadOnlySessionWrite:
    words = (exc.statement or "").split()
    tried = " ".join(words[:3]) if words else "a write"
    return ReadOnlySessionWrite(
        f"A read-only database session tried to write ({tried}); the database refused it and nothing "
        "was written — work that writes, or records an audit entry, needs Database.session().",
        zh=f"只读数据库会话试图写入（{tried}），数据库已拒绝，未写入任何内容——写入或记审计的操作须使用 Database.session()。",
    )


def _sqlite_engine(url: str, busy_timeout: float, *, reading: bool = False) -> Engine:
    """A SQLite engine whose transactions begin `BEGIN IMMEDIATE`, or with `reading` a deferred `BEGIN`
    on connections under `PRAGMA query_only` (the first read takes a WAL snapshot; no lock is taken
    that a writer waits for, and any write is refused with SQLITE_READONLY)."""
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_timeout})
    begin = "BEGIN" if reading else "BEGIN IMMEDIATE"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # pragma: no cover - driver callback
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        if reading:
            cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # pragma: no cover - driver callback
        connection.exec_driver_sql(begin)

    return engine


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


def open_database(
    url: str | None = None, *, check: bool = True, busy_timeout: float = BUSY_TIMEOUT
) -> Database:
    """Open (not yet migrate) the database named by `url`, `HUIFANG_DATABASE_URL` or `./huifang.db`.

    `busy_timeout` (seconds, SQLite only): how long a statement waits for another connection's lock.
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
        engine = _sqlite_engine(resolved, busy_timeout)
        in_memory = not parsed.database or parsed.database == ":memory:"
        reader = None if in_memory else _sqlite_engine(resolved, busy_timeout, reading=True)
    else:
        reader = None
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
    return Database(resolved, engine, sessionmaker(engine, expire_on_commit=False), reader_engine=reader)
