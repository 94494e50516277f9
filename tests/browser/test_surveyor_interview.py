"""In a real browser: a surveyor logs in, opens an interview, answers, reloads, and resumes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_app.services import interviews
from survey_app.storage.models import Answer, Case, User
from tests.app.builders import build_fieldwork_study
from tests.browser import day
from tests.browser.helpers import click, log_in, next_case, settle

pytestmark = [pytest.mark.browser, pytest.mark.db]
TIMEOUT_MS = day.TIMEOUT_MS  # one patience for every browser test: CI runs two passes on 2 cores


def _current_question(db) -> str:
    """What the engine says the held case's interview asks now (read through the services)."""
    with db.session() as session:
        surveyor = session.scalar(select(User).where(User.username == "surveyor"))
        case_id = session.scalar(select(Case.id).where(Case.held_by == surveyor.id))
        _, engine = interviews.open_interview(session, surveyor, case_id)
        return engine.current().label


def test_surveyor_interview_resumes_after_a_reload(db, database_url, tmp_path, serve, browser):
    build_fieldwork_study(db, tmp_path)
    url = serve(database_url)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    settle(page)

    log_in(page, "surveyor")
    next_case(page)
    click(page, "开始 / 继续访问")
    click(page, "已读完，继续")  # the opening script
    page.locator("h4", has_text="请问您是办理该项业务的当事人本人吗？").wait_for()
    page.get_by_text("是本人", exact=True).click()
    settle(page)
    click(page, "下一题")
    waiting = _current_question(db)
    page.locator("h4", has_text=waiting).wait_for()
    with db.session() as session:
        assert dict(session.execute(select(Answer.item, Answer.value)).all()) == {
            "intro": None,
            "identity": "yes",
        }

    page.reload()  # the tab's session is gone, but the address's signed token logs it in again
    settle(page)
    assert page.get_by_label("用户名").count() == 0
    if not page.locator("h4", has_text=waiting).is_visible():
        page.get_by_role("link", name="访问").click()
    page.locator("h4", has_text=waiting).wait_for()
    assert page.locator("h4", has_text="请问您是办理该项业务的当事人本人吗？").count() == 0
    page.screenshot(path=str(tmp_path / "surveyor-interview.png"), full_page=True)
