"""In a real browser on a phone-sized screen: a respondent opens the SMS link, confirms the last four
digits, answers, closes the tab, opens the link again and resumes at the same item, completes the
questionnaire, and finds the link closed afterwards."""

from __future__ import annotations

import re

import pytest

from survey_app.services import sms, web_invites
from survey_app.services.studies import find_study
from survey_app.storage.models import Interview
from tests.app.builders import STUDY_NAME, build_fieldwork_study, full_answers
from tests.browser import day
from tests.browser.helpers import click, settle

pytestmark = [pytest.mark.browser, pytest.mark.db]
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = day.TIMEOUT_MS  # one patience for every browser test: CI runs two passes on 2 cores


def _invite(db, outbox) -> tuple[str, str]:
    from sqlalchemy import select

    from survey_app.storage.models import User

    with db.session() as session:
        study = find_study(session, STUDY_NAME)
        study.settings = {**study.settings, "mode_design": "web_first"}
        researcher = session.scalar(select(User).where(User.username == "researcher"))
        web_invites.invite(session, researcher, study, limit=1)
    message = sms.read_outbox(outbox)[0]
    return message["to"], re.search(r"\?r=([A-Za-z0-9_-]+)", message["text"]).group(1)


def _current(db, token: str):
    """The item the engine asks now, and the Chinese label of the answer to give (None for a note)."""
    with db.session() as session:
        try:
            _, engine = web_invites.open_web_interview(session, token)
        except web_invites.LinkClosed:  # submitted: nothing more to ask
            return None, None
        engine.language = "zh"
        item = engine.current()
        if item is None:
            return None, None
        if item.type == "note":
            return item, None
        code = full_answers(0).get(item.name, "satisfied" if item.name.startswith("sat_") else None)
        labels = {option.code: option.label for option in item.options}
        return item, labels.get(code)


def _open(browser, url: str, token: str, number: str):
    page = browser.new_page(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{url}/?r={token}")
    settle(page)
    page.get_by_label("手机号码后四位").fill(number[-4:])
    click(page, "确认并开始")
    return page


def _answer_one(page, db, token: str) -> bool:
    """Answer the current item in the page; False once the questionnaire is over."""
    item, label = _current(db, token)
    if item is None:
        return False
    page.locator("h4", has_text=item.label).wait_for()
    # the new item's heading shows while that run still draws the page and the last item's form is on
    # screen too (stale): wait for the run to finish, or "下一题" names two buttons
    settle(page)
    if label:
        page.get_by_text(label, exact=True).first.click()
    click(page, "继续" if item.type == "note" else "下一题")
    return True


def test_a_respondent_completes_by_link_on_a_phone_resumes_after_closing_the_tab_and_cannot_reuse_it(
    db, database_url, tmp_path, serve, browser, monkeypatch
):
    monkeypatch.setenv("HUIFANG_SMS_OUTBOX", str(tmp_path / "outbox"))
    build_fieldwork_study(db, tmp_path)
    number, token = _invite(db, tmp_path / "outbox")
    url = serve(database_url)

    page = _open(browser, url, token, number)
    assert page.get_by_label("用户名").count() == 0  # no login, no account
    for _ in range(3):
        _answer_one(page, db, token)
    waiting, _ = _current(db, token)
    page.locator("h4", has_text=waiting.label).wait_for()
    page.close()  # the tab is closed; the answers are in the database

    page = _open(browser, url, token, number)
    page.locator("h4", has_text=waiting.label).wait_for()  # resumed at the same item
    page.screenshot(path=str(tmp_path / "web-link-phone.png"), full_page=True)
    while _answer_one(page, db, token):
        pass
    page.get_by_text("问卷已提交，感谢您的参与！此链接已失效。").wait_for()
    with db.session() as session:
        from sqlalchemy import select

        interview = session.scalar(select(Interview))
        assert (interview.mode, interview.status) == ("web", "complete")
    page.close()

    again = browser.new_page(viewport=PHONE, locale="zh-CN", is_mobile=True)
    again.set_default_timeout(TIMEOUT_MS)
    again.goto(f"{url}/?r={token}")
    settle(again)
    again.get_by_text("问卷已经提交，链接不能再次使用。谢谢您的参与！").wait_for()
    assert again.get_by_label("手机号码后四位").count() == 0
