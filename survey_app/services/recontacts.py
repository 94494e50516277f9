"""What the supervisor learns by re-contacting interviewed people: one verdict per case, audited.

`supervision.verification_subsample` chooses whom to re-contact; this module records what each
re-contact found and lists the verdicts. Verdicts live in the audit log (`verification.verdict`), the
same append-only, hash-chained record that holds the sub-sample, so a verdict can be corrected by a
later one but never silently edited; the latest verdict per case counts.
"""

from __future__ import annotations

import json

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.security import audit
from survey_app.services.auth import require
from survey_app.services.errors import InvalidState, NotFound
from survey_app.storage.models import AuditEntry, CallAttempt, Case, Study, User

#: What a re-contact can find: the interview confirmed, contradicted (not interviewed, other answers),
#: or nobody reached.
VERDICTS: dict[str, dict[str, str]] = {
    "confirmed": {
        "zh": "确认：受访者确认接受过访问，回答一致",
        "en": "Confirmed: interviewed, answers agree",
    },
    "contradicted": {
        "zh": "不符：受访者否认接受访问或回答明显不同",
        "en": "Contradicted: denies the interview or answers differ",
    },
    "unreachable": {"zh": "未联系上", "en": "Not reached"},
}
WATCHERS = ("supervisor", "researcher", "auditor", "admin")


def record_verdict(
    session: Session, actor: User, study: Study, case_id: int, verdict: str, note: str = ""
) -> None:
    """Record what the re-contact of `case_id` found; the case must be one of the study's interviews."""
    require(actor, "supervisor", "admin")
    if verdict not in VERDICTS:
        raise InvalidState(
            f"Unknown verdict {verdict!r}; choose one of {', '.join(VERDICTS)}.",
            zh=f"未知的核实结论“{verdict}”。",
        )
    case = session.get(Case, case_id)
    if case is None or case.study_id != study.id:
        raise NotFound(
            f"Study {study.name} has no case {case_id}.", zh=f"调查项目 {study.name} 中没有个案 {case_id}。"
        )
    audit.record(
        session,
        actor.username,
        "verification.verdict",
        study_id=study.id,
        entity="case",
        entity_id=case_id,
        verdict=verdict,
        note=note.strip(),
    )


def verdicts(session: Session, actor: User, study: Study) -> pd.DataFrame:
    """The latest verdict per re-contacted case: case_id, verdict, note, by, at (naive UTC)."""
    require(actor, *WATCHERS)
    rows = session.execute(
        select(AuditEntry.entity_id, AuditEntry.at, AuditEntry.actor, AuditEntry.details)
        .where(AuditEntry.study_id == study.id, AuditEntry.action == "verification.verdict")
        .order_by(AuditEntry.id)
    ).all()
    latest: dict[int, dict[str, object]] = {}
    for entity_id, at, who, details in rows:
        found = json.loads(details)
        latest[int(entity_id)] = {
            "case_id": int(entity_id),
            "verdict": found.get("verdict"),
            "note": found.get("note", ""),
            "by": who,
            "at": at,
        }
    return pd.DataFrame(list(latest.values()), columns=["case_id", "verdict", "note", "by", "at"])


def attempt_notes(session: Session, actor: User, study: Study, limit: int = 500) -> pd.DataFrame:
    """The surveyors' notes on their calls, newest first: case_id, attempt, at (naive UTC), surveyor,
    code, note. No name or number: a note is read for what happened on the call."""
    require(actor, *WATCHERS)
    rows = session.execute(
        select(
            CallAttempt.case_id,
            CallAttempt.attempt_no,
            CallAttempt.started_at,
            User.username,
            CallAttempt.disposition,
            CallAttempt.note,
        )
        .join(Case, Case.id == CallAttempt.case_id)
        .join(User, User.id == CallAttempt.surveyor_id)
        .where(Case.study_id == study.id, CallAttempt.note.is_not(None), CallAttempt.note != "")
        .order_by(CallAttempt.started_at.desc(), CallAttempt.id.desc())
        .limit(limit)
    ).all()
    return pd.DataFrame(rows, columns=["case_id", "attempt", "at", "surveyor", "code", "note"])
