"""Uploading a case's whole call history at once: an external dialer's log, or the demo's simulator.

The surveyor still claims the case from the real queue (`fieldwork.next_case`); then every attempt
with its own time, and the interview if one took place, is stored with the case's audit entries
(`interview.imported` with the answers' digests, `calls.imported`). The codes and the final-disposition
rule are the live path's (`dispositions`), and the answers go through the questionnaire engine exactly
as on the interview screen (`interviews.replay_answers`).

Many uploads in one transaction (`CallHistories`, issue 15): each case is checked, its interview
validated and numbered, and the case finalised the moment it is added — so its surveyor can claim the
next one — while the answers and attempts of all of them are inserted together when the batch is
written, and the questionnaire version is read and parsed once per batch, not once per case.
"""

from __future__ import annotations

import datetime as dt
import functools
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Integer, bindparam, insert, select, update
from sqlalchemy.orm import Session

import questionnaires
from survey_app.security import audit, state_log
from survey_app.services import dispositions, fieldwork, interviews
from survey_app.services.errors import InvalidState
from survey_app.services.questionnaire_store import load_version
from survey_app.storage.models import (
    Answer,
    CallAttempt,
    Case,
    FrameRecord,
    Interview,
    Study,
    User,
    utcnow,
)


@functools.cache
def _statements() -> tuple[Any, Any, Any]:
    """(an interview of the case?, the interview's insert, the case's finalising update), built once
    per process: a case's upload pays neither their construction nor their cache key. The update
    returns the columns the state log records, which it is handed (no read-back at the commit)."""
    case_id = bindparam("case_id", type_=Integer())
    # the case's frame record with what `interviews.case_fields` reads, and its interview if any
    has_interview = (
        select(
            FrameRecord.domain,
            FrameRecord.channel,
            FrameRecord.event_type,
            FrameRecord.service_date,
            FrameRecord.organisation,
            FrameRecord.district,
            Interview.id.label("interview_id"),
        )
        .outerjoin(Interview, Interview.case_id == case_id)
        .where(FrameRecord.id == bindparam("record_id", type_=Integer()))
    )
    insert_interview = insert(Interview).returning(Interview.id)
    cases = Case.__table__
    finalise = (
        update(cases)
        .where(cases.c.id == case_id)
        .values(
            attempts=bindparam("attempts"),
            held_by=None,
            held_at=None,
            appointment_at=None,
            next_call_after=None,
            state="finalised",
            final_disposition=bindparam("final"),
        )
        .returning(cases.c.id, *(cases.c[name] for name in state_log.TRACKED["cases"][1]))
    )
    return has_interview, insert_interview, finalise


class CallHistories:
    """Call histories of cases claimed in this transaction, for one study; `write()` before the commit."""

    def __init__(self, session: Session, study: Study) -> None:
        self.session = session
        self.study_id = study.id
        self._study = study
        self._version: Any = None  # (version id, parsed questionnaire), read at the first interview
        self._answers: list[dict[str, Any]] = []
        self._attempts: list[dict[str, Any]] = []

    def add(
        self,
        actor: User,
        case: Case,
        calls: list[tuple[str, dt.datetime]],
        *,
        answers: dict[str, Any] | None = None,
        interview_minutes: float = 8.0,
    ) -> str:
        """Store `calls` [(code, time), …] for `case`, which `actor` holds, as `fieldwork.next_case`
        returned it in this transaction (the claim locked its row); returns the final disposition.

        Only the last call may carry a final code; an interview code needs `answers`.
        """
        if case.study_id != self.study_id or case.state != "held" or case.held_by != actor.id:
            raise fieldwork.not_held(case.id)
        if case.attempts:
            raise InvalidState(f"Case {case.id} already has {case.attempts} attempts; upload only new cases.")
        if not calls:
            raise InvalidState(f"Case {case.id}: an upload needs at least one call.")
        codes = [code for code, _ in calls]
        for code in codes[:-1]:
            if dispositions.get(code).final:
                raise InvalidState(f"Case {case.id}: call outcome {code} is final but more calls follow it.")
        times = [at for _, at in calls]
        if times != sorted(times):
            raise InvalidState(f"Case {case.id}: the calls are not in time order.")
        last_code, last_at = calls[-1]
        if last_code in interviews.INTERVIEW_STATUS and answers is not None:
            self._interview(
                actor, case, answers, last_code, last_at, last_at + dt.timedelta(minutes=interview_minutes)
            )
        elif last_code in ("1.1", "1.2"):
            raise InvalidState(f"Case {case.id}: outcome {last_code} needs the interview's answers.")
        self._attempts.extend(
            {
                "case_id": case.id,
                "surveyor_id": actor.id,
                "attempt_no": number,
                "started_at": at,
                "disposition": code,
            }
            for number, (code, at) in enumerate(calls, start=1)
        )
        final = dispositions.final_of(codes)
        finalised = (
            self.session.connection()
            .execute(_statements()[2], {"case_id": case.id, "attempts": len(calls), "final": final})
            .one()
        )
        state_log.note_written(self.session, "cases", [finalised])
        audit.record(
            self.session,
            actor.username,
            "calls.imported",
            study_id=finalised.study_id,
            entity="case",
            entity_id=finalised.id,
            calls=[[code, at.isoformat()] for code, at in calls],
            final=final,
        )
        self.session.expire(case)  # the session's copy still says held: read again if it is used
        return final

    def _interview(
        self,
        actor: User,
        case: Case,
        answers: dict[str, Any],
        code: str,
        started_at: dt.datetime,
        ended_at: dt.datetime,
    ) -> None:
        """Check the answers through the engine, number the interview and audit its answers' digests
        (as `interviews.store_interview` does); the answers themselves are inserted by `write`."""
        session = self.session
        has_interview, insert_interview, _ = _statements()
        connection = session.connection()  # plain rows: no ORM objects are read or written here
        record = connection.execute(
            has_interview, {"case_id": case.id, "record_id": case.frame_record_id}
        ).one()
        if record.interview_id is not None:
            raise InvalidState(f"Case {case.id} already has an interview.")
        if self._version is None:
            version = interviews.study_questionnaire(session, self._study)
            self._version = (version.id, load_version(session, version.id))
        version_id, questionnaire = self._version
        fields = interviews.case_fields(SimpleNamespace(record=record), actor)  # the row, not a lazy load
        engine = questionnaires.Interview(questionnaire, case=fields)
        interviews.replay_answers(engine, answers)
        if code in ("1.1", "4.11", "4.12") and not engine.complete:
            raise InvalidState(
                f"Case {case.id}: the answers do not complete the questionnaire "
                f"(stopped at {engine.current().name})."
            )
        interview_id = connection.execute(
            insert_interview,
            {
                "case_id": case.id,
                "questionnaire_version_id": version_id,
                "surveyor_id": actor.id,
                "started_at": started_at,
                "ended_at": ended_at,
                "status": interviews.INTERVIEW_STATUS[code],
                "mode": "cati",
            },
        ).scalar_one()
        now = utcnow()
        digests = {}
        for item, value in engine.answers.items():
            row = interviews.answer_row(interview_id, item, value, version_id, now, actor.id)
            digests[item] = row["digest"]
            self._answers.append(row)
        audit.record(
            session,
            actor.username,
            "interview.imported",
            study_id=case.study_id,
            entity="interview",
            entity_id=interview_id,
            answers=digests,
        )

    def write(self) -> None:
        """Insert the answers and attempts added so far (two statements however many cases; plain
        executemany, as neither table has ORM objects in play here)."""
        connection = self.session.connection()
        if self._answers:
            connection.execute(insert(Answer.__table__), self._answers)
        if self._attempts:
            connection.execute(insert(CallAttempt.__table__), self._attempts)
        self._answers, self._attempts = [], []


def import_call_history(
    session: Session,
    actor: User,
    case_id: int,
    calls: list[tuple[str, dt.datetime]],
    *,
    answers: dict[str, Any] | None = None,
    interview_minutes: float = 8.0,
) -> str:
    """Store `calls` [(code, time), …] for one case `actor` holds (read and locked here); returns the
    final disposition. Only the last call may carry a final code; an interview code needs `answers`."""
    case = fieldwork._own_case(session, actor, case_id)
    uploads = CallHistories(session, session.get(Study, case.study_id))
    final = uploads.add(actor, case, calls, answers=answers, interview_minutes=interview_minutes)
    uploads.write()
    return final
