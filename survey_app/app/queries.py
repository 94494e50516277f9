"""Read-only queries the pages need and the services do not offer yet.

Each one is small, checks the role like a service would, and reads nothing personal unless its role
may see it. They are candidates to move into `survey_app/services/` (listed in the app's report).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.services.auth import require
from survey_app.storage.models import AuditHead, Case, Frame, Study, User


def study_frames(session: Session, actor: User, study: Study) -> list[Frame]:
    """Every frame imported for the study, newest first (fingerprints and counts, no records)."""
    require(actor, "researcher", "admin", "auditor")
    return list(session.scalars(select(Frame).where(Frame.study_id == study.id).order_by(Frame.id.desc())))


def held_case_id(session: Session, actor: User, study: Study) -> int | None:
    """The case this surveyor holds in the study, without claiming a new one."""
    require(actor, "surveyor")
    return session.scalar(
        select(Case.id)
        .where(Case.study_id == study.id, Case.state == "held", Case.held_by == actor.id)
        .limit(1)
    )


def users_table(users: list[User], labels: dict[str, dict[str, str]], lang: str) -> list[dict[str, Any]]:
    """Users as rows for a table: never the password hash."""
    return [
        {
            "id": u.id,
            "username": u.username,
            "display_name": u.display_name,
            "role": labels.get(u.role, {}).get(lang, u.role),
            "surveyor_no": u.surveyor_no or "",
            "active": u.active,
        }
        for u in users
    ]


def reserve_replicates(session: Session, actor: User, study: Study) -> list[int]:
    """Reserve replicates that still have unreleased cases."""
    require(actor, "supervisor", "researcher", "admin")
    return list(
        session.scalars(
            select(Case.replicate)
            .where(Case.study_id == study.id, Case.state == "reserve")
            .distinct()
            .order_by(Case.replicate)
        )
    )


def audit_head(session: Session) -> str:
    """The audit chain's last hash: it changes with every recorded action, so it keys cached analyses."""
    return session.scalar(select(AuditHead.last_hash)) or ""


def active_surveyors(session: Session, actor: User) -> list[tuple[int, str]]:
    """(id, user name) of every active surveyor: what a supervisor picks from when reassigning."""
    require(actor, "supervisor", "admin")
    rows = session.execute(
        select(User.id, User.username)
        .where(User.role == "surveyor", User.active.is_(True))
        .order_by(User.username)
    )
    return [(user_id, name) for user_id, name in rows.all()]
