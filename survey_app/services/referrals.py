"""Referral and remediation (action plan measures 十二 and 十七) behind an identity firewall.

A respondent whose overall rating was below 满意 (基本满意 or worse) and who agreed
(`referral_consent` = yes) is handed to the organisation responsible for the service: their contact
details, sealed again under the study's data key and bound to the referral (`referrals|phone|<ref_no>`),
the service (organisation, domain, event type, date) and the problem in their own words
(`referral_problem`). Nothing else crosses: no rating, no other answer, no case, interview or record id
— `source_key` is an HMAC of the interview under the match key, which only finds a referral made
already. The analysis dataset leaves the two referral items out (`services.datasets`).

Who sees what:
- `remediation` (整改责任单位): only referrals of their own organisation (`users.organisation_id`);
  records the action taken (延续服务 / 补充服务 / other) and closes with a note.
- `supervisor` / `admin`: creates referrals in a batch (`create_referrals`, `huifang referrals create
  STUDY`), sees every referral (masked), and with the `surveyor` records the re-callback after
  remediation (`record_recallback`: satisfaction asked again); a surveyor sees closed referrals only.
- Every reveal of a name and number is audited (`referral.contact_revealed`), as a surveyor's is.
- Evaluation roles (researcher, reviewer, auditor) have no referral function at all.

Referrals are created by a batch, not on the completed interview: the interview's write path stays as
it is, a batch can run again at no risk (one referral per interview), and it runs whenever the
supervisor decides the interviews are final (a corrected answer before the batch is respected).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from analysis.report.referrals import ReferralSummary
from questionnaires.templates import REFERRAL_ITEMS
from sampling.vocabulary import SCALES
from survey_app.security import audit, fieldcrypto
from survey_app.security.masking import mask_name, mask_phone
from survey_app.services.auth import require
from survey_app.services.errors import InvalidState, NotFound, PermissionDenied
from survey_app.services.frames import row_key, study_cipher
from survey_app.storage.models import Answer, Case, FrameRecord, Interview, Study, User, utcnow
from survey_app.storage.models_referrals import REFERRAL_ACTIONS, REFERRAL_STATUSES, Referral

TABLE = "referrals"
CONSENT_ITEM, PROBLEM_ITEM = REFERRAL_ITEMS
#: Days the responsible office has to close a referral, unless the study's settings say
#: `referral_due_days`.
DEFAULT_DUE_DAYS = 15
#: Interview statuses whose answers may be referred (the respondent reached the consent item).
REFERABLE_STATUSES = ("complete", "partial")
#: Re-callback answers besides the scale's codes.
SPECIAL_RATINGS = ("dk", "refused")

MANAGERS = ("supervisor", "admin")
RECALLERS = ("surveyor", "supervisor", "admin")


@dataclass(frozen=True)
class ReferralView:
    """A referral as a list shows it: contact masked, the service, the respondent's words, progress."""

    id: int
    ref_no: str
    study_id: int
    organisation_id: str
    organisation: str
    domain: str
    event_type: str | None
    service_date: dt.date
    name: str  # masked
    phone: str  # masked
    problem: str
    created_at: dt.datetime
    due_at: dt.datetime
    status: str
    action: str | None
    action_note: str | None
    closed_at: dt.datetime | None
    closure_note: str | None
    overdue: bool
    recallback_rating: str | None
    recallback_at: dt.datetime | None
    scale: str  # the study's rating scale: what the re-callback may answer


def below_satisfied(scale: str) -> tuple[str, ...]:
    """The scale's codes below 满意 (基本满意 and worse): who is asked for consent and may be referred."""
    codes = SCALES[scale].codes
    return tuple(codes[codes.index("satisfied") + 1 :]) if "satisfied" in codes else ()


def _source_key(study_id: int, interview_id: int) -> str:
    return fieldcrypto.keyed_hash("referral", f"{study_id}:{interview_id}")


def _cipher(study: Study) -> fieldcrypto.FieldCipher:
    if study.data_key_id is None:
        raise InvalidState(f"Study {study.name} holds no personal data to refer.")
    try:
        return fieldcrypto.FieldCipher(fieldcrypto.data_key(study.data_key_id), TABLE)
    except fieldcrypto.KeyUnavailable:
        raise InvalidState(
            f"The personal data of study {study.name} was purged; its referrals can no longer be opened.",
            zh=f"调查项目 {study.name} 的个人信息已按保存期限删除，转办单中的联系方式无法再打开。",
        ) from None


def _due_days(study: Study) -> int:
    return int((study.settings or {}).get("referral_due_days", DEFAULT_DUE_DAYS))


def create_referrals(session: Session, actor: User, study: Study, *, now: dt.datetime | None = None) -> int:
    """Refer every consenting respondent below 满意 not referred yet; returns how many were made.

    Running it again makes only the new ones (one referral per interview, found by its keyed hash).
    """
    require(actor, *MANAGERS)
    now = now or utcnow()
    low = below_satisfied(study.scale)
    rows = session.execute(
        select(Interview.id, Answer.item, Answer.value, Case.id)
        .join(Case, Case.id == Interview.case_id)
        .join(Answer, Answer.interview_id == Interview.id)
        .where(
            Case.study_id == study.id,
            Interview.status.in_(REFERABLE_STATUSES),
            Answer.item.in_((CONSENT_ITEM, PROBLEM_ITEM, "sat_overall")),
        )
    ).all()
    answers: dict[int, dict[str, object]] = {}
    case_of: dict[int, int] = {}
    for interview_id, item, value, case_id in rows:
        answers.setdefault(interview_id, {})[item] = value
        case_of[interview_id] = case_id
    wanted = {
        interview_id: given
        for interview_id, given in answers.items()
        if given.get(CONSENT_ITEM) == "yes" and given.get("sat_overall") in low
    }
    if not wanted:
        return 0
    keys = {interview_id: _source_key(study.id, interview_id) for interview_id in wanted}
    made_already = set(session.scalars(select(Referral.source_key).where(Referral.study_id == study.id)))
    cipher = _cipher(study)
    todo = sorted(i for i in wanted if keys[i] not in made_already)
    found = session.execute(
        select(Case.id, FrameRecord)
        .join(FrameRecord, FrameRecord.id == Case.frame_record_id)
        .where(Case.id.in_([case_of[i] for i in todo]))
    )
    records: dict[int, FrameRecord] = {case_id: record for case_id, record in found}
    source = study_cipher(session, study)  # the frame's ciphertexts (`_cipher` checked the key exists)
    due = now + dt.timedelta(days=_due_days(study))
    made: list[str] = []
    for interview_id in todo:
        record = records[case_of[interview_id]]
        row = row_key(record.frame_id, record.record_id)
        name = source.open("recipient_name", record.name_sealed, row)
        phone = source.open("phone", record.phone_sealed, row)
        ref_no = secrets.token_hex(6)
        problem = wanted[interview_id].get(PROBLEM_ITEM)
        session.add(
            Referral(
                ref_no=ref_no,
                study_id=study.id,
                source_key=keys[interview_id],
                organisation_id=record.organisation_id or record.organisation,
                organisation=record.organisation,
                domain=record.domain,
                event_type=record.event_type,
                service_date=record.service_date,
                name_sealed=cipher.seal("name", name, ref_no),
                phone_sealed=cipher.seal("phone", phone, ref_no),
                problem=str(problem).strip() if problem else None,
                created_at=now,
                due_at=due,
                status="open",
            )
        )
        made.append(ref_no)
    if made:
        session.flush()
        audit.record(
            session,
            actor.username,
            "referrals.created",
            study_id=study.id,
            entity="study",
            entity_id=study.id,
            count=len(made),
            ref_nos=made,
            due_days=_due_days(study),
        )
    return len(made)


def _visible(actor: User):
    """The select of referrals `actor` may see; PermissionDenied for every other role."""
    require(actor, "remediation", *RECALLERS)
    query = select(Referral)
    if actor.role == "remediation":
        if not actor.organisation_id:
            raise PermissionDenied(
                f"{actor.username} is bound to no organisation.", zh=f"{actor.username} 未绑定机构。"
            )
        query = query.where(Referral.organisation_id == actor.organisation_id)
    elif actor.role == "surveyor":  # a surveyor only calls back: closed referrals, nothing still at work
        query = query.where(Referral.status == "closed")
    return query


def _get(session: Session, actor: User, referral_id: int) -> Referral:
    """One referral the actor may see; another organisation's gives the same answer as a missing one."""
    referral = session.scalar(_visible(actor).where(Referral.id == referral_id))
    if referral is None:
        raise NotFound(f"No referral {referral_id} for you.", zh=f"没有您可查看的转办单 {referral_id}。")
    return referral


def _view(
    referral: Referral, cipher: fieldcrypto.FieldCipher | None, scale: str, now: dt.datetime
) -> ReferralView:
    name = phone = ""
    if cipher is not None:
        name = mask_name(cipher.open("name", referral.name_sealed, referral.ref_no))
        phone = mask_phone(cipher.open("phone", referral.phone_sealed, referral.ref_no))
    return ReferralView(
        id=referral.id,
        ref_no=referral.ref_no,
        study_id=referral.study_id,
        organisation_id=referral.organisation_id,
        organisation=referral.organisation,
        domain=referral.domain,
        event_type=referral.event_type,
        service_date=referral.service_date,
        name=name,
        phone=phone,
        problem=referral.problem or "",
        created_at=referral.created_at,
        due_at=referral.due_at,
        status=referral.status,
        action=referral.action,
        action_note=referral.action_note,
        closed_at=referral.closed_at,
        closure_note=referral.closure_note,
        overdue=referral.status != "closed" and referral.due_at < now,
        recallback_rating=referral.recallback_rating,
        recallback_at=referral.recallback_at,
        scale=scale,
    )


def list_referrals(
    session: Session,
    actor: User,
    *,
    study: Study | None = None,
    status: str | None = None,
    now: dt.datetime | None = None,
) -> list[ReferralView]:
    """The referrals `actor` may see (a remediation user: their organisation's only), earliest due first;
    names and numbers masked (decrypted only to be masked, as a surveyor's case is)."""
    query = _visible(actor)
    if study is not None:
        query = query.where(Referral.study_id == study.id)
    if status is not None:
        if status not in REFERRAL_STATUSES:
            raise InvalidState(f"Unknown referral status {status!r}; one of {', '.join(REFERRAL_STATUSES)}.")
        query = query.where(Referral.status == status)
    referrals = list(session.scalars(query.order_by(Referral.due_at, Referral.id)))
    now = now or utcnow()
    ciphers: dict[int, fieldcrypto.FieldCipher | None] = {}
    views = []
    for referral in referrals:
        study_row = session.get(Study, referral.study_id)
        if referral.study_id not in ciphers:
            try:
                ciphers[referral.study_id] = _cipher(study_row)
            except InvalidState:
                ciphers[referral.study_id] = None  # purged: the referral stays, its contact is gone
        views.append(_view(referral, ciphers[referral.study_id], study_row.scale, now))
    return views


def reveal_contact(session: Session, actor: User, referral_id: int) -> tuple[str, str]:
    """(name, number) in full, for the office that follows up or whoever re-calls; always audited."""
    referral = _get(session, actor, referral_id)
    cipher = _cipher(session.get(Study, referral.study_id))
    name = cipher.open("name", referral.name_sealed, referral.ref_no) or ""
    phone = cipher.open("phone", referral.phone_sealed, referral.ref_no) or ""
    audit.record(
        session,
        actor.username,
        "referral.contact_revealed",
        study_id=referral.study_id,
        entity="referral",
        entity_id=referral.ref_no,
    )
    return name, phone


def _office(session: Session, actor: User, referral_id: int) -> Referral:
    """A referral the acting responsible office (or an admin) may work on."""
    require(actor, "remediation", "admin")
    return _get(session, actor, referral_id)


def _check_action(action: str) -> str:
    if action not in REFERRAL_ACTIONS:
        raise InvalidState(
            f"Unknown action {action!r}; one of {', '.join(REFERRAL_ACTIONS)}.",
            zh="整改措施须为：延续服务、补充服务或其他。",
        )
    return action


def record_action(
    session: Session, actor: User, referral_id: int, action: str, note: str, *, now: dt.datetime | None = None
) -> Referral:
    """What the responsible office did or is doing (延续服务 / 补充服务 / other), with a note."""
    referral = _office(session, actor, referral_id)
    if referral.status == "closed":
        raise InvalidState(f"Referral {referral.ref_no} is closed.", zh=f"转办单 {referral.ref_no} 已办结。")
    if not note or not note.strip():
        raise InvalidState("Say what was done (the note is empty).", zh="请填写整改情况说明。")
    referral.action, referral.action_note = _check_action(action), note.strip()
    referral.action_at, referral.status = now or utcnow(), "in_progress"
    audit.record(
        session,
        actor.username,
        "referral.action",
        study_id=referral.study_id,
        entity="referral",
        entity_id=referral.ref_no,
        taken=action,
    )
    return referral


def close_referral(
    session: Session,
    actor: User,
    referral_id: int,
    note: str,
    *,
    action: str | None = None,
    now: dt.datetime | None = None,
) -> Referral:
    """Close a referral with a closing note; it needs the action taken (given now or recorded before)."""
    referral = _office(session, actor, referral_id)
    if referral.status == "closed":
        raise InvalidState(f"Referral {referral.ref_no} is closed.", zh=f"转办单 {referral.ref_no} 已办结。")
    if not note or not note.strip():
        raise InvalidState("A closure needs a note saying how it ended.", zh="办结须填写办结说明。")
    if action is not None:
        referral.action = _check_action(action)
        referral.action_at = referral.action_at or (now or utcnow())
    if referral.action is None:
        raise InvalidState(
            "Record the action taken (continued service, supplementary service or other) before closing.",
            zh="办结前请先选择整改措施（延续服务、补充服务或其他）。",
        )
    referral.status, referral.closed_at = "closed", now or utcnow()
    referral.closure_note, referral.closed_by = note.strip(), actor.id
    audit.record(
        session,
        actor.username,
        "referral.closed",
        study_id=referral.study_id,
        entity="referral",
        entity_id=referral.ref_no,
        taken=referral.action,
        on_time=referral.closed_at <= referral.due_at,
    )
    return referral


def record_recallback(
    session: Session,
    actor: User,
    referral_id: int,
    rating: str,
    note: str | None = None,
    *,
    now: dt.datetime | None = None,
) -> Referral:
    """The re-callback after remediation: how satisfied the person is now (a scale code, dk or refused)."""
    require(actor, *RECALLERS)
    referral = _get(session, actor, referral_id)
    if referral.status != "closed":
        raise InvalidState(
            f"Referral {referral.ref_no} is not closed yet; call back after the remediation.",
            zh=f"转办单 {referral.ref_no} 尚未办结，请在整改办结后再回访。",
        )
    study = session.get(Study, referral.study_id)
    allowed = (*SCALES[study.scale].codes, *SPECIAL_RATINGS)
    if rating not in allowed:
        raise InvalidState(f"Unknown rating {rating!r}; one of {', '.join(allowed)}.")
    referral.recallback_rating, referral.recallback_note = rating, (note or "").strip() or None
    referral.recallback_at, referral.recallback_by = now or utcnow(), actor.id
    audit.record(
        session,
        actor.username,
        "referral.recallback",
        study_id=referral.study_id,
        entity="referral",
        entity_id=referral.ref_no,
    )
    return referral


def summary(session: Session, study: Study, *, as_of: dt.datetime) -> ReferralSummary:
    """Aggregates for the report, counting only what had happened at `as_of` (the report's date), so a
    rebuild of the same report prints the same figures whatever the offices did since."""
    referrals = list(
        session.scalars(select(Referral).where(Referral.study_id == study.id, Referral.created_at <= as_of))
    )
    closed = [r for r in referrals if r.closed_at is not None and r.closed_at <= as_of]
    on_time = [r for r in closed if r.closed_at <= r.due_at]
    overdue = [r for r in referrals if r not in closed and r.due_at < as_of]
    called = [r for r in closed if r.recallback_at is not None and r.recallback_at <= as_of]
    rated = [r for r in called if r.recallback_rating not in SPECIAL_RATINGS]
    satisfied = [r for r in rated if r.recallback_rating in study.satisfied_codes]
    codes = SCALES[study.scale].codes
    top = codes[: codes.index("satisfied") + 1] if "satisfied" in codes else codes[:1]
    actions = Counter(r.action for r in closed)
    return ReferralSummary(
        referred=len(referrals),
        closed=len(closed),
        closed_on_time=len(on_time),
        open_overdue=len(overdue),
        by_action=tuple((action, actions.get(action, 0)) for action in REFERRAL_ACTIONS),
        recalled=len(called),
        recall_rated=len(rated),
        recall_satisfied=len(satisfied),
        recall_top=sum(r.recallback_rating in top for r in rated),
        due_days=_due_days(study),
    )


def purge_referrals(session: Session, study_id: int) -> int:
    """The retention purge's part (`services.retention`): the referred people's sealed name and number
    and their words are removed; the referral's progress and the report's totals stay. Returns how
    many referrals held personal data."""
    result = session.execute(
        update(Referral)
        .where(
            Referral.study_id == study_id, Referral.phone_sealed.is_not(None) | Referral.problem.is_not(None)
        )
        .values(name_sealed=None, phone_sealed=None, problem=None)
    )
    return result.rowcount or 0
