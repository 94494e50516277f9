"""Recorded calls in the app (AppTest): the dial link after the reveal, the consent script on the
interview page, the supervisor's audited playback beside the interview."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from survey_app.services import recordings
from survey_app.services.recording_demo import attach_demo_recording
from survey_app.storage.models import AuditEntry
from survey_app.storage.models_recordings import CallRecording
from tests.app.builders import STUDY_NAME, complete_interviews
from tests.app.conftest import log_in

pytestmark = pytest.mark.db


def _audited(db, action: str) -> list[dict]:
    with db.session() as session:
        return [
            json.loads(d)
            for d in session.scalars(select(AuditEntry.details).where(AuditEntry.action == action))
        ]


def _dial_links(app) -> list[str]:
    return [m.value for m in app.markdown if "(tel:" in m.value]


def test_the_dial_link_appears_only_after_the_audited_reveal(study, app_db):
    app = log_in("surveyor")
    app.button(key="next_case").click().run()
    assert _dial_links(app) == []
    app.button(key="reveal_phone").click().run()
    assert not app.exception
    (link,) = _dial_links(app)
    number = link.split("(tel:")[1].rstrip(")")
    assert number in study.phones and f"拨打 {number}" in link
    assert len(_audited(app_db, "phone.revealed")) == 1


def test_the_interview_page_shows_the_consent_script_below_the_question(study, app_db):
    app = log_in("surveyor")
    app.button(key="next_case").click().run()
    app.button(key="start_interview").click().run()
    assert not app.exception
    assert recordings.DEFAULT_CONSENT_SCRIPT in [i.value for i in app.info]
    assert app.button[0].label == "已读完，继续"  # the question's own button still comes first
    assert app.checkbox[0].label.startswith("我已向受访者宣读录音告知")


def test_the_supervisor_page_says_when_there_are_no_recordings(study, app_db):
    app = log_in("supervisor")
    app.switch_page("pages/recordings.py").run()
    assert not app.exception
    assert [i.value for i in app.info] == ["本调查项目还没有通话录音。"]


def test_the_supervisor_plays_a_recording_beside_the_interview_and_the_playback_is_audited(study, app_db):
    complete_interviews(app_db, 1)
    recording_id = attach_demo_recording(app_db, STUDY_NAME)
    app = log_in("supervisor")
    app.switch_page("pages/recordings.py").run()
    assert not app.exception
    assert app.get("audio") == []  # nothing is decrypted before "play"
    assert _audited(app_db, "recording.played") == []
    app.button(key="play_recording").click().run()
    assert not app.exception
    assert len(app.get("audio")) == 1
    with app_db.session() as session:
        sha256 = session.get(CallRecording, recording_id).sha256
    assert [e["sha256"] for e in _audited(app_db, "recording.played")] == [sha256]
    interview = app.dataframe[-1].value
    assert list(interview.columns) == ["题目", "回答"] and len(interview) > 5


def test_the_supervisor_page_with_a_recording_playing_is_chinese(study, app_db):
    from tests.app.test_chinese_everywhere import _english, _visible_text

    complete_interviews(app_db, 1)
    attach_demo_recording(app_db, STUDY_NAME)
    app = log_in("supervisor")
    app.switch_page("pages/recordings.py").run()
    app.button(key="play_recording").click().run()
    assert not app.exception
    data = {STUDY_NAME, *STUDY_NAME.split("-"), "surveyor", "supervisor"}
    assert _english(_visible_text(app), data) == set()
