"""The respondent's page in AppTest: a link opens it without any login, the identity check comes
first, then the questionnaire's first item; every word in Chinese; a bad link says so."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from survey_app.services import sms, web_invites
from survey_app.services.studies import find_study
from survey_app.storage.models import User
from tests.app.builders import STUDY_NAME
from tests.app.conftest import APP, TIMEOUT, page_text

pytestmark = pytest.mark.db

LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


@pytest.fixture
def link(app_db, study, tmp_path, monkeypatch) -> tuple[str, str]:
    """(number, token) of one invitation sent to the outbox."""
    monkeypatch.setenv("HUIFANG_SMS_OUTBOX", str(tmp_path / "outbox"))
    with app_db.session() as session:
        found = find_study(session, STUDY_NAME)
        found.settings = {**found.settings, "mode_design": "web_first"}
        researcher = session.scalar(select(User).where(User.username == "researcher"))
        web_invites.invite(session, researcher, found, limit=1)
    message = sms.read_outbox(tmp_path / "outbox")[0]
    return message["to"], re.search(r"\?r=([A-Za-z0-9_-]+)", message["text"]).group(1)


def _open(token: str) -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    app.query_params[web_invites.TOKEN_PARAM] = token
    app.run()
    return app


def test_a_link_opens_the_identity_check_without_a_login(link):
    app = _open(link[1])
    assert not app.exception
    assert [box.label for box in app.text_input] == ["手机号码后四位"]
    assert "用户名" not in page_text(app)


def test_the_right_digits_open_the_first_item_in_chinese(link):
    number, token = link
    app = _open(token)
    app.text_input(key="web_last_four").input(number[-4:])
    app.button[0].click()
    app.run()
    assert not app.exception
    text = page_text(app)
    assert "已答 0 题" in text
    assert set(LATIN_WORD.findall(text)) <= {"English"}  # the language switch names itself


def _verified(link) -> AppTest:
    number, token = link
    app = _open(token)
    app.text_input(key="web_last_four").input(number[-4:])
    app.button[0].click()
    app.run()
    return app


def test_the_first_item_is_the_self_completion_intro_not_the_call_script(link):
    shown = page_text(_verified(link))
    assert "这是受上海市司法局人事处委托开展的第三方满意度调查" in shown
    assert "访员" not in shown and "工号" not in shown


def test_the_self_completion_intro_reads_in_english_too(link):
    app = _verified(link)
    app.radio(key="web_lang_select").set_value("en").run()
    shown = page_text(app)
    assert "Hello! This is an independent survey" in shown and "interviewer" not in shown


def test_wrong_digits_are_refused(link):
    number, token = link
    app = _open(token)
    app.text_input(key="web_last_four").input("0000" if number[-4:] != "0000" else "1111")
    app.button[0].click()
    app.run()
    assert [box.value for box in app.error] == ["号码后四位不正确，请再试一次。"]


def test_an_unknown_link_says_it_is_not_valid(app_db):
    app = _open("not-a-token")
    assert [box.value for box in app.info] == ["该链接无效。"]


def test_the_supervisor_sees_the_web_invitations_by_outcome(link):
    from tests.app.conftest import log_in

    app = log_in("supervisor")
    assert not app.exception
    table = next(t.value for t in app.dataframe if "结果" in t.value.columns)
    assert table.to_dict("records") == [{"代码": "—", "结果": "链接仍有效，等待作答", "数量": 1}]
