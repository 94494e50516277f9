"""How many audited changes to a study since a point of the audit chain could change its analysis.

The reviewer's comparison page keeps the analysis it computed (`survey_app.app.held_analysis`): one takes
seconds, and during fieldwork the chain moves every few seconds. Every change is audited, so counting the
study's entries after the point an analysis was read at says whether it is still current. Actions that
never change what the analysis reads (a login, a revealed number, an export, a referral: the identity
firewall keeps referrals out of evaluation data) are not counted; an action missing from that list only
makes the page offer an update it did not need. Nor is the state log's entry (`state.changed`), which
records the rows its transaction's own audited action changed: counting it would count that change twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey_app.security import state_log
from survey_app.storage.models import AuditEntry, AuditHead

UNCHANGING = frozenset(
    {
        "login",
        "login.failed",
        "login.proxy",
        "login.throttled",
        "logout",
        "phone.revealed",
        "recording.played",
        "cases.exported",
        "dataset.exported",
        "report.built",
        "referrals.created",
        "referral.action",
        "referral.closed",
        "referral.recallback",
        "referral.contact_revealed",
    }
)


@dataclass(frozen=True)
class ChainMark:
    """Where the audit chain stood: its last entry's id and hash."""

    last_id: int
    last_hash: str


def chain_mark(session: Session) -> ChainMark:
    """The chain's head in this session's snapshot (read first, it is the point the snapshot shows)."""
    row = session.execute(select(AuditHead.last_id, AuditHead.last_hash).where(AuditHead.id == 1)).first()
    return ChainMark(0, "") if row is None else ChainMark(int(row.last_id), row.last_hash)


def changes_since(session: Session, study_id: int, mark: ChainMark) -> int:
    """The study's audited actions after `mark` that may change its analysis."""
    return session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(
            AuditEntry.id > mark.last_id,
            AuditEntry.study_id == study_id,
            AuditEntry.action.not_in(UNCHANGING | {state_log.ACTION}),
        )
    )
