"""Uploading a case's whole call history at once: an external dialer's log, or the demo's simulator.

The surveyor still claims the case from the real queue (`fieldwork.next_case`); then every attempt
with its own time, and the interview if one took place, is stored in one transaction with one audit
entry. The codes and the final-disposition rule are the live path's (`dispositions`), and the
answers go through the questionnaire engine exactly as on the interview screen.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from survey_app.security import audit
from survey_app.services import dispositions, fieldwork, interviews
from survey_app.services.errors import InvalidState
from survey_app.storage.models import CallAttempt, User


def import_call_history(
    session: Session,
    actor: User,
    case_id: int,
    calls: list[tuple[str, dt.datetime]],
    *,
    answers: dict[str, Any] | None = None,
    interview_minutes: float = 8.0,
) -> str:
    """Store `calls` [(code, time), …] for a case `actor` holds; returns the final disposition.

    Only the last call may carry a final code; an interview code needs `answers`.
    """
    case = fieldwork._own_case(session, actor, case_id)
    if case.attempts:
        raise InvalidState(f"Case {case_id} already has {case.attempts} attempts; upload only new cases.")
    if not calls:
        raise InvalidState(f"Case {case_id}: an upload needs at least one call.")
    codes = [code for code, _ in calls]
    for code in codes[:-1]:
        if dispositions.get(code).final:
            raise InvalidState(f"Case {case_id}: call outcome {code} is final but more calls follow it.")
    times = [at for _, at in calls]
    if times != sorted(times):
        raise InvalidState(f"Case {case_id}: the calls are not in time order.")
    last_code, last_at = calls[-1]
    if last_code in interviews.INTERVIEW_STATUS and answers is not None:
        interviews.store_interview(
            session,
            actor,
            case,
            answers,
            started_at=last_at,
            ended_at=last_at + dt.timedelta(minutes=interview_minutes),
            code=last_code,
        )
    elif last_code in ("1.1", "1.2"):
        raise InvalidState(f"Case {case_id}: outcome {last_code} needs the interview's answers.")
    session.execute(
        insert(CallAttempt),
        [
            {
                "case_id": case.id,
                "surveyor_id": actor.id,
                "attempt_no": number,
                "started_at": at,
                "disposition": code,
            }
            for number, (code, at) in enumerate(calls, start=1)
        ],
    )
    case.attempts = len(calls)
    case.held_by = case.held_at = None
    case.appointment_at = case.next_call_after = None
    case.state, case.final_disposition = "finalised", dispositions.final_of(codes)
    audit.record(
        session,
        actor.username,
        "calls.imported",
        study_id=case.study_id,
        entity="case",
        entity_id=case.id,
        calls=[[code, at.isoformat()] for code, at in calls],
        final=case.final_disposition,
    )
    return case.final_disposition
