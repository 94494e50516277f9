"""A report build reads one snapshot, renders outside any transaction and records in a short writing
session that first checks the study has not moved since the snapshot (ARCHITECTURE, "Which session for
what", report builds; issue 15).

Each test blocks the rendering on an event (`render_content` reads no database, so it is where a build
spends its seconds) and acts as a surveyor from a second `Database` — another process's connections,
with a busy timeout short enough that waiting for a held SQLite write lock fails ("database is locked").
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from survey_app.cli import main
from survey_app.services import fieldwork, reports, verification
from survey_app.services.studies import find_study
from survey_app.storage import Database, open_database
from survey_app.storage.models import AuditEntry, User
from tests.app.builders import STUDY_NAME, build_fieldwork_study, complete_interviews, password

pytestmark = [pytest.mark.db, pytest.mark.usefixtures("same_inputs_same_units")]

#: The surveyor's connections wait at most this long for a lock (the app's default is 30 s).
SHORT_BUSY_TIMEOUT = 0.5
#: How long a surveyor's write may take while a report renders, on a loaded shared 2-core machine.
PROMPT = 5.0


class HeldRendering:
    """`reports.render_content` that waits, once started, until the test lets it go on."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.started, self.release = threading.Event(), threading.Event()
        original = reports.render_content

        def held(*args, **kwargs):
            self.started.set()
            assert self.release.wait(60), "the test never released the rendering"
            return original(*args, **kwargs)

        monkeypatch.setattr(reports, "render_content", held)


class Build(threading.Thread):
    """`huifang report STUDY --out FILE` as the auditor, in a thread of its own."""

    def __init__(self, url: str, out: Path) -> None:
        super().__init__(daemon=True)
        self.args = ["--db", url, "report", STUDY_NAME, "--out", str(out), "--lang", "en"]
        self.env = {"HUIFANG_USER": "auditor", "HUIFANG_PASSWORD": password("auditor")}
        self.result = None

    def run(self) -> None:
        self.result = CliRunner().invoke(main, self.args, env=self.env)


@pytest.fixture
def fieldwork_db(db: Database, tmp_path: Path) -> Database:
    """The builders' study in fieldwork with six complete interviews (enough to report on)."""
    build_fieldwork_study(db, tmp_path)
    complete_interviews(db, 6)
    return db


@pytest.fixture
def surveyor_db(fieldwork_db: Database):
    """The same database opened again, as another process would, with a short busy timeout."""
    other = open_database(fieldwork_db.url, busy_timeout=SHORT_BUSY_TIMEOUT)
    yield other
    other.dispose()


def _builds(db: Database) -> int:
    with db.reading() as session:
        return session.scalar(select(func.count()).where(AuditEntry.action == "report.built"))


def _claim_a_case(db: Database) -> float:
    """A surveyor's write that does not change what the report prints (a claim); its wall time."""
    began = time.perf_counter()
    with db.session() as session:
        surveyor = session.scalar(select(User).where(User.username == "surveyor"))
        assert fieldwork.next_case(session, surveyor, find_study(session, STUDY_NAME)) is not None
    return time.perf_counter() - began


def _start(build: Build, held: HeldRendering) -> None:
    build.start()
    assert held.started.wait(120), "the build never reached its rendering"


def _finish(build: Build, held: HeldRendering):
    held.release.set()
    build.join(120)
    assert not build.is_alive()
    return build.result


def test_a_surveyor_saves_promptly_while_a_report_renders(fieldwork_db, surveyor_db, monkeypatch, tmp_path):
    held = HeldRendering(monkeypatch)
    build = Build(fieldwork_db.url, tmp_path / "report.pdf")
    _start(build, held)
    try:
        took = _claim_a_case(surveyor_db)  # before: DatabaseWriteFailed, "database is locked"
    finally:
        result = _finish(build, held)
    assert took < PROMPT
    assert result.exit_code == 0, result.output
    assert _builds(fieldwork_db) == 1


def test_a_build_recorded_beside_a_surveyors_claim_still_verifies(
    fieldwork_db, surveyor_db, monkeypatch, tmp_path
):
    held = HeldRendering(monkeypatch)
    build = Build(fieldwork_db.url, tmp_path / "report.pdf")
    _start(build, held)
    try:
        _claim_a_case(surveyor_db)
    finally:
        result = _finish(build, held)
    assert result.exit_code == 0, result.output
    with fieldwork_db.reading() as session:
        checks = verification.verify_study(session, find_study(session, STUDY_NAME))
    report = next(check for check in checks if check.name == "report")
    assert report.ok and "byte-identical" in report.detail, report.detail


def test_new_answers_saved_during_a_build_refuse_its_record(fieldwork_db, surveyor_db, monkeypatch, tmp_path):
    held = HeldRendering(monkeypatch)
    out = tmp_path / "report.pdf"
    build = Build(fieldwork_db.url, out)
    _start(build, held)
    try:
        complete_interviews(surveyor_db, 1)  # a surveyor's completed interview: what the report prints moved
    finally:
        result = _finish(build, held)
    assert result.exit_code == 1
    assert "changed while its report was being built" in result.output
    assert _builds(fieldwork_db) == 0  # no digest recorded for content that no longer matches
    assert not out.exists()  # nor handed out


def _state_change(db: Database) -> None:
    from survey_app.services import studies

    with db.session() as session:
        supervisor = session.scalar(select(User).where(User.username == "supervisor"))
        studies.set_state(session, supervisor, find_study(session, STUDY_NAME), "closed")


def _settings_change(db: Database) -> None:
    from survey_app.services import studies

    with db.session() as session:
        researcher = session.scalar(select(User).where(User.username == "researcher"))
        studies.set_refusal_gamma(session, researcher, find_study(session, STUDY_NAME), 3.0)


@pytest.mark.parametrize("change", [_state_change, _settings_change], ids=["state", "settings"])
def test_a_change_committed_between_snapshot_and_record_is_refused_in_one_sentence(
    fieldwork_db, surveyor_db, monkeypatch, change
):
    held = HeldRendering(monkeypatch)
    with fieldwork_db.reading() as session:
        auditor = session.scalar(select(User).where(User.username == "auditor"))
    outcome: dict[str, object] = {}

    def build() -> None:
        try:
            outcome["built"] = reports.build_and_record(fieldwork_db, STUDY_NAME, auditor, lang="zh")
        except Exception as exc:  # handed to the test thread
            outcome["error"] = exc

    worker = threading.Thread(target=build, daemon=True)
    worker.start()
    assert held.started.wait(120)
    try:
        change(surveyor_db)
    finally:
        held.release.set()
        worker.join(120)
    error = outcome.get("error")
    assert isinstance(error, reports.ReportSourceMoved), outcome
    assert "built" not in outcome
    assert "\n" not in str(error) and error.zh and "未登记" in error.text("zh")
    assert _builds(fieldwork_db) == 0


def test_a_recorded_build_without_an_identity_is_refused_before_anything_is_read(fieldwork_db, monkeypatch):
    from survey_app.services.errors import HuifangError

    read = []
    monkeypatch.setattr(reports, "source_stamp", lambda *args: read.append(args))
    with pytest.raises(HuifangError, match="needs an identity"):
        reports.build_and_record(fieldwork_db, STUDY_NAME, None)
    assert read == []
