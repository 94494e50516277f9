"""The reports and comparison pages build a report from a snapshot and record it in a short writing
session (`reports.build_and_record`): a study that changed meanwhile is refused in the page's language,
and nothing is recorded or offered for download (ARCHITECTURE, "Which session for what")."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from survey_app.services import reports
from survey_app.storage.models import AuditEntry
from tests.app.builders import complete_interviews
from tests.app.conftest import log_in

pytestmark = pytest.mark.db


def _builds(db) -> int:
    with db.reading() as session:
        return session.scalar(select(func.count()).where(AuditEntry.action == "report.built"))


@pytest.fixture
def answers_while_rendering(app_db, monkeypatch):
    """A surveyor completes an interview while the page's report renders (after its snapshot)."""
    original = reports.render_content

    def rendering(*args, **kwargs):
        complete_interviews(app_db, 1)
        return original(*args, **kwargs)

    monkeypatch.setattr(reports, "render_content", rendering)


def test_the_reports_page_refuses_a_report_whose_study_changed_while_it_was_built(
    study, app_db, answers_while_rendering
):
    complete_interviews(app_db, 6)
    app = log_in("auditor")
    app.button(key="generate_report").click().run()
    assert not app.exception
    assert any("生成报告期间发生了变化" in error.value for error in app.error)
    assert not app.get("download_button")
    assert _builds(app_db) == 0


def test_the_comparison_page_refuses_a_report_whose_study_changed_while_it_was_built(
    study, app_db, answers_while_rendering
):
    complete_interviews(app_db, 6)
    app = log_in("reviewer")
    app.button(key="generate_comparison_report").click().run()
    assert not app.exception
    assert any("生成报告期间发生了变化" in error.value for error in app.error)
    assert _builds(app_db) == 0
