"""Recorded calls in Debian's chromium: the surveyor's dial link after the reveal, and the supervisor
playing the demo's recording (the <audio> element has a source, loads, and plays)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from survey_app.storage import open_database
from survey_app.storage.models import AuditEntry
from tests.browser.day import go, no_exception, open_page, sign_in
from tests.browser.helpers import click, next_case

pytestmark = [pytest.mark.browser, pytest.mark.db]


def _audited(db_url: str, action: str) -> list[dict]:
    db = open_database(db_url)
    try:
        with db.session() as session:
            return [
                json.loads(d)
                for d in session.scalars(select(AuditEntry.details).where(AuditEntry.action == action))
            ]
    finally:
        db.dispose()


def test_the_supervisor_plays_the_demo_recording_and_the_playback_is_audited(demo_site, browser):
    url, passwords, db_url, _ = demo_site
    page = open_page(browser, url)
    sign_in(page, "supervisor", passwords["supervisor"])
    page.get_by_role("heading", name="实地进度").wait_for()
    go(page, "录音回听")
    page.get_by_role("heading", name="录音回听").wait_for()
    assert page.locator("audio").count() == 0  # nothing decrypted before "play"
    played_before = len(_audited(db_url, "recording.played"))
    click(page, "播放录音（记入审计日志）")
    no_exception(page)
    audio = page.locator("audio")
    audio.wait_for(state="attached")
    assert audio.get_attribute("src")
    played = audio.evaluate(
        """async (element) => {
            element.muted = true;
            await element.play();
            await new Promise((resolve) => setTimeout(resolve, 300));
            return {duration: element.duration, time: element.currentTime, error: element.error};
        }"""
    )
    assert played["error"] is None
    assert played["duration"] == pytest.approx(4.0, abs=0.1)  # the demo's four seconds of WAV
    assert played["time"] > 0
    assert len(_audited(db_url, "recording.played")) == played_before + 1
    page.get_by_text("该个案的访问记录").wait_for()  # the interview beside the player


def test_the_surveyor_dials_by_link_only_after_revealing_the_number(demo_site, browser):
    url, passwords, db_url, _ = demo_site
    page = open_page(browser, url)
    sign_in(page, "surveyor", passwords["surveyor"])
    page.get_by_role("heading", name="我的呼叫队列").wait_for()
    next_case(page)
    no_exception(page)
    assert page.locator('a[href^="tel:"]').count() == 0
    revealed_before = len(_audited(db_url, "phone.revealed"))
    click(page, "显示完整号码（将被记录）")
    no_exception(page)
    link = page.locator('a[href^="tel:"]')
    link.wait_for()
    href = link.get_attribute("href")
    assert href[4:].isdigit() and len(href) >= 11
    assert len(_audited(db_url, "phone.revealed")) == revealed_before + 1


def test_the_surveyor_uploads_the_calls_recording_after_confirming_the_consent_script(demo_site, browser):
    from survey_app.services.recording_demo import synthetic_wav
    from survey_app.storage.models_recordings import CallRecording

    url, passwords, db_url, _ = demo_site
    page = open_page(browser, url)
    sign_in(page, "surveyor", passwords["surveyor"])
    page.get_by_role("heading", name="我的呼叫队列").wait_for()
    next_case(page)
    click(page, "开始 / 继续访问")
    no_exception(page)
    page.get_by_text("为保证回访质量，本次通话将被录音").wait_for()  # the consent script, shown open
    recording = {"name": "通话.wav", "mimeType": "audio/wav", "buffer": synthetic_wav(2.0, seed=4)}

    page.locator('input[type="file"]').set_input_files(files=[recording])
    page.get_by_text("通话.wav").wait_for()
    click(page, "上传录音")
    page.get_by_text("请先确认已向受访者宣读录音告知").wait_for()  # not confirmed: refused

    page.get_by_text("我已向受访者宣读录音告知").click()
    page.locator('input[type="file"]').set_input_files(files=[recording])
    page.get_by_text("通话.wav").wait_for()
    click(page, "上传录音")
    no_exception(page)
    page.get_by_text("录音已加密保存").wait_for()
    db = open_database(db_url)
    try:
        with db.session() as session:
            stored = session.scalars(select(CallRecording).where(CallRecording.source == "upload")).all()
            assert [(r.consent_source, r.audio_format) for r in stored] == [("surveyor", "wav")]
    finally:
        db.dispose()
