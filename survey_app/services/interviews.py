"""Interviews: every answer is stored the moment it is given, so a reload resumes at the same item.

The questionnaire engine (`questionnaires.Interview`) is rebuilt from the stored answers on every
action; it decides the next item, validates, and clears answers that became irrelevant. Each stored
answer carries a digest over (interview, item, value, version), and the audit log records that digest,
so an answer edited in the database later no longer matches the chain (`huifang verify`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

import questionnaires
from survey_app.security import audit
from survey_app.security.audit import canonical_json
from survey_app.services import dispositions, fieldwork
from survey_app.services.auth import require
from survey_app.services.errors import InvalidState, NotFound
from survey_app.services.questionnaire_store import load_version
from survey_app.storage.models import (
    Answer,
    Case,
    Interview,
    QuestionnaireVersion,
    Study,
    User,
    utcnow,
)

#: An interview that stops with the headline item answered counts as partial (1.2), else break-off.
KEY_ITEM = "sat_overall"

#: The interview's status for the disposition it ends with; 4.11/4.12 end the questionnaire early
#: (service never happened, not that person) and are kept, since they are findings.
INTERVIEW_STATUS = {
    "1.1": "complete",
    "1.2": "partial",
    "2.12": "breakoff",
    "4.11": "ineligible",
    "4.12": "ineligible",
}


def answer_digest(interview_id: int, item: str, value: Any, version_id: int) -> str:
    body = canonical_json([interview_id, item, value, version_id])
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def case_fields(case: Case, surveyor: User | None) -> dict[str, Any]:
    """The case's fields an interview may show or test (never the system rating: blinding)."""
    record = case.record
    return {
        "domain": record.domain,
        "channel": record.channel,
        "event_type": record.event_type,
        "service_date": record.service_date.isoformat(),
        "organisation": record.organisation,
        "district": record.district,
        "surveyor_no": (surveyor.surveyor_no if surveyor else None) or "",
    }


def stored_answers(session: Session, interview: Interview) -> dict[str, Any]:
    rows = session.execute(select(Answer.item, Answer.value).where(Answer.interview_id == interview.id))
    return dict(rows.all())


def _engine(session: Session, interview: Interview, case: Case, surveyor: User) -> questionnaires.Interview:
    questionnaire = load_version(session, interview.questionnaire_version_id)
    return questionnaires.Interview(
        questionnaire, case=case_fields(case, surveyor), answers=stored_answers(session, interview)
    )


def study_questionnaire(session: Session, study: Study) -> QuestionnaireVersion:
    version = session.scalar(
        select(QuestionnaireVersion)
        .where(QuestionnaireVersion.study_id == study.id, QuestionnaireVersion.frozen.is_(True))
        .order_by(QuestionnaireVersion.version.desc())
    )
    if version is None:
        raise NotFound(
            f"Study {study.name} has no frozen questionnaire version; attach one before fieldwork."
        )
    return version


def open_interview(session: Session, actor: User, case_id: int) -> tuple[Interview, questionnaires.Interview]:
    """Start the case's interview or resume it where it stopped."""
    case = fieldwork._own_case(session, actor, case_id)
    interview = session.scalar(select(Interview).where(Interview.case_id == case.id))
    if interview is None:
        version = study_questionnaire(session, session.get(Study, case.study_id))
        interview = Interview(
            case_id=case.id,
            questionnaire_version_id=version.id,
            surveyor_id=actor.id,
            started_at=utcnow(),
            status="in_progress",
        )
        session.add(interview)
        session.flush()
        audit.record(
            session,
            actor.username,
            "interview.started",
            study_id=case.study_id,
            entity="interview",
            entity_id=interview.id,
            case_id=case.id,
            questionnaire_version=version.id,
        )
    elif interview.status != "in_progress":
        raise InvalidState(f"The interview of case {case_id} is {interview.status}.")
    return interview, _engine(session, interview, case, actor)


def _persist(
    session: Session,
    actor: User,
    interview: Interview,
    case: Case,
    before: dict[str, Any],
    after: dict[str, Any],
    action: str,
    **details: Any,
) -> None:
    """Write the difference between two answer sets, and log every digest that changed."""
    changed: dict[str, str | None] = dict.fromkeys(before.keys() - after.keys())
    if changed:
        session.execute(
            delete(Answer).where(Answer.interview_id == interview.id, Answer.item.in_(list(changed)))
        )
    now = utcnow()
    version_id = interview.questionnaire_version_id
    new_rows = []
    for item, value in after.items():
        if item in before and before[item] == value:
            continue
        digest = answer_digest(interview.id, item, value, version_id)
        changed[item] = digest
        if item in before:
            session.execute(
                update(Answer)
                .where(Answer.interview_id == interview.id, Answer.item == item)
                .values(value=value, digest=digest, answered_at=now, surveyor_id=actor.id)
            )
        else:
            new_rows.append(
                {
                    "interview_id": interview.id,
                    "item": item,
                    "value": value,
                    "digest": digest,
                    "questionnaire_version_id": version_id,
                    "answered_at": now,
                    "surveyor_id": actor.id,
                }
            )
    if new_rows:
        session.execute(insert(Answer), new_rows)
    if changed:
        audit.record(
            session,
            actor.username,
            action,
            study_id=case.study_id,
            entity="interview",
            entity_id=interview.id,
            answers=changed,
            **details,
        )


def save_answer(session: Session, actor: User, case_id: int, value: Any) -> questionnaires.Interview:
    """Answer the current item; raises the engine's clear error on an invalid answer (nothing saved)."""
    interview, engine = open_interview(session, actor, case_id)
    case = session.get(Case, case_id)
    before = dict(engine.answers)
    engine.answer(value)
    _persist(session, actor, interview, case, before, dict(engine.answers), "answer.saved")
    if engine.complete:
        _finish(session, actor, interview, case, dispositions.interview_outcome(engine.answers))
    return engine


def go_back(session: Session, actor: User, case_id: int) -> questionnaires.Interview:
    """Step back one item (the stored answers stay until an answer is changed)."""
    _, engine = open_interview(session, actor, case_id)
    engine.back()
    return engine


def change_answer(
    session: Session, actor: User, case_id: int, item: str, value: Any
) -> questionnaires.Interview:
    """Change an earlier answer; answers that become irrelevant are cleared, and the clearing logged."""
    interview, engine = open_interview(session, actor, case_id)
    case = session.get(Case, case_id)
    before = dict(engine.answers)
    engine.go_to(item)
    engine.answer(value)
    _persist(session, actor, interview, case, before, dict(engine.answers), "answer.changed")
    return engine


def stop_interview(session: Session, actor: User, case_id: int, note: str | None = None) -> str:
    """The respondent ends the call: partial (1.2) if the headline item is answered, else break-off."""
    interview, engine = open_interview(session, actor, case_id)
    case = session.get(Case, case_id)
    code = "1.2" if KEY_ITEM in engine.answers else "2.12"
    _finish(session, actor, interview, case, code, note=note)
    return code


def _finish(
    session: Session,
    actor: User,
    interview: Interview,
    case: Case,
    code: str,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> None:
    interview.status = INTERVIEW_STATUS.get(code, "breakoff")
    interview.ended_at = now or utcnow()
    fieldwork.record_attempt(session, actor, case.id, code, note=note, now=interview.ended_at)


def import_interview(
    session: Session,
    actor: User,
    case_id: int,
    answers: dict[str, Any],
    *,
    started_at: dt.datetime,
    ended_at: dt.datetime,
    code: str = "1.1",
) -> Interview:
    """Store a whole interview at once (a CAPI or paper upload) and record its call attempt."""
    case = fieldwork._own_case(session, actor, case_id)
    interview = store_interview(
        session, actor, case, answers, started_at=started_at, ended_at=ended_at, code=code
    )
    fieldwork.record_attempt(session, actor, case.id, code, now=ended_at)
    return interview


def store_interview(
    session: Session,
    actor: User,
    case: Case,
    answers: dict[str, Any],
    *,
    started_at: dt.datetime,
    ended_at: dt.datetime,
    code: str,
) -> Interview:
    """Store a finished interview of a case the caller holds (no attempt is recorded here).

    The answers go through the same engine as a live interview, item by item in the engine's order,
    so skip logic and validation are enforced exactly as on the surveyor's screen.
    """
    if code not in INTERVIEW_STATUS:
        raise InvalidState(f"Disposition {code} does not end an interview.")
    if session.scalar(select(Interview.id).where(Interview.case_id == case.id)) is not None:
        raise InvalidState(f"Case {case.id} already has an interview.")
    version = study_questionnaire(session, session.get(Study, case.study_id))
    interview = Interview(
        case_id=case.id,
        questionnaire_version_id=version.id,
        surveyor_id=actor.id,
        started_at=started_at,
        ended_at=ended_at,
        status=INTERVIEW_STATUS[code],
    )
    session.add(interview)
    session.flush()
    engine = questionnaires.Interview(load_version(session, version.id), case=case_fields(case, actor))
    replay_answers(engine, answers)
    if code in ("1.1", "4.11", "4.12") and not engine.complete:
        raise InvalidState(
            f"Case {case.id}: the answers do not complete the questionnaire "
            f"(stopped at {engine.current().name})."
        )
    _persist(session, actor, interview, case, {}, dict(engine.answers), "interview.imported")
    return interview


def replay_answers(engine: questionnaires.Interview, answers: dict[str, Any]) -> None:
    """Feed answers to the engine in its own order; notes are acknowledged, unknown items refused.

    An optional item the upload leaves out counts as not answered (a file made before the item was
    added to the questionnaire, e.g. `referral_consent`, still loads)."""
    while not engine.complete:
        item = engine.current()
        if item is None:
            break
        if item.type == "note" or (item.name not in answers and item.required is False):
            engine.answer(None)
            continue
        if item.name not in answers:
            break
        engine.answer(answers[item.name])
    extra = set(answers) - set(engine.answers)
    if extra:
        raise InvalidState(f"Answers given for items the questionnaire did not ask: {sorted(extra)}.")


def correct_answer(
    session: Session, actor: User, interview_id: int, item: str, value: Any, reason: str
) -> None:
    """A supervisor's correction of a stored answer (e.g. after listening back), with its reason.

    The corrected answer set goes through the engine (skip logic, validation, clearing) like a live
    answer, and the new digests are chained in the audit log with the reason, so `verify` accepts it.
    """
    require(actor, "supervisor", "admin")
    if not reason or not reason.strip():
        raise InvalidState("A correction needs a reason (it is kept in the audit log).")
    interview = session.get(Interview, interview_id)
    if interview is None:
        raise NotFound(f"No interview {interview_id}.")
    case = session.get(Case, interview.case_id)
    surveyor = session.get(User, interview.surveyor_id)
    engine = questionnaires.Interview(
        load_version(session, interview.questionnaire_version_id),
        case=case_fields(case, surveyor),
        answers=stored_answers(session, interview),
    )
    before = dict(engine.answers)
    engine.go_to(item)
    engine.answer(value)
    _persist(
        session,
        actor,
        interview,
        case,
        before,
        dict(engine.answers),
        "answer.corrected",
        reason=reason.strip(),
    )
