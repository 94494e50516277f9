"""The interview page: one item at a time, each answer stored at once, a reload resumes (AppTest)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_app.storage.models import Answer, Case, Interview, User
from tests.app.conftest import log_in

pytestmark = pytest.mark.db


def _start_interview(app):
    app.button(key="next_case").click().run()
    app.button(key="start_interview").click().run()
    assert not app.exception
    return app


def _question(app) -> str:
    return app.markdown[0].value.removeprefix("#### ")


def _answers(db) -> dict:
    with db.session() as session:
        return dict(session.execute(select(Answer.item, Answer.value)).all())


def test_interview_opens_with_the_intro_script_naming_the_surveyor_number(study, app_db):
    with app_db.session() as session:
        number = session.scalar(select(User.surveyor_no).where(User.username == "surveyor"))
    app = _start_interview(log_in("surveyor"))
    assert "上海市司法局人事处" in _question(app)
    assert number in _question(app)
    assert app.button[0].label == "已读完，继续"


def test_each_answer_is_stored_when_given(study, app_db):
    app = _start_interview(log_in("surveyor"))
    app.button[0].click().run()  # the intro: read out, continue
    app.radio[0].set_value("yes")
    app.button[0].click().run()
    assert _answers(app_db) == {"intro": None, "identity": "yes"}


def test_a_new_tab_resumes_at_the_same_item(study, app_db):
    first = _start_interview(log_in("surveyor"))
    first.button[0].click().run()
    first.radio[0].set_value("yes")
    first.button[0].click().run()
    waiting = _question(first)

    reloaded = log_in("surveyor")  # a reload loses the tab's state: log in again
    reloaded.switch_page("pages/interview.py").run()
    assert not reloaded.exception
    assert _question(reloaded) == waiting
    assert reloaded.radio[0].options == first.radio[0].options


def test_back_shows_the_previous_answer_and_changing_it_is_stored(study, app_db):
    app = _start_interview(log_in("surveyor"))
    app.button[0].click().run()
    app.radio[0].set_value("yes")
    app.button[0].click().run()
    app.button(key="interview_back").click().run()
    assert app.radio[0].value == "yes"
    assert app.info  # the page says an earlier answer is being changed
    app.radio[0].set_value("no")
    app.button[0].click().run()
    assert not app.exception
    assert _answers(app_db)["identity"] == "no"


def test_required_choice_left_empty_is_refused_and_nothing_is_stored(study, app_db):
    app = _start_interview(log_in("surveyor"))
    app.button[0].click().run()
    app.button[0].click().run()  # identity, nothing chosen
    assert [e.value for e in app.error] == ["请选择一个选项。"]
    assert "identity" not in _answers(app_db)


def test_respondent_ending_the_call_records_a_break_off(study, app_db):
    app = _start_interview(log_in("surveyor"))
    app.button[0].click().run()
    app.button(key="interview_ended").click().run()
    assert not app.exception
    with app_db.session() as session:
        interview = session.scalar(select(Interview))
        case = session.get(Case, interview.case_id)
    assert (interview.status, case.state, case.final_disposition) == ("breakoff", "finalised", "2.12")
    assert any("2.12" in s.value for s in app.success)


def test_interview_page_without_a_held_case_says_where_to_get_one(study):
    app = log_in("surveyor")
    app.switch_page("pages/interview.py").run()
    assert [i.value for i in app.info] == ["您当前没有正在处理的个案，请先在“我的呼叫队列”领取。"]


def test_the_interview_shows_in_english(study):
    app = log_in("surveyor")
    app.selectbox(key="lang_select").select("en").run()
    _start_interview(app)
    app.button[0].click().run()
    assert _question(app) == "Are you the person who used this service yourself?"


def test_not_the_named_person_ends_the_interview_as_not_eligible(study, app_db):
    app = _start_interview(log_in("surveyor"))
    app.button[0].click().run()  # the intro
    app.radio[0].set_value("no")  # identity: not the named person
    app.button[0].click().run()
    assert app.button[0].label == "已读完，继续"  # skip logic goes straight to the closing script
    app.button[0].click().run()
    assert not app.exception
    with app_db.session() as session:
        interview = session.scalar(select(Interview))
        case = session.get(Case, interview.case_id)
    assert case.final_disposition == "4.12"
    assert any("4.12" in s.value for s in app.success)
