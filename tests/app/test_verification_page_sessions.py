"""The reports page's verification reads in a read-only session unless it opens recordings, which is
audited and so runs in a writing one (ARCHITECTURE, "Which session for what")."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_app.services.recording_demo import attach_demo_recording
from survey_app.storage import Database
from survey_app.storage.models import AuditEntry
from tests.app.builders import STUDY_NAME, complete_interviews
from tests.app.conftest import log_in

pytestmark = pytest.mark.db


def _results(app) -> dict[str, str]:
    app.button(key="run_verification").click().run()
    assert not app.exception
    table = app.dataframe[0].value
    return dict(zip(table["检查项"], table["结果"], strict=True))


def _verifiers(db) -> list[str]:
    with db.session() as session:
        return list(
            session.scalars(select(AuditEntry.actor).where(AuditEntry.action == "recordings.verified"))
        )


def test_the_page_opens_recordings_in_a_writing_session_and_the_opening_is_audited(study, app_db):
    complete_interviews(app_db, 1)
    attach_demo_recording(app_db, STUDY_NAME)
    results = _results(log_in("auditor"))
    assert results["通话录音"] == "通过"
    assert _verifiers(app_db) == ["auditor"]


def _last_entry(db) -> int:
    with db.session() as session:
        return session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))


def test_without_recordings_the_page_verifies_without_a_writing_session(study, app_db, monkeypatch):
    app = log_in("auditor")
    before = _last_entry(app_db)
    writing = []
    opened = Database.session
    monkeypatch.setattr(Database, "session", lambda db: writing.append(db) or opened(db))
    assert _results(app)["通话录音"] == "不适用"
    assert writing == []  # no BEGIN IMMEDIATE: surveyors' saves do not wait for the verification
    assert _last_entry(app_db) == before
