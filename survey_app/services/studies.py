"""Studies: create, list, and find one by id or name (every command accepts either)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sampling.vocabulary import DEFAULT_SATISFIED_CODES, SCALES
from survey_app.security import audit
from survey_app.services.auth import require
from survey_app.services.errors import InvalidState, NotFound
from survey_app.storage.models import Study, User

DEFAULT_SETTINGS: dict[str, Any] = {
    "commissioned_by": "上海市司法局人事处",
    "surveyor_organisation": "第三方调查机构",
    "purpose": "核实法律服务评价的真实性与满意度（沪司发〔2019〕80号 第14项）",
    "retention_days": 180,
    "safeguards": "电话号码与姓名默认脱敏，逐条查看并记录；受托处理（《个人信息保护法》第二十一条）",
    "calling_hours": [9, 20],
    "max_attempts": 5,
    "min_gap_minutes": 120,
    "claim_timeout_minutes": 30,
}


def create_study(
    session: Session,
    actor: User,
    name: str,
    title: str,
    *,
    scale: str = "justice3",
    satisfied_codes: tuple[str, ...] = DEFAULT_SATISFIED_CODES,
    settings: dict[str, Any] | None = None,
) -> Study:
    require(actor, "researcher", "admin")
    if not name or name.isdigit():
        raise InvalidState("A study name must be non-empty and not a number (numbers are study ids).")
    if scale not in SCALES:
        raise InvalidState(f"Unknown rating scale {scale!r}; choose one of {', '.join(SCALES)}.")
    unknown = set(satisfied_codes) - set(SCALES[scale].codes)
    if unknown:
        raise InvalidState(f"Satisfied codes {sorted(unknown)} are not on the {scale} scale.")
    if session.scalar(select(Study).where(Study.name == name)) is not None:
        raise InvalidState(f"A study named {name!r} exists already.")
    study = Study(
        name=name,
        title=title,
        scale=scale,
        satisfied_codes=list(satisfied_codes),
        settings={**DEFAULT_SETTINGS, **(settings or {})},
        created_by=actor.id,
    )
    session.add(study)
    session.flush()
    audit.record(
        session,
        actor.username,
        "study.created",
        study_id=study.id,
        entity="study",
        entity_id=study.id,
        name=name,
        scale=scale,
        satisfied_codes=list(satisfied_codes),
    )
    return study


def list_studies(session: Session) -> list[Study]:
    return list(session.scalars(select(Study).order_by(Study.id)))


def find_study(session: Session, key: str | int) -> Study:
    """The study with this id or name."""
    text = str(key).strip()
    study = session.get(Study, int(text)) if text.isdigit() else None
    if study is None:
        study = session.scalar(select(Study).where(Study.name == text))
    if study is None:
        names = ", ".join(f"{s.id} {s.name}" for s in list_studies(session)) or "none yet"
        raise NotFound(f"No study with id or name {text!r}. Studies: {names}.")
    return study


def set_state(session: Session, actor: User, study: Study, state: str) -> None:
    require(actor, "researcher", "supervisor", "admin")
    order = ["design", "fieldwork", "closed"]
    if order.index(state) < order.index(study.state):
        raise InvalidState(f"Study {study.name} is {study.state}; it cannot go back to {state}.")
    audit.record(
        session,
        actor.username,
        "study.state",
        study_id=study.id,
        entity="study",
        entity_id=study.id,
        before=study.state,
        after=state,
    )
    study.state = state
