"""The researcher's comment-coding page: masked texts, suggestions accepted or rejected, a blind second
pass, adjudication and the weighted theme frequencies."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from survey_app.services import auth, coding, fieldwork, interviews
from survey_app.services.studies import find_study
from survey_app.storage.models import User
from tests.app.builders import STUDY_NAME, full_answers
from tests.app.conftest import log_in, page_text

pytestmark = pytest.mark.db

COMMENTS = ("接待我的王律师态度不好，电话13812345678打不通。", "工作人员很耐心，讲解详细。", "收费太贵了。")


@pytest.fixture
def commented(study, app_db):
    """Three completed interviews with comments, and a second researcher."""
    with app_db.session() as session:
        surveyor = session.scalar(select(User).where(User.username == "surveyor"))
        found = find_study(session, STUDY_NAME)
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        for number, text in enumerate(COMMENTS):
            case = fieldwork.next_case(session, surveyor, found)
            answers = {**full_answers(number), "comment": text}
            interviews.import_interview(
                session, surveyor, case.id, answers, started_at=now - dt.timedelta(minutes=4), ended_at=now
            )
        auth.create_user(session, None, "researcher2", "password-researcher2", "researcher")
    return study


def _coding_page(username: str = "researcher"):
    app = log_in(username, f"password-{username}")
    app.switch_page("pages/coding.py").run()
    assert not app.exception
    return app


def _codes(app_db, username: str) -> dict:
    with app_db.session() as session:
        actor = session.scalar(select(User).where(User.username == username))
        found = find_study(session, STUDY_NAME)
        return {
            (c.interview_id, c.question): coding.coding_of(session, actor, found, c.interview_id, c.question)
            for c in coding.comments(session, actor, found)
        }


def test_the_coder_reads_the_comment_with_name_and_number_scrubbed(commented):
    text = page_text(_coding_page())
    assert "接待我的某律师态度不好，电话〔电话〕打不通。" in text
    assert "13812345678" not in text and "王律师" not in text


def test_the_suggestions_are_offered_ticked_and_a_rejected_one_is_not_stored(commented, app_db):
    app = _coding_page()
    labels = [box.label for box in app.checkbox]
    assert any(label.startswith("服务态度 / 态度差、不耐烦") for label in labels)
    assert all(box.value for box in app.checkbox)
    for box in app.checkbox:
        if not box.label.startswith("服务态度 / 态度差"):
            box.uncheck()
    app.button(
        key=next(b.key for b in app.button if b.key and b.key.startswith("coding_save-"))
    ).click().run()
    assert not app.exception
    assert {"attitude.poor"} in _codes(app_db, "researcher").values()


def test_the_second_coder_codes_the_sample_blind_to_the_first(commented, app_db):
    with app_db.session() as session:
        first = session.scalar(select(User).where(User.username == "researcher"))
        found = find_study(session, STUDY_NAME)
        for item in coding.comments(session, first, found):
            coding.save_coding(session, first, found, item.interview_id, item.question, ["fees.high"])
        coding.draw_double_sample(session, first, found, seed=1, share=1.0)
    app = _coding_page("researcher2")
    app.radio(key="coding_pass").set_value("second").run()
    assert not app.exception
    assert "共 3 条待编码" in app.selectbox(key="coding_item").label
    extra = next(m for m in app.multiselect if m.key.startswith("coding_extra-"))
    assert extra.value == []  # the first coder's code is nowhere preselected
    assert not any(box.label.startswith("收费 / 收费偏高") for box in app.checkbox if box.value)


def test_a_disagreement_is_adjudicated_on_the_page(commented, app_db):
    with app_db.session() as session:
        first = session.scalar(select(User).where(User.username == "researcher"))
        second = session.scalar(select(User).where(User.username == "researcher2"))
        found = find_study(session, STUDY_NAME)
        items = coding.comments(session, first, found)
        for item in items:
            coding.save_coding(session, first, found, item.interview_id, item.question, ["fees.high"])
        coding.draw_double_sample(session, first, found, seed=1, share=1.0)
        for item in items:
            coding.save_coding(session, second, found, item.interview_id, item.question, ["fees.high"])
        coding.save_coding(session, second, found, items[0].interview_id, items[0].question, [])
    app = _coding_page()
    app.radio(key="coding_applies").set_value(False).run()
    app.button(key="coding_adjudicate").click().run()
    assert not app.exception
    with app_db.session() as session:
        found = find_study(session, STUDY_NAME)
        assert coding.final_codes(session, found)[(items[0].interview_id, items[0].question)] == frozenset()
    assert "已保存裁决" in page_text(app)


def test_the_page_without_comments_says_so_in_chinese(study):
    text = page_text(_coding_page())
    assert "没有等待您编码的意见" in text


def test_the_weighted_theme_frequencies_are_shown_and_downloadable(commented, app_db):
    with app_db.session() as session:
        first = session.scalar(select(User).where(User.username == "researcher"))
        found = find_study(session, STUDY_NAME)
        for item in coding.comments(session, first, found):
            coding.save_coding(session, first, found, item.interview_id, item.question, ["fees.high"])
    app = _coding_page()
    table = next(t.value for t in app.dataframe if "加权占比" in t.value.columns)
    fees = table[table["主题"] == "收费"].iloc[0]
    assert fees["加权占比"] == 100.0 and fees["有意见人数"] == 3
    assert app.get("download_button")[0].label == "下载主题频数表（CSV）"


def test_the_page_with_kappa_and_disagreements_is_chinese(commented, app_db):
    from tests.app.test_chinese_everywhere import _english, _visible_text

    with app_db.session() as session:
        first = session.scalar(select(User).where(User.username == "researcher"))
        second = session.scalar(select(User).where(User.username == "researcher2"))
        found = find_study(session, STUDY_NAME)
        items = coding.comments(session, first, found)
        for item in items:
            coding.save_coding(session, first, found, item.interview_id, item.question, ["fees.high"])
        coding.draw_double_sample(session, first, found, seed=1, share=1.0)
        for item in items:
            coding.save_coding(session, second, found, item.interview_id, item.question, ["attitude.poor"])
    app = _coding_page()
    assert _english(_visible_text(app), {"researcher", "callback", "test", STUDY_NAME}) == set()
