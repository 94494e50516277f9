"""Read-only sessions (`Database.reading()`): they refuse every write, read one snapshot, and on SQLite
never wait for the write lock that `BEGIN IMMEDIATE` writers hold (ARCHITECTURE, "Storage")."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from survey_app.security import audit
from survey_app.services import auth, fieldwork
from survey_app.services.errors import DatabaseWriteFailed, ReadOnlySessionWrite
from survey_app.storage import open_database
from survey_app.storage.models import AuditHead, Case, Study, User
from tests.fieldwork.conftest import make_study

ONE_SENTENCE = r"^A read-only database session tried to write \([A-Z]+ [^)]*\); the database refused it"


def _user_count(db) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(User))


def _audit_count(db) -> int:
    with db.session() as session:
        return session.scalar(select(AuditHead.count).where(AuditHead.id == 1))


def test_a_reading_session_refuses_an_orm_write_in_one_sentence(db):
    before = _user_count(db)
    with pytest.raises(ReadOnlySessionWrite, match=ONE_SENTENCE) as refused, db.reading() as session:
        session.add(User(username="intruder", display_name="x", role="admin", password_hash="x"))
        session.flush()
    message = str(refused.value)
    assert "INSERT INTO users" in message
    assert message.count(". ") == 0 and message.endswith("Database.session().")  # one sentence
    assert refused.value.text("zh").startswith("只读数据库会话试图写入")
    assert _user_count(db) == before


def test_an_audit_entry_recorded_in_a_reading_session_is_refused_not_written(db):
    before = _audit_count(db)
    with pytest.raises(ReadOnlySessionWrite, match=ONE_SENTENCE), db.reading() as session:
        audit.record(session, "someone", "phone.revealed", entity="case", entity_id=1)
    assert _audit_count(db) == before


def test_a_connection_writes_again_after_serving_a_reading_session(db):
    for _ in range(3):  # the pool hands the same connection back and forth
        with db.reading() as session:
            session.scalar(select(func.count()).select_from(User))
        with db.session() as session:
            auth.create_user(session, None, f"after{_}", "password-after", "researcher")
    assert _user_count(db) >= 3


def test_a_reading_session_reads_one_snapshot_while_others_commit(db):
    with db.reading() as reader:
        first = reader.scalar(select(func.count()).select_from(User))
        with db.session() as writer:
            auth.create_user(writer, None, "committed-meanwhile", "password-meanwhile", "researcher")
        again = reader.scalar(select(func.count()).select_from(User))
    assert again == first  # REPEATABLE READ on PostgreSQL, the WAL snapshot on SQLite
    with db.reading() as later:
        assert later.scalar(select(func.count()).select_from(User)) == first + 1


@contextlib.contextmanager
def _writer_holding_the_lock(path: str):
    """Another connection inside `BEGIN IMMEDIATE` with an uncommitted change: SQLite's write lock."""
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE cases SET state = 'finalised' WHERE id = (SELECT min(id) FROM cases)")
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def _queue_page(session, surveyor_id: int, study_id: int) -> dict[str, int]:
    """What the queue page reads on every run: the surveyor, the study, the queue's counts."""
    return fieldwork.my_queue(session, session.get(User, surveyor_id), session.get(Study, study_id))


@pytest.fixture
def short_wait_db(database_url):
    """The test database with a 0.2 s busy timeout: a session that queues for the lock fails fast."""
    if make_url(database_url).get_backend_name() != "sqlite":
        pytest.skip("SQLite's write lock; PostgreSQL readers never take one")
    db = open_database(database_url, busy_timeout=0.2)
    yield db
    db.dispose()


@pytest.fixture
def queue_study(short_wait_db) -> tuple[int, int]:
    study_id = make_study(short_wait_db, cases=6)
    with short_wait_db.session() as session:
        surveyor = auth.create_user(session, None, "caller", "password-caller", "surveyor", surveyor_no="001")
    return surveyor.id, study_id


def test_a_queue_page_read_completes_while_a_writer_holds_the_lock(short_wait_db, queue_study):
    surveyor_id, study_id = queue_study
    path = make_url(short_wait_db.url).database
    with _writer_holding_the_lock(path), short_wait_db.reading() as session:
        counts = _queue_page(session, surveyor_id, study_id)
        states = session.scalars(select(Case.state).where(Case.study_id == study_id)).all()
    assert counts["fresh"] == 6  # the committed snapshot: the writer's uncommitted change is not seen
    assert set(states) == {"pending"}


def test_the_same_read_in_a_writing_session_queues_behind_the_writer(short_wait_db, queue_study):
    surveyor_id, study_id = queue_study
    path = make_url(short_wait_db.url).database
    waited = pytest.raises(DatabaseWriteFailed, match="database is locked")
    # BEGIN IMMEDIATE waits the busy timeout for the writer's lock, then gives up
    with _writer_holding_the_lock(path), waited, short_wait_db.session() as session:
        _queue_page(session, surveyor_id, study_id)


def test_a_reading_session_on_sqlite_is_query_only_and_a_writing_one_is_not(short_wait_db):
    with short_wait_db.reading() as session:
        assert session.execute(text("PRAGMA query_only")).scalar() == 1
    with short_wait_db.session() as session:
        assert session.execute(text("PRAGMA query_only")).scalar() == 0
