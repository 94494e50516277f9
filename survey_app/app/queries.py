"""Small read helpers of the pages: a table shape for users, and the surveyor's held case."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.services.auth import require
from survey_app.storage.models import Case, Study, User


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
