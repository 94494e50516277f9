"""Respondent burden: leave out people another study contacted in the last N days.

People are matched across studies by `person_key` (the keyed hash of the number, never the number).
"Contacted" means a call attempt whose outcome reached someone who could speak for the named person
(`Disposition.contact`), or an interview, in any other study, from N days before the draw's date up to
that date. The study setting `recent_contact_days` turns it on (0 = off) and is fixed once a sample is
drawn.

Before the draw the matching frame rows are found live. The draw records the window and the date in
the design (`sampling.Exclusions.config`) and each excluded row with its reason in `exclusions`;
afterwards the stored rows are read back, so a re-draw, a reserve release or `verify` gives the same
sample whatever calls happened since.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, object_session

from sampling.exclusions import CALLED_RECENTLY
from survey_app.security import audit
from survey_app.services import dispositions
from survey_app.services.auth import require
from survey_app.services.errors import InvalidState
from survey_app.storage.models import (
    CallAttempt,
    Case,
    Exclusion,
    Frame,
    FrameRecord,
    Interview,
    SampleDesign,
    Study,
    User,
)

SETTING = "recent_contact_days"
MAX_DAYS = 730


def contact_codes() -> list[str]:
    """The dispositions that count as having contacted the person."""
    return sorted(code for code, d in dispositions.DISPOSITIONS.items() if d.contact)


def recent_records(session: Session, study: Study, frame: Frame, days: int, as_of: dt.date) -> list[str]:
    """Record ids of `frame` whose person another study contacted in [as_of − days, as_of]."""
    start = dt.datetime.combine(as_of - dt.timedelta(days=days), dt.time())
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
    called = (
        select(Case.id)
        .join(CallAttempt, CallAttempt.case_id == Case.id)
        .where(
            Case.study_id != study.id,
            CallAttempt.disposition.in_(contact_codes()),
            CallAttempt.started_at >= start,
            CallAttempt.started_at < end,
        )
    )
    interviewed = (
        select(Case.id)
        .join(Interview, Interview.case_id == Case.id)
        .where(Case.study_id != study.id, Interview.started_at >= start, Interview.started_at < end)
    )
    keys = (
        select(FrameRecord.person_key)
        .join(Case, Case.frame_record_id == FrameRecord.id)
        .where(or_(Case.id.in_(called), Case.id.in_(interviewed)), FrameRecord.person_key.is_not(None))
    )
    found = session.scalars(
        select(FrameRecord.record_id)
        .where(FrameRecord.frame_id == frame.id, FrameRecord.person_key.in_(keys))
        .order_by(FrameRecord.record_id)
    )
    return list(found)


def exclusion_args(study: Study) -> dict[str, Any]:
    """The `sampling.Exclusions` arguments of the study's recent-contact rule ({} when it is off)."""
    days = int((study.settings or {}).get(SETTING) or 0)
    session = object_session(study)
    if session is None:
        if days > 0:
            raise InvalidState(f"Study {study.name}'s recent contacts need its database session.")
        return {}
    design = session.scalar(
        select(SampleDesign).where(SampleDesign.study_id == study.id).order_by(SampleDesign.id.desc())
    )
    if design is not None:  # drawn: what the draw used, whatever was called since
        stored = (design.params or {}).get("sampling", {}).get("exclusions") or {}
        if not stored.get("within_days") or not stored.get("as_of"):
            return {}
        rows = session.scalars(
            select(Exclusion.record_id).where(
                Exclusion.design_id == design.id, Exclusion.reason == CALLED_RECENTLY
            )
        )
        return {
            "within_days": int(stored["within_days"]),
            "as_of": dt.date.fromisoformat(str(stored["as_of"])),
            "recent_records": list(rows),
        }
    if days <= 0:
        return {}
    frame = session.scalar(select(Frame).where(Frame.study_id == study.id).order_by(Frame.id.desc()))
    if frame is None:
        return {}
    today = dt.datetime.now(dt.UTC).date()
    return {
        "within_days": days,
        "as_of": today,
        "recent_records": recent_records(session, study, frame, days, today),
    }


def set_days(session: Session, actor: User, study: Study, days: int) -> None:
    """Set the study's window (0 turns it off); audited; refused once the sample is drawn."""
    require(actor, "researcher", "admin")
    if not 0 <= int(days) <= MAX_DAYS:
        raise InvalidState(
            f"The recent-contact window must be between 0 and {MAX_DAYS} days (got {days}).",
            zh=f"近期联系排除的天数须在 0 到 {MAX_DAYS} 之间（填写的是 {days}）。",
        )
    if session.scalar(select(SampleDesign.id).where(SampleDesign.study_id == study.id)) is not None:
        raise InvalidState(
            f"Study {study.name} has its sample already: the recent-contact window it was drawn with stays.",
            zh=f"调查项目 {study.name} 已抽样：抽样时使用的近期联系排除规则不能再改。",
        )
    before = int((study.settings or {}).get(SETTING) or 0)
    study.settings = {**(study.settings or {}), SETTING: int(days)}
    audit.record(
        session,
        actor.username,
        "study.recent_contact",
        study_id=study.id,
        entity="study",
        entity_id=study.id,
        before=before,
        after=int(days),
    )
