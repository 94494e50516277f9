"""Sample designs and draws: plan and draw with `sampling`, store the cases, release reserves, verify.

The draw reads the frame back from the database (not the file), so an auditor's re-draw from the
stored frame, design and seed must give the identical cases; `verify_sample` does exactly that with
`sampling.verify_draw`. The stored design is `sampling.SampleDesign` as JSON, allocation included.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

import sampling
from sampling.risk import RiskRule, add_risk_strata
from survey_app.security import audit
from survey_app.services.auth import require
from survey_app.services.errors import InvalidState, NotFound
from survey_app.services.frames import frame_records, latest_frame
from survey_app.storage.models import Case, Exclusion, FrameRecord, SampleDesign, Study, User

_CHUNK = 5000


def exclusions_of(study: Study) -> sampling.Exclusions:
    """The study's exclusion rules: its do-not-call list, people other studies contacted recently
    (`recent_contacts`) and records it rules out (open complaints)."""
    from survey_app.security.fieldcrypto import person_keys
    from survey_app.services import do_not_call, recent_contacts

    settings = study.settings or {}
    return sampling.Exclusions(
        **do_not_call.exclusion_args(study),  # keyed hashes, matched as the frame's `phone` keys
        rules=tuple(settings.get("exclusion_rules", ("complaint_open",))),
        match_key=person_keys,  # the stored frame's `phone` is each record's person key
        **recent_contacts.exclusion_args(study),
    )


def design_of(study: Study, params: dict[str, Any]) -> sampling.SampleDesign:
    """A `sampling.SampleDesign` from form or command-line parameters; the study fixes 满意率's codes."""
    plain = {k: v for k, v in params.items() if k != "risk"}
    return sampling.SampleDesign(**{**plain, "satisfied_codes": list(study.satisfied_codes)})


def with_costs(design: sampling.SampleDesign, frame: pd.DataFrame, study: Study) -> sampling.SampleDesign:
    """An optimal design with a cost per case for every stratum: one not given costs 1, as much as a
    case anywhere else (equal costs make optimal allocation Neyman's). Other methods are unchanged."""
    if design.method != "optimal":
        return design
    keys = sampling.unit_sizes(frame, design, exclusions_of(study)).index
    given = {str(k): float(v) for k, v in (design.cost or {}).items()}
    return design.model_copy(update={"cost": {str(k): given.get(str(k), 1.0) for k in keys}})


def risk_rule_of(study: Study, params: dict[str, Any]) -> RiskRule | None:
    """The risk-targeting rule, if the design asks for one (its strata then include `risk_stratum`)."""
    if not params.get("risk"):
        return None
    return RiskRule(**{**params["risk"], "satisfied_codes": list(study.satisfied_codes)})


def with_risk(frame: pd.DataFrame, rule: RiskRule | None) -> pd.DataFrame:
    return frame if rule is None else add_risk_strata(frame, rule)


def plan(frame: pd.DataFrame, study: Study, params: dict[str, Any]) -> pd.DataFrame:
    """The per-stratum plan (N_h, n_h, expected completes, margin of error, system rate and the minimum
    detectable inflation `mdi` of each stratum audited as a unit), drawing nothing."""
    design = design_of(study, {"seed": 0, **params})
    rule = risk_rule_of(study, params)
    frame = with_risk(frame, rule)
    if design.method == "audit":
        return sampling.audit_plan(frame, _audited(design, frame, rule, study), exclusions_of(study))
    design = with_costs(design, frame, study)
    sizes = sampling.unit_sizes(frame, design, exclusions_of(study))
    options = {k: getattr(design, k) for k in ("confidence", "p", "deff", "response_rate", "minimum")}
    sd = None
    if design.method in ("neyman", "optimal"):
        sd = _stratum_sd(frame, design)
    table = sampling.plan(
        sizes,
        margin=design.margin,
        n=design.n,
        method=design.method,
        per_stratum=design.per_stratum,
        sd=sd,
        cost=pd.Series(design.cost) if design.cost else None,
        **options,
    )
    return sampling.with_power(frame, design, table, exclusions_of(study))


def surveyor_lines(
    table: pd.DataFrame, surveyors: int | None, spread: float | None, lang: str = "en"
) -> list[str]:
    """What the telephone surveyors' differences do to `plan`'s overall margin (`sampling.interviewers`):
    how many surveyors keep the widening within 10%, and with `surveyors` the margin they leave and
    the floor no sample size gets below. Nothing for a plan without an overall margin (audit designs)."""
    from sampling import interviewers

    margin = table.attrs.get("overall_margin")
    if margin is None or not math.isfinite(margin) or margin <= 0:
        return []
    tau = interviewers.DEFAULT_SPREAD if spread is None else spread
    least = interviewers.surveyors_for(margin, tau)
    zh = lang == "zh"
    within = interviewers.interviewer_margin(margin, least, tau)
    lines = [
        f"访员：访员之间的差异（满意比例的标准差约 {100 * tau:g} 个百分点）会使总体误差 ±{100 * margin:.1f} 个百分点增大；"
        f"至少 {least} 名工作量相当的访员才能使它不超过 ±{100 * within:.1f}（增幅 10% 以内）。"
        if zh
        else f"surveyors: their differences (SD about {100 * tau:g} points of the satisfied share) add to the overall "
        f"margin ±{100 * margin:.1f} points; {least} or more surveyors of equal workloads keep it within "
        f"±{100 * within:.1f} (10% wider)"
    ]
    if surveyors is not None:
        wider = interviewers.interviewer_margin(margin, surveyors, tau)
        floor = interviewers.margin_floor(surveyors, tau)
        lines.append(
            f"{surveyors} 名访员时误差约为 ±{100 * wider:.1f} 个百分点；无论样本多大，都不会低于 ±{100 * floor:.1f}。"
            if zh
            else f"with {surveyors} surveyors: about ±{100 * wider:.1f} points; no sample size gets it below "
            f"±{100 * floor:.1f}"
        )
    return lines


def staff_coverage(
    frame: pd.DataFrame, study: Study, params: dict[str, Any], table: pd.DataFrame
) -> pd.DataFrame | None:
    """How many staff members `plan`'s `table` lets the staff level judge (`sampling.design.staff_coverage`:
    per member the expected respondents and the chance of reaching the verdict's five); None when the
    frame names no staff member."""
    design = design_of(study, {"seed": 0, **params})
    frame = with_risk(frame, risk_rule_of(study, params))
    return sampling.design.staff_coverage(frame, design, table, exclusions_of(study))


def _audited(
    design: sampling.SampleDesign, frame: pd.DataFrame, rule: RiskRule | None, study: Study
) -> sampling.SampleDesign:
    """An audit design with risk targeting audits the risk strata (the suspicious units) only."""
    if design.method != "audit" or design.audited is not None or rule is None:
        return design
    keys = sampling.unit_sizes(frame, design, exclusions_of(study)).index
    return design.model_copy(update={"audited": [str(k) for k in keys if str(k).startswith("risk:")]})


def _stratum_sd(frame: pd.DataFrame, design: sampling.SampleDesign) -> pd.Series:
    satisfied = frame["system_rating"].astype(str).isin(design.satisfied_codes).astype(float)
    keys = frame[design.strata].astype(str).agg("|".join, axis=1)
    return satisfied.groupby(keys).std(ddof=1).fillna(0.0)


def draw_sample(session: Session, actor: User, study: Study, params: dict[str, Any]) -> SampleDesign:
    """Draw and store the sample for the study's latest frame; the main replicate is released."""
    require(actor, "researcher", "admin")
    if study.state != "design":
        raise InvalidState(
            f"Study {study.name} is in {study.state}; the sample is drawn during design.",
            zh=f"调查项目 {study.name} 已不在设计阶段，只能在设计阶段抽样。",
        )
    if session.scalar(select(SampleDesign.id).where(SampleDesign.study_id == study.id)) is not None:
        raise InvalidState(f"Study {study.name} already has a sample; release reserves instead of redrawing.")
    if params.get("seed") is None:
        raise InvalidState("A draw needs a seed (it is recorded so that anyone can re-draw the sample).")
    frame_row = latest_frame(session, study)
    rule = risk_rule_of(study, params)
    frame = with_risk(frame_records(session, frame_row, personal=True), rule)
    drawn = sampling.draw_design(
        frame,
        with_costs(_audited(design_of(study, params), frame, rule, study), frame, study),
        exclusions_of(study),
    )
    stored_params = {
        "sampling": drawn.design.model_dump(mode="json"),
        "risk": rule.model_dump(mode="json") if rule else None,
    }
    design = SampleDesign(
        study_id=study.id,
        frame_id=frame_row.id,
        params=stored_params,
        allocation=drawn.design.allocation,
        seed=drawn.design.seed,
        sample_sha256=drawn.fingerprint(),
        drawn_by=actor.id,
    )
    session.add(design)
    session.flush()
    _store_cases(session, study, design, frame, drawn)
    audit.record(
        session,
        actor.username,
        "sample.drawn",
        study_id=study.id,
        entity="sample_design",
        entity_id=design.id,
        seed=design.seed,
        frame_sha256=frame_row.frame_sha256,
        sample_sha256=design.sample_sha256,
        cases=len(drawn.cases),
        released=int(drawn.cases["released"].sum()),
        excluded=len(drawn.excluded),
        design=design.params,
    )
    return design


def _store_cases(
    session: Session, study: Study, design: SampleDesign, frame: pd.DataFrame, drawn: sampling.Sample
) -> None:
    keys = frame.set_index("record_id")["frame_record_pk"]
    cases = drawn.cases
    events = cases["n_events"] if "n_events" in cases.columns else pd.Series(1, index=cases.index)
    rows = [
        {
            "study_id": study.id,
            "design_id": design.id,
            "frame_record_id": int(keys[record_id]),
            "stratum": str(stratum),
            "replicate": int(replicate),
            "selection_order": int(order),
            "inclusion_prob": None if pd.isna(pi) else float(pi),
            "design_weight": None if pd.isna(w) else float(w),
            "person_events": int(n_events),
            "state": "pending" if released else "reserve",
            "attempts": 0,
            "priority": 0,
        }
        for record_id, stratum, replicate, order, pi, w, n_events, released in zip(
            cases["record_id"],
            cases["stratum"],
            cases["replicate"],
            cases["selection_order"],
            cases["inclusion_prob"],
            cases["design_weight"],
            events,
            cases["released"],
            strict=True,
        )
    ]
    for start in range(0, len(rows), _CHUNK):
        session.execute(insert(Case), rows[start : start + _CHUNK])
    excluded = [
        {"design_id": design.id, "record_id": str(r), "reason": str(why)}
        for r, why in zip(drawn.excluded["record_id"], drawn.excluded["reason"], strict=True)
    ]
    for start in range(0, len(excluded), _CHUNK):
        session.execute(insert(Exclusion), excluded[start : start + _CHUNK])


def current_design(session: Session, study: Study) -> SampleDesign:
    design = session.scalar(
        select(SampleDesign).where(SampleDesign.study_id == study.id).order_by(SampleDesign.id.desc())
    )
    if design is None:
        raise NotFound(f"Study {study.name} has no sample yet: draw one with `huifang sample draw`.")
    return design


def stored_cases(session: Session, design: SampleDesign) -> pd.DataFrame:
    result = session.execute(
        select(
            Case.id.label("case_id"),
            Case.stratum,
            Case.selection_order,
            FrameRecord.record_id,
            Case.replicate,
            Case.state,
        )
        .join(FrameRecord, FrameRecord.id == Case.frame_record_id)
        .where(Case.design_id == design.id)
        .order_by(Case.stratum, Case.selection_order)
    )
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def _redraw(
    session: Session, study: Study, design: SampleDesign
) -> tuple[pd.DataFrame, sampling.SampleDesign]:
    """The stored frame (with the stored risk strata, if any) and the stored sampling design."""
    rule = RiskRule.model_validate(design.params["risk"]) if design.params.get("risk") else None
    frame = with_risk(frame_records(session, latest_frame(session, study), personal=True), rule)
    return frame, sampling.SampleDesign.model_validate(design.params["sampling"])


def redraw_inputs(
    session: Session, study: Study, design: SampleDesign
) -> tuple[pd.DataFrame, sampling.SampleDesign]:
    """The stored frame (with its risk strata) and the stored sampling design, as a re-draw needs them."""
    return _redraw(session, study, design)


def release_replicate(
    session: Session, actor: User, study: Study, replicate: int, strata: list[str] | None = None
) -> int:
    """Release reserve replicates 1..`replicate` (in `strata`, or all); π and weights are recomputed so
    that they again equal released m_h / N_h."""
    require(actor, "supervisor", "researcher", "admin")
    if study.state == "closed":
        raise InvalidState(
            f"Study {study.name} is closed: releasing cases now would change its published weights."
        )
    design = current_design(session, study)
    if (design.params or {}).get("phase2"):
        raise InvalidState(
            f"Study {study.name} has a phase 2: releasing reserve cases now would change phase 1's sample, "
            "on which phase 2's weights rest."
        )
    frame, sample_design = _redraw(session, study, design)
    redrawn = sampling.draw_design(frame, sample_design, exclusions_of(study))
    released = sampling.release(redrawn, replicate, strata)
    stored = stored_cases(session, design).set_index(["stratum", "selection_order"])
    now = released.cases.set_index(["stratum", "selection_order"])
    newly = now.index[now["released"] & (stored.reindex(now.index)["state"] == "reserve")]
    if len(newly) == 0:
        where = f" in {', '.join(strata)}" if strata else ""
        raise InvalidState(f"No reserve cases of replicates 1..{replicate}{where} are left to release.")
    touched = now.loc[now["released"]]
    for (stratum, order), row in touched.iterrows():
        values = {
            "inclusion_prob": float(row["inclusion_prob"]),
            "design_weight": float(row["design_weight"]),
        }
        if (stratum, order) in newly:
            values["state"] = "pending"
        session.execute(
            update(Case)
            .where(Case.design_id == design.id, Case.stratum == stratum, Case.selection_order == int(order))
            .values(**values)
        )
    audit.record(
        session,
        actor.username,
        "sample.released",
        study_id=study.id,
        entity="sample_design",
        entity_id=design.id,
        replicate=replicate,
        strata=strata,
        cases=len(newly),
    )
    return len(newly)


def verify_sample(session: Session, study: Study) -> tuple[bool, str]:
    """Re-draw from the stored frame, design and seed and compare with the stored cases, case by case."""
    from survey_app.services import phase_two

    design = current_design(session, study)
    frame, sample_design = _redraw(session, study, design)
    stored = stored_cases(session, design)
    record = phase_two.phase_two_of(design)
    if record is not None:  # phase 1 is compared without the phase-2 cases, which are re-drawn on their own
        stored = stored[stored["replicate"] != record["replicate"]]
    result = sampling.verify_draw(frame, sample_design, stored, exclusions_of(study))
    if record is None or not result.identical:
        return bool(result.identical), result.message
    ok, message = phase_two.verify_phase_two(session, study, design)
    return ok, f"{result.message}; {message}"


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


def reserve_strata(session: Session, actor: User, study: Study) -> list[str]:
    """Strata that still have reserve cases (where a release can add cases)."""
    require(actor, "supervisor", "researcher", "admin")
    return list(
        session.scalars(
            select(Case.stratum)
            .where(Case.study_id == study.id, Case.state == "reserve")
            .distinct()
            .order_by(Case.stratum)
        )
    )


def detectable_inflation(session: Session, study: Study) -> pd.DataFrame:
    """Per stratum of the drawn design, as a unit audit: system rate and the minimum detectable inflation
    planned (n_h × expected response rate) and achieved (valid 满意 answers so far); for the report.

    ``attrs``: alpha (q / strata), power. See `sampling.power`.
    """
    from survey_app.services import datasets, phase_two

    design = current_design(session, study)
    frame, sample_design = _redraw(session, study, design)
    units = sampling.selection.prepare_units(
        frame, sample_design.strata, sample_design.seed, sample_design.unit, exclusions_of(study)
    )
    rates = sampling.design.system_rates(frame, units, sample_design.strata, sample_design.satisfied_codes)
    data = datasets.analysis_dataset(session, study)
    answered = phase_two.outcomes(data, list(study.satisfied_codes)) != "none"
    released = data.groupby("stratum").size()
    achieved = answered.groupby(data["stratum"]).sum()
    sizes = units.sizes()
    planned = sampling.power.mdi_table(
        sizes, released.reindex(sizes.index).fillna(0), rates, response_rate=sample_design.response_rate
    )
    table = planned.rename(columns={"mdi": "mdi_planned"})
    table["respondents"] = achieved.reindex(sizes.index).fillna(0).astype("int64")
    table["mdi_achieved"] = sampling.power.minimum_detectable_inflation(
        rates.to_numpy(), table["respondents"].to_numpy(), planned.attrs["alpha"]
    )
    table.attrs.update(planned.attrs)
    return table
