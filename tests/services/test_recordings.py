"""Call recordings: the surveyor's upload, encryption at rest, audited playback, integrity, the purge."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from sqlalchemy import select, text, update

from survey_app.services import fieldwork, recordings, retention
from survey_app.services.errors import InvalidState, PermissionDenied
from survey_app.services.recording_demo import synthetic_wav
from survey_app.storage.models import AuditEntry, Study
from survey_app.storage.models_recordings import CallRecording
from tests.fieldwork.conftest import WEDNESDAY_10_SHANGHAI, make_study

WAV = synthetic_wav(2.0, seed=3)


@pytest.fixture
def study_id(db):
    return make_study(db, cases=4)


def _claim(db, surveyor, study_id) -> int:
    with db.session() as session:
        case = fieldwork.next_case(session, surveyor, session.get(Study, study_id), now=WEDNESDAY_10_SHANGHAI)
        return case.id


def _upload(db, surveyor, case_id, data=WAV, name="call.wav", consent_read=True) -> int:
    with db.session() as session:
        return recordings.upload(session, surveyor, case_id, data, name, consent_read=consent_read).id


def _recorded_call(db, users, study_id) -> tuple[int, int]:
    """A claimed case, its recording uploaded, its attempt recorded: (case id, recording id)."""
    case_id = _claim(db, users["surveyor"], study_id)
    recording_id = _upload(db, users["surveyor"], case_id)
    with db.session() as session:
        fieldwork.record_attempt(session, users["surveyor"], case_id, "3.13", now=WEDNESDAY_10_SHANGHAI)
    return case_id, recording_id


def _actions(db, action: str) -> list[dict]:
    with db.session() as session:
        return [
            json.loads(d)
            for d in session.scalars(select(AuditEntry.details).where(AuditEntry.action == action))
        ]


def test_an_upload_belongs_to_the_attempt_the_surveyor_records_next(db, users, study_id):
    case_id, recording_id = _recorded_call(db, users, study_id)
    with db.session() as session:
        table = recordings.recordings_table(session, users["supervisor"], session.get(Study, study_id))
    row = table.set_index("recording").loc[recording_id]
    assert (row["case_id"], row["attempt"], row["disposition"], row["status"]) == (
        case_id,
        1,
        "3.13",
        "attached",
    )
    assert row["surveyor"] == users["surveyor"].username
    assert row["sha256"] == hashlib.sha256(WAV).hexdigest()
    assert row["seconds"] == pytest.approx(2.0)


def test_a_recording_uploaded_before_the_attempt_is_recorded_is_pending(db, users, study_id):
    case_id = _claim(db, users["surveyor"], study_id)
    _upload(db, users["surveyor"], case_id)
    with db.session() as session:
        table = recordings.recordings_table(session, users["supervisor"], session.get(Study, study_id))
        pending = recordings.pending_recording(session, users["surveyor"], case_id)
    assert list(table["status"]) == ["pending"]
    assert pending is not None and pending.attempt_no == 1


def test_the_upload_records_the_consent_script_read(db, users, study_id):
    case_id = _claim(db, users["surveyor"], study_id)
    recording_id = _upload(db, users["surveyor"], case_id)
    with db.session() as session:
        recording = session.get(CallRecording, recording_id)
        expected = recordings.consent_script(session.get(Study, study_id))
        assert (recording.consent_source, recording.consent_script) == ("surveyor", expected)
    assert "录音" in expected


def test_an_upload_without_the_consent_script_read_is_refused(db, users, study_id):
    case_id = _claim(db, users["surveyor"], study_id)
    with pytest.raises(recordings.RecordingRejected, match="consent script"):
        _upload(db, users["surveyor"], case_id, consent_read=False)


def test_a_surveyor_cannot_attach_a_recording_to_a_case_they_do_not_hold(db, users, study_id):
    case_id = _claim(db, users["surveyor"], study_id)
    with db.session() as session:
        fieldwork.release_claim(session, users["surveyor"], case_id)
    with pytest.raises(PermissionDenied):
        _upload(db, users["surveyor"], case_id)


def test_a_second_upload_replaces_the_first_while_the_attempt_is_open(db, users, study_id):
    case_id = _claim(db, users["surveyor"], study_id)
    first = _upload(db, users["surveyor"], case_id)
    other = synthetic_wav(1.0, seed=9)
    second = _upload(db, users["surveyor"], case_id, data=other)
    with db.session() as session:
        assert first == second
        assert session.get(CallRecording, second).sha256 == hashlib.sha256(other).hexdigest()
    attached = _actions(db, "recording.attached")
    assert attached[-1]["replaced_sha256"] == hashlib.sha256(WAV).hexdigest()


def test_the_audio_is_stored_encrypted_and_the_raw_table_holds_no_plaintext(db, users, study_id):
    _, recording_id = _recorded_call(db, users, study_id)
    with db.engine.connect() as connection:
        stored = bytes(
            connection.execute(
                text("SELECT audio_sealed FROM call_recordings WHERE id = :i"), {"i": recording_id}
            ).scalar_one()
        )
    body = WAV[44:]  # the samples after the header
    assert b"RIFF" not in stored and b"WAVE" not in stored
    assert all(body[i : i + 32] not in stored for i in range(0, len(body) - 32, 997))
    assert len(stored) == len(WAV) + 1 + 12 + 16  # version, nonce, tag: nothing else stored beside it


def test_the_supervisor_hears_exactly_what_was_attached_and_each_playback_is_audited(db, users, study_id):
    _, recording_id = _recorded_call(db, users, study_id)
    for _ in range(2):
        with db.session() as session:
            played = recordings.play(session, users["supervisor"], session.get(Study, study_id), recording_id)
    assert (played.data, played.mime_type) == (WAV, "audio/wav")
    entries = _actions(db, "recording.played")
    assert len(entries) == 2
    assert entries[0]["sha256"] == hashlib.sha256(WAV).hexdigest()


@pytest.mark.parametrize("role", ["surveyor", "reviewer", "auditor", "researcher"])
def test_only_a_supervisor_plays_recordings(db, users, study_id, role):
    _, recording_id = _recorded_call(db, users, study_id)
    with db.session() as session, pytest.raises(PermissionDenied):
        recordings.play(session, users[role], session.get(Study, study_id), recording_id)
    assert _actions(db, "recording.played") == []


def test_verify_passes_for_untouched_recordings(db, users, study_id):
    _recorded_call(db, users, study_id)
    with db.session() as session:
        checks = recordings.verify(session, users["auditor"], session.get(Study, study_id))
    assert [c.ok for c in checks] == [True]


def test_verify_names_a_recording_whose_ciphertext_was_moved_to_another_attempt(db, users, study_id):
    _, first = _recorded_call(db, users, study_id)
    _, second = _recorded_call(db, users, study_id)
    with db.engine.begin() as connection:
        sealed = connection.execute(
            text("SELECT audio_sealed FROM call_recordings WHERE id = :i"), {"i": first}
        ).scalar_one()
        connection.execute(
            update(CallRecording).where(CallRecording.id == second).values(audio_sealed=sealed)
        )
    with db.session() as session:
        checks = {
            c.recording_id: c
            for c in recordings.verify(session, users["auditor"], session.get(Study, study_id))
        }
    assert checks[first].ok and not checks[second].ok
    assert "copied from another row" in checks[second].detail


def test_the_retention_purge_removes_the_audio_and_playback_is_refused(db, users, study_id):
    _, recording_id = _recorded_call(db, users, study_id)
    with db.session() as session:
        retention.purge_study(session, users["admin"], session.get(Study, study_id), early_reason="test")
    with db.engine.connect() as connection:
        audio, purged = connection.execute(
            text("SELECT audio_sealed, purged_at FROM call_recordings WHERE id = :i"), {"i": recording_id}
        ).one()
    assert audio is None and purged is not None
    assert _actions(db, "personal_data.purged")[0]["recordings"] == 1
    with db.session() as session, pytest.raises(InvalidState, match="purged"):
        recordings.play(session, users["supervisor"], session.get(Study, study_id), recording_id)
    with db.session() as session:
        table = recordings.recordings_table(session, users["supervisor"], session.get(Study, study_id))
    assert list(table["status"]) == ["purged"]


def test_a_purge_leaves_other_studies_recordings_alone(db, users, study_id):
    other = make_study(db, cases=2, name="other-study")
    _, kept = _recorded_call(db, users, other)
    _recorded_call(db, users, study_id)
    with db.session() as session:
        retention.purge_study(session, users["admin"], session.get(Study, study_id), early_reason="test")
    with db.session() as session:
        played = recordings.play(session, users["supervisor"], session.get(Study, other), kept)
    assert played.data == WAV


def test_the_interview_beside_a_recording_is_empty_for_a_call_without_one(db, users, study_id):
    _, recording_id = _recorded_call(db, users, study_id)
    with db.session() as session:
        beside = recordings.interview_beside(
            session, users["supervisor"], session.get(Study, study_id), recording_id, "zh"
        )
    assert beside == []


def test_the_recording_time_is_stored_as_naive_utc(db, users, study_id):
    _, recording_id = _recorded_call(db, users, study_id)
    with db.session() as session:
        attached = session.get(CallRecording, recording_id).attached_at
    assert attached.tzinfo is None
    assert abs(attached - dt.datetime.now(dt.UTC).replace(tzinfo=None)) < dt.timedelta(minutes=5)


def test_after_huifang_purge_a_backed_up_ciphertext_can_no_longer_be_opened(db, users, study_id):
    from survey_app.security import fieldcrypto

    _, recording_id = _recorded_call(db, users, study_id)
    with db.engine.connect() as connection:  # what a backup taken before the purge holds
        backup = bytes(
            connection.execute(
                text("SELECT audio_sealed FROM call_recordings WHERE id = :i"), {"i": recording_id}
            ).scalar_one()
        )
    with db.session() as session:
        key_id = session.get(Study, study_id).data_key_id
        cipher = fieldcrypto.FieldCipher(fieldcrypto.data_key(key_id), recordings.TABLE)
        case_id, attempt = session.get(CallRecording, recording_id).case_id, 1
    assert cipher.open_bytes(recordings.COLUMN, backup, recordings.row_key(case_id, attempt)) == WAV
    done = retention.purge(db, users["admin"], "callback-2026", early_reason="the study was cancelled")
    assert done.key_destroyed
    with pytest.raises(fieldcrypto.KeyUnavailable):
        fieldcrypto.data_key(key_id)


def test_the_start_up_retention_check_purges_recordings_with_the_personal_data(db, users, study_id):
    from survey_app.services.studies import set_state

    _, recording_id = _recorded_call(db, users, study_id)
    with db.session() as session:
        study = session.get(Study, study_id)
        study.settings = {**study.settings, "retention_days": 30}
        set_state(session, users["supervisor"], study, "closed")
    later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=31)
    assert [p.study for p in retention.purge_due(db, now=later)] == ["callback-2026"]
    with db.session() as session:
        assert session.get(CallRecording, recording_id).purged_at == later
        assert session.get(CallRecording, recording_id).audio_sealed is None


def test_a_recording_of_unknown_length_lists_its_seconds_as_missing(db, users, study_id):
    case_id = _claim(db, users["surveyor"], study_id)
    _upload(
        db, users["surveyor"], case_id, data=b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(200), name="call.mp3"
    )
    with db.session() as session:
        table = recordings.recordings_table(session, users["supervisor"], session.get(Study, study_id))
    assert table["seconds"].isna().all() and table["seconds"].dtype == float
