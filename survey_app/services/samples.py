"""Sample designs and draws: plan with `sampling`, draw, store the cases, release reserves, verify.

The draw reads the frame back from the database (not the file), so an auditor's re-draw from the
stored frame and seed must give the identical cases; `verify_sample` does exactly that.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

import sampling
from sampling.vocabulary import SCALES
from survey_app.security import audit
from survey_app.services.auth import require
from survey_app.services.errors import InvalidState, NotFound
from survey_app.services.frames import frame_records, latest_frame
from survey_app.storage.models import Case, Exclusion, FrameRecord, SampleDesign, Study, User

_CHUNK = 5000


def stratum_sd(frame: pd.DataFrame, strata: list[str], satisfied_codes: list[str]) -> pd.Series:
    """S_h of the system's satisfied indicator per stratum (known for every frame unit: Neyman input)."""
    satisfied = frame["system_rating"].isin(satisfied_codes).astype(float)
    grouped = satisfied.groupby([frame[c] for c in strata], observed=True)
    sd = grouped.std(ddof=1).fillna(0.0)
    return sd.where(sd > 0, 0.05)  # a stratum of unanimous ratings still deserves some sample


def plan(frame: pd.DataFrame, study: Study, params: dict[str, Any]) -> pd.DataFrame:
    """The per-stratum plan: N_h, n_h and the expected margin of error, before anything is drawn."""
    strata = list(params["strata"])
    sizes = frame.groupby(strata, observed=True).size()
    sd = stratum_sd(frame, strata, study.satisfied_codes)
    n = (
        int(params["n"])
        if params.get("n")
        else sampling.sample_size(
            params["margin"],
            confidence=params.get("confidence", 0.95),
            population=int(sizes.sum()),
            deff=params.get("deff", 1.0),
            response_rate=1.0,
        )
    )
    allocation = sampling.allocate(
        sizes,
        n,
        method=params.get("method", "proportional"),
        sd=sd if params.get("method") in ("neyman", "optimal") else None,
        minimum=int(params.get("minimum", 0)),
    )
    table = pd.DataFrame({"N_h": sizes, "n_h": allocation})
    response_rate = float(params.get("response_rate", 1.0))
    expected_completes = table["n_h"] * response_rate
    fpc = np.sqrt(np.clip(1 - expected_completes / table["N_h"], 0, 1))
    table["expected_completes"] = expected_completes.round(1)
    table["margin_of_error"] = (1.96 * 0.5 / np.sqrt(expected_completes.clip(lower=1)) * fpc).round(4)
    return table


def _exclusions(frame: pd.DataFrame, params: dict[str, Any]) -> dict[str, Any]:
    exclude: dict[str, Any] = {}
    if params.get("do_not_call"):
        exclude["do_not_call"] = list(params["do_not_call"])
    if params.get("exclude_open_complaints", True) and "complaint_open" in frame.columns:
        exclude["rules"] = {"open complaint": frame["complaint_open"].fillna(False).astype(bool)}
    return exclude


def _draw(frame: pd.DataFrame, study: Study, params: dict[str, Any]) -> Any:
    table = plan(frame, study, params)
    return sampling.draw(
        frame,
        list(params["strata"]),
        table["n_h"],
        int(params["seed"]),
        unit=params.get("unit", "person"),
        exclude=_exclusions(frame, params) or None,
        reserve=float(params.get("reserve", 0.0)),
    ), table


def sample_digest(cases: pd.DataFrame) -> str:
    """SHA-256 over the drawn cases in selection order: record, stratum, replicate, probability."""
    columns = ["selection_order", "record_id", "stratum", "replicate", "inclusion_prob"]
    canonical = cases[columns].sort_values("selection_order").astype(str).to_csv(index=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def draw_sample(session: Session, actor: User, study: Study, params: dict[str, Any]) -> SampleDesign:
    """Draw and store the sample for the study's latest frame. The main sample is released at once."""
    require(actor, "researcher", "admin")
    if study.state != "design":
        raise InvalidState(f"Study {study.name} is in {study.state}; the sample is drawn during design.")
    if session.scalar(select(SampleDesign.id).where(SampleDesign.study_id == study.id)) is not None:
        raise InvalidState(f"Study {study.name} already has a sample; release reserves instead of redrawing.")
    if "seed" not in params:
        raise InvalidState("A draw needs a seed (it is recorded so that anyone can re-draw the sample).")
    frame_row = latest_frame(session, study)
    frame = frame_records(session, frame_row, personal=True)
    drawn, table = _draw(frame, study, params)
    cases = drawn.cases
    keys = frame.set_index("record_id")["frame_record_pk"]
    digest = sample_digest(cases)
    design = SampleDesign(
        study_id=study.id,
        frame_id=frame_row.id,
        params=_jsonable(params),
        allocation={
            "|".join(map(str, k if isinstance(k, tuple) else (k,))): int(v) for k, v in table["n_h"].items()
        },
        seed=int(params["seed"]),
        sample_sha256=digest,
        drawn_by=actor.id,
    )
    session.add(design)
    session.flush()
    rows = [
        {
            "study_id": study.id,
            "design_id": design.id,
            "frame_record_id": int(keys[r.record_id]),
            "stratum": str(r.stratum),
            "replicate": int(r.replicate),
            "selection_order": int(r.selection_order),
            "inclusion_prob": float(r.inclusion_prob),
            "design_weight": float(r.design_weight),
            "person_events": int(getattr(r, "person_events", 1) or 1),
            "state": "pending" if int(r.replicate) == 0 else "reserve",
            "attempts": 0,
            "priority": 0,
        }
        for r in cases.itertuples(index=False)
    ]
    for start in range(0, len(rows), _CHUNK):
        session.execute(insert(Case), rows[start : start + _CHUNK])
    excluded = getattr(drawn, "excluded", None)
    if excluded is not None and len(excluded):
        ex_rows = [
            {"design_id": design.id, "record_id": str(r.record_id), "reason": str(r.reason)}
            for r in excluded.itertuples(index=False)
        ]
        for start in range(0, len(ex_rows), _CHUNK):
            session.execute(insert(Exclusion), ex_rows[start : start + _CHUNK])
    audit.record(
        session,
        actor.username,
        "sample.drawn",
        study_id=study.id,
        entity="sample_design",
        entity_id=design.id,
        seed=design.seed,
        frame_sha256=frame_row.frame_sha256,
        sample_sha256=digest,
        cases=len(rows),
        released=int((cases["replicate"] == 0).sum()),
        params=design.params,
    )
    return design


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, tuple | set) else v) for k, v in params.items()}


def current_design(session: Session, study: Study) -> SampleDesign:
    design = session.scalar(
        select(SampleDesign).where(SampleDesign.study_id == study.id).order_by(SampleDesign.id.desc())
    )
    if design is None:
        raise NotFound(f"Study {study.name} has no sample yet: draw one with `huifang sample draw`.")
    return design


def release_replicate(
    session: Session, actor: User, study: Study, replicate: int, stratum: str | None = None
) -> int:
    """Release a reserve replicate (optionally in one stratum); weights are recomputed for the released
    set so that inclusion probabilities again equal released n_h / N_h."""
    require(actor, "supervisor", "researcher", "admin")
    design = current_design(session, study)
    condition = [Case.design_id == design.id, Case.replicate == replicate, Case.state == "reserve"]
    if stratum is not None:
        condition.append(Case.stratum == stratum)
    released = session.execute(update(Case).where(*condition).values(state="pending")).rowcount
    if not released:
        raise InvalidState(
            f"No reserve cases of replicate {replicate}" + (f" in {stratum}" if stratum else "") + "."
        )
    _reweight(session, design)
    audit.record(
        session,
        actor.username,
        "sample.released",
        study_id=study.id,
        entity="sample_design",
        entity_id=design.id,
        replicate=replicate,
        stratum=stratum,
        cases=released,
    )
    return released


def _reweight(session: Session, design: SampleDesign) -> None:
    """π = released n_h / N_h within each stratum (N_h from the frame after exclusions)."""
    rows = session.execute(
        select(Case.id, Case.stratum, Case.state, Case.inclusion_prob, Case.replicate).where(
            Case.design_id == design.id
        )
    ).all()
    data = pd.DataFrame(rows, columns=["id", "stratum", "state", "pi", "replicate"])
    main = data[data["replicate"] == 0]
    population = (main.groupby("stratum").size() / main.groupby("stratum")["pi"].first()).round()
    released = data[data["state"] != "reserve"].groupby("stratum").size()
    for stratum, n_released in released.items():
        pi = float(n_released / population[stratum])
        session.execute(
            update(Case)
            .where(Case.design_id == design.id, Case.stratum == stratum, Case.state != "reserve")
            .values(inclusion_prob=pi, design_weight=1 / pi)
        )


def stored_cases(session: Session, design: SampleDesign) -> pd.DataFrame:
    result = session.execute(
        select(Case.selection_order, FrameRecord.record_id, Case.stratum, Case.replicate, Case.inclusion_prob)
        .join(FrameRecord, FrameRecord.id == Case.frame_record_id)
        .where(Case.design_id == design.id)
    )
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def verify_sample(session: Session, study: Study) -> tuple[bool, str]:
    """Re-draw from the stored frame and seed and compare with the stored cases, case by case."""
    design = current_design(session, study)
    frame_row = latest_frame(session, study)
    frame = frame_records(session, frame_row, personal=True)
    drawn, _ = _draw(frame, study, design.params)
    expected = drawn.cases[["selection_order", "record_id", "stratum", "replicate"]].sort_values(
        "selection_order"
    )
    stored = stored_cases(session, design)[["selection_order", "record_id", "stratum", "replicate"]]
    stored = stored.sort_values("selection_order")
    expected = expected.astype(str).reset_index(drop=True)
    stored = stored.astype(str).reset_index(drop=True)
    if len(expected) != len(stored):
        return False, f"the re-draw has {len(expected)} cases, the database {len(stored)}"
    diff = (expected != stored).any(axis=1)
    if diff.any():
        first = int(diff.idxmax())
        return False, (
            f"first difference at selection order {expected.loc[first, 'selection_order']}: "
            f"re-draw {expected.loc[first, 'record_id']} ({expected.loc[first, 'stratum']}), "
            f"stored {stored.loc[first, 'record_id']} ({stored.loc[first, 'stratum']})"
        )
    return True, f"re-draw with seed {design.seed} reproduces all {len(stored)} stored cases"


def scale_codes(study: Study) -> list[str]:
    return SCALES[study.scale].codes
