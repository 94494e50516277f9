"""Phase 2 of a two-phase design: decide from phase 1's callbacks, draw, store, weight and re-draw.

The library (`sampling.two_phase`) holds the method; this module reads phase 1's final outcomes from
the database, stores the decision (rule, evidence, allocation, seed) with the design in
`sample_designs.params["phase2"]`, adds the phase-2 cases (replicate = reserve replicates + 1,
selection order after phase 1's) and gives the analysis its Rao–Blackwell design weights.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

import sampling
from sampling.design import system_rates
from sampling.selection import prepare_units
from sampling.two_phase import (
    PhaseTwoRule,
    evidence_table,
    phase_two_allocation,
    phase_two_cases,
    planned_need,
    rao_blackwell_weights,
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


def draw_phase_two(
    session: Session, actor: User, study: Study, budget: int, seed: int, rule: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Decide, draw and store phase 2; returns the stored record (allocation, selected units, counts)."""
    from survey_app.services import datasets, samples

    require(actor, "researcher", "admin")
    if study.state != "fieldwork":
        raise InvalidState(f"Study {study.name} is in {study.state}; phase 2 is drawn during fieldwork.")
    design = samples.current_design(session, study)
    if phase_two_of(design) is not None:
        raise InvalidState(f"Study {study.name} already has a phase 2 (seed {phase_two_of(design)['seed']}).")
    frame, sample_design = samples.redraw_inputs(session, study, design)
    open_cases = session.scalar(
        select(Case.id)
        .where(Case.design_id == design.id, Case.state.not_in(("finalised", "reserve")))
        .limit(1)
    )
    if open_cases is not None:
        raise InvalidState(
            "Phase 2 decides from the final outcome of every phase-1 case; finish or finalise the open "
            "phase-1 cases first."
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
    selected = pd.Series(rules.selected(evidence["x"], evidence["r"], evidence), index=evidence.index)
    selected &= evidence.index.isin(audited)
    allocation = phase_two_allocation(evidence, selected, planned_need(evidence, rules, audited), budget)
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
    rules = PhaseTwoRule.model_validate(record["rule"])
    selected = pd.Series(rules.selected(full["x"], full["r"], full), index=full.index) & full.index.isin(
        record["audited"]
    )
    allocation = phase_two_allocation(
        full, selected, planned_need(full, rules, record["audited"]), record["budget"]
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


def weights(data: pd.DataFrame, design: SampleDesign, satisfied_codes: list[str]) -> pd.Series | None:
    """Rao–Blackwell design weights of the released cases after phase 2 (None without a phase 2).

    ``data``: the analysis dataset (stratum, replicate, respondent, sat_overall, N_h).
    """
    record = phase_two_of(design)
    if record is None:
        return None
    rule = PhaseTwoRule.model_validate(record["rule"])
    cases = pd.DataFrame(
        {
            "stratum": data["stratum"].astype(str),
            "phase": np.where(data["replicate"] == record["replicate"], 2, 1),
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
    return rao_blackwell_weights(
        cases, evidence, pd.Series(record["allocation"], dtype="int64"), rule.selected
    )
