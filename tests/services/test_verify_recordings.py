"""`huifang verify` checks the call recordings: one line, OK when every recording opens with its
recorded SHA-256, FAIL naming the recording's case and attempt when one was changed, N/A when the study
has none. Opening them is audited, so the check needs an identity."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import text, update

from survey_app.app import words
from survey_app.cli import main
from survey_app.services import fieldwork, recordings, verification
from survey_app.services.recording_demo import synthetic_wav
from survey_app.storage.models import AuditEntry, Study
from survey_app.storage.models_recordings import CallRecording
from tests.fieldwork.conftest import WEDNESDAY_10_SHANGHAI, make_study


@pytest.fixture
def study_id(db):
    return make_study(db, cases=4)


def recorded_call(db, users, study_id) -> tuple[int, int, int]:
    """A claimed case, its recording uploaded, its attempt recorded: (case, attempt, recording id)."""
    surveyor = users["surveyor"]
    with db.session() as session:
        case_id = fieldwork.next_case(
            session, surveyor, session.get(Study, study_id), now=WEDNESDAY_10_SHANGHAI
        ).id
    with db.session() as session:
        recording = recordings.upload(
            session, surveyor, case_id, synthetic_wav(2.0, seed=case_id), "call.wav", consent_read=True
        )
        attempt, recording_id = recording.attempt_no, recording.id
    with db.session() as session:
        fieldwork.record_attempt(session, surveyor, case_id, "3.13", now=WEDNESDAY_10_SHANGHAI)
    return case_id, attempt, recording_id


def check(db, study_id, actor) -> verification.Check:
    with db.session() as session:
        return verification.check_recordings(session, session.get(Study, study_id), actor)


def test_a_study_without_recordings_is_not_applicable(db, users, study_id):
    result = check(db, study_id, users["auditor"])
    assert (result.applicable, result.ok, result.detail) == (False, True, verification.NO_RECORDINGS)
    assert words.check_name(result.name, "zh") == "通话录音"
    assert words.check_text(result.detail, "zh") == "不适用（本项目没有通话录音）"


def test_untouched_recordings_pass_and_the_check_is_audited(db, users, study_id):
    recorded_call(db, users, study_id)
    recorded_call(db, users, study_id)
    result = check(db, study_id, users["auditor"])
    assert result.ok and result.applicable
    assert result.detail == "2 call recordings match the SHA-256 recorded when attached"
    assert words.check_text(result.detail, "zh") == "2 条通话录音与附加时记录的 SHA-256 一致"
    with db.session() as session:
        actions = (
            session.execute(text("SELECT actor FROM audit_log WHERE action = 'recordings.verified'"))
            .scalars()
            .all()
        )
    assert actions == ["auditor"]


def test_a_changed_ciphertext_fails_naming_the_case_and_attempt(db, users, study_id):
    recorded_call(db, users, study_id)
    case_id, attempt, recording_id = recorded_call(db, users, study_id)
    with db.engine.begin() as connection:
        sealed = bytearray(
            connection.execute(
                text("SELECT audio_sealed FROM call_recordings WHERE id = :i"), {"i": recording_id}
            ).scalar_one()
        )
        sealed[-5] ^= 0x01
        connection.execute(
            update(CallRecording).where(CallRecording.id == recording_id).values(audio_sealed=bytes(sealed))
        )
    result = check(db, study_id, users["auditor"])
    assert not result.ok
    assert result.detail.startswith(f"recording {recording_id} (case {case_id}, attempt {attempt}): ")
    assert words.check_text(result.detail, "zh").startswith(
        f"录音 {recording_id}（个案 {case_id}，第 {attempt} 次拨打）"
    )


def test_a_changed_stored_hash_fails_naming_the_recording(db, users, study_id):
    case_id, attempt, recording_id = recorded_call(db, users, study_id)
    with db.engine.begin() as connection:
        connection.execute(
            update(CallRecording).where(CallRecording.id == recording_id).values(sha256="0" * 64)
        )
    result = check(db, study_id, users["auditor"])
    assert not result.ok
    assert f"recording {recording_id} (case {case_id}, attempt {attempt})" in result.detail
    assert "≠ recorded" in result.detail


def test_without_an_identity_the_recordings_are_not_opened_and_the_check_says_how(db, users, study_id):
    recorded_call(db, users, study_id)
    result = check(db, study_id, None)
    assert not result.ok and "give --user NAME" in result.detail
    with db.session() as session:
        assert not session.query(AuditEntry).filter(AuditEntry.action == "recordings.verified").count()


def test_verify_lists_the_recordings_after_the_answers(db, users, study_id):
    recorded_call(db, users, study_id)
    with db.session() as session:
        names = [
            c.name for c in verification.verify_study(session, session.get(Study, study_id), users["auditor"])
        ]
    assert names[names.index("answers") + 1] == "recordings"


def test_the_verify_command_opens_the_recordings_as_the_user_given(db, users, study_id, monkeypatch):
    case_id, attempt, recording_id = recorded_call(db, users, study_id)
    with db.engine.begin() as connection:
        connection.execute(
            update(CallRecording).where(CallRecording.id == recording_id).values(sha256="0" * 64)
        )
    monkeypatch.setenv("HUIFANG_PASSWORD", "password-auditor")
    monkeypatch.delenv("HUIFANG_USER", raising=False)
    with db.session() as session:
        name = session.get(Study, study_id).name
    result = CliRunner().invoke(main, ["--db", db.url, "verify", name, "--user", "auditor"])
    assert f"FAIL  recordings: recording {recording_id} (case {case_id}, attempt {attempt})" in result.output
    assert result.exit_code == 1
    anonymous = CliRunner(env={"HUIFANG_USER": None}).invoke(main, ["--db", db.url, "verify", name])
    assert "FAIL  recordings: 1 call recording not checked: opening them is audited" in anonymous.output
