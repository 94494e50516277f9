"""`huifang demo`: a whole study from scratch, and what happens when it meets an existing database."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from survey_app.services import demo
from survey_app.services.errors import DatabaseUnavailable, InvalidState
from survey_app.storage import open_database
from survey_app.storage.models import Answer, Case, Study, User

pytestmark = pytest.mark.usefixtures("no_posterior_worker")  # the demo forks only without other threads


def test_the_demo_creates_one_user_per_role(demo_db):
    with demo_db.session() as session:
        roles = set(session.scalars(select(User.role)))
    assert roles == {"researcher", "surveyor", "supervisor", "reviewer", "auditor", "admin", "remediation"}


def test_the_demo_study_is_closed_with_answers_stored(demo_db):
    with demo_db.session() as session:
        study = session.scalar(select(Study).where(Study.name == "demo"))
        answers = session.scalar(select(func.count(Answer.id)))
        finalised = session.scalar(select(func.count(Case.id)).where(Case.state == "finalised"))
    assert study.state == "closed" and answers > 0 and finalised > 0


def test_the_demo_writes_a_pdf_whose_hash_it_prints(demo_result):
    import hashlib

    assert hashlib.sha256(demo_result.report_path.read_bytes()).hexdigest() == demo_result.report_sha256
    assert demo_result.report_sha256 in demo.summary(demo_result)


def test_the_summary_names_rates_and_both_satisfaction_figures(demo_result):
    text = demo.summary(demo_result)
    assert "RR1" in text and "system" in text and "third-party" in text and "Cases released" in text


def test_a_second_demo_over_an_existing_database_is_refused_and_changes_nothing(demo_db, tmp_path):
    path = tmp_path / "demo.db"
    demo_db.dispose()
    before = path.read_bytes()
    with pytest.raises(InvalidState, match="already holds a Huifang database"):
        demo.build_demo(str(path), rows=2000, out_dir=tmp_path / "again", echo=lambda _l: None)
    assert path.read_bytes() == before


def test_a_demo_over_a_corrupt_file_is_refused(tmp_path):
    path = tmp_path / "huifang.db"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(DatabaseUnavailable, match="not a SQLite database"):
        demo.build_demo(str(path), rows=2000, out_dir=tmp_path / "out", echo=lambda _l: None)
    assert path.read_bytes() == b"not a database at all" * 100


def test_a_failed_demo_leaves_no_database_behind(tmp_path, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("simulated crash in the middle of the draw")

    monkeypatch.setattr(demo.samples, "draw_sample", broken)
    with pytest.raises(RuntimeError, match="simulated crash"):
        demo.build_demo(
            str(tmp_path / "huifang.db"), rows=2000, out_dir=tmp_path / "out", echo=lambda _l: None
        )
    assert not any(p.name.endswith((".db", ".db-wal")) or "building" in p.name for p in tmp_path.iterdir())


def test_the_demo_runs_on_the_test_database_server_too(database_url, tmp_path):
    """An empty migrated SQLite file here; with HUIFANG_TEST_DATABASE_URL, the same demo on PostgreSQL."""
    result = demo.build_demo(database_url, rows=3000, seed=5, out_dir=tmp_path / "out", echo=lambda _l: None)
    db = open_database(database_url)
    with db.session() as session:
        assert session.scalar(select(func.count(Answer.id))) > 0
    db.dispose()
    assert result.report_path.exists()


def test_the_demo_leaves_a_study_in_fieldwork_with_cases_a_surveyor_can_take(demo_db):
    from survey_app.services import fieldwork

    with demo_db.session() as session:
        live = session.scalar(select(Study).where(Study.name == demo.LIVE_STUDY))
        surveyor = session.scalar(select(User).where(User.username == "surveyor"))
        assert live.state == "fieldwork"
        case = fieldwork.next_case(session, surveyor, live)
        assert case is not None and case.study_id == live.id


def test_the_open_demo_study_has_worked_cases_waiting_cases_and_a_reserve(demo_db, demo_result):
    with demo_db.session() as session:
        live = session.scalar(select(Study).where(Study.name == demo.LIVE_STUDY))
        states = dict(
            session.execute(
                select(Case.state, func.count(Case.id)).where(Case.study_id == live.id).group_by(Case.state)
            ).all()
        )
    assert states.get("finalised", 0) > 0  # the supervisor has rates and interviews to re-contact
    assert demo_result.live_waiting > 0  # the surveyors have fresh cases
    assert set(states) - {"finalised", "pending"}, states  # and the reserve is still to release
