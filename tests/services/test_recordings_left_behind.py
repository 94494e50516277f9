"""An uploaded recording belongs to the uploading surveyor's call only: released, taken back or left on
a lapsed hold, it never becomes the recording of another surveyor's attempt; a PBX match for that
attempt replaces it (audited), but never a confirmed recording."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from survey_app.services import auth, fieldwork, recordings, supervision
from survey_app.services.errors import InvalidState
from survey_app.services.recording_demo import synthetic_wav
from survey_app.storage.models import AuditEntry, Study, User
from survey_app.storage.models_recordings import CallRecording
from tests.fieldwork.conftest import WEDNESDAY_10_SHANGHAI, make_study
from tests.services.test_recordings_cdr import _cdr, _folder, _match, _phone

pytestmark = pytest.mark.db

WAV = synthetic_wav(2.0, seed=5)
LATER = WEDNESDAY_10_SHANGHAI + dt.timedelta(hours=1)  # past the 30-minute claim timeout


@pytest.fixture
def one_case(db, users):
    """A study of one case; the surveyor holds it and has uploaded the recording of their call."""
    study_id = make_study(db, cases=1)
    with db.session() as session:
        study = session.get(Study, study_id)
        case_id = fieldwork.next_case(session, users["surveyor"], study, now=WEDNESDAY_10_SHANGHAI).id
        recordings.upload(session, users["surveyor"], case_id, WAV, "call.wav", consent_read=True)
    return study_id, case_id


@pytest.fixture
def second(db) -> User:
    with db.session() as session:
        return auth.create_user(
            session, None, "surveyor-two", "password-surveyor-two", "surveyor", surveyor_no="099"
        )


def _next_surveyor_calls(db, surveyor: User, study_id: int, case_id: int) -> None:
    with db.session() as session:
        claimed = fieldwork.next_case(session, surveyor, session.get(Study, study_id), now=LATER)
        assert claimed.id == case_id
        assert recordings.pending_recording(session, surveyor, case_id) is None
        fieldwork.record_attempt(session, surveyor, case_id, "3.13", now=LATER)


def _table(db, users, study_id):
    with db.session() as session:
        return recordings.recordings_table(session, users["supervisor"], session.get(Study, study_id))


def test_releasing_the_case_discards_the_pending_upload_and_audits_it(db, users, one_case):
    _, case_id = one_case
    with db.session() as session:
        fieldwork.release_claim(session, users["surveyor"], case_id)
    with db.session() as session:
        assert session.scalars(select(CallRecording)).all() == []
        discarded = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "recording.discarded")
        ).all()
    assert len(discarded) == 1 and discarded[0].entity_id is not None


def test_a_released_cases_upload_is_not_the_next_surveyors_recording(db, users, one_case, second):
    study_id, case_id = one_case
    with db.session() as session:
        fieldwork.release_claim(session, users["surveyor"], case_id)
    _next_surveyor_calls(db, second, study_id, case_id)
    assert _table(db, users, study_id).empty


def test_an_upload_left_on_a_lapsed_hold_is_not_joined_to_the_next_surveyors_attempt(
    db, users, one_case, second
):
    study_id, case_id = one_case
    _next_surveyor_calls(db, second, study_id, case_id)  # the hold lapsed; nobody released it
    table = _table(db, users, study_id)
    assert list(table["status"]) == ["pending"] and table["disposition"].isna().all()


def test_a_supervisor_taking_the_case_back_discards_the_holders_upload(db, users, one_case):
    _, case_id = one_case
    with db.session() as session:
        supervision.reassign_case(session, users["supervisor"], case_id, None, "shift ended")
    with db.session() as session:
        assert session.scalars(select(CallRecording)).all() == []


def _pbx_call_at_later(db, users, study_id, case_id, tmp_path):
    """The PBX's recording of the call that ended as the attempt at LATER (11:00 Shanghai) was saved."""
    cdr = _cdr(tmp_path, f"2026-03-04 10:59:00,{_phone(db, case_id)},50,pbx.wav")
    return _match(db, users, study_id, cdr, _folder(tmp_path, "pbx.wav"))


def test_a_pbx_match_replaces_an_upload_left_on_a_lapsed_hold(db, users, one_case, second, tmp_path):
    study_id, case_id = one_case
    _next_surveyor_calls(db, second, study_id, case_id)
    report = _pbx_call_at_later(db, users, study_id, case_id, tmp_path)
    assert report.matched == [(2, case_id, 1)] and report.unmatched == []
    table = _table(db, users, study_id)
    assert list(zip(table["source"], table["status"], table["surveyor"], strict=True)) == [
        ("pbx", "attached", "surveyor-two")
    ]


def test_replacing_a_left_behind_upload_is_audited_with_its_hash_and_uploader(
    db, users, one_case, second, tmp_path
):
    study_id, case_id = one_case
    _next_surveyor_calls(db, second, study_id, case_id)
    _pbx_call_at_later(db, users, study_id, case_id, tmp_path)
    with db.session() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "recording.attached").order_by(AuditEntry.id)
        ).all()
    details = json.loads(entries[-1].details)
    assert (details["source"], details["replaced_because"]) == ("pbx", "left_behind")
    assert details["replaced_sha256"] == recordings.check_audio(WAV, "call.wav").sha256
    assert (details["replaced_source"], details["replaced_uploader"]) == ("upload", users["surveyor"].id)


def test_a_pbx_match_never_replaces_an_upload_its_own_surveyor_recorded(db, users, one_case, tmp_path):
    study_id, case_id = one_case
    with db.session() as session:  # the uploader records the call they recorded: a confirmed recording
        fieldwork.record_attempt(session, users["surveyor"], case_id, "3.13", now=LATER)
    report = _pbx_call_at_later(db, users, study_id, case_id, tmp_path)
    assert report.matched == [] and report.unmatched == [
        (2, f"case {case_id} attempt 1 already has a recording")
    ]
    table = _table(db, users, study_id)
    assert list(zip(table["source"], table["status"], strict=True)) == [("upload", "attached")]


def test_a_confirmed_pbx_recording_is_never_replaced(db, users, one_case, second, tmp_path):
    study_id, case_id = one_case
    _next_surveyor_calls(db, second, study_id, case_id)
    _pbx_call_at_later(db, users, study_id, case_id, tmp_path)
    with db.session() as session:
        study = session.get(Study, study_id)
        with pytest.raises(InvalidState, match="already has a recording"):
            recordings.attach(
                session, users["supervisor"], study, case_id, 1, WAV, recordings.check_audio(WAV, "again.wav"),
                source="pbx", consent_source="pbx",
            )  # fmt: skip
