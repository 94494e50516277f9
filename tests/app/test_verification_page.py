"""The auditor's verification in the app also checks the signatures and the recorded state."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from survey_app.security import signing
from tests.app.builders import build_fieldwork_study
from tests.app.conftest import log_in


@pytest.fixture
def signed_study(app_db, tmp_path):
    """The page tests' study, built after this server's signing key was created (`huifang keys init`)."""
    signing.init_key()
    return build_fieldwork_study(app_db, tmp_path)


def _run(app):
    app.button(key="run_verification").click().run()
    assert not app.exception
    table = app.dataframe[0].value
    return dict(zip(table["检查项"], table["结果"], strict=True)), dict(
        zip(table["检查项"], table["说明"], strict=True)
    )


def test_the_verification_shows_signed_entries_and_the_recorded_state(signed_study):
    results, details = _run(log_in("auditor"))
    assert results["审计日志签名"] == "通过" and details["审计日志签名"].startswith("全部")
    assert results["已记录的状态"] == "通过"


def test_a_role_changed_in_the_database_fails_the_recorded_state_in_the_app(signed_study, app_db):
    with app_db.engine.begin() as conn:
        conn.execute(text("UPDATE users SET role = 'admin' WHERE username = 'surveyor'"))
    results, details = _run(log_in("auditor"))
    assert results["已记录的状态"] == "不通过" and "在 Huifang 之外被改动" in details["已记录的状态"]
