"""Uploading call histories (`fieldwork_import.CallHistories`): claimed from the real queue, checked as
they are added, written together, recorded as the live path records them."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from survey_app.services import fieldwork, fieldwork_import, studies
from survey_app.services.errors import InvalidState, PermissionDenied
from survey_app.storage.models import AuditEntry, CallAttempt, Case
from tests.fieldwork.conftest import WEDNESDAY_10_SHANGHAI, make_study

pytestmark = pytest.mark.db

NOW = WEDNESDAY_10_SHANGHAI
NO_ANSWER, REFUSED = "3.13", "2.11"


def calls(*codes: str) -> list[tuple[str, dt.datetime]]:
    return [(code, NOW + dt.timedelta(days=number)) for number, code in enumerate(codes)]


def test_a_batch_finalises_each_case_at_once_and_stores_its_attempts_at_write(db, users):
    study_id = make_study(db, cases=3)
    surveyor = users["surveyor"]
    with db.session() as session:
        study = studies.find_study(session, str(study_id))
        uploads = fieldwork_import.CallHistories(session, study)
        uploaded = []
        for _ in range(2):  # one surveyor: the next claim works only once the last case is finalised
            case = fieldwork.next_case(session, surveyor, study, now=NOW)
            uploaded.append((case.id, uploads.add(surveyor, case, calls(NO_ANSWER, REFUSED))))
            assert session.scalar(select(CallAttempt.id).where(CallAttempt.case_id == case.id)) is None
        uploads.write()
    with db.session() as session:
        for case_id, final in uploaded:
            case = session.get(Case, case_id)
            attempts = session.scalars(
                select(CallAttempt.disposition)
                .where(CallAttempt.case_id == case_id)
                .order_by(CallAttempt.attempt_no)
            ).all()
            assert (case.state, case.final_disposition, case.attempts) == ("finalised", final, 2)
            assert attempts == [NO_ANSWER, REFUSED]
        logged = [
            (entry.action, entry.entity_id)
            for entry in session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action.in_(("case.claimed", "calls.imported")))
                .order_by(AuditEntry.id)
            )
        ]
    assert logged == [
        (a, str(case_id)) for case_id, _ in uploaded for a in ("case.claimed", "calls.imported")
    ]


def test_an_upload_for_a_case_the_surveyor_does_not_hold_is_refused(db, users):
    study_id = make_study(db, cases=2)
    with db.session() as session:
        study = studies.find_study(session, str(study_id))
        case = session.scalar(select(Case).where(Case.study_id == study_id).limit(1))
        with pytest.raises(PermissionDenied, match="not a case you hold"):
            fieldwork_import.CallHistories(session, study).add(users["surveyor"], case, calls(NO_ANSWER))


def test_a_final_outcome_followed_by_more_calls_is_refused(db, users):
    study_id = make_study(db, cases=1)
    with db.session() as session:
        study = studies.find_study(session, str(study_id))
        case = fieldwork.next_case(session, users["surveyor"], study, now=NOW)
        with pytest.raises(InvalidState, match="final but more calls follow"):
            fieldwork_import.CallHistories(session, study).add(
                users["surveyor"], case, calls(REFUSED, NO_ANSWER)
            )


def test_the_single_case_upload_records_the_calls_in_the_audit_log(db, users):
    study_id = make_study(db, cases=1)
    with db.session() as session:
        study = studies.find_study(session, str(study_id))
        case_id = fieldwork.next_case(session, users["surveyor"], study, now=NOW).id
    with db.session() as session:
        final = fieldwork_import.import_call_history(session, users["surveyor"], case_id, calls(NO_ANSWER))
    with db.session() as session:
        details = session.scalar(select(AuditEntry.details).where(AuditEntry.action == "calls.imported"))
    assert json.loads(details)["final"] == final and json.loads(details)["calls"][0][0] == NO_ANSWER
