"""Risk-targeted strata: units whose published ratings look too good get a stratum of their own.

DESIGN.md §5: oversampling suspicious units (near-100% 满意 at high volume) is legitimate when the
weights account for it — and they do, because the suspicious units simply become strata, each drawn
with its own π = n_h / N_h. What is suspicious is decided from the frame alone (a census of the
system's ratings), before any callback, by a rule that is stored with the design so that a re-draw
derives the identical strata.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from sampling.errors import DesignError
from sampling.vocabulary import DEFAULT_SATISFIED_CODES

RISK_COLUMN = "risk_stratum"


class RiskRule(BaseModel):
    """Units with at least `min_records` records and a system 满意率 of at least `min_rate` are suspicious."""

    model_config = ConfigDict(extra="forbid")

    unit: str = "organisation_id"
    min_records: int = Field(default=30, ge=1)
    min_rate: float = Field(default=0.93, gt=0, le=1)
    base: str = "district"  # how the other records are stratified
    satisfied_codes: list[str] = Field(default_factory=lambda: list(DEFAULT_SATISFIED_CODES))


def suspicious_units(frame: pd.DataFrame, rule: RiskRule) -> pd.Index:
    """The units the rule marks, sorted (so the strata come out in the same order everywhere)."""
    for column in (rule.unit, rule.base, "system_rating"):
        if column not in frame.columns:
            raise DesignError(f"risk targeting needs the frame column {column!r}")
    satisfied = frame["system_rating"].astype(str).isin(rule.satisfied_codes)
    by_unit = satisfied.groupby(frame[rule.unit].astype(str), observed=True).agg(["size", "mean"])
    marked = by_unit[(by_unit["size"] >= rule.min_records) & (by_unit["mean"] >= rule.min_rate)]
    return marked.index.sort_values()


def add_risk_strata(frame: pd.DataFrame, rule: RiskRule) -> pd.DataFrame:
    """A copy of `frame` with `risk_stratum`: "risk:<unit>" for suspicious units, else the base column."""
    marked = suspicious_units(frame, rule)
    unit = frame[rule.unit].astype(str)
    out = frame.copy()
    out[RISK_COLUMN] = frame[rule.base].astype(str).where(~unit.isin(marked), "risk:" + unit)
    return out


def risk_strata_names(frame: pd.DataFrame, rule: RiskRule) -> Sequence[str]:
    return [f"risk:{unit}" for unit in suspicious_units(frame, rule)]
