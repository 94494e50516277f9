"""The report assembler: a study's stored state → `analysis.report.ReportContent` → PDF bytes.

Everything printed comes from the database, and the report's time is the study's last recorded
fieldwork or closing event (never "now"), so the same study state gives a byte-identical PDF and
`huifang verify` can rebuild it. Building a report is itself audited, with its SHA-256, the
headline figures it published, the study settings it printed (Γ, the unit verdict method and why:
`settings_of`), how its analysis ran its linear algebra (one BLAS thread: `numeric_of`), the version of
the posterior unit model that judged its units (`model_of`) and what made its bytes (the content and renderer versions, reportlab, the font file:
`analysis.report.version`), so that a later release knows whether it can rebuild it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import analysis
from analysis import report as rpt
from analysis.numeric import BLAS_AS_LOADED, NUMERIC_MODES, ONE_BLAS_THREAD, numeric_mode
from analysis.phase_effect import PhaseEffect
from analysis.report import adapters, shanghai_map, version
from analysis.report.fonts import report_font
from analysis.report.formatting import MDI_BEYOND, format_stratum
from analysis.report.phase_two_timing import phase_effect_sentence
from analysis.report.referrals import ReferralSummary
from analysis.units import Start
from analysis.verdicts import UNRECORDED_MODEL, posterior_model_version, proxy_unexamined, who_rated_flag
from sampling.vocabulary import SCALES, canonical_district
from survey_app import numeric_platform
from survey_app.security import anchors, audit, witness
from survey_app.security.audit import canonical_json
from survey_app.services import analysis_service, questionnaire_store, samples, staff_verdicts, studies
from survey_app.services.auth import require
from survey_app.services.errors import HuifangError, InvalidState
from survey_app.services.frames import frame_issues, latest_frame
from survey_app.services.interviews import study_questionnaire
from survey_app.storage.models import (
    Answer,
    AuditEntry,
    AuditHead,
    CallAttempt,
    Case,
    Exclusion,
    ReportContent,
    Study,
    User,
)

if TYPE_CHECKING:
    from survey_app.storage import Database

STATE_ACTIONS = (
    "study.state",
    "sample.drawn",
    "sample.released",
    "attempt.recorded",
    "interview.imported",
    "answer.saved",
    "answer.changed",
    "answer.corrected",
    "calls.imported",
    "interview.started",
    "frame.imported",
    "questionnaire.frozen",
    # the coded comments are findings of the report (issue 14)
    "coding.codebook",
    "coding.saved",
    "coding.sample_drawn",
    "coding.adjudicated",
)


def _state_time(session: Session, study: Study) -> dt.datetime:
    """When the study's state last changed (its last recorded action other than reading it)."""
    at = session.scalar(
        select(func.max(AuditEntry.at)).where(
            AuditEntry.study_id == study.id, AuditEntry.action.in_(STATE_ACTIONS)
        )
    )
    return (at or study.created_at).replace(tzinfo=dt.UTC)


def _study_info(study: Study, lang: str = "zh") -> rpt.StudyInfo:
    settings = study.settings or {}
    return rpt.StudyInfo(
        study_id=str(study.id),
        name=study.title or study.name,
        commissioning_body=settings.get("commissioned_by", ""),
        surveyor_organisation=settings.get("surveyor_organisation", ""),
        purpose=settings.get("purpose", ""),
        retention=f"{settings.get('retention_days', '')} {'天' if lang == 'zh' else 'days'}",
        safeguards=settings.get("safeguards", ""),
    )


def _frame_info(session: Session, study: Study, lang: str = "zh") -> rpt.FrameInfo:
    frame = latest_frame(session, study)
    issues = frame_issues(session, frame)
    rejected = (
        issues[issues["action"] == "rejected"].groupby("reason").size()
        if len(issues)
        else pd.Series(dtype=int)
    )
    design = samples.current_design(session, study)
    excluded = pd.Series(
        dict(
            session.execute(
                select(Exclusion.reason, func.count())
                .where(Exclusion.design_id == design.id)
                .group_by(Exclusion.reason)
            ).all()
        ),
        dtype=int,
    )
    table = pd.concat([rejected, excluded]).rename_axis("reason").reset_index(name="count")
    table["reason"] = [_exclusion_word(str(reason), lang) for reason in table["reason"]]
    return rpt.FrameInfo(
        file_name=frame.filename,
        rows=frame.row_count + frame.rejected_count,
        eligible_rows=frame.row_count - int(excluded.sum()),
        source_sha256=frame.source_sha256,
        frame_sha256=frame.frame_sha256,
        exclusions=table,
    )


#: Words for the design's stored names, so that a Chinese report prints Chinese (unknown names as stored).
_DESIGN_WORDS = {
    "district": ("区", "district"),
    "domain": ("业务领域", "domain"),
    "channel": ("评价渠道", "channel"),
    "event_type": ("事项类型", "event type"),
    "organisation_id": ("机构", "organisation"),
    "staff_id": ("工作人员", "staff member"),
    "risk_stratum": ("重点分层", "risk stratum"),
    "proportional": ("比例分配", "proportional"),
    "equal": ("等额分配", "equal"),
    "neyman": ("Neyman 分配", "Neyman"),
    "optimal": ("最优分配", "optimal"),
    "audit": ("核查分配", "audit"),
    "person": ("服务对象", "person"),
    "record": ("评价记录", "record"),
}
_EXCLUSION_WORDS = {
    "do_not_call": ("免打扰名单", "Do-not-call list"),
    "called_recently": ("近期已回访", "Called recently"),
    "rule:complaint_open": ("投诉未办结", "Open complaint"),
}


def _word(name: object, lang: str) -> str:
    words = _DESIGN_WORDS.get(str(name))
    return str(name) if words is None else words[0 if lang == "zh" else 1]


def _exclusion_word(reason: str, lang: str) -> str:
    words = _EXCLUSION_WORDS.get(reason)
    if words is not None:
        return words[0 if lang == "zh" else 1]
    if reason.startswith("rule:"):
        return ("研究规则：" if lang == "zh" else "study rule: ") + _word(reason.removeprefix("rule:"), lang)
    return reason


def _design_words(params: dict, risk: dict | None, lang: str) -> tuple[str, str]:
    """The stratification and the allocation in the report's language."""
    description = " × ".join(_word(name, lang) for name in params["strata"])
    method, minimum, unit = (_word(params[key], lang) for key in ("method", "minimum", "unit"))
    if lang == "zh":
        if risk:
            description += (
                f"（重点单位单独成层：评价记录 ≥ {risk['min_records']} 条且系统满意率 ≥ {risk['min_rate']:.0%} "
                f"的{_word(risk['unit'], lang)}各自成层，其余按{_word(risk['base'], lang)}分层）"
            )
        return description, f"{method}，每层至少 {minimum} 个，抽样单位：{unit}"
    if risk:
        description += (
            f" (risk-targeted: {_word(risk['unit'], lang)} with ≥ {risk['min_records']} records and system "
            f"满意率 ≥ {risk['min_rate']:.0%} as own strata, others by {_word(risk['base'], lang)})"
        )
    return description, f"{method}, minimum {minimum} per stratum, unit {unit}"


def _design_info(
    session: Session, study: Study, result: analysis_service.StudyAnalysis, lang: str = "zh"
) -> rpt.DesignInfo:
    design = samples.current_design(session, study)
    params = design.params["sampling"]
    cases = result.cases
    strata = cases.groupby("stratum").agg(
        N_h=("N_h", "first"),
        released=("case_id", "size"),
        completes=("disposition", lambda d: int((d == "1.1").sum())),
    )
    drawn = pd.Series(design.allocation, name="n_h")
    strata = strata.join(drawn, how="outer").fillna(0).reset_index(names="stratum")
    strata = strata[["stratum", "N_h", "n_h", "released", "completes"]].astype(
        {"N_h": int, "n_h": int, "released": int, "completes": int}
    )
    names = result.frame.drop_duplicates("organisation_id").set_index("organisation_id")["organisation"]
    names = names.astype(str).to_dict()  # once, not once per stratum
    strata["stratum"] = [format_stratum(s, lang, names) for s in strata["stratum"]]
    description, allocation = _design_words(params, design.params.get("risk"), lang)
    return rpt.DesignInfo(
        strata_description=description,
        allocation=allocation,
        seed=int(design.seed),
        sample_sha256=design.sample_sha256 or "",
        strata=strata,
    )


def _fieldwork_info(
    session: Session, study: Study, result: analysis_service.StudyAnalysis, lang: str
) -> rpt.FieldworkInfo:
    first, last = session.execute(
        select(func.min(CallAttempt.started_at), func.max(CallAttempt.started_at))
        .join(Case, Case.id == CallAttempt.case_id)
        .where(Case.study_id == study.id)
    ).one()
    table = result.dispositions
    labels = table["label"] if lang == "zh" else table["label_en"]
    dispositions = pd.DataFrame({"code": table["code"], "label": labels, "count": table["count"]})
    today = _state_time(session, study).date()
    return rpt.FieldworkInfo(
        start=(first or _state_time(session, study)).date(),
        end=(last.date() if last else today),
        dispositions=dispositions,
        rates=adapters.rates_of(result.rates),
    )


def _nonresponse(result: analysis_service.StudyAnalysis) -> rpt.NonresponseCheck:
    eligible = result.cases[result.cases["aapor_group"] != "NE"]
    respondents = eligible[eligible["respondent"]]
    others = eligible[~eligible["respondent"]]
    table = result.nonresponse
    row = table[table["variable"] == "system_satisfied"] if "variable" in table.columns else table.iloc[0:0]
    p = float(row["p_value"].iloc[0]) if len(row) and "p_value" in row.columns else float("nan")
    return rpt.NonresponseCheck(
        respondents=len(respondents),
        nonrespondents=len(others),
        respondent_system_rate=float(respondents["system_satisfied"].mean()),
        nonrespondent_system_rate=float(others["system_satisfied"].mean()),
        p_value=p,
        **_refusal_range(result.headline, result.refusal_gamma),
    )


def _refusal_range(headline: pd.DataFrame, gamma: float) -> dict:
    """The Γ-bounded refusal range beside the headline (`analysis.sensitivity`), when it was computed."""
    overall = headline[headline["group"] == "overall"].set_index("metric")
    ends = (analysis_service.REFUSAL_LOW, analysis_service.REFUSAL_HIGH)
    if not all(end in overall.index for end in ends):
        return {}
    low, high = (overall.loc[end].to_dict() for end in ends)
    return {
        "refusal_gamma": float(gamma),
        "refusal_low": adapters.estimate_of(low, "refusal range, low end"),
        "refusal_high": adapters.estimate_of(high, "refusal range, high end"),
    }


def _weighting_text(lang: str) -> str:
    if lang == "zh":
        return (
            "以事件为单位（按人抽样时权数 × 该人的合格事件数），与系统满意率同一总体：剔除排除规则后的合格评价。"
            "设计权数先按系统评价等级校准到抽样框的事件数；确认不合格（4.x）的样本权数为 0；再在无回答调整类内"
            "以合格样本权数之和除以应答者权数之和。调整类由应答倾向模型（系统评价、业务领域、渠道、区、事项类型、"
            "层、机构）的倾向分组形成，且始终嵌套在系统评价等级之内（应答者过少时只与相邻等级合并）。"
            "置信区间：分层刀切法（JKn）复制权数，每个复制样本都重新校准和调整。"
        )
    return (
        "Per event (when persons are sampled, the weight × the person's eligible events), over the same "
        "population as the system rate: eligible ratings after the study's exclusions. Design weights are "
        "calibrated to the frame's event counts per system rating; cases known to be ineligible (4.x) get "
        "weight 0; respondents are weighted up within response classes — propensity groups from a model "
        "of response on system rating, domain, channel, district, event type, stratum and organisation, "
        "always nested in system-rating levels (a level with too few respondents joins its neighbour). "
        "Intervals: stratified jackknife (JKn) replicates, each re-running the calibration and adjustment."
    )


def _phase_two_headline_text(result: analysis_service.StudyAnalysis, lang: str) -> str:
    """After a phase 2: that the headline is phase 1's cases alone and why, and how the interval of the
    figure with phase 2's cases was made (`analysis_service.phase_one_sample`, `rao_blackwell_rows`)."""
    if result.rao_blackwell is None:
        return ""
    if lang == "zh":
        return (
            "本调查有第二阶段抽样：总体估计只用第一阶段样本（按第一阶段的权数）。第二阶段比第一阶段晚数周回访，"
            "若对服务的满意记忆随时间淡化，其回答仅因此就会偏低；第一阶段样本的估计不受此影响。"
            "含第二阶段样本的满意率（Rao–Blackwell 权数）列在敏感性分析中，其区间为第一阶段刀切法方差减去给定最终样本时"
            "第一阶段落在其中何处的方差（Rao–Blackwell 分解）。"
        )
    return (
        " This study has a phase 2: the headline comes from phase 1's cases alone, with phase 1's weights. "
        "Phase 2 is called weeks later, and where memory of a good service fades its answers are lower for "
        "that alone, which phase 1's figures are free of. The 满意率 with phase 2's cases (Rao–Blackwell "
        "weights) is among the sensitivities, its interval phase 1's jackknife variance less the variance, "
        "given the final sample, of where phase 1 lay in it (the Rao–Blackwell decomposition)."
    )


def _sensitivity_text(headline: pd.DataFrame, lang: str, effect: PhaseEffect | None = None) -> str:
    """The headline 满意率's sensitivity rows (dk as dissatisfied, top box and, after a phase 2, the 满意率
    with phase 2's cases, with whether phase 2's answers agree with phase 1's), as printed beside the
    method."""
    from analysis.report.formatting import format_ci, format_rate

    overall = headline[headline["group"] == "overall"].set_index("metric")
    words = {
        analysis.DK_AS_DISSATISFIED: ("说不清计为不满意", "dk counted as dissatisfied"),
        analysis.TOP_BOX: ("仅最高一档", "top box only"),
        analysis_service.WITH_PHASE_TWO: (
            "含第二阶段样本（Rao–Blackwell 权数）",
            "with phase 2's cases (Rao–Blackwell weights)",
        ),
    }
    parts = [
        f"{zh if lang == 'zh' else en} {format_rate(overall.loc[m, 'estimate'])} "
        f"{format_ci(overall.loc[m, 'ci_low'], overall.loc[m, 'ci_high'])}"
        for m, (zh, en) in words.items()
        if m in overall.index
    ]
    if not parts:
        return ""
    agree = phase_effect_sentence(effect, lang)
    said = (
        (" 敏感性分析：" + "；".join(parts) + "。")
        if lang == "zh"
        else (" Sensitivity: " + "; ".join(parts) + ".")
    )
    return said + (("" if lang == "zh" else " ") + agree if agree else "")


def _places(result: analysis_service.StudyAnalysis) -> pd.DataFrame:
    """Each organisation's district and domain (its most frequent one in the frame)."""
    frame = result.frame
    if frame.empty:
        return pd.DataFrame(columns=["district", "domain"])
    places = {}
    for column in ("district", "domain"):  # counted per (unit, value), not one value_counts per unit
        counts = frame.groupby([analysis_service.UNIT, column]).size()  # values in sorted order
        most = counts.groupby(level=0).idxmax()  # the first most frequent: a tie goes to the lowest
        places[column] = pd.Series([value for _, value in most], most.index, frame[column].dtype, column)
    return pd.DataFrame(places)


def _areas(
    session: Session, study: Study, result: analysis_service.StudyAnalysis, units: pd.DataFrame, lang: str
) -> rpt.Areas:
    """Figures per district and domain for the map, the district chart and the district pages."""
    frame = result.frame
    satisfied = frame["system_rating"].isin(tuple(study.satisfied_codes))
    system = pd.concat(
        [
            satisfied.groupby(frame[level]).mean().rename("system_rate").rename_axis("area").reset_index()
            .assign(level=level)
            for level in rpt.content.AREA_LEVELS
        ],
        ignore_index=True,
    )  # fmt: skip
    table = adapters.areas_of(result.headline, system, units)
    item = questionnaire_store.load_version(session, study_questionnaire(session, study).id).item(
        "unsatisfied_reason"
    )
    labels = {choice.code: choice.label.get(lang) or choice.code for choice in item.choices}
    respondents = result.respondents
    reasons = (
        adapters.reasons_of(respondents, labels)
        if "unsatisfied_reason" in respondents.columns
        else pd.DataFrame(columns=list(rpt.content.REASON_COLUMNS))
    )
    return rpt.Areas(table=table, reasons=reasons)


def _report_units(result: analysis_service.StudyAnalysis, lang: str = "zh") -> pd.DataFrame:
    """The units the report compares (`UNIT_COLUMNS` + district and domain), with their evidence and,
    for flagged units and units judged without some surveyors' answers, `analysis.explain_units`'
    sentences on the verdict."""
    compared = result.cases_compared
    evidence = None
    if len(compared.flags):
        flags = compared.flags.join(result.respondents[["organisation_id"]])
        evidence = flags.groupby("organisation_id")[["rated_by_other", "service_denied"]].sum()
    labels = {unit: f"{unit} {name}" for unit, name in result.units["name"].items()}
    units_table = result.units.drop(columns=["name"])
    # the flagged units, and those judged without some surveyors' answers (`analysis.surveyor_bias`)
    explained = result.units["flagged"].fillna(False).astype(bool)
    if "surveyor_held" in result.units.columns:
        explained = explained | result.units["surveyor_held"].fillna(False).astype(bool)
    flagged = result.units[explained]
    explanations = (
        analysis.explain_units(flagged, lang, q=analysis_service.FDR_Q).to_dict()
        if "status" in flagged.columns and len(flagged)
        else None
    )
    surveyed = units_table[units_table["respondents"] > 0]
    table = adapters.units_of(
        surveyed,
        names=labels,
        evidence=evidence,
        places=_places(result),
        explanations=explanations,
    )
    return _verdict_columns(table, surveyed, lang)


def _staff_level(
    result: analysis_service.StudyAnalysis, lang: str = "zh", start: Start | None = None
) -> rpt.StaffLevel | None:
    """The staff members flagged, as the report prints them (`_report_units`' columns and
    `staff_verdicts.staff_explanation`'s sentences without the caveat, which the report says once), and
    how many were named, called back and judged; None when the frame names no staff member."""
    try:
        table = staff_verdicts.staff_of(result, start)
    except InvalidState:  # no staff ids in the frame: the report has no staff level, and says nothing of one
        return None
    count = staff_verdicts.counts(table)
    flagged = staff_verdicts.flagged_staff(table)
    verdicts = flagged.drop(columns=[*staff_verdicts.CONTEXT_COLUMNS, "name"])
    units = adapters.units_of(
        verdicts,
        names={member: f"{member} {office}" for member, office in flagged["organisation"].items()},
        explanations={
            member: " ".join(staff_verdicts.staff_explanation(table, member, lang, caveat=False))
            for member in flagged.index
        },
    )
    units = _verdict_columns(units, verdicts, lang)
    units["organisation_flagged"] = flagged["organisation_flagged"].astype(bool).to_numpy()
    return rpt.StaffLevel(
        flagged=units,
        named=count["named"],
        called=count["called"],
        judged=count["judged"],
        unnamed_records=int(table.attrs.get("unnamed_records", 0)),
        **_staff_phase_two(table),
    )


def _staff_phase_two(table: pd.DataFrame) -> dict:
    """`StaffLevel`'s phase-2 fields: how many members a staff design's phase 2 expanded, and of them the
    flagged ones with their rate gap's two-phase test, named as the staff table names them (the report
    names no member it does not flag); nothing when no phase 2 went to staff members."""
    if "combination_p_value" not in table.columns:
        return {}
    tested = table[table["combination_p_value"].notna()]
    if tested.empty:
        return {}
    named = tested[tested["flagged"].fillna(False).astype(bool)]
    return {"expanded_members": len(tested), "expanded": _phase_two_rows(named)}


def _phase_two_rows(tested: pd.DataFrame) -> pd.DataFrame:
    """`STAFF_PHASE_TWO_COLUMNS` of the staff table's rows `tested`."""
    return pd.DataFrame(
        {
            "unit": [f"{member} {office}" for member, office in tested["organisation"].items()],
            "phase2_cases": tested["phase2_cases"].fillna(0).astype(int).to_numpy(),
            "combination_p_value": tested["combination_p_value"].astype(float).to_numpy(),
            "combination_p_adjusted": tested["combination_p_adjusted"].astype(float).to_numpy(),
            **_fade_allowance(tested),
        }
    )


def _fade_allowance(units: pd.DataFrame) -> dict:
    """The expanded units' `fade_allowance` where phase 1 measured a fade; nothing otherwise."""
    if "fade_allowance" not in units.columns or not units["fade_allowance"].notna().any():
        return {}
    return {"fade_allowance": units["fade_allowance"].astype(float).to_numpy()}


def _verdict_columns(table: pd.DataFrame, units: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The report's unit rows with the posterior verdict's figures in place of the empirical null's
    (inflation and its 95% interval, whether that interval is open above, whether the flag rests on
    who rated rather than the rate gap, the likeliest mechanism and the driving evidence in words, the
    verdict's own minimum detectable inflation), under either verdict whether a cleared unit's proxy
    rating went unexamined, and after a phase 2 the expanded units' combination p-values, raw and
    BH-adjusted, and what the test expected for their lateness."""
    if "combination_p_value" in units.columns:
        table["phase2_cases"] = units["phase2_cases"].fillna(0).astype(int).to_numpy()
        table["combination_p_value"] = units["combination_p_value"].astype(float).to_numpy()
        table["combination_p_adjusted"] = units["combination_p_adjusted"].astype(float).to_numpy()
        for column, values in _fade_allowance(units).items():
            table[column] = values
    if "who_held" in units.columns:
        table["proxy_unexamined"] = [proxy_unexamined(row) for _, row in units.iterrows()]
    if not len(units) or str(units["verdict_method"].iloc[0]) != "posterior":
        return table
    tested = units["lfdr"].notna().to_numpy()
    for column in ("inflation", "inflation_low", "inflation_high"):
        table[column] = units[f"posterior_{column}"].astype(float).where(tested).to_numpy()
    capped = units.get("posterior_inflation_capped", pd.Series(False, index=units.index))
    table["inflation_capped"] = capped.eq(True).to_numpy() & tested
    table["who_rated_flag"] = [who_rated_flag(row) for _, row in units.iterrows()]
    mdi = units["min_detectable"].astype(float).replace(np.inf, MDI_BEYOND)
    table["min_detectable"] = mdi.where(tested).to_numpy()

    words = [
        analysis_service.posterior_words(row, lang) if t else ("", "")
        for (_, row), t in zip(units.iterrows(), tested, strict=True)
    ]
    table["mechanism"] = [mechanism for mechanism, _ in words]
    table["evidence"] = [evidence for _, evidence in words]
    return table


def district_overview(result: analysis_service.StudyAnalysis, lang: str = "zh") -> pd.DataFrame:
    """The report's district pictures as data, for the reviewer's page: per district the system rate,
    the callback estimate and interval, the gap in points, whether the system rate lies beyond the
    interval, the units tested and flagged, and the map tile (`column`, `row`, `width`, `height`,
    `label`, `colour`: the same layout and colour bins as the PDF's map)."""
    frame = result.frame
    satisfied = frame["system_rating"].isin(result.satisfied_codes)
    system = (
        satisfied.groupby(frame["district"]).mean().rename("system_rate").rename_axis("area").reset_index()
        .assign(level="district")
    )  # fmt: skip
    table = adapters.areas_of(result.headline, system, _report_units(result, lang))
    table = table[table["level"] == "district"].drop(columns=["level"]).rename(columns={"area": "district"})
    table["gap_points"] = 100 * (table["system_rate"] - table["estimate"])
    table["beyond_interval"] = table["system_rate"] > table["ci_high"]
    tiles = shanghai_map.tile_layout()
    table = tiles.merge(table, on="district", how="left")
    table["label"] = [shanghai_map.short_name(name, lang) for name in table["district"]]
    table["colour"] = [shanghai_map.gap_colour(gap / 100) for gap in table["gap_points"]]
    table["beyond_interval"] = table["beyond_interval"].fillna(False).astype(bool)
    return table


def _comparison(result: analysis_service.StudyAnalysis, headline: dict, lang: str = "zh") -> rpt.Comparison:
    compared = result.cases_compared
    paired = compared.table
    interviewed = result.cases[result.cases["interview_id"].notna()]
    units = _report_units(result, lang)
    median = interviewed.groupby("surveyor")["duration_minutes"].median()
    surveyors = (
        adapters.surveyor_checks_of(result.surveyors, median.to_dict())
        if len(result.surveyors)
        else pd.DataFrame(columns=rpt.content.SURVEYOR_COLUMNS)
    )
    agreement = adapters.agreement_of(compared.agreement)
    return rpt.Comparison(
        unit_level="organisation",
        system_rate=result.system_rate,
        third_party=headline["satisfaction"],
        paired_difference=adapters.estimate_of(result.paired_difference),
        paired=paired,
        agreement=agreement,
        units=units,
        fdr_level=analysis_service.FDR_Q,
        small_unit_min_n=10,
        surveyor_checks=surveyors,
        case_flags={k: int(v) for k, v in compared.flag_counts.items()},
        verdict_method=result.verdict_method,
        verdict_source=result.verdict_source,
        **_phase_timing(result),
    )


def _phase_timing(result: analysis_service.StudyAnalysis) -> dict:
    """`Comparison.phase_days` and `phase_fade` from the analysis (`ExpandedStrata`): nothing until
    both phases have answers in the strata phase 2 expanded."""
    days = result.expanded.days if result.expanded else {}
    first, second = days.get(1, float("nan")), days.get(2, float("nan"))
    if not (np.isfinite(first) and np.isfinite(second)):
        return {}
    return {"phase_days": (first, second), "phase_fade": result.expanded.fade}


def answers_digest(session: Session, study: Study) -> str:
    """SHA-256 over every stored answer's digest, in interview and item order."""
    from survey_app.storage.models import Interview

    digests = session.scalars(
        select(Answer.digest)
        .join(Interview, Interview.id == Answer.interview_id)
        .join(Case, Case.id == Interview.case_id)
        .where(Case.study_id == study.id)
        .order_by(Answer.interview_id, Answer.item)
    )
    hasher = hashlib.sha256()
    for digest in digests:
        hasher.update(digest.encode("ascii"))
    return hasher.hexdigest()


def _audit_summary(session: Session, study: Study, upto: dt.datetime) -> rpt.AuditSummary:
    """The study's audit trail up to the report's time (so that building the report does not change it)."""
    naive = upto.replace(tzinfo=None)
    scope = (AuditEntry.study_id == study.id, AuditEntry.at <= naive)
    by_action = pd.DataFrame(
        session.execute(
            select(AuditEntry.action, func.count())
            .where(*scope)
            .group_by(AuditEntry.action)
            .order_by(AuditEntry.action)
        ).all(),
        columns=["action", "count"],
    )
    first, last, count = session.execute(
        select(func.min(AuditEntry.at), func.max(AuditEntry.at), func.count()).where(*scope)
    ).one()
    head_hash = session.scalar(
        select(AuditEntry.hash).where(AuditEntry.at <= naive).order_by(AuditEntry.id.desc())
    )
    return rpt.AuditSummary(
        entries=int(count),
        by_action=by_action,
        chain_head_sha256=head_hash or "",
        first_entry=(first or naive).replace(tzinfo=dt.UTC),
        last_entry=(last or naive).replace(tzinfo=dt.UTC),
        answers_sha256=answers_digest(session, study),
    )


def build_content(
    session: Session,
    study: Study,
    *,
    lang: str = "zh",
    kind: str = "full",
    result: analysis_service.StudyAnalysis | None = None,
    scope: tuple[tuple[str, str], ...] = (),
    start: Start | None = None,
) -> rpt.ReportContent:
    """The report's content from the stored study; `scope` (e.g. (("district", "浦东新区"),)) makes the
    variant that prints those districts' or domains' pages alone. `start` runs the posterior models
    elsewhere (`analysis.compare_units`; the same bits, sooner)."""
    result = result or analysis_service.analyse(session, study, start=start)
    if result.third_party is None:
        raise ValueError(f"Study {study.name} has no respondents yet: there is nothing to report.")
    # what the report computes beyond the analysis (the staff level, the mode effects…) in the numeric
    # mode the analysis ran in, so that all of it rebuilds the same on any core count
    with numeric_mode(result.numeric):
        return _content(session, study, lang, kind, result, scope, start)


def _content(
    session: Session,
    study: Study,
    lang: str,
    kind: str,
    result: analysis_service.StudyAnalysis,
    scope: tuple[tuple[str, str], ...],
    start: Start | None,
) -> rpt.ReportContent:
    """`build_content` inside the analysis's numeric mode."""
    headline, groups = adapters.headline_of(result.headline)
    version = study_questionnaire(session, study)
    generated = _state_time(session, study)
    method = rpt.MethodInfo(
        frame=_frame_info(session, study, lang),
        design=_design_info(session, study, result, lang),
        questionnaire=rpt.QuestionnaireInfo(
            name=version.name, version=str(version.version), sha256=version.sha256
        ),
        fieldwork=_fieldwork_info(session, study, result, lang),
        weighting=" ".join(
            part
            for part in (
                _weighting_text(lang)
                + _phase_two_headline_text(result, lang)
                + _sensitivity_text(result.headline, lang, result.phase_effect),
                analysis_service.interviewer_words(result.headline, lang),
            )
            if part
        ),
        scale=study.scale,
        satisfied_codes=tuple(study.satisfied_codes),
        confidence_level=0.95,
        nonresponse=_nonresponse(result),
    )
    results = rpt.Results(
        headline=headline,
        by_district=groups["district"],
        by_domain=groups["domain"],
        by_channel=groups["channel"],
    )
    scale_note = " + ".join(SCALES[study.scale].label(c, lang) for c in study.satisfied_codes)
    comparison = _comparison(result, headline, lang)
    return rpt.ReportContent(
        study=_study_info(study, lang),
        generated_at=generated,
        language=lang,
        kind=kind,
        method=method,
        results=results,
        comparison=comparison,
        audit=_audit_summary(session, study, generated),
        notes=(f"满意率 = {scale_note}",) if lang == "zh" else (f"Satisfaction = {scale_note}",),
        areas=_areas(session, study, result, comparison.units, lang),
        scope=scope,
        attestations=anchors.attestations(_anchor_at(session, generated), lang),
        referrals=_referrals(session, study, generated),
        comments=_comment_findings(session, study, result, lang),
        modes=_modes(session, study, result, lang, generated),
        staff=_staff_level(result, lang, start),
    )


def _modes(session: Session, study: Study, result, lang: str, generated: dt.datetime):
    """The mixed-mode section (None for a CATI-only study without web interviews)."""
    from survey_app.services import mode_report

    return mode_report.mode_summary(
        session, study, result.respondents, lang=lang, as_of=generated.replace(tzinfo=None)
    )


def _comment_findings(session: Session, study: Study, result, lang: str):
    """The coded open comments' section (None when nothing is coded)."""
    from survey_app.services import coding

    return coding.report_findings(session, study, result, lang)


def _referrals(session: Session, study: Study, generated: dt.datetime) -> ReferralSummary | None:
    """Referral totals at the report's date; None (no section) for a study that made no referral."""
    from survey_app.services import referrals

    summary = referrals.summary(session, study, as_of=generated.replace(tzinfo=None))
    return summary if summary.referred else None


def _anchor_at(session: Session, upto: dt.datetime) -> anchors.Anchor | None:
    """The newest audit entry at the report's time, with its signature: printed, so that the published
    PDF pins the chain (its rebuild prints the same entry, so rebuilds stay byte-identical)."""
    entry = session.scalar(
        select(AuditEntry)
        .where(AuditEntry.at <= upto.replace(tzinfo=None))
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    return anchors.anchor_of(entry)


def scope_of(district: str | None = None, domain: str | None = None) -> tuple[tuple[str, str], ...]:
    """The report variant for `--district` / `--domain` (both: the district's page, then the domain's);
    a district may be spelt as exports spell it (浦东, 310115)."""
    scope: list[tuple[str, str]] = []
    if district:
        scope.append(("district", canonical_district(district) or district))
    if domain:
        scope.append(("domain", domain))
    return tuple(scope)


def settings_of(recorded: dict) -> analysis_service.AnalysisSettings | None:
    """The study settings a `report.built` entry records, None for a build recorded before reports
    recorded them (`verify` then rebuilds it with the settings of its time:
    `verification.rebuild_settings`)."""
    settings = recorded.get("settings")
    return None if settings is None else analysis_service.AnalysisSettings.from_record(settings)


def numeric_of(recorded: dict) -> str:
    """How the analysis of a `report.built` entry's report ran its linear algebra (`analysis.numeric`):
    a build recorded before reports recorded it ran with BLAS's threads as loaded, and `verify` rebuilds
    it so, as it always did. An unknown mode is a one-sentence ValueError."""
    mode = recorded.get("numeric", BLAS_AS_LOADED)
    if mode not in NUMERIC_MODES:
        raise ValueError(
            f"the report's record names an unknown numeric mode {mode!r} (expected one of "
            f"{', '.join(NUMERIC_MODES)})"
        )
    return mode


def model_of(recorded: dict) -> int:
    """The posterior unit model version (`analysis.verdicts.posterior_model_version`) a `report.built`
    entry records: a build recorded before reports recorded it ran `UNRECORDED_MODEL` (version 1). An
    entry that names no integer is a one-sentence ValueError."""
    model = recorded.get("posterior_model", UNRECORDED_MODEL)
    if isinstance(model, bool) or not isinstance(model, int):
        raise ValueError(f"the report's record names an unknown posterior model version {model!r}")
    return model


def variant_of(recorded: dict) -> dict[str, str | None]:
    """The variant a `report.built` entry records, as `build_report` keyword arguments (older entries
    recorded none: the whole report)."""
    return {"district": recorded.get("district"), "domain": recorded.get("domain")}


@dataclass(frozen=True)
class BuiltReport:
    """A rendered report and what its `report.built` entry records."""

    pdf: bytes
    sha256: str
    lang: str
    kind: str
    district: str | None
    domain: str | None
    headline: dict
    content_sha256: str
    #: what made the bytes (`analysis.report.version.build_stamp`): recorded so that a later release
    #: knows whether it can still rebuild them
    build: dict
    #: the study settings the report printed (`analysis_service.AnalysisSettings.as_record`): `verify`
    #: rebuilds with these, not with the study's settings of the day
    settings: dict
    #: how the analysis ran its linear algebra (`analysis.numeric`): `verify` rebuilds in the same mode
    numeric: str = ONE_BLAS_THREAD
    #: the posterior unit model's version (`analysis.verdicts.posterior_model_version`): a release that runs
    #: another cannot rebuild the report's posterior verdicts, and `verify` says so
    posterior_model: int = UNRECORDED_MODEL
    #: the arithmetic the figures came from (`numeric_platform.describe`: BLAS kernel, libm, numpy's SIMD
    #: loops, the libraries' versions): `verify` names what differs when a rebuild is not byte-identical
    platform: dict | None = None
    #: the content's canonical text (`analysis.report.content_leaves`), kept with the record
    #: (`ReportContent`) for a rebuild on other arithmetic to be compared with, figure by figure
    leaves: str | None = None


def render_report(
    session: Session,
    study: Study,
    *,
    lang: str = "zh",
    kind: str = "full",
    district: str | None = None,
    domain: str | None = None,
    result: analysis_service.StudyAnalysis | None = None,
) -> BuiltReport:
    """The PDF of the study's current state, not yet recorded anywhere.

    A caller that has just analysed the same state (`analysis_service.analyse`, nothing written to the
    cases, answers or frame since) may pass its `result` instead of paying for a second analysis; the
    PDF is the same, and `verify` rebuilds it from a fresh analysis to prove it."""
    if result is None:
        result = analysis_service.analyse(session, study)
    content = build_content(
        session, study, lang=lang, kind=kind, result=result, scope=scope_of(district, domain)
    )
    return render_content(content, result, lang=lang, kind=kind, district=district, domain=domain)


def render_content(
    content: rpt.ReportContent,
    result: analysis_service.StudyAnalysis,
    *,
    lang: str = "zh",
    kind: str = "full",
    district: str | None = None,
    domain: str | None = None,
) -> BuiltReport:
    """`render_report` once `build_content` has read the database: the PDF of `content` (built from
    `result` with these variant arguments). Reads no database, so a caller may run it elsewhere (the
    demo renders in a child process while it builds its second study)."""
    font = report_font()
    pdf = rpt.render_pdf(content, font=font)
    leaves = rpt.content_leaves(content)
    return BuiltReport(
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
        lang=lang,
        kind=kind,
        district=district,
        domain=domain,
        headline=analysis_service.headline_figures(result),
        content_sha256=leaves_digest(leaves),
        build=version.build_stamp(font),
        settings=result.settings.as_record(),
        numeric=result.numeric,
        posterior_model=posterior_model_version(),
        platform=numeric_platform.describe(),
        leaves=leaves,
    )


def recorded_content_digest(content: rpt.ReportContent) -> str:
    """The content's fingerprint as `report.built` records it (`content`)."""
    return leaves_digest(rpt.content_leaves(content))


def leaves_digest(leaves: str) -> str:
    """`recorded_content_digest` of the content whose canonical text is `leaves`."""
    digest = hashlib.sha256(leaves.encode()).hexdigest()  # `analysis.report.content_digest`
    return hashlib.sha256(canonical_json(digest).encode()).hexdigest()


def _require_recorder(actor: User | None) -> None:
    """A build that is audited needs a named user of a role that may publish reports."""
    if actor is None:
        raise HuifangError(
            "Building a report is recorded in the audit log, so it needs an identity: give --user NAME "
            "(or set HUIFANG_USER)."
        )
    require(actor, "auditor", "reviewer", "researcher", "supervisor", "admin")


def record_built(session: Session, study: Study, actor: User | None, built: BuiltReport) -> anchors.Anchor:
    """Audit a report that was delivered (written or handed out): its SHA-256, variant and headline
    figures, as the named `actor`. Returns the signed anchor of that entry, which is appended to the
    witness file once the transaction commits."""
    _require_recorder(actor)
    audit.record(
        session,
        actor.username,
        "report.built",
        study_id=study.id,
        entity="study",
        entity_id=study.id,
        sha256=built.sha256,
        lang=built.lang,
        kind=built.kind,
        district=built.district,
        domain=built.domain,
        headline=built.headline,
        content=built.content_sha256,
        build=built.build,
        settings=built.settings,
        numeric=built.numeric,
        posterior_model=built.posterior_model,
        platform=built.platform,
    )
    if built.leaves is not None:
        keep_content(session, built.content_sha256, built.leaves)
    anchor = anchors.anchor_of(session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)))
    assert anchor is not None  # the entry just written
    chain = session.scalar(select(AuditEntry.hash).where(AuditEntry.id == 1)) or ""
    witness.after_commit(session, anchor, study=study.name, report_sha256=built.sha256, chain=chain)
    return anchor


def keep_content(session: Session, fingerprint: str, leaves: str) -> None:
    """Keep a recorded content's canonical text under its fingerprint, once (content-addressed)."""
    if session.get(ReportContent, fingerprint) is None:
        session.add(ReportContent(content_sha256=fingerprint, leaves=zlib.compress(leaves.encode(), 6)))


def kept_content(session: Session, fingerprint: str) -> str | None:
    """The canonical text kept under a recorded content fingerprint, or None where none is kept or the
    row kept does not hash to it (a row changed in the database is not evidence of anything)."""
    row = session.get(ReportContent, fingerprint)
    if row is None:
        return None
    try:
        leaves = zlib.decompress(row.leaves).decode()
    except (zlib.error, UnicodeDecodeError):
        return None
    return leaves if leaves_digest(leaves) == fingerprint else None


#: What else moves a report's content than `STATE_ACTIONS`: the study settings it prints and records.
SETTINGS_ACTIONS = ("study.refusal_gamma", "study.verdict_method")


class ReportSourceMoved(InvalidState):
    """The study changed between the snapshot a report was built from and the build's record."""


def source_stamp(session: Session, study: Study) -> str:
    """What a report of `study` is built from, in one short string: the id of the study's newest audit
    entry that changes what a report prints (`STATE_ACTIONS`: answers, calls, state, frame, coding; and
    `SETTINGS_ACTIONS`) and a digest of the study row it prints. Every such change is audited in the
    transaction that makes it, so a commit after a snapshot moves the stamp (`build_and_record`)."""
    last = session.scalar(
        select(func.max(AuditEntry.id)).where(
            AuditEntry.study_id == study.id, AuditEntry.action.in_(STATE_ACTIONS + SETTINGS_ACTIONS)
        )
    )
    row = canonical_json(
        [study.name, study.title, study.state, study.scale, study.satisfied_codes, study.settings or {}]
    )
    return f"{last or 0}:{hashlib.sha256(row.encode()).hexdigest()[:16]}"


def _hold_the_chain(session: Session) -> None:
    """Hold the audit chain's head until this writing session ends, so that no audited change can commit
    between the freshness check and the `report.built` entry. SQLite's `BEGIN IMMEDIATE` already excludes
    every other writer; PostgreSQL: the head's row lock, which every audited commit takes
    (`audit.write_pending`), handed to the append so it is not read twice."""
    if session.get_bind().dialect.name == "sqlite":
        return
    last_id, last_hash = session.execute(
        select(AuditHead.last_id, AuditHead.last_hash).where(AuditHead.id == 1).with_for_update()
    ).one()
    audit.note_head(session, last_id, last_hash, locked=True)


def _moved(study: Study) -> ReportSourceMoved:
    return ReportSourceMoved(
        f"Study {study.name} changed while its report was being built (answers, calls, its state or its "
        "settings were saved after the report read it), so this report was neither recorded nor handed "
        "out: build it again — a report to publish is best built once fieldwork is closed.",
        zh=f"研究 {study.name} 在生成报告期间发生了变化（报告读取数据之后又保存了回答、通话、状态或设置），"
        "因此本次报告既未登记也未交付：请重新生成——正式发布的报告宜在调查结束（研究关闭）后生成。",
    )


def build_and_record(
    db: Database,
    study: str | int,
    actor: User | None,
    *,
    lang: str = "zh",
    kind: str = "full",
    district: str | None = None,
    domain: str | None = None,
    deliver: Callable[[BuiltReport], None] | None = None,
    start: Start | None = None,
) -> tuple[BuiltReport, anchors.Anchor]:
    """Build the study's report (name or id) and record it as `actor`, without holding the write lock
    while it is built: the analysis and content from one read-only snapshot (`db.reading()`), the PDF
    outside any transaction, then one short writing session that holds the audit chain, checks that the
    study has not moved since the snapshot (`source_stamp`), hands the report to `deliver` (e.g. writes
    the file; an error there records nothing) and records it (`record_built`). A study that moved is
    refused with `ReportSourceMoved` and nothing is recorded or delivered. The refusal of a build without
    an identity comes before anything is read. `start` runs the posterior models elsewhere (the app's
    `posterior_worker.start`, the command line's `forked.elsewhere`): the same bytes, sooner."""
    _require_recorder(actor)
    with db.reading() as session:
        found = studies.find_study(session, study)
        stamp = source_stamp(session, found)
        result = analysis_service.analyse(session, found, start=start)
        content = build_content(
            session, found, lang=lang, kind=kind, result=result, scope=scope_of(district, domain), start=start
        )
    built = render_content(content, result, lang=lang, kind=kind, district=district, domain=domain)
    with db.session() as session:
        _hold_the_chain(session)
        found = studies.find_study(session, study)
        if source_stamp(session, found) != stamp:
            raise _moved(found)
        if deliver is not None:
            deliver(built)
        anchor = record_built(session, found, actor, built)
    return built, anchor


def build_report(
    session: Session,
    study: Study,
    *,
    lang: str = "zh",
    kind: str = "full",
    actor: User | None = None,
    record: bool = True,
    district: str | None = None,
    domain: str | None = None,
) -> tuple[bytes, str]:
    """The PDF bytes and their SHA-256; with `record`, audited as `actor` (required) with the published
    headline figures and the variant (`district`, `domain`), so that `verify` rebuilds the same variant.
    It reads, renders and records in the caller's session: a caller that records a build should use
    `build_and_record`, which holds no write lock while the report is built."""
    if record:  # refused before the PDF is rendered, not after
        _require_recorder(actor)
    elif actor is not None:
        require(actor, "auditor", "reviewer", "researcher", "supervisor", "admin")
    built = render_report(session, study, lang=lang, kind=kind, district=district, domain=domain)
    if record:
        record_built(session, study, actor, built)
    return built.pdf, built.sha256
