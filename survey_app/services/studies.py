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
    "refusal_gamma": 2.0,
}
#: The study setting that bounds the refusal range beside the headline (`analysis.sensitivity`): the
#: nonrespondents' odds of being satisfied up to Γ times lower or higher than respondents' of their class.
REFUSAL_GAMMA = "refusal_gamma"
#: Γ of studies created before the setting existed (= `analysis.sensitivity.DEFAULT_GAMMA`).
DEFAULT_REFUSAL_GAMMA = 2.0
#: The roles that may change a study's analysis settings (Γ); the pages show the control to them only.
SETTINGS_ROLES = ("researcher", "admin")
#: The study setting that names how unit verdicts are reached (`analysis.compare_units(method=...)`);
#: absent = the default, the posterior (`analysis_service.DEFAULT_VERDICT`); a one-phase study may set
#: the empirical null; a phase 2 always takes the posterior (`analysis_service.resolve_verdict`).
VERDICT_METHOD = "verdict_method"
EMPIRICAL_NULL, POSTERIOR = "empirical_null", "posterior"
VERDICT_METHODS = (EMPIRICAL_NULL, POSTERIOR)


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
        raise InvalidState(
            "A study name must be non-empty and not a number (numbers are study ids).",
            zh="项目代号不能为空，也不能是纯数字（数字是项目编号）。",
        )
    if scale not in SCALES:
        raise InvalidState(f"Unknown rating scale {scale!r}; choose one of {', '.join(SCALES)}.")
    unknown = set(satisfied_codes) - set(SCALES[scale].codes)
    if unknown:
        raise InvalidState(f"Satisfied codes {sorted(unknown)} are not on the {scale} scale.")
    if session.scalar(select(Study).where(Study.name == name)) is not None:
        raise InvalidState(f"A study named {name!r} exists already.", zh=f"已有名为“{name}”的调查项目。")
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
        raise NotFound(
            f"No study with id or name {text!r}. Studies: {names}.",
            zh=f"没有编号或代号为“{text}”的调查项目。现有项目：{names}。",
        )
    return study


#: The lifecycle: design → fieldwork → closed, and closed → fieldwork again only through `reopen`.
STATES = ("design", "fieldwork", "closed")
STATE_LABELS: dict[str, dict[str, str]] = {
    "design": {"zh": "设计中", "en": "design"},
    "fieldwork": {"zh": "实地调查中", "en": "fieldwork"},
    "closed": {"zh": "已结束", "en": "closed"},
}


def state_label(state: str, lang: str) -> str:
    """The study state as its users read it (设计中 / 实地调查中 / 已结束)."""
    return STATE_LABELS.get(state, {}).get(lang, state)


def _frozen_versions(session: Session, study: Study) -> int:
    from survey_app.storage.models import QuestionnaireVersion

    return len(
        session.scalars(
            select(QuestionnaireVersion.id).where(
                QuestionnaireVersion.study_id == study.id, QuestionnaireVersion.frozen.is_(True)
            )
        ).all()
    )


def set_state(session: Session, actor: User, study: Study, state: str) -> None:
    """Move the study forward (design → fieldwork → closed), audited with the state before and after.

    Fieldwork needs a frozen questionnaire: interviews must never run on a draft that can still change.
    Going back from closed is `reopen`, which asks for a reason.
    """
    require(actor, "researcher", "supervisor", "admin")
    if state not in STATES:
        raise InvalidState(
            f"Unknown study state {state!r}; choose one of {', '.join(STATES)}.",
            zh=f"未知的项目状态“{state}”。",
        )
    if STATES.index(state) < STATES.index(study.state):
        raise InvalidState(
            f"Study {study.name} is {study.state}; it cannot go back to {state} (reopen it instead).",
            zh=f"调查项目 {study.name} {state_label(study.state, 'zh')}，不能退回到“{state_label(state, 'zh')}”"
            "（如需继续调查，请重新开启项目）。",
        )
    if state == "fieldwork" and study.state != "fieldwork" and _frozen_versions(session, study) == 0:
        raise InvalidState(
            f"Study {study.name} has no frozen questionnaire: freeze a version in the designer before "
            "fieldwork starts (interviews never run on a draft).",
            zh=f"调查项目 {study.name} 还没有已冻结的问卷：请先在问卷设计中冻结一个版本，再开始实地调查"
            "（访问不能使用草稿）。",
        )
    _change(session, actor, study, state)


def reopen(session: Session, actor: User, study: Study, reason: str) -> None:
    """Reopen a closed study for more fieldwork (e.g. released reserves); the reason is audited.

    Reports are dated by the last state change, so a report built after reopening carries the new date.
    """
    require(actor, "researcher", "supervisor", "admin")
    if study.state != "closed":
        raise InvalidState(
            f"Study {study.name} is {study.state}; only a closed study can be reopened.",
            zh=f"调查项目 {study.name} {state_label(study.state, 'zh')}，只有已结束的项目才能重新开启。",
        )
    if not reason.strip():
        raise InvalidState(
            "Give a reason for reopening the study; it goes into the audit log.",
            zh="请填写重新开启项目的原因（将记入审计日志）。",
        )
    # audited as a state change like the others (reports date themselves by these), marked as a reopening
    _change(session, actor, study, "fieldwork", reopened=True, reason=reason.strip())


def _change(session: Session, actor: User, study: Study, state: str, **extra: Any) -> None:
    audit.record(
        session,
        actor.username,
        "study.state",
        study_id=study.id,
        entity="study",
        entity_id=study.id,
        before=study.state,
        after=state,
        **extra,
    )
    study.state = state


def set_do_not_call(session: Session, actor: User, study: Study, phones: list[str]) -> int:
    """Replace the study's do-not-call list (numbers as typed, one per entry; blanks dropped).

    The draw and every reserve release leave these people out. Only the numbers' keyed hashes are
    kept (`services.do_not_call`); the audit log records how many there are and the keyed fingerprint,
    never the numbers. A line that is no phone number is refused and nothing changes. Returns the
    number of distinct numbers kept.
    """
    from survey_app.services import do_not_call

    require(actor, "researcher", "supervisor", "admin")
    if study.state == "closed":
        raise InvalidState(
            f"Study {study.name} is closed; reopen it before changing its do-not-call list.",
            zh=f"调查项目 {study.name} 已结束；请先重新开启，再修改免打扰名单。",
        )
    form = do_not_call.replace(study, do_not_call.normalised(phones))
    audit.record(
        session,
        actor.username,
        "study.do_not_call",
        study_id=study.id,
        entity="study",
        entity_id=study.id,
        numbers=form[do_not_call.COUNT],
        sha256=form[do_not_call.SHA256],
    )
    return form[do_not_call.COUNT]


def refusal_gamma(study: Study) -> float:
    """The study's Γ for the refusal range (default 2)."""
    return float((study.settings or {}).get(REFUSAL_GAMMA, DEFAULT_REFUSAL_GAMMA))


def verdict_method_name(name: str) -> str:
    """`name` as a verdict method ("empirical-null" is spelt as the command line spells it), or a
    one-sentence refusal."""
    method = str(name).strip().lower().replace("-", "_")
    if method not in VERDICT_METHODS:
        raise InvalidState(
            f"Verdict method {name!r}: use posterior or empirical-null.",
            zh=f"判定方法 {name!r}：请使用 posterior（后验模型）或 empirical-null（经验零分布）。",
        )
    return method


def verdict_method(study: Study) -> str | None:
    """The study's chosen unit verdict method, None when it has chosen none (the default applies)."""
    value = (study.settings or {}).get(VERDICT_METHOD)
    return str(value) if value else None


def set_verdict_method(session: Session, actor: User, study: Study, method: str | None) -> None:
    """Set (or, with None / "default", clear) the study's unit verdict method: every later analysis,
    report and `verify` uses it. Audited with the value before and after."""
    require(actor, *SETTINGS_ROLES)
    value = None if method in (None, "", "default") else verdict_method_name(str(method))
    before = verdict_method(study)
    settings = {k: v for k, v in (study.settings or {}).items() if k != VERDICT_METHOD}
    study.settings = settings if value is None else {**settings, VERDICT_METHOD: value}
    audit.record(
        session,
        actor.username,
        "study.verdict_method",
        study_id=study.id,
        entity="study",
        entity_id=study.id,
        before=before,
        after=value,
    )


def set_refusal_gamma(session: Session, actor: User, study: Study, gamma: float) -> None:
    """Set the study's Γ (a number from 1 to 10): every later analysis, report and `verify` uses it.
    Audited with the value before and after, so a published range can be traced to its Γ."""
    require(actor, *SETTINGS_ROLES)
    try:
        value = float(gamma)
    except (TypeError, ValueError):
        value = float("nan")
    if not 1.0 <= value <= 10.0:
        raise InvalidState(
            f"Refusal range Γ={gamma!r}: give a number from 1 to 10 (1 = no range, 2 = the default).",
            zh=f"拒访敏感性范围 Γ={gamma!r}：请填写 1 到 10 之间的数（1 表示不设范围，默认 2）。",
        )
    before = refusal_gamma(study)
    study.settings = {**(study.settings or {}), REFUSAL_GAMMA: value}
    audit.record(
        session,
        actor.username,
        "study.refusal_gamma",
        study_id=study.id,
        entity="study",
        entity_id=study.id,
        before=before,
        after=value,
    )
