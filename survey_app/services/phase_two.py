"""Phase 2 of a two-phase design: decide from phase 1's callbacks, draw, store, weight and re-draw.

The library (`sampling.two_phase`) holds the method; this module reads phase 1's final outcomes from
the database, stores the decision (rule, evidence, allocation, seed) with the design in
`sample_designs.params["phase2"]`, adds the phase-2 cases (replicate = reserve replicates + 1,
selection order after phase 1's) and gives the analysis its Rao–Blackwell design weights.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

import sampling
from analysis.phase_effect import PhaseEffect, phase_effect
from analysis.phase_two_test import Fade, fade_per_week
from analysis.two_phase_variance import headline_split_variances
from sampling.design import system_rates
from sampling.screening import (
    CATEGORIES,
    EvidenceConstants,
    case_categories,
    category_counts,
    estimate_constants,
    level_prior,
)
from sampling.selection import prepare_units
from sampling.two_phase import (
    PhaseOneSplit,
    PhaseTwoRule,
    evidence_table,
    phase_one_splits,
    phase_two_allocation,
    phase_two_cases,
    planned_need,
    rao_blackwell_weights,
    split_weights,
)
from survey_app.security import audit
from survey_app.services.auth import require
from survey_app.services.errors import InvalidState
from survey_app.storage.models import Case, SampleDesign, Study, User

NO_ANSWER = ("dk", "refused")


def phase_two_of(design: SampleDesign) -> dict[str, Any] | None:
    return (design.params or {}).get("phase2")


def replicate_of(sample_design: sampling.SampleDesign) -> int:
    """Phase-2 cases carry the replicate number after the last reserve replicate."""
    return sample_design.reserve_replicates + 1


def outcomes(data: pd.DataFrame, satisfied_codes: list[str], item: str = "sat_overall") -> pd.Series:
    """satisfied / unsatisfied / none per case: none = no valid answer (nonresponse, 说不清, refused)."""
    answer = data[item] if item in data.columns else pd.Series(pd.NA, index=data.index)
    valid = data["respondent"].fillna(False).astype(bool) & answer.notna() & ~answer.isin(NO_ANSWER)
    return pd.Series(
        np.where(valid & answer.isin(satisfied_codes), "satisfied", np.where(valid, "unsatisfied", "none")),
        index=data.index,
    )


def _audited(design: SampleDesign, sample_design: sampling.SampleDesign, keys: list[str]) -> list[str]:
    if sample_design.audited is not None:
        return list(sample_design.audited)
    if design.params.get("risk"):
        return [k for k in keys if k.startswith("risk:")]
    return keys


def stratum_domains(frame: pd.DataFrame, units: Any) -> pd.Series:
    """Each stratum's domain: the most frequent ``domain`` among its units' records (one, for a unit
    stratum); the evidence rule's per-domain constants and level law use it."""
    keys = pd.Index(units.keys, name="stratum")
    if "domain" not in frame.columns:
        return pd.Series("", index=keys, dtype="object")
    domains = frame["domain"].astype("str").to_numpy()[units.rows]
    table = pd.DataFrame({"stratum": np.asarray(units.keys)[units.stratum], "domain": domains})
    modal = table.groupby("stratum")["domain"].agg(lambda v: v.value_counts().sort_index().idxmax())
    return modal.reindex(keys).fillna("")


def previous_constants(session: Session, name: str) -> EvidenceConstants:
    """The evidence rule's constants estimated from a previous study's cases (``screening.estimate_constants``)."""
    from survey_app.services import datasets, studies

    previous = studies.find_study(session, name)
    data = datasets.analysis_dataset(session, previous)
    sampling_params = samples_params(session, previous)
    data["category"] = case_categories(
        data, list(previous.satisfied_codes), list(sampling_params.satisfied_codes)
    )
    return estimate_constants(data, source=f"study {previous.name}")


def samples_params(session: Session, study: Study) -> sampling.SampleDesign:
    from survey_app.services import samples

    return sampling.SampleDesign.model_validate(samples.current_design(session, study).params["sampling"])


def draw_phase_two(
    session: Session,
    actor: User,
    study: Study,
    budget: int,
    seed: int,
    rule: dict[str, Any] | None = None,
    *,
    constants_from: str | None = None,
    level_from_census: bool = True,
) -> dict[str, Any]:
    """Decide, draw and store phase 2; returns the stored record (allocation, selected units, counts).

    ``rule``: ``PhaseTwoRule`` fields (``kind="evidence"`` for the evidence rule). For the evidence rule
    the constants are the rule's (defaults), or estimated from the study named by ``constants_from``;
    the level law is fitted to this frame's census unless ``level_from_census`` is False."""
    from survey_app.services import datasets, samples

    require(actor, "researcher", "admin")
    if study.state != "fieldwork":
        raise InvalidState(
            f"Study {study.name} is in {study.state}; phase 2 is drawn during fieldwork.",
            zh=f"调查 {study.name} 当前状态为 {study.state}；第二阶段只能在实地调查期间抽取。",
        )
    design = samples.current_design(session, study)
    earlier = phase_two_of(design)
    if earlier is not None:
        seed = earlier["seed"]
        raise InvalidState(
            f"Study {study.name} already has a phase 2 (seed {seed}).",
            zh=f"调查 {study.name} 已有第二阶段抽样（种子 {seed}）。",
        )
    frame, sample_design = samples.redraw_inputs(session, study, design)
    open_cases = session.scalar(
        select(Case.id)
        .where(Case.design_id == design.id, Case.state.not_in(("finalised", "reserve")))
        .limit(1)
    )
    if open_cases is not None:
        raise InvalidState(
            "Phase 2 decides from the final outcome of every phase-1 case; finish or finalise the open "
            "phase-1 cases first.",
            zh="第二阶段依据第一阶段每个个案的最终结果决定；请先完成或结案第一阶段尚未结束的个案。",
        )
    exclude = samples.exclusions_of(study)
    rules = PhaseTwoRule(**{"response_rate": sample_design.response_rate, **(rule or {})})
    data = datasets.analysis_dataset(session, study)
    data["outcome"] = outcomes(data, list(study.satisfied_codes))
    units = prepare_units(frame, sample_design.strata, sample_design.seed, sample_design.unit, exclude)
    sizes = units.sizes()
    drawn = samples.stored_cases(session, design).groupby("stratum").size()
    evidence = evidence_table(
        data[["stratum", "outcome"]],
        system_rates(frame, units, sample_design.strata, sample_design.satisfied_codes),
        sizes,
        drawn,
    )
    audited = _audited(design, sample_design, [str(k) for k in sizes.index])
    counts = None
    if rules.kind == "evidence":
        evidence["domain"] = stratum_domains(frame, units).reindex(evidence.index).to_numpy()
        constants = previous_constants(session, constants_from) if constants_from else rules.constants
        if level_from_census and not constants.level_prior:
            rates = evidence.loc[evidence.index.isin(audited), "system_rate"]
            prior = level_prior(rates, evidence["domain"], inflation=rules.inflation)
            constants = constants.model_copy(update={"level_prior": prior})
        rules = rules.model_copy(update={"constants": constants})
        data["category"] = case_categories(
            data, list(study.satisfied_codes), list(sample_design.satisfied_codes)
        )
        counts = category_counts(data[["stratum", "category"]], evidence.index)
    decision = rules.decide(evidence, counts, audited)
    selected = decision["selected"]
    allocation = phase_two_allocation(
        evidence, selected, planned_need(evidence, rules, audited), budget, rules.allocation
    )
    record = {
        "seed": int(sampling.selection.check_seed(seed)),
        "budget": int(budget),
        "rule": rules.model_dump(mode="json"),
        "audited": audited,
        "selected": [str(k) for k in evidence.index[selected]],
        "allocation": {str(k): int(v) for k, v in allocation.items() if v > 0},
        "evidence": {str(k): [int(r.m), int(r.x), int(r.r)] for k, r in evidence.iterrows()},
        "system_rates": {str(k): float(evidence.at[k, "system_rate"]) for k in evidence.index[selected]},
        "replicate": replicate_of(sample_design),
    }
    if counts is not None:  # the evidence rule: what its decision and the weights rest on
        record["system_rates"] = {str(k): float(evidence.at[k, "system_rate"]) for k in audited}
        record["domains"] = {str(k): str(evidence.at[k, "domain"]) for k in audited}
        record["categories"] = {
            str(k): {label: int(n) for label, n in counts.loc[k].items() if n} for k in audited
        }
        record["scores"] = {str(k): int(decision.at[k, "score"]) for k in audited}
        record["thresholds"] = {str(k): int(decision.at[k, "threshold"]) for k in evidence.index[selected]}
        record["system_codes"] = list(sample_design.satisfied_codes)
    cases = phase_two_cases(
        frame, sample_design, pd.Series(record["allocation"], dtype="int64"), seed, exclude
    )
    record["sha256"] = _fingerprint(cases)
    _store(session, study, design, frame, cases, record)
    design.params = {**design.params, "phase2": record}
    audit.record(
        session,
        actor.username,
        "sample.phase2",
        study_id=study.id,
        entity="sample_design",
        entity_id=design.id,
        seed=record["seed"],
        budget=record["budget"],
        cases=len(cases),
        units=len(record["allocation"]),
        phase2_sha256=record["sha256"],
    )
    return record


def _fingerprint(cases: pd.DataFrame) -> str:
    lines = [
        f"{s}\t{o}\t{r}"
        for s, o, r in zip(cases["stratum"], cases["selection_order"], cases["record_id"], strict=True)
    ]
    return hashlib.sha256(("\n".join(lines) + "\n").encode("utf-8")).hexdigest()


def _store(
    session: Session,
    study: Study,
    design: SampleDesign,
    frame: pd.DataFrame,
    cases: pd.DataFrame,
    record: dict,
) -> None:
    """Insert the phase-2 cases; every released case of an expanded stratum gets the provisional
    π = (m + k)/N_h (so N_h stays recoverable); the analysis replaces the weights by Rao–Blackwell's."""
    keys = frame.set_index("record_id")["frame_record_pk"]
    events = cases["n_events"] if "n_events" in cases.columns else pd.Series(1, index=cases.index)
    rows = []
    for key, group in cases.groupby("stratum"):
        m = record["evidence"][key][0]
        pi = (m + len(group)) / int(group["N_h"].iloc[0])
        session.execute(
            update(Case)
            .where(Case.design_id == design.id, Case.stratum == key, Case.state != "reserve")
            .values(inclusion_prob=pi, design_weight=1 / pi)
        )
        for index, row in group.iterrows():
            rows.append(
                {
                    "study_id": study.id,
                    "design_id": design.id,
                    "frame_record_id": int(keys[row["record_id"]]),
                    "stratum": str(key),
                    "replicate": record["replicate"],
                    "selection_order": int(row["selection_order"]),
                    "inclusion_prob": pi,
                    "design_weight": 1 / pi,
                    "person_events": int(events[index]),
                    "state": "pending",
                    "attempts": 0,
                    "priority": 0,
                }
            )
    if rows:
        session.execute(insert(Case), rows)


def verify_phase_two(session: Session, study: Study, design: SampleDesign) -> tuple[bool, str]:
    """Re-derive phase 2 from the stored evidence, rule, budget and seed, and compare case by case."""
    from survey_app.services import samples

    record = phase_two_of(design)
    if record is None:
        return True, "no phase 2"
    frame, sample_design = samples.redraw_inputs(session, study, design)
    evidence = pd.DataFrame.from_dict(record["evidence"], orient="index", columns=["m", "x", "r"])
    exclude = samples.exclusions_of(study)
    units = prepare_units(frame, sample_design.strata, sample_design.seed, sample_design.unit, exclude)
    sizes = units.sizes()
    drawn = samples.stored_cases(session, design)
    drawn = drawn[drawn["replicate"] != record["replicate"]].groupby("stratum").size()
    full = evidence.assign(
        N_h=sizes.reindex(evidence.index).to_numpy(),
        M_h=drawn.reindex(evidence.index).fillna(0).astype(int).to_numpy(),
        system_rate=system_rates(frame, units, sample_design.strata, sample_design.satisfied_codes)
        .reindex(evidence.index)
        .to_numpy(),
    )
    rules = PhaseTwoRule.stored(record["rule"])
    counts = None
    if rules.kind == "evidence":
        full["domain"] = stratum_domains(frame, units).reindex(full.index).to_numpy()
        counts = stored_category_counts(record, full.index)
    decision = rules.decide(full, counts, record["audited"])
    selected = decision["selected"]
    chosen = [str(k) for k in full.index[selected]]
    if sorted(chosen) != sorted(record["selected"]):
        first = sorted(set(chosen) ^ set(record["selected"]))[0]
        return False, (
            f"phase 2 different: the stored rule and evidence {'select' if first in chosen else 'clear'} "
            f"stratum {first!r}, the stored decision does not"
        )
    allocation = phase_two_allocation(
        full, selected, planned_need(full, rules, record["audited"]), record["budget"], rules.allocation
    )
    derived = {str(k): int(v) for k, v in allocation.items() if v > 0}
    if derived != record["allocation"]:
        first = next(
            k
            for k in sorted(set(derived) | set(record["allocation"]))
            if derived.get(k) != record["allocation"].get(k)
        )
        return False, (
            f"phase 2 different: the stored rule and evidence give stratum {first!r} "
            f"{derived.get(first, 0)} cases, the stored allocation {record['allocation'].get(first, 0)}"
        )
    redrawn = phase_two_cases(
        frame, sample_design, pd.Series(derived, dtype="int64"), record["seed"], exclude
    )
    stored = samples.stored_cases(session, design)
    stored = stored[stored["replicate"] == record["replicate"]]
    left = stored.set_index(["stratum", "selection_order"])["record_id"].astype(str)
    right = redrawn.set_index(["stratum", "selection_order"])["record_id"].astype(str)
    both = pd.concat([left.rename("stored"), right.rename("redrawn")], axis=1).sort_index()
    differ = both[both["stored"] != both["redrawn"]]
    if len(differ):
        (key, order), row = differ.index[0], differ.iloc[0]
        return False, (
            f"phase 2 different: first at stratum {key!r}, position {order}: record stored "
            f"{row['stored']!r}, re-drawn {row['redrawn']!r}"
        )
    return (
        True,
        f"phase 2 identical: {len(right)} cases re-drawn from seed {record['seed']} and the stored evidence",
    )


def stored_category_counts(record: dict[str, Any], strata: pd.Index) -> pd.DataFrame:
    """The phase-1 counts by category stored with an evidence-rule phase 2, strata × categories."""
    table = pd.DataFrame.from_dict(record.get("categories", {}), orient="index")
    return table.reindex(index=strata, columns=list(CATEGORIES)).fillna(0).astype("int64")


def weights(data: pd.DataFrame, design: SampleDesign, satisfied_codes: list[str]) -> pd.Series | None:
    """Rao–Blackwell design weights of the released cases after phase 2 (None without a phase 2).

    ``data``: the analysis dataset (stratum, replicate, respondent, sat_overall, N_h).
    """
    inputs = _split_inputs(data, design, satisfied_codes)
    return None if inputs is None else rao_blackwell_weights(*inputs)


@dataclass(frozen=True)
class FinalSplits:
    """A study's phase-2 cases as the Rao–Blackwell weights read them, with where phase 1 may lie in
    each expanded stratum's final sample (`sampling.two_phase.phase_one_splits`, pairs included):
    what the phase-agreement test and the headline's decomposed variance both need, made once."""

    cases: pd.DataFrame  # every released case: stratum, phase, outcome (and category, evidence rule)
    sizes: pd.Series  # N_h by stratum
    weights: pd.Series  # the Rao–Blackwell design weights
    splits: dict[str, PhaseOneSplit]


def final_splits(data: pd.DataFrame, design: SampleDesign, satisfied_codes: list[str]) -> FinalSplits | None:
    """`FinalSplits` of the analysis dataset ``data``; None without a phase 2 or before it expanded a
    stratum."""
    inputs = _split_inputs(data, design, satisfied_codes)
    if inputs is None:
        return None
    cases, evidence, allocation, rule = inputs
    splits = phase_one_splits(cases, evidence, allocation, rule, pairs=True)
    if not splits:
        return None
    return FinalSplits(cases, evidence["N_h"], split_weights(cases, evidence["N_h"], splits), splits)


def phase_effect_of(split: FinalSplits | None) -> PhaseEffect | None:
    """Whether phase 2's answers differ from what phase 1's imply: the headline 满意率 with the
    Rao–Blackwell weights less phase 1's alone, over its standard error given the final sample
    (`analysis.phase_effect`; design weights). None without a phase 2, or before it expanded a
    stratum anyone answered in."""
    if split is None:
        return None
    cases = split.cases.assign(satisfied=split.cases["outcome"].map({"satisfied": 1.0, "unsatisfied": 0.0}))
    return phase_effect(cases, split.weights, split.sizes, split.splits)


def headline_variances_of(
    split: FinalSplits | None, data: pd.DataFrame, satisfied_codes: list[str], top_codes: list[str]
) -> pd.Series | None:
    """Each headline row's variance given the final sample (`analysis.two_phase_variance.
    headline_split_variances`), what the Rao–Blackwell headline's standard error subtracts from phase
    1's; None without a phase 2. ``data``: the analysis dataset (answers and groups)."""
    if split is None:
        return None
    answers = data.assign(stratum=split.cases["stratum"], phase=split.cases["phase"])
    return headline_split_variances(
        answers, split.weights, split.sizes, split.splits, satisfied_codes, top_codes=top_codes
    )


def _split_inputs(
    data: pd.DataFrame, design: SampleDesign, satisfied_codes: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, PhaseTwoRule] | None:
    """What the Rao–Blackwell weights read (`sampling.two_phase.rao_blackwell_weights`): the released
    cases (stratum, phase, outcome, category), the stored evidence, the allocation and the rule."""
    record = phase_two_of(design)
    if record is None:
        return None
    rule = PhaseTwoRule.stored(record["rule"])
    cases = pd.DataFrame(
        {
            "stratum": data["stratum"].astype(str),
            "phase": np.where(_in_phase_two(data, record), 2, 1),
            "outcome": outcomes(data, satisfied_codes),
        },
        index=data.index,
    )
    evidence = pd.DataFrame.from_dict(record["evidence"], orient="index", columns=["m", "x", "r"])
    sizes = data.groupby(data["stratum"].astype(str))["N_h"].first()
    rates = pd.Series(record.get("system_rates", {}), dtype=float)
    evidence = evidence.assign(
        N_h=sizes.reindex(evidence.index).to_numpy(), system_rate=rates.reindex(evidence.index).to_numpy()
    )
    if rule.kind == "evidence":
        cases["category"] = case_categories(data, satisfied_codes, list(record["system_codes"]))
        evidence["domain"] = pd.Series(record["domains"]).reindex(evidence.index).to_numpy()
        evidence["threshold"] = pd.Series(record["thresholds"]).reindex(evidence.index).to_numpy()
    return cases, evidence, pd.Series(record["allocation"], dtype="int64"), rule


def phase_one_cases(data: pd.DataFrame, design: SampleDesign) -> pd.DataFrame | None:
    """The analysis dataset's phase-1 cases with the design weights phase 1 alone gives them, N_h / m_h
    (m_h the stratum's released phase-1 cases, as `rao_blackwell_weights` counts them); None without
    a phase 2.

    Why: the Rao–Blackwell weights (`weights`) count phase 2's answers as phase 1's would have been,
    but phase 2 is called weeks later, about services just as old, and where memory of a good service
    fades its answers are lower for that alone. Phase 1 is a stratified sample of its own, so its
    estimate is design-unbiased whatever phase 2's answers did: the headline after a phase 2
    (`analysis_service.phase_one_sample`)."""
    record = phase_two_of(design)
    if record is None:
        return None
    first = data[~_in_phase_two(data, record)].copy()
    first["design_weight"] = first["N_h"] / first.groupby("stratum")["stratum"].transform("size")
    return first


def expanded_counts_of(
    data: pd.DataFrame, design: SampleDesign, satisfied_codes: list[str]
) -> pd.DataFrame | None:
    """Per stratum phase 2 expanded: its phase-2 cases (``phase2_cases``) and, over the released cases
    of both phases, the satisfied (``x``) and answered (``n``) and how late they were called
    (``late_weeks``: over its answers on records rated satisfied, the weeks from service to callback
    less the study's mean, summed) — what the rate test of an expanded unit reads
    (``analysis.phase_two_test``, `fade_adjusted`). None without a phase 2. ``data``: the analysis
    dataset."""
    record = phase_two_of(design)
    if record is None:
        return None
    expanded = _expanded_allocation(record)
    strata = data["stratum"].astype(str)
    by = strata[strata.isin(expanded.index)]
    outcome = outcomes(data.loc[by.index], satisfied_codes)
    timed = _answers_on_satisfied_records(data, record, satisfied_codes)
    weeks = _days_after_service(data[timed]) / 7
    late = (weeks - weeks.mean()).groupby(strata[timed]).sum()
    return pd.DataFrame(
        {
            "phase2_cases": expanded,
            "x": (outcome == "satisfied").groupby(by).sum().reindex(expanded.index).fillna(0).astype(int),
            "n": (outcome != "none").groupby(by).sum().reindex(expanded.index).fillna(0).astype(int),
            "late_weeks": late.reindex(expanded.index).fillna(0.0).astype(float),
        },
        index=expanded.index,
    )


def callback_days_of(data: pd.DataFrame, design: SampleDesign) -> dict[int, float]:
    """Median days from the service to the callback of the interviews in the strata phase 2 expanded,
    per phase (1, 2; NaN where a phase has none); empty without a phase 2. ``data``: the analysis
    dataset (stratum, replicate, respondent, service_date, started_at).

    Why: the rate test of expanded units (`analysis.phase_two_test`) reads both phases' answers as one
    sample of the unit's records. Phase 2 is called later, about services just as old; where memory
    of a good service fades, its answers are lower for that alone (ARCHITECTURE.md, "Phase 2 called
    later"), and these two figures say how much later it was."""
    record = phase_two_of(design)
    if record is None:
        return {}
    expanded = _expanded_allocation(record).index.astype(str)
    mine = data["stratum"].astype(str).isin(expanded) & data["respondent"].astype(bool)
    days = _days_after_service(data[mine])
    phase = np.where(_in_phase_two(data[mine], record), 2, 1)
    return {k: float(days[phase == k].median()) if (phase == k).any() else float("nan") for k in (1, 2)}


def _expanded_allocation(record: dict[str, Any]) -> pd.Series:
    """The phase-2 cases of each stratum phase 2 (`record`) expanded."""
    allocation = pd.Series(record["allocation"], dtype="int64")
    return allocation[allocation > 0]


def _in_phase_two(cases: pd.DataFrame, record: dict[str, Any]) -> pd.Series:
    """Which of the analysis dataset's `cases` phase 2 (`record`) drew: they carry its replicate."""
    return cases["replicate"] == record["replicate"]


def _days_after_service(cases: pd.DataFrame) -> pd.Series:
    """Whole days from each case's service to the start of its interview."""
    return (pd.to_datetime(cases["started_at"]) - pd.to_datetime(cases["service_date"])).dt.days


def phase_one_fade(data: pd.DataFrame, design: SampleDesign, satisfied_codes: list[str]) -> Fade | None:
    """How phase 1's satisfied answers on records rated satisfied changed with time since the service,
    within strata, in the study and in each domain (`analysis.phase_two_test.fade_per_week`); None
    without a phase 2 or an estimate.
    ``data``: the analysis dataset.

    Why: whether memory fades is measured, not assumed. Phase 1's own answers come at many delays
    (the frame's services span weeks), so the rate at which they fade says what phase 2's later calls
    alone would cost its answers (`callback_days_of`)."""
    record = phase_two_of(design)
    if record is None:
        return None
    mine = _answers_on_satisfied_records(data, record, satisfied_codes) & ~_in_phase_two(data, record)
    part = data[mine]
    answers = pd.DataFrame(
        {
            "unit": part["stratum"],
            "days": _days_after_service(part),
            "satisfied": outcomes(part, satisfied_codes) == "satisfied",
        }
    )
    if "domain" in part.columns:  # each domain's own fade too (`phase_two_test._domain_fades`)
        answers["domain"] = part["domain"].astype(str).to_numpy()
    return fade_per_week(answers)


def _answers_on_satisfied_records(
    data: pd.DataFrame, record: dict[str, Any], satisfied_codes: list[str]
) -> pd.Series:
    """Which of the analysis dataset's cases answered, on a record the system rated satisfied (by
    phase 2's `record`'s codes): the answers a fading memory can turn."""
    system = record.get("system_codes") or satisfied_codes
    return data["system_rating"].isin(system) & (outcomes(data, satisfied_codes) != "none")


def leaning_expanded(session: Session, actor: User, study: Study, record: dict[str, Any]) -> list[str]:
    """The units phase 2 (`record`) added cases to that lean on one surveyor
    (`supervision.leaning_units`) and still have uncalled cases, sorted.

    Why: their verdict sets aside the answers of a main surveyor who records differently from peers, so
    what phase 2 adds there counts only if someone else calls it; drawn into the common queue, it may
    go to the same surveyor. Said when phase 2 is drawn, while a supervisor can still hand it on."""
    from survey_app.services import supervision
    from survey_app.storage.models import FrameRecord

    leaning = supervision.leaning_units(session, actor, study)
    if leaning.empty:
        return []
    expanded = set(
        session.scalars(
            select(FrameRecord.organisation_id)
            .join(Case, Case.frame_record_id == FrameRecord.id)
            .where(Case.study_id == study.id, Case.replicate == record["replicate"])
            .distinct()
        )
    )
    return sorted(str(u) for u in leaning.loc[leaning["open"] > 0, "unit"] if u in expanded)
