"""Questionnaire versions in the database: stored as the library's JSON, frozen at fieldwork."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import questionnaires
from survey_app.security import audit
from survey_app.security.audit import canonical_json
from survey_app.services.auth import require
from survey_app.services.errors import InvalidState, NotFound
from survey_app.storage.models import QuestionnaireVersion, Study, User


def definition_of(questionnaire: Any) -> dict[str, Any]:
    return questionnaire.model_dump(mode="json")


def save_version(
    session: Session, actor: User, study: Study | None, questionnaire: Any
) -> QuestionnaireVersion:
    """Store `questionnaire` as the next version of its name (versions are never edited in place)."""
    require(actor, "researcher", "admin")
    definition = definition_of(questionnaire)
    name = definition.get("name") or definition.get("id") or "questionnaire"
    latest = session.scalar(
        select(func.max(QuestionnaireVersion.version)).where(QuestionnaireVersion.name == name)
    )
    version = (latest or 0) + 1
    definition["version"] = version
    digest = hashlib.sha256(canonical_json(definition).encode("utf-8")).hexdigest()
    row = QuestionnaireVersion(
        study_id=study.id if study else None,
        name=name,
        version=version,
        definition=definition,
        sha256=digest,
        frozen=False,
        created_by=actor.id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor.username,
        "questionnaire.saved",
        study_id=row.study_id,
        entity="questionnaire_version",
        entity_id=row.id,
        name=name,
        version=version,
        sha256=digest,
    )
    return row


def freeze(session: Session, actor: User, version_id: int) -> QuestionnaireVersion:
    """Freeze a version: from now on answers are given under it, and it can no longer change."""
    require(actor, "researcher", "supervisor", "admin")
    row = session.get(QuestionnaireVersion, version_id)
    if row is None:
        raise NotFound(f"No questionnaire version {version_id}.")
    if not row.frozen:
        row.frozen = True
        audit.record(
            session,
            actor.username,
            "questionnaire.frozen",
            study_id=row.study_id,
            entity="questionnaire_version",
            entity_id=row.id,
            sha256=row.sha256,
        )
    return row


def update_draft(session: Session, actor: User, version_id: int, questionnaire: Any) -> QuestionnaireVersion:
    """Replace a draft version's content; a frozen version refuses and asks for a new version."""
    require(actor, "researcher", "admin")
    row = session.get(QuestionnaireVersion, version_id)
    if row is None:
        raise NotFound(f"No questionnaire version {version_id}.")
    if row.frozen:
        raise InvalidState(
            f"{row.name} v{row.version} is frozen (fieldwork uses it); save a new version instead."
        )
    definition = definition_of(questionnaire)
    definition["version"] = row.version
    row.definition = definition
    row.sha256 = hashlib.sha256(canonical_json(definition).encode("utf-8")).hexdigest()
    audit.record(
        session,
        actor.username,
        "questionnaire.edited",
        study_id=row.study_id,
        entity="questionnaire_version",
        entity_id=row.id,
        sha256=row.sha256,
    )
    return row


def load_version(session: Session, version_id: int) -> Any:
    """The parsed questionnaire of a stored version.

    Parsed versions are immutable values, cached by content hash: a cache hit reads two small columns,
    not the whole definition (the interview screen asks for its version on every answer). The
    database row decides whether a version is frozen (freezing does not rewrite its stored JSON, so
    the hash recorded when it was saved stays valid).
    """
    found = session.execute(
        select(QuestionnaireVersion.sha256, QuestionnaireVersion.frozen).where(
            QuestionnaireVersion.id == version_id
        )
    ).one_or_none()
    if found is None:
        raise NotFound(f"No questionnaire version {version_id}.")
    return parsed_version(session, version_id, found.sha256, bool(found.frozen))


def parsed_version(session: Session, version_id: int, sha256: str, frozen: bool) -> Any:
    """The parsed questionnaire of a version whose hash and frozen flag the caller already read (in
    its own statement, as the interview's hot path does): the definition is read only on a cache miss."""
    key = (sha256, bool(frozen))
    cached = _PARSED.get(key)
    if cached is None:
        definition = session.scalar(
            select(QuestionnaireVersion.definition).where(QuestionnaireVersion.id == version_id)
        )
        questionnaire = questionnaires.Questionnaire.model_validate(definition)
        if frozen and not questionnaire.frozen:
            questionnaire = questionnaires.freeze(questionnaire)
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.pop(next(iter(_PARSED)))
        cached = _PARSED[key] = questionnaire
    return cached


_PARSED: dict[tuple[str, bool], Any] = {}
_PARSED_MAX = 64


def versions(session: Session, study: Study) -> list[QuestionnaireVersion]:
    return list(
        session.scalars(
            select(QuestionnaireVersion)
            .where(QuestionnaireVersion.study_id == study.id)
            .order_by(QuestionnaireVersion.version)
        )
    )
