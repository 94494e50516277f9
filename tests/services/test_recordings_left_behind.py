"""An uploaded recording belongs to the uploading surveyor's call only: released, taken back or left on
a lapsed hold, it never becomes the recording of another surveyor's attempt."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from survey_app.services import auth, fieldwork, recordings, supervision
from survey_app.services.recording_demo import synthetic_wav
from survey_app.storage.models import AuditEntry, Study, User
from survey_app.storage.models_recordings import CallRecording
from tests.fieldwork.conftest import WEDNESDAY_10_SHANGHAI, make_study

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
