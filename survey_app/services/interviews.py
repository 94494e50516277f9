"""Interviews: every answer is stored the moment it is given, so a reload resumes at the same item.

The questionnaire engine (`questionnaires.Interview`) is the one of the stored answers on every
action: rebuilt from them, or copied from the engine the last action of this process left when the
answers read match it exactly (`engine_cache`); it decides the next item, validates, and clears answers
that became irrelevant. The screen reads with `resume_interview` (no lock), an answer with `save_answer`. Each stored
answer carries a digest over (interview, item, value, version), and the audit log records that digest,
so an answer edited in the database later no longer matches the chain (`huifang verify`).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, delete, func, insert, select, update
from sqlalchemy import case as sa_case
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased

import questionnaires
from survey_app.security import audit
from survey_app.security.audit import canonical_json
from survey_app.services import dispositions, engine_cache, fieldwork
from survey_app.services.auth import require
from survey_app.services.errors import InvalidState, NotFound
from survey_app.services.questionnaire_store import load_version, parsed_version
from survey_app.storage.models import (
    Answer,
    Case,
    FrameRecord,
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


def answer_row(
    interview_id: int, item: str, value: Any, version_id: int, answered_at: Any, surveyor_id: int
) -> dict[str, Any]:
    """An `answers` row with its digest, as both the live interview and an upload insert it."""
    return {
        "interview_id": interview_id,
        "item": item,
        "value": value,
        "digest": answer_digest(interview_id, item, value, version_id),
        "questionnaire_version_id": version_id,
        "answered_at": answered_at,
        "surveyor_id": surveyor_id,
    }


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
        row = answer_row(interview.id, item, value, version_id, now, actor.id)
        changed[item] = digest = row["digest"]
        if item in before:
            session.execute(
                update(Answer)
                .where(Answer.interview_id == interview.id, Answer.item == item)
                .values(value=value, digest=digest, answered_at=now, surveyor_id=actor.id)
            )
        else:
            new_rows.append(row)
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


def resume_interview(
    session: Session, actor: User, case_id: int, *, open_new: bool = True
) -> questionnaires.Interview | None:
    """The held case's interview where it stopped, for the interview screen: one read, no lock.

    The screen reads on every run (Streamlit reruns the page after each answer), so this is as hot as
    `save_answer` (issue 15): one unlocked statement, which on PostgreSQL also leaves the transaction
    without a write to flush at the commit. An interview not started yet is started by `open_interview`
    (once per interview: its row and its audit entry) — or, with `open_new=False` (a read-only session,
    `Database.reading()`), None is returned and the caller opens it in a writing session.
    """
    context = _answer_context(session, actor, case_id, write=False)
    if context.interview_id is None:
        return open_interview(session, actor, case_id)[1] if open_new else None
    return context.engine


def save_answer(session: Session, actor: User, case_id: int, value: Any) -> questionnaires.Interview:
    """Answer the current item; raises the engine's clear error on an invalid answer (nothing saved).

    The hot path of an interview (issue 15): one locking read of the case with its frame record,
    interview, questionnaire version and answers; the answers' write (with the interview's insert on
    the first answer); the audit entries follow at the commit. The answer that completes the
    interview also records its call attempt (`fieldwork.record_attempt`). Every statement is built
    once per process (`_context_statement`, `_answer_upsert`).
    """
    context = _answer_context(session, actor, case_id, write=True)
    engine = context.engine
    before = engine.answers
    engine.answer(value)
    after = engine.answers
    interview_id = context.interview_id
    version_id = context.version_id
    postgres = session.get_bind().dialect.name == "postgresql"
    started = None
    if interview_id is None:
        started = {
            "case_id": case_id,
            "questionnaire_version_id": version_id,
            "surveyor_id": actor.id,
            "started_at": utcnow(),
            "status": "in_progress",
        }
        if postgres:  # the id was drawn in the read; the insert rides with the answers' write
            interview_id = started["id"] = context.next_interview_id
        else:
            interview_id = (
                fieldwork.flushed_connection(session).execute(_interview_insert(), started).scalar_one()
            )
        audit.record(
            session,
            actor.username,
            "interview.started",
            study_id=context.study_id,
            entity="interview",
            entity_id=interview_id,
            case_id=case_id,
            questionnaire_version=version_id,
        )
    changed = _write_answers(
        session, actor, interview_id, version_id, before, after, started=started if postgres else None
    )
    if changed:
        audit.record(
            session,
            actor.username,
            "answer.saved",
            study_id=context.study_id,
            entity="interview",
            entity_id=interview_id,
            answers=changed,
        )
    if not engine.complete:
        engine_cache.keep(context.kept, context.fields, engine)  # for the screen and the next answer
    else:
        engine_cache.forget(context.kept)
        code = dispositions.interview_outcome(engine.answers)
        ended_at = utcnow()
        fieldwork.flushed_connection(session).execute(
            _interview_end(),
            {
                "ended_id": interview_id,
                "status": INTERVIEW_STATUS.get(code, "breakoff"),
                "ended_at": ended_at,
            },
        )
        fieldwork.record_attempt(session, actor, case_id, code, now=ended_at)
    return engine


@dataclass(frozen=True)
class _AnswerContext:
    study_id: int
    interview_id: int | None  # None: the first answer starts the interview
    version_id: int
    next_interview_id: int | None  # PostgreSQL, first answer: the id drawn for the new interview
    engine: questionnaires.Interview  # built, or copied from the one the last action left (engine_cache)
    kept: tuple[int, str, bool]  # its key in engine_cache
    fields: dict[str, Any]  # the case's fields it was built with


#: What `_context_statement` reads, by position: the case, its interview and version, one answer per
#: row, the frame record's fields an interview may show, and what a write needs (`_EXTRA` on).
_STUDY, _STATE, _HOLDER, _INTERVIEW, _STATUS, _VERSION, _SHA256, _FROZEN, _ITEM, _VALUE = range(10)
_RECORD_FIELDS = ("domain", "channel", "event_type", "service_date", "organisation", "district")
_EXTRA = 10 + len(_RECORD_FIELDS)


@functools.cache
def _context_statement(postgres: bool, write: bool) -> Select:
    """The one statement an answer (`write`: locked) or the interview screen reads; built once per
    process and dialect, so a call pays neither its construction nor its cache key.

    The questionnaire version is the interview's, or for a new interview the study's latest frozen
    one. A write on SQLite also reads the audit head; on PostgreSQL it draws a new interview's id.
    """
    frozen = aliased(QuestionnaireVersion)
    latest_frozen = (
        select(frozen.id)
        .where(frozen.study_id == Case.study_id, frozen.frozen.is_(True))
        .order_by(frozen.version.desc())
        .limit(1)
        .correlate(Case)
        .scalar_subquery()
    )
    version_id = func.coalesce(Interview.questionnaire_version_id, latest_frozen)
    extra: tuple[Any, ...] = ()
    if write and postgres:
        sequence = func.pg_get_serial_sequence("interviews", "id")
        extra = (sa_case((Interview.id.is_(None), func.nextval(sequence)), else_=None),)
    elif write:
        extra = audit.head_columns()
    statement = (
        select(
            Case.study_id,
            Case.state,
            Case.held_by,
            Interview.id,
            Interview.status,
            QuestionnaireVersion.id,
            QuestionnaireVersion.sha256,
            QuestionnaireVersion.frozen,
            Answer.item,
            Answer.value,
            *(getattr(FrameRecord, name) for name in _RECORD_FIELDS),
            *extra,
        )
        .join(FrameRecord, FrameRecord.id == Case.frame_record_id)
        .outerjoin(Interview, Interview.case_id == Case.id)
        .outerjoin(QuestionnaireVersion, QuestionnaireVersion.id == version_id)
        .outerjoin(Answer, Answer.interview_id == Interview.id)
        .where(Case.id == bindparam("case_id"))
    )
    return statement.with_for_update(of=Case) if write else statement


def _answer_context(session: Session, actor: User, case_id: int, *, write: bool) -> _AnswerContext:
    """The held case with everything an answer (or the screen) needs, in one statement (a row per
    answer); its parsed questionnaire comes from the cache (`questionnaire_store.parsed_version`)."""
    require(actor, "surveyor")
    postgres = session.get_bind().dialect.name == "postgresql"
    rows = (
        fieldwork.flushed_connection(session)
        .execute(_context_statement(postgres, write), {"case_id": case_id})
        .all()
    )
    if not rows or rows[0][_STATE] != "held" or rows[0][_HOLDER] != actor.id:
        raise fieldwork.not_held(case_id)
    first = rows[0]
    if first[_STATUS] is not None and first[_STATUS] != "in_progress":
        raise InvalidState(f"The interview of case {case_id} is {first[_STATUS]}.")
    if first[_VERSION] is None:
        study = session.get(Study, first[_STUDY])
        raise NotFound(
            f"Study {study.name} has no frozen questionnaire version; attach one before fieldwork."
        )
    if write and not postgres:
        audit.note_head(session, first[_EXTRA], first[_EXTRA + 1])
    fields = dict(zip(_RECORD_FIELDS, first[_EXTRA - len(_RECORD_FIELDS) : _EXTRA], strict=True))
    fields["service_date"] = fields["service_date"].isoformat()
    fields["surveyor_no"] = actor.surveyor_no or ""
    answers = {row[_ITEM]: row[_VALUE] for row in rows if row[_ITEM] is not None}
    questionnaire = parsed_version(session, first[_VERSION], first[_SHA256], bool(first[_FROZEN]))
    kept = (case_id, first[_SHA256], bool(first[_FROZEN]))
    return _AnswerContext(
        study_id=first[_STUDY],
        interview_id=first[_INTERVIEW],
        version_id=first[_VERSION],
        next_interview_id=first[_EXTRA] if write and postgres else None,
        engine=engine_cache.engine(questionnaire, kept, fields, answers),
        kept=kept,
        fields=fields,
    )


def _bound(table: Any, prefix: str, *names: str) -> dict[str, Any]:
    """column → a typed bind parameter named `prefix` + column, for a statement built once."""
    return {name: bindparam(prefix + name, type_=table.c[name].type) for name in names}


_ANSWER_COLUMNS = (
    "interview_id",
    "item",
    "value",
    "digest",
    "questionnaire_version_id",
    "answered_at",
    "surveyor_id",
)
_REANSWERED = ("value", "digest", "answered_at", "surveyor_id")  # what an answer given again replaces
_STARTED_COLUMNS = ("id", "case_id", "questionnaire_version_id", "surveyor_id", "started_at", "status")


@functools.cache
def _answer_upsert(postgres: bool, starts: bool) -> Any:
    """One answer's upsert, built once: parameters `a_<column>` (and `i_<column>` for the interview it
    starts, inserted in a CTE: PostgreSQL only); on PostgreSQL it also locks and returns the audit head
    (the action's last write, so the lock is held only for the append and the commit)."""
    upsert = (postgresql_insert if postgres else sqlite_insert)(Answer).values(
        _bound(Answer.__table__, "a_", *_ANSWER_COLUMNS)
    )
    upsert = upsert.on_conflict_do_update(
        index_elements=[Answer.interview_id, Answer.item],
        set_={name: upsert.excluded[name] for name in _REANSWERED},
    )
    if starts:
        started = insert(Interview).values(_bound(Interview.__table__, "i_", *_STARTED_COLUMNS))
        upsert = upsert.add_cte(started.returning(Interview.id).cte("started"))
    return upsert.returning(*audit.head_columns(lock=True)) if postgres else upsert


@functools.cache
def _interview_insert() -> Any:
    """SQLite's insert of a new interview (PostgreSQL's rides with the first answer's upsert)."""
    return insert(Interview).returning(Interview.id)


@functools.cache
def _interview_end() -> Any:
    return update(Interview).where(Interview.id == bindparam("ended_id"))


def _write_answers(
    session: Session,
    actor: User,
    interview_id: int,
    version_id: int,
    before: dict[str, Any],
    after: dict[str, Any],
    *,
    started: dict[str, Any] | None = None,
) -> dict[str, str | None]:
    """Write the difference between two answer sets as an upsert (and a delete of cleared items);
    on PostgreSQL one statement, with `started` (a new interview's row) inserted in a CTE. Returns
    item → new digest (None: cleared), as the audit entry records it."""
    postgres = session.get_bind().dialect.name == "postgresql"
    changed: dict[str, str | None] = dict.fromkeys(sorted(before.keys() - after.keys()))
    now = utcnow()
    rows = []
    for item, value in after.items():
        if item in before and before[item] == value:
            continue
        row = answer_row(interview_id, item, value, version_id, now, actor.id)
        changed[item] = row["digest"]
        rows.append(row)
    if len(rows) == 1 and len(changed) == 1:  # the usual answer: one new value, nothing cleared
        parameters = {f"a_{name}": value for name, value in rows[0].items()}
        if started is not None:
            parameters.update({f"i_{name}": value for name, value in started.items()})
        result = fieldwork.flushed_connection(session).execute(
            _answer_upsert(postgres, started is not None), parameters
        )
        if postgres:
            head = result.one()
            audit.note_head(session, head[0], head[1], locked=True)
        return changed
    cleared = [item for item, digest in changed.items() if digest is None]
    removal = delete(Answer).where(Answer.interview_id == interview_id, Answer.item.in_(cleared))
    ctes = []
    if started is not None:
        ctes.append(insert(Interview).values(**started).returning(Interview.id).cte("started"))
    if cleared and (not postgres or not rows):
        session.execute(removal)
    elif cleared:
        ctes.append(removal.returning(Answer.id).cte("cleared"))
    if rows:
        upsert = (postgresql_insert if postgres else sqlite_insert)(Answer).values(rows)
        upsert = upsert.on_conflict_do_update(
            index_elements=[Answer.interview_id, Answer.item],
            set_={name: upsert.excluded[name] for name in _REANSWERED},
        )
        if ctes:
            upsert = upsert.add_cte(*ctes)
        if postgres:  # the head's lock rides with the last write (held to the commit, as a read would be)
            head = session.execute(upsert.returning(*audit.head_columns(lock=True))).first()
            audit.note_head(session, head[0], head[1], locked=True)
        else:
            session.execute(upsert)
    elif started is not None:
        session.execute(insert(Interview).values(**started))
    return changed


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
    added to the questionnaire, e.g. `referral_consent`, still loads). Each step takes the next item
    from the answer it gives (`advance` returns it), and no question is built: nobody reads its texts."""
    item = engine.current_item()
    while item is not None:
        if item.type == "note" or (item.name not in answers and not engine.is_required(item.name)):
            item = engine.advance(None)
        elif item.name in answers:
            item = engine.advance(answers[item.name])
        else:
            break
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
