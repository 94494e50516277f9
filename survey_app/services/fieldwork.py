"""The call queue: hand each case to one surveyor, record attempts, reveal a number when dialling.

A surveyor asks for the next case: their own held case first, then due appointments, then fresh
released cases (priority, replicate, selection order), then retries whose gap has passed, and claims
whose holder went quiet for longer than the study's claim timeout. On PostgreSQL the candidate row is
taken with `FOR UPDATE SKIP LOCKED`, so concurrent surveyors never receive the same case; on SQLite
every transaction is `BEGIN IMMEDIATE`, which serialises the claim. The surveyor never sees the
case's system rating (blinding) and sees the phone number only through `reveal_phone`, which logs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from survey_app.security import audit
from survey_app.security.masking import mask_name, mask_phone
from survey_app.services import dispositions
from survey_app.services.auth import require
from survey_app.services.errors import InvalidState, NotFound, PermissionDenied
from survey_app.storage.models import CallAttempt, Case, FrameRecord, Study, User, utcnow

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class CaseView:
    """What a surveyor may see of a case: no system rating, masked personal data."""

    case_id: int
    stratum: str
    replicate: int
    domain: str
    channel: str
    event_type: str | None
    district: str
    organisation: str
    service_date: dt.date
    name_masked: str
    phone_masked: str
    attempts: int
    state: str
    appointment_at: dt.datetime | None
    appointment_note: str | None


def shanghai_time(now_utc: dt.datetime) -> dt.datetime:
    return now_utc.replace(tzinfo=dt.UTC).astimezone(SHANGHAI)


def calling_allowed(study: Study, now_utc: dt.datetime) -> tuple[bool, str]:
    """Whether the study's calling rules allow a call now, and why not when they do not."""
    settings = study.settings or {}
    local = shanghai_time(now_utc)
    start, end = settings.get("calling_hours", [9, 20])
    days = settings.get("calling_days", [0, 1, 2, 3, 4, 5, 6])
    holidays = set(settings.get("holidays", []))
    if local.date().isoformat() in holidays:
        return False, f"{local.date()} is a public holiday in this study's calendar."
    if local.weekday() not in days:
        return False, f"No calls on {local.strftime('%A')} in this study."
    if not (start <= local.hour < end):
        return False, f"Calls only between {start:02d}:00 and {end:02d}:00 Asia/Shanghai (now {local:%H:%M})."
    return True, ""


def _held_case(session: Session, actor: User, study: Study) -> Case | None:
    return session.scalar(
        select(Case).where(Case.study_id == study.id, Case.state == "held", Case.held_by == actor.id).limit(1)
    )


def _candidate_query(study: Study, actor: User, now: dt.datetime, timeout: dt.timedelta):
    mine_or_unassigned = or_(Case.assigned_to.is_(None), Case.assigned_to == actor.id)
    base = select(Case).where(Case.study_id == study.id, mine_or_unassigned)
    due_appointment = and_(Case.state == "appointment", Case.appointment_at <= now)
    fresh = and_(Case.state == "pending", Case.attempts == 0)
    retry = and_(
        Case.state == "pending",
        Case.attempts > 0,
        or_(Case.next_call_after.is_(None), Case.next_call_after <= now),
    )
    abandoned = and_(Case.state == "held", Case.held_at < now - timeout)
    return [
        base.where(due_appointment).order_by(Case.appointment_at, Case.id),
        base.where(fresh).order_by(Case.priority.desc(), Case.replicate, Case.selection_order),
        base.where(retry).order_by(Case.next_call_after, Case.attempts, Case.selection_order),
        base.where(abandoned).order_by(Case.held_at),
    ]


def next_case(
    session: Session, actor: User, study: Study, *, now: dt.datetime | None = None, enforce_hours: bool = True
) -> Case | None:
    """Claim the next case for `actor` (or return the one they already hold); None when none is due."""
    require(actor, "surveyor")
    if study.state != "fieldwork":
        raise InvalidState(f"Study {study.name} is in {study.state}, not fieldwork.")
    now = now or utcnow()
    if enforce_hours:
        allowed, why = calling_allowed(study, now)
        if not allowed:
            raise InvalidState(why)
    held = _held_case(session, actor, study)
    if held is not None:
        return held
    timeout = dt.timedelta(minutes=(study.settings or {}).get("claim_timeout_minutes", 30))
    skip_locked = session.get_bind().dialect.name == "postgresql"
    for query in _candidate_query(study, actor, now, timeout):
        case = session.scalar(query.limit(1).with_for_update(skip_locked=skip_locked))
        if case is None:
            continue
        previous_holder = case.held_by if case.state == "held" else None
        case.state, case.held_by, case.held_at = "held", actor.id, now
        session.flush()
        audit.record(
            session,
            actor.username,
            "case.claimed",
            study_id=study.id,
            entity="case",
            entity_id=case.id,
            previous_holder=previous_holder,
        )
        return case
    return None


def _own_case(session: Session, actor: User, case_id: int) -> Case:
    """The case, if `actor` holds it; a surveyor never learns about cases that are not theirs."""
    require(actor, "surveyor")
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"No case {case_id}.")
    if case.state != "held" or case.held_by != actor.id:
        raise PermissionDenied(f"Case {case_id} is not held by {actor.username}.")
    return case


def view_case(session: Session, actor: User, case_id: int) -> CaseView:
    case = _own_case(session, actor, case_id)
    record: FrameRecord = case.record
    return CaseView(
        case.id,
        case.stratum,
        case.replicate,
        record.domain,
        record.channel,
        record.event_type,
        record.district,
        record.organisation,
        record.service_date,
        mask_name(record.recipient_name),
        mask_phone(record.phone),
        case.attempts,
        case.state,
        case.appointment_at,
        case.appointment_note,
    )


def reveal_phone(session: Session, actor: User, case_id: int) -> str:
    """The full number, for the surveyor who holds the case; every reveal is in the audit log."""
    case = _own_case(session, actor, case_id)
    audit.record(
        session, actor.username, "phone.revealed", study_id=case.study_id, entity="case", entity_id=case.id
    )
    return case.record.phone


def release_claim(session: Session, actor: User, case_id: int) -> None:
    """Give a held case back to the queue without an attempt (e.g. the surveyor's shift ends)."""
    case = _own_case(session, actor, case_id)
    case.state, case.held_by, case.held_at = ("appointment" if case.appointment_at else "pending"), None, None
    audit.record(
        session, actor.username, "case.released", study_id=case.study_id, entity="case", entity_id=case.id
    )


def record_attempt(
    session: Session,
    actor: User,
    case_id: int,
    code: str,
    *,
    note: str | None = None,
    appointment_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> CallAttempt:
    """Record one call attempt's outcome and move the case on (retry, appointment or final)."""
    case = _own_case(session, actor, case_id)
    study = session.get(Study, case.study_id)
    disposition = dispositions.get(code)
    now = now or utcnow()
    if disposition.appointment and appointment_at is None:
        raise InvalidState("An appointment needs a date and time.")
    if appointment_at is not None and appointment_at <= now:
        raise InvalidState("An appointment must be in the future.")
    case.attempts += 1
    attempt = CallAttempt(
        case_id=case.id,
        surveyor_id=actor.id,
        attempt_no=case.attempts,
        started_at=now,
        disposition=code,
        note=note,
    )
    session.add(attempt)
    settings = study.settings or {}
    max_attempts = int(settings.get("max_attempts", 5))
    case.held_by, case.held_at = None, None
    if disposition.final or (case.attempts >= max_attempts and not disposition.appointment):
        codes = list(
            session.scalars(
                select(CallAttempt.disposition)
                .where(CallAttempt.case_id == case.id)
                .order_by(CallAttempt.attempt_no)
            )
        )
        case.state, case.final_disposition = "finalised", dispositions.final_of([*codes, code])
    elif disposition.appointment:
        case.state, case.appointment_at, case.appointment_note = "appointment", appointment_at, note
    else:
        case.state = "pending"
        case.next_call_after = now + dt.timedelta(minutes=int(settings.get("min_gap_minutes", 120)))
    session.flush()
    audit.record(
        session,
        actor.username,
        "attempt.recorded",
        study_id=case.study_id,
        entity="case",
        entity_id=case.id,
        attempt=case.attempts,
        disposition=code,
        appointment_at=appointment_at.isoformat() if appointment_at else None,
    )
    return attempt


def my_queue(
    session: Session, actor: User, study: Study, *, now: dt.datetime | None = None
) -> dict[str, int]:
    """What waits for this surveyor: counts only, so nobody browses other people's cases."""
    require(actor, "surveyor")
    now = now or utcnow()
    timeout = dt.timedelta(minutes=(study.settings or {}).get("claim_timeout_minutes", 30))
    names = ("appointments_due", "fresh", "retries_due", "abandoned_claims")
    counts = {}
    for name, query in zip(names, _candidate_query(study, actor, now, timeout), strict=True):
        counts[name] = len(session.scalars(query.with_only_columns(Case.id)).all())
    counts["held"] = 1 if _held_case(session, actor, study) else 0
    return counts
