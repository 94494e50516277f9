"""The sample design as a value, the draw from it, and the auditor's re-draw.

``SampleDesign`` holds everything needed to repeat a draw (strata, unit, seed, size rule, allocation,
reserve, exclusion settings and list fingerprints, the frame fingerprint, the algorithm version). It is
JSON (``to_json`` / ``from_json``): the app stores it with the sample, an auditor re-runs it with
``verify_draw`` and gets either "identical" or the first differences.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from sampling.allocation import allocate
from sampling.errors import DesignError
from sampling.exclusions import Exclusions
from sampling.frame import Frame
from sampling.power import audit_allocation, mdi_table, members_judged
from sampling.selection import (
    ALGORITHM,
    Sample,
    Units,
    _stratum_codes,
    check_seed,
    prepare_units,
    select,
    stratum_label,
)
from sampling.size import plan
from sampling.vocabulary import DEFAULT_SATISFIED_CODES


class SampleDesign(BaseModel):
    """A reproducible sample design. ``allocation`` is filled in when the sample is drawn."""

    model_config = ConfigDict(extra="forbid")

    strata: list[str]
    seed: int = Field(ge=0, lt=2**64)
    unit: Literal["person", "event"] = "person"
    method: Literal["proportional", "equal", "neyman", "optimal", "audit", "given"] = "proportional"
    n: int | None = Field(default=None, ge=0)
    margin: float | None = Field(default=None, gt=0)
    per_stratum: bool = False
    confidence: float = 0.95
    p: float = 0.5
    deff: float = 1.0
    response_rate: float = 1.0
    minimum: int = Field(default=0, ge=0)
    satisfied_codes: list[str] = Field(default_factory=lambda: list(DEFAULT_SATISFIED_CODES))
    cost: dict[str, float] | None = None
    reserve: float = Field(default=0.0, ge=0)
    reserve_replicates: int = Field(default=1, ge=1)
    exclusions: dict[str, object] = Field(default_factory=dict)
    allocation: dict[str, int] | None = None
    # method "audit" (sampling.power.audit_allocation): n is the budget; each audited stratum (all, or
    # those listed) gets the cases that detect `inflation` with `power` at α = q / (audited units)
    inflation: float | None = Field(default=None, gt=0, le=1)
    power: float = Field(default=0.8, gt=0, lt=1)
    q: float = Field(default=0.10, gt=0, lt=1)
    audited: list[str] | None = None
    frame_sha256: str | None = None
    algorithm: str = ALGORITHM

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)

    @classmethod
    def from_json(cls, text: str) -> SampleDesign:
        return cls.model_validate_json(text)


def _data_and_fingerprint(frame: Frame | pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    if isinstance(frame, Frame):
        return frame.data, frame.frame_sha256
    if isinstance(frame, pd.DataFrame):
        return frame, None
    raise TypeError("frame must be a Frame (from load_frame) or a pandas DataFrame")


def draw(
    frame: Frame | pd.DataFrame,
    strata: list[str],
    allocation: pd.Series | dict,
    seed: int,
    unit: str = "person",
    exclude: Exclusions | None = None,
    reserve: float = 0.0,
    reserve_replicates: int = 1,
) -> Sample:
    """Draw a stratified SRSWOR with a given allocation {stratum: n_h} (see ``sampling.selection``).

    ``allocation`` is what ``allocate`` returns, indexed by the strata's values (a tuple per stratum
    for several columns) or by stratum keys ``"value1|value2"``. ``reserve`` is the reserve share:
    ``ceil(reserve × n_h)`` extra cases per stratum, in ``reserve_replicates`` replicates.
    """
    data, fingerprint = _data_and_fingerprint(frame)
    strata = [strata] if isinstance(strata, str) else list(strata)
    seed = check_seed(seed)
    units = prepare_units(data, strata, seed, unit, exclude)
    cases, table, events = select(data, units, allocation, seed, reserve, reserve_replicates)
    design = SampleDesign(
        strata=strata,
        seed=seed,
        unit=unit,  # type: ignore[arg-type]
        method="given",
        n=int(table["n_h"].sum()),
        reserve=reserve,
        reserve_replicates=reserve_replicates,
        exclusions=exclude.config() if exclude is not None else {},
        allocation={k: int(v) for k, v in table["n_h"].items()},
        frame_sha256=fingerprint,
    )
    return Sample(cases=cases, excluded=units.excluded, strata=table, design=design, events=events)


def stratum_sd(data: pd.DataFrame, units: Units, satisfied_codes: list[str]) -> pd.Series:
    """S_h of the satisfied indicator of the units' system ratings: √(N_h/(N_h-1) · p_h(1-p_h))."""
    satisfied = data["system_rating"].iloc[units.rows].astype("str").isin(satisfied_codes).to_numpy()
    sizes = units.sizes()
    p = pd.Series(satisfied).groupby(units.stratum).mean().reindex(range(len(units.keys))).to_numpy()
    N = sizes.to_numpy()
    variance = [pi * (1 - pi) * n / (n - 1) if n > 1 else 0.0 for pi, n in zip(p, N, strict=True)]
    return pd.Series([math.sqrt(v) for v in variance], index=sizes.index, name="S_h")


def system_rates(
    data: pd.DataFrame, units: Units, strata: list[str], satisfied_codes: list[str]
) -> pd.Series:
    """The system 满意率 per stratum key: a census over the stratum's eligible records (events)."""
    eligible = units.rows if units.person is None else np.flatnonzero(units.person >= 0)
    codes, _ = _stratum_codes(data, list(strata))
    satisfied = data["system_rating"].astype("str").isin(satisfied_codes).to_numpy()[eligible]
    k = len(units.keys)
    count = np.bincount(codes[eligible], minlength=k)
    hits = np.bincount(codes[eligible], weights=satisfied, minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(count > 0, hits / np.maximum(count, 1), np.nan)
    return pd.Series(rate, index=pd.Index(units.keys, name="stratum"), name="system_rate")


def unit_sizes(
    frame: Frame | pd.DataFrame, design: SampleDesign, exclude: Exclusions | None = None
) -> pd.Series:
    """N_h per stratum key: units left after exclusions (and one per phone for persons) under this seed."""
    data, _ = _data_and_fingerprint(frame)
    return prepare_units(data, design.strata, design.seed, design.unit, exclude).sizes()


def design_allocation(data: pd.DataFrame, units: Units, design: SampleDesign) -> pd.Series:
    """n_h per stratum key as the design asks: given, a fixed n, or a target margin of error."""
    sizes = units.sizes()
    if design.method == "given":
        if design.allocation is None:
            raise DesignError("a design with method 'given' needs its allocation")
        return pd.Series(design.allocation, dtype="int64")
    if design.method == "audit":
        return audit_table(data, units, design)["n_h"]
    sd = stratum_sd(data, units, design.satisfied_codes) if design.method in ("neyman", "optimal") else None
    cost = pd.Series(design.cost) if design.cost is not None else None
    if design.margin is not None or design.per_stratum:
        table = plan(
            sizes,
            margin=design.margin,
            n=design.n if design.margin is None else None,
            method=design.method,
            per_stratum=design.per_stratum,
            confidence=design.confidence,
            p=design.p,
            deff=design.deff,
            response_rate=design.response_rate,
            minimum=design.minimum,
            sd=sd,
            cost=cost,
        )
        return table["n_h"]
    if design.n is None:
        raise DesignError("the design needs either n or a target margin of error")
    return allocate(sizes, design.n, method=design.method, sd=sd, cost=cost, minimum=design.minimum)


def audit_table(data: pd.DataFrame, units: Units, design: SampleDesign) -> pd.DataFrame:
    """The audit-units allocation table (n_h, need, MDI, what did not fit) for a design with method 'audit'."""
    if design.n is None or design.inflation is None:
        raise DesignError("the audit design needs a budget n and the inflation to detect")
    sizes = units.sizes()
    return audit_allocation(
        sizes,
        system_rates(data, units, design.strata, design.satisfied_codes),
        design.n,
        design.inflation,
        audited=design.audited,
        response_rate=design.response_rate,
        q=design.q,
        power=design.power,
        minimum=max(design.minimum, 2),
    )


def audit_plan(
    frame: Frame | pd.DataFrame, design: SampleDesign, exclude: Exclusions | None = None
) -> pd.DataFrame:
    """The plan of an 'audit' design: N_h, n_h, expected completes, need, system rate, MDI, status."""
    data, _ = _data_and_fingerprint(frame)
    units = prepare_units(data, design.strata, design.seed, design.unit, exclude)
    table = audit_table(data, units, design)
    table.insert(2, "expected_completes", table["n_h"] * design.response_rate)
    return table


def with_power(
    frame: Frame | pd.DataFrame, design: SampleDesign, table: pd.DataFrame, exclude: Exclusions | None = None
) -> pd.DataFrame:
    """A plan table with each stratum's system rate and minimum detectable inflation (strata as units).

    The level is q / (number of strata), see ``sampling.power``; ``attrs['alpha']`` and ``attrs['power']``
    record it.
    """
    data, _ = _data_and_fingerprint(frame)
    units = prepare_units(data, design.strata, design.seed, design.unit, exclude)
    rates = system_rates(data, units, design.strata, design.satisfied_codes)
    keys = [stratum_label(k) for k in table.index]
    mdi = mdi_table(
        pd.Series(table["N_h"].to_numpy(), index=keys),
        pd.Series(table["n_h"].to_numpy(), index=keys),
        rates.reindex(keys),
        response_rate=design.response_rate,
        q=design.q,
        power=design.power,
    )
    out = table.copy()
    out["system_rate"] = mdi["system_rate"].to_numpy()
    out["mdi"] = mdi["mdi"].to_numpy()
    out.attrs.update(table.attrs)
    out.attrs.update({"alpha": mdi.attrs["alpha"], "power": design.power})
    return out


def draw_design(
    frame: Frame | pd.DataFrame, design: SampleDesign, exclude: Exclusions | None = None
) -> Sample:
    """Allocate as the design says over the frame's units, then draw; returns the design completed."""
    data, fingerprint = _data_and_fingerprint(frame)
    units = prepare_units(data, design.strata, design.seed, design.unit, exclude)
    allocation = design_allocation(data, units, design)
    cases, table, events = select(
        data, units, allocation, design.seed, design.reserve, design.reserve_replicates
    )
    completed = design.model_copy(
        update={
            "allocation": {k: int(v) for k, v in table["n_h"].items()},
            "exclusions": exclude.config() if exclude is not None else {},
            "frame_sha256": fingerprint if fingerprint is not None else design.frame_sha256,
        }
    )
    return Sample(cases=cases, excluded=units.excluded, strata=table, design=completed, events=events)


@dataclass
class Verification:
    """The outcome of a re-draw: identical or not, and where the first differences are."""

    identical: bool
    frame_matches: bool | None
    exclusions_match: bool | None
    differences: pd.DataFrame
    redrawn: Sample
    message: str


_KEY = ["stratum", "selection_order"]
_COMPARED = ["record_id", "replicate"]


def verify_draw(
    frame: Frame | pd.DataFrame,
    design: SampleDesign,
    stored: Sample | pd.DataFrame,
    exclude: Exclusions | None = None,
    limit: int = 20,
) -> Verification:
    """Re-draw from the frame and the stored design; compare (stratum, selection_order) → record_id, replicate.

    ``stored`` is a ``Sample`` or a DataFrame with at least stratum, selection_order, record_id and
    replicate. The design's stored allocation is reused (method 'given'), so a later change in the
    allocation code cannot hide a changed selection.
    """
    _, fingerprint = _data_and_fingerprint(frame)
    redraw_design = design.model_copy(update={"method": "given"}) if design.allocation else design
    redrawn = draw_design(frame, redraw_design, exclude)
    stored_cases = stored.cases if isinstance(stored, Sample) else stored
    missing = [c for c in _KEY + _COMPARED if c not in stored_cases.columns]
    if missing:
        raise DesignError(f"the stored sample lacks the column(s) {', '.join(missing)}")
    left = stored_cases[_KEY + _COMPARED].astype({"stratum": "str", "record_id": "str"})
    right = redrawn.cases[_KEY + _COMPARED].astype({"stratum": "str", "record_id": "str"})
    merged = left.merge(right, on=_KEY, how="outer", suffixes=("_stored", "_redrawn"), indicator=True)
    rows = []
    for record in merged.sort_values(_KEY, kind="stable").itertuples(index=False):
        for column in _COMPARED:
            stored_value = getattr(record, f"{column}_stored")
            redrawn_value = getattr(record, f"{column}_redrawn")
            if pd.isna(stored_value) and pd.isna(redrawn_value):
                continue
            if pd.isna(stored_value) or pd.isna(redrawn_value) or str(stored_value) != str(redrawn_value):
                rows.append(
                    (record.stratum, int(record.selection_order), column, stored_value, redrawn_value)
                )
        if len(rows) >= limit:
            break
    differences = pd.DataFrame(
        rows[:limit], columns=["stratum", "selection_order", "field", "stored", "redrawn"]
    )
    frame_matches = (
        None if fingerprint is None or design.frame_sha256 is None else fingerprint == design.frame_sha256
    )
    exclusions_match = None
    if design.exclusions or exclude is not None:
        exclusions_match = (exclude.config() if exclude is not None else {}) == design.exclusions
    identical = differences.empty
    if identical:
        message = f"identical: {len(right)} cases re-drawn from seed {design.seed} match the stored sample"
    else:
        first = differences.iloc[0]
        message = (
            f"different: first at stratum {first['stratum']!r}, position {first['selection_order']}: "
            f"{first['field']} stored {first['stored']!r}, re-drawn {first['redrawn']!r}"
        )
    if frame_matches is False:
        message += "; the frame's fingerprint differs from the one recorded in the design"
    if exclusions_match is False:
        message += "; the exclusion lists or settings differ from those recorded in the design"
    return Verification(identical, frame_matches, exclusions_match, differences, redrawn, message)


__all__ = [
    "SampleDesign",
    "Verification",
    "audit_plan",
    "design_allocation",
    "draw",
    "draw_design",
    "stratum_label",
    "system_rates",
    "unit_sizes",
    "verify_draw",
    "with_power",
]


def staff_coverage(
    frame: Frame | pd.DataFrame,
    design: SampleDesign,
    table: pd.DataFrame,
    exclude: Exclusions | None = None,
    member: str = "staff_id",
    min_respondents: int = 5,
) -> pd.DataFrame | None:
    """How many staff members a plan (``table``: N_h and n_h per stratum) lets the staff level judge:
    ``members_judged`` over the design's sampling units (each unit's record names its member; a
    person's is the event the draw asks about), each with its stratum's n_h / N_h. None when the frame
    names no member."""
    data, _ = _data_and_fingerprint(frame)
    if member not in data.columns or data[member].isna().all():
        return None
    units = prepare_units(data, design.strata, design.seed, design.unit, exclude)
    share = pd.Series(
        table["n_h"].to_numpy(float) / np.maximum(table["N_h"].to_numpy(float), 1.0),
        index=[stratum_label(k) for k in table.index],
    )
    probability = share.reindex(units.keys).fillna(0.0).to_numpy()[units.stratum]
    return members_judged(
        data[member].iloc[units.rows], probability, design.response_rate, min_respondents=min_respondents
    )
