"""Read-only queries the pages need and the services do not offer yet.

Each one is small, checks the role like a service would, and reads nothing personal unless its role
may see it. They are candidates to move into `survey_app/services/` (listed in the app's report).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey_app.services.auth import require
from survey_app.storage.models import CallAttempt, Case, Frame, Interview, Study, User


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


def interview_status(session: Session, actor: User, case_id: int) -> str | None:
    """The status of the interview of a case this surveyor holds (None when not started)."""
    require(actor, "surveyor")
    return session.scalar(
        select(Interview.status).where(Interview.case_id == case_id, Interview.surveyor_id == actor.id)
    )


def fieldwork_cases(session: Session, actor: User, study: Study) -> pd.DataFrame:
    """One row per released case: stratum, replicate, state, attempts, final disposition, surveyor.

    No personal data and no system rating: what a supervisor needs to watch progress.
    """
    require(actor, "supervisor", "researcher", "admin", "auditor")
    last_surveyor = (
        select(CallAttempt.case_id, func.max(CallAttempt.id).label("last_id"))
        .group_by(CallAttempt.case_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Case.id,
            Case.stratum,
            Case.replicate,
            Case.state,
            Case.attempts,
            Case.final_disposition,
            User.username,
        )
        .outerjoin(last_surveyor, last_surveyor.c.case_id == Case.id)
        .outerjoin(CallAttempt, CallAttempt.id == last_surveyor.c.last_id)
        .outerjoin(User, User.id == CallAttempt.surveyor_id)
        .where(Case.study_id == study.id, Case.state != "reserve")
    ).all()
    columns = ["case_id", "stratum", "replicate", "state", "attempts", "final_disposition", "surveyor"]
    return pd.DataFrame(rows, columns=columns)


def attempt_codes(session: Session, actor: User, study: Study) -> pd.DataFrame:
    """Every call attempt's disposition with its surveyor (for outcome charts)."""
    require(actor, "supervisor", "researcher", "admin", "auditor")
    rows = session.execute(
        select(CallAttempt.case_id, CallAttempt.disposition, User.username, CallAttempt.started_at)
        .join(Case, Case.id == CallAttempt.case_id)
        .join(User, User.id == CallAttempt.surveyor_id)
        .where(Case.study_id == study.id)
    ).all()
    return pd.DataFrame(rows, columns=["case_id", "disposition", "surveyor", "started_at"])


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


def provisional_dispositions(cases: pd.DataFrame, attempts: pd.DataFrame) -> pd.Series:
    """Each released case's disposition so far: its final one, else what its attempts give (3.11 if none).

    The same precedence rule as a finished case (`dispositions.final_of`), so the rates shown during
    fieldwork are the rates the study would report if it closed now.
    """
    from survey_app.services import dispositions

    codes = attempts.sort_values("started_at").groupby("case_id")["disposition"].agg(list)
    provisional = cases["case_id"].map(lambda case: dispositions.final_of(codes.get(case, [])))
    return cases["final_disposition"].fillna(provisional)


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
