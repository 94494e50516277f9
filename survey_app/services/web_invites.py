"""Self-completion by one-time link, mixed with CATI: invitations, reminders, the respondent's path.

Why: measure 十四 of the action plan names questionnaires beside callbacks, and a respondent who would
rather tap than talk should not wait for a surveyor. The same questionnaire engine and the same answer
store (`services.interviews`) serve both modes, so an answer given on the web is chained in the audit
log and checked by `huifang verify` exactly like one given on the phone.

Mixed-mode design (a study's settings, `mode_design(study)`): `cati_only` (the default: no
invitations) or `web_first` — fresh released cases get an SMS with a link valid for `web_days` days;
until it expires the case is kept out of the CATI queue (`fieldwork._groups`), afterwards an
unanswered case is called like any other (the surveyor resumes a web interview left half done).

The link: `secrets.token_urlsafe(32)` (256 bits) in the address's `r` parameter; only its SHA-256 is
stored. It works until the invitation expires and until the questionnaire is submitted; a reminder
issues a fresh link beside the first. Before any question the respondent types the last four digits
of the number the message went to, compared with the sealed number (`security.fieldcrypto`);
failures are throttled per invitation and per client (`services.throttle`, keyed hashes only).

Web outcomes are coded with AAPOR's dispositions for internet surveys of specifically named persons
(`WEB_DISPOSITIONS`, `web_disposition`); a web complete also finalises the case as 1.1.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import questionnaires
from survey_app.security import audit
from survey_app.security.fieldcrypto import KeyUnavailable, keyed_hash
from survey_app.services import dispositions, frames, interviews, sms, throttle
from survey_app.services.auth import WEB_SYSTEM_USERNAME, require
from survey_app.services.dispositions import Disposition
from survey_app.services.errors import InvalidState
from survey_app.services.questionnaire_store import load_version
from survey_app.storage.models import Answer, CallAttempt, Case, Interview, Study, User, utcnow
from survey_app.storage.models_web import SmsMessage, WebInvitation, WebLink

#: the address parameter that carries a link's token (the app routes it before the login)
TOKEN_PARAM = "r"
TOKEN_BYTES = 32
MODE_DESIGNS = ("cati_only", "web_first")
DEFAULT_WEB_DAYS = 7
#: the system account web answers are stored under (inactive: it can never log in)
WEB_USERNAME = WEB_SYSTEM_USERNAME
WEB_ACTOR = "web"
#: identity-check failures allowed per invitation before each further one locks it (doubling)
CHECK_FREE = 5
MOBILE = re.compile(r"^1\d{10}$")

#: AAPOR Standard Definitions (7th edition, 2011), Table 4 "Final Disposition Codes for Internet Surveys
#: of Specifically Named Persons": the codes Huifang uses, with AAPOR's meaning in the English label.
#: 4.11 and 4.12 are not in Table 4: they are Huifang's subcodes of its 4.10 "selected respondent screened
#: out of sample" (the same numbers as in the telephone scheme, `dispositions.FINDINGS`).
WEB_DISPOSITIONS: dict[str, Disposition] = {
    d.code: d
    for d in (
        Disposition("1.1", "I", True, "网上完成", "Complete (web)"),
        Disposition("1.2", "P", True, "网上部分完成", "Partial (web)"),
        Disposition("2.1121", "R", True, "已打开链接，未作答任何题目", "Logged on, completed no items"),
        Disposition(
            "2.12",
            "R",
            True,
            "网上中途中断（信息不足）",
            "Break-off or partial with insufficient information",
        ),
        Disposition("3.11", "UH", True, "未发送邀请（无手机号码）", "No invitation sent (no mobile number)"),
        Disposition("3.19", "UH", True, "邀请未获回应", "Nothing ever returned (no response to invitation)"),
        Disposition("3.30", "UO", True, "邀请无法送达", "Invitation returned undelivered"),
        Disposition(
            "4.11",
            "NE",
            True,
            "筛选排除：本人表示未办理过该服务",
            "Screened out (4.10): respondent says the service never happened",
        ),
        Disposition(
            "4.12", "NE", True, "筛选排除：作答者不是本人", "Screened out (4.10): not the named person"
        ),
    )
}


@dataclass(frozen=True)
class ModeDesign:
    design: str
    web_days: int

    @property
    def web_first(self) -> bool:
        return self.design == "web_first"


def mode_design(study: Study) -> ModeDesign:
    """The study's mixed-mode design from its settings; a bad value raises InvalidState naming it."""
    settings = study.settings or {}
    design = settings.get("mode_design") or "cati_only"
    if design not in MODE_DESIGNS:
        raise InvalidState(
            f"Study setting mode_design: {design!r} is not one of {', '.join(MODE_DESIGNS)}.",
            zh=f"调查项目设置 mode_design 的值 {design!r} 无效，应为 cati_only 或 web_first。",
        )
    days = settings.get("web_days", DEFAULT_WEB_DAYS)
    if isinstance(days, bool) or not isinstance(days, int | float) or days < 1:
        raise InvalidState(
            f"Study setting web_days: {days!r} should be a number of days, at least 1.",
            zh=f"调查项目设置 web_days 的值 {days!r} 无效，应为不少于 1 的天数。",
        )
    return ModeDesign(design, int(days))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def link_of(token: str, base_url: str) -> str:
    return f"{base_url.rstrip('/')}/?{TOKEN_PARAM}={token}"


def base_url(study: Study) -> str:
    """Where respondents open the app: `HUIFANG_PUBLIC_URL`, the study setting `web_base_url`, or the
    local app."""
    return (
        os.environ.get("HUIFANG_PUBLIC_URL")
        or (study.settings or {}).get("web_base_url")
        or ("http://localhost:8501")
    )


def web_user(session: Session) -> User:
    """The inactive system account every web answer is stored under (made on first use)."""
    user = session.scalar(select(User).where(User.username == WEB_USERNAME))
    if user is None:
        user = User(
            username=WEB_USERNAME,
            display_name="网上自填（系统账号，不能登录）",
            role="surveyor",
            password_hash="!",  # matches no password
            active=False,
        )
        session.add(user)
        session.flush()
    return user


# ---------------------------------------------------------------- invitations and reminders


@dataclass(frozen=True)
class SendSummary:
    """What one `invite` or `remind` run did, in counts (numbers and links stay in the outbox)."""

    sent: int = 0
    undeliverable: int = 0
    no_mobile: int = 0
    failed: int = 0
    gateway: str = "outbox"


def _message(kind: str, study: Study, case: Case, link: str, expires: dt.datetime) -> str:
    from survey_app.services.fieldwork import shanghai_time

    record = case.record
    until = shanghai_time(expires).strftime("%m月%d日%H:%M")
    first = "提醒：" if kind == "reminder" else ""
    return (
        f"{first}您好！受上海市司法局委托，诚邀您对{record.service_date:%Y年%m月%d日}办理的{record.domain}服务"
        f"作满意度评价（约3分钟）：{link} 链接{until}前有效，仅限本人使用；逾期未答，我们将电话回访。"
    )


def _issue_link(session: Session, invitation: WebInvitation, now: dt.datetime) -> str:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(WebLink(invitation_id=invitation.id, token_sha256=token_hash(token), issued_at=now))
    return token


def _log_sms(
    session: Session,
    study: Study,
    invitation: WebInvitation | None,
    kind: str,
    gateway: str,
    result: sms.SmsResult,
    now: dt.datetime,
) -> None:
    session.add(
        SmsMessage(
            study_id=study.id,
            invitation_id=invitation.id if invitation else None,
            kind=kind,
            gateway=gateway,
            sent_at=now,
            status=result.status,
            reference=result.reference,
            error=result.error,
        )
    )


def invite(
    session: Session,
    actor: User,
    study: Study,
    *,
    limit: int | None = None,
    now: dt.datetime | None = None,
    gateway: sms.Gateway | None = None,
) -> SendSummary:
    """Invite the study's fresh released cases (never attempted, never invited) by SMS.

    A case without a mobile number is coded 3.11 and goes to CATI at once; one the gateway refuses is
    3.30 and goes to CATI at once; a gateway failure leaves the case uninvited (run again later).
    """
    require(actor, "researcher", "supervisor", "admin")
    design = mode_design(study)
    if not design.web_first:
        raise InvalidState(
            f"Study {study.name} is CATI only; set mode_design to web_first to invite by SMS.",
            zh=f"调查项目 {study.name} 只做电话回访；如需短信邀请网上作答，请把 mode_design 设为 web_first。",
        )
    if study.state != "fieldwork":
        raise InvalidState(
            f"Study {study.name} is in {study.state}, not fieldwork.",
            zh=f"调查项目 {study.name} 当前不在实地调查阶段。",
        )
    now = now or utcnow()
    gateway = gateway or sms.gateway(sms.load_config(study.settings), study.name)
    invited = select(WebInvitation.case_id).where(WebInvitation.study_id == study.id)
    query = (
        select(Case)
        .where(
            Case.study_id == study.id, Case.state == "pending", Case.attempts == 0, Case.id.not_in(invited)
        )
        .order_by(Case.replicate, Case.selection_order, Case.id)
    )
    cases = list(session.scalars(query.limit(limit) if limit else query))
    counts: Counter[str] = Counter()
    expires = now + dt.timedelta(days=design.web_days)
    try:
        cipher = frames.study_cipher(session, study)
    except KeyUnavailable:
        raise InvalidState(
            f"The personal data of study {study.name} was purged; nobody can be invited any more.",
            zh=f"调查项目 {study.name} 的个人信息已删除，无法再发送邀请。",
        ) from None
    for case in cases:
        record = case.record
        phone = cipher.open("phone", record.phone_sealed, frames.row_key(record.frame_id, record.record_id))
        invitation = WebInvitation(study_id=study.id, case_id=case.id, created_by=actor.id, created_at=now)
        if not phone or not MOBILE.match(phone):
            invitation.expires_at, invitation.disposition = now, "3.11"
            session.add(invitation)
            counts["no_mobile"] += 1
            continue
        token = secrets.token_urlsafe(TOKEN_BYTES)
        result = gateway.send(
            phone, _message("invitation", study, case, link_of(token, base_url(study)), expires)
        )
        if result.status == "failed":  # nothing recorded against the case: it stays fresh for the next run
            _log_sms(session, study, None, "invitation", gateway.name, result, now)
            counts["failed"] += 1
            continue
        invitation.expires_at = expires
        session.add(invitation)
        session.flush()
        session.add(WebLink(invitation_id=invitation.id, token_sha256=token_hash(token), issued_at=now))
        _log_sms(session, study, invitation, "invitation", gateway.name, result, now)
        if result.status == "sent":
            invitation.sent_at = now
            counts["sent"] += 1
        else:  # the gateway refused the number: undeliverable, to CATI at once
            invitation.undeliverable_at, invitation.expires_at, invitation.disposition = now, now, "3.30"
            counts["undeliverable"] += 1
    session.flush()
    summary = SendSummary(gateway=gateway.name, **counts)
    audit.record(
        session,
        actor.username,
        "web.invited",
        study_id=study.id,
        entity="study",
        entity_id=study.id,
        sent=summary.sent,
        undeliverable=summary.undeliverable,
        no_mobile=summary.no_mobile,
        failed=summary.failed,
        gateway=summary.gateway,
        web_days=design.web_days,
    )
    return summary


def remind(
    session: Session,
    actor: User,
    study: Study,
    *,
    now: dt.datetime | None = None,
    gateway: sms.Gateway | None = None,
) -> SendSummary:
    """Send a fresh link to every invited case that has neither submitted nor expired."""
    require(actor, "researcher", "supervisor", "admin")
    if study.state != "fieldwork":
        raise InvalidState(
            f"Study {study.name} is in {study.state}, not fieldwork: no reminders.",
            zh=f"调查项目 {study.name} 当前不在实地调查阶段，不发送提醒。",
        )
    now = now or utcnow()
    gateway = gateway or sms.gateway(sms.load_config(study.settings), study.name)
    waiting = list(
        session.scalars(
            select(WebInvitation).where(
                WebInvitation.study_id == study.id,
                WebInvitation.sent_at.is_not(None),
                WebInvitation.submitted_at.is_(None),
                WebInvitation.expires_at > now,
            )
        )
    )
    cipher = frames.study_cipher(session, study) if waiting else None
    counts: Counter[str] = Counter()
    for invitation in waiting:
        case = session.get(Case, invitation.case_id)
        if case.state != "pending":
            continue
        record = case.record
        phone = cipher.open("phone", record.phone_sealed, frames.row_key(record.frame_id, record.record_id))
        token = _issue_link(session, invitation, now)
        text = _message("reminder", study, case, link_of(token, base_url(study)), invitation.expires_at)
        result = gateway.send(phone or "", text)
        _log_sms(session, study, invitation, "reminder", gateway.name, result, now)
        if result.status == "sent":
            invitation.reminders += 1
            invitation.last_reminded_at = now
            counts["sent"] += 1
        else:
            counts["failed" if result.status == "failed" else "undeliverable"] += 1
    session.flush()
    summary = SendSummary(gateway=gateway.name, **counts)
    audit.record(
        session,
        actor.username,
        "web.reminded",
        study_id=study.id,
        entity="study",
        entity_id=study.id,
        sent=summary.sent,
        failed=summary.failed + summary.undeliverable,
        gateway=summary.gateway,
    )
    return summary


# ---------------------------------------------------------------- the respondent's path


class LinkClosed(InvalidState):
    """The link does not open a questionnaire: unknown, expired, or already submitted (`reason`)."""

    def __init__(self, reason: str) -> None:
        messages = {
            "unknown": ("This link is not valid.", "该链接无效。"),
            "expired": (
                "This link has expired; we will call you instead.",
                "该链接已过期，我们将通过电话与您联系。",
            ),
            "submitted": (
                "This questionnaire was already submitted; the link cannot be used again. Thank you!",
                "问卷已经提交，链接不能再次使用。谢谢您的参与！",
            ),
            "closed": (
                "This survey now continues by telephone; thank you.",
                "本次调查已转为电话回访，谢谢。",
            ),
        }
        en, zh = messages[reason]
        super().__init__(en, zh=zh)
        self.reason = reason


class IdentityLocked(InvalidState):
    """Too many wrong answers to the identity check; `until` is naive UTC."""

    def __init__(self, until: dt.datetime, now: dt.datetime) -> None:
        minutes = max(1, round((until - now).total_seconds() / 60))
        super().__init__(
            f"Too many wrong answers; try again in {minutes} minutes.",
            zh=f"输入错误次数过多，请 {minutes} 分钟后再试。",
        )
        self.until = until


def _invitation(session: Session, token: str, now: dt.datetime) -> tuple[WebInvitation, Case]:
    """The invitation a token opens, locked for this action; LinkClosed says why not."""
    if not token or len(token) > 200:
        raise LinkClosed("unknown")
    invitation = session.scalar(
        select(WebInvitation)
        .join(WebLink, WebLink.invitation_id == WebInvitation.id)
        .where(WebLink.token_sha256 == token_hash(token))
        .with_for_update(of=WebInvitation)
    )
    if invitation is None:
        raise LinkClosed("unknown")
    if invitation.submitted_at is not None:
        raise LinkClosed("submitted")
    if invitation.expires_at <= now:
        raise LinkClosed("expired")
    case = session.get(Case, invitation.case_id)
    if case.state != "pending":  # a surveyor holds or finalised it: one mode at a time
        raise LinkClosed("closed")
    if session.get(Study, invitation.study_id).personal_data_purged_at is not None:
        raise LinkClosed("closed")  # the number to check against no longer exists
    return invitation, case


def open_link(session: Session, token: str, *, now: dt.datetime | None = None) -> WebInvitation:
    """Check a link when the page opens (records the first opening); LinkClosed when it is closed."""
    now = now or utcnow()
    invitation, _ = _invitation(session, token, now)
    if invitation.opened_at is None:
        invitation.opened_at = now
        audit.record(
            session,
            WEB_ACTOR,
            "web.opened",
            study_id=invitation.study_id,
            entity="invitation",
            entity_id=invitation.id,
        )
    return invitation


def _check_keys(invitation: WebInvitation, client: str | None) -> list[str]:
    keys = ["web:" + keyed_hash("web-invitation", str(invitation.id))[:64]]
    if client:
        keys.append(throttle.client_key(client))
    return keys


def verify_identity(
    session: Session, token: str, last_four: str, *, client: str | None = None, now: dt.datetime | None = None
) -> bool:
    """Whether `last_four` are the last four digits of the invited number; throttled.

    While the invitation (or the client) is locked, IdentityLocked is raised without comparing."""
    now = now or utcnow()
    invitation, case = _invitation(session, token, now)
    keys = _check_keys(invitation, client)
    locked = throttle.locked_until(session, keys, now)
    if locked is not None:
        raise IdentityLocked(locked, now)
    record = case.record
    _, phone = frames.open_personal(session, session.get(Study, invitation.study_id), record)
    typed = (last_four or "").strip()
    ok = len(typed) == 4 and hmac.compare_digest(typed.encode(), (phone or "")[-4:].encode())
    invitation.opened_at = invitation.opened_at or now
    if ok:
        throttle.clear(session, keys[0])
        if invitation.verified_at is None:
            invitation.verified_at = now
    else:
        throttle.record_failure(session, keys[0], CHECK_FREE, now)
        if client:
            throttle.record_failure(session, keys[1], throttle.CLIENT_FREE, now)
    audit.record(
        session,
        WEB_ACTOR,
        "web.identity_checked",
        study_id=invitation.study_id,
        entity="invitation",
        entity_id=invitation.id,
        ok=ok,
    )
    return ok


def _web_fields(case: Case) -> dict[str, Any]:
    return interviews.case_fields(case, None)


def open_web_interview(
    session: Session, token: str, *, now: dt.datetime | None = None
) -> tuple[Interview, questionnaires.Interview]:
    """The web interview of the link's case, started on first use or resumed where it stopped."""
    now = now or utcnow()
    invitation, case = _invitation(session, token, now)
    if invitation.verified_at is None:
        raise LinkClosed("unknown")
    interview = session.scalar(select(Interview).where(Interview.case_id == case.id))
    if interview is None:
        version = interviews.study_questionnaire(session, session.get(Study, case.study_id))
        interview = Interview(
            case_id=case.id,
            questionnaire_version_id=version.id,
            surveyor_id=web_user(session).id,
            started_at=now,
            status="in_progress",
            mode="web",
        )
        session.add(interview)
        session.flush()
        audit.record(
            session,
            WEB_ACTOR,
            "interview.started",
            study_id=case.study_id,
            entity="interview",
            entity_id=interview.id,
            case_id=case.id,
            questionnaire_version=version.id,
            mode="web",
        )
    elif interview.status != "in_progress":
        raise LinkClosed("submitted")
    engine = questionnaires.Interview(
        load_version(session, interview.questionnaire_version_id),
        case=_web_fields(case),
        answers=interviews.stored_answers(session, interview),
        mode="web",  # the respondent reads the web's wording, not the surveyor's call script
    )
    return interview, engine


def answer(
    session: Session, token: str, value: Any, *, item: str | None = None, now: dt.datetime | None = None
) -> questionnaires.Interview:
    """Answer the current item (or change the earlier `item`); reaching the end submits the
    questionnaire, which closes every link of the invitation."""
    now = now or utcnow()
    interview, engine = open_web_interview(session, token, now=now)
    case = session.get(Case, interview.case_id)
    before = dict(engine.answers)
    if item is not None:
        engine.go_to(item)
    engine.answer(value)
    actor = web_user(session)
    interviews._persist(
        session, actor, interview, case, before, dict(engine.answers), "answer.saved", mode="web"
    )
    if engine.complete:  # also when a changed answer ended the questionnaire early
        _submit(session, interview, case, dispositions.interview_outcome(engine.answers), now)
    return engine


def answer_many(
    session: Session, token: str, answers: dict[str, Any], *, now: dt.datetime | None = None
) -> questionnaires.Interview:
    """Several answers at once, fed to the engine in its own order (skip logic and validation as for
    one answer; an answer to an item not asked is refused); submits when the end is reached. For a
    page posted as a whole and for the demo's simulated respondents."""
    now = now or utcnow()
    interview, engine = open_web_interview(session, token, now=now)
    case = session.get(Case, interview.case_id)
    before = dict(engine.answers)
    interviews.replay_answers(engine, {**before, **answers})
    interviews._persist(
        session, web_user(session), interview, case, before, dict(engine.answers), "answer.saved", mode="web"
    )
    if engine.complete:
        _submit(session, interview, case, dispositions.interview_outcome(engine.answers), now)
    return engine


def _submit(session: Session, interview: Interview, case: Case, code: str, now: dt.datetime) -> None:
    """Finish the web interview and the case (AAPOR final code over all attempts), close the links."""
    actor = web_user(session)
    interview.status = interviews.INTERVIEW_STATUS.get(code, "breakoff")
    interview.ended_at = now
    earlier = list(
        session.scalars(
            select(CallAttempt.disposition)
            .where(CallAttempt.case_id == case.id)
            .order_by(CallAttempt.attempt_no)
        )
    )
    case.attempts += 1
    session.add(
        CallAttempt(
            case_id=case.id,
            surveyor_id=actor.id,
            attempt_no=case.attempts,
            started_at=now,
            disposition=code,
            note="web",
        )
    )
    case.state, case.final_disposition = "finalised", dispositions.final_of([*earlier, code])
    case.held_by = case.held_at = case.appointment_at = case.next_call_after = None
    invitation = session.scalar(select(WebInvitation).where(WebInvitation.case_id == case.id))
    invitation.submitted_at, invitation.disposition = now, code
    session.flush()
    audit.record(
        session,
        WEB_ACTOR,
        "web.submitted",
        study_id=case.study_id,
        entity="case",
        entity_id=case.id,
        disposition=code,
        final=case.final_disposition,
    )


def purge_outbox(session: Session, study: Study, folder: Path | None = None) -> int:
    """Remove the study's messages from the SMS outbox (its retention purge): the lines tagged with the
    study, and untagged ones (written before lines were tagged) whose link is one of the study's."""
    hashes = set(
        session.scalars(
            select(WebLink.token_sha256)
            .join(WebInvitation, WebInvitation.id == WebLink.invitation_id)
            .where(WebInvitation.study_id == study.id)
        )
    )
    link = re.compile(rf"[?&]{TOKEN_PARAM}=([A-Za-z0-9_-]+)")

    def belongs(message: dict[str, Any]) -> bool:
        if message.get("study") is not None:
            return message["study"] == study.name
        found = link.search(str(message.get("text", "")))
        return found is not None and token_hash(found.group(1)) in hashes

    return sms.remove_from_outbox(belongs, folder)


# ---------------------------------------------------------------- outcomes


def web_disposition(invitation: WebInvitation, answered: set[str], now: dt.datetime) -> str | None:
    """The invitation's AAPOR internet-survey code as it stood at `now`, or None while its link still
    ran unanswered (and for an invitation made later).

    Submitted → its interview's code (1.1, or 4.11/4.12 when the screening ended it); no mobile
    number → 3.11; refused by the gateway → 3.30; expired: never opened → 3.19, opened but no item
    answered → 2.1121, the headline item answered → 1.2, some items → 2.12 (break-off). Only what had
    happened by `now` counts, so a report rebuilt for the same date prints the same outcomes."""
    if invitation.created_at > now:
        return None
    if invitation.disposition is not None and (invitation.submitted_at or invitation.created_at) <= now:
        return invitation.disposition
    if invitation.expires_at > now:
        return None
    if invitation.opened_at is None or invitation.opened_at > now:
        return "3.19"
    substantive = answered - {"intro"}
    if not substantive:
        return "2.1121"
    return "1.2" if interviews.KEY_ITEM in answered else "2.12"


def web_outcomes(session: Session, study: Study, *, now: dt.datetime | None = None) -> dict[str, int]:
    """Invitations made by `now` per web disposition code at `now` ("pending" while the link runs)."""
    now = now or utcnow()
    rows = list(
        session.scalars(
            select(WebInvitation).where(WebInvitation.study_id == study.id, WebInvitation.created_at <= now)
        )
    )
    answered_by_case: dict[int, set[str]] = {}
    if rows:
        for case_id, item in session.execute(
            select(Interview.case_id, Answer.item)
            .join(Answer, Answer.interview_id == Interview.id)
            .join(WebInvitation, WebInvitation.case_id == Interview.case_id)
            .where(WebInvitation.study_id == study.id, Interview.mode == "web", Answer.answered_at <= now)
        ):
            answered_by_case.setdefault(case_id, set()).add(item)
    counts: Counter[str] = Counter()
    for invitation in rows:
        code = web_disposition(invitation, answered_by_case.get(invitation.case_id, set()), now)
        counts[code or "pending"] += 1
    return dict(counts)


def web_group_counts(outcomes: dict[str, int]) -> dict[str, int]:
    """AAPOR group counts of final web outcomes (for `analysis.aapor_rates`); pending ones left out."""
    groups = dict.fromkeys(dispositions.GROUPS, 0)
    for code, count in outcomes.items():
        if code in WEB_DISPOSITIONS:
            groups[WEB_DISPOSITIONS[code].group] += count
    return groups
