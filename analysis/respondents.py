"""From released cases with final dispositions to the design the estimates use.

Cases come from `sampling` (stratum, N_h, design_weight, frame fields) with the final AAPOR
disposition and, for interviews, the answers as columns named by questionnaire item. Interviews
(1.1 complete, 1.2 partial) are respondents; not-eligible cases (4.x, e.g. "the service never
happened") leave the population; everything else, including unknown eligibility (3.x), counts as an
eligible nonrespondent, the conservative choice (`nonresponse_adjust` spreads its weight).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.design import Design
from analysis.errors import AnalysisError
from analysis.replicates import Jackknife, jackknife
from analysis.weighting import (
    NonresponseAdjustment,
    PropensityAdjustment,
    nonresponse_adjust,
    propensity_adjust,
)

INTERVIEW_CODES = ("1.1", "1.2")


@dataclass(frozen=True)
class RespondentDesign:
    design: Design  # over eligible respondents, weights = design weight × nonresponse factor
    adjustment: NonresponseAdjustment  # every case with its class, factor and weight


def respondent_design(
    cases: pd.DataFrame,
    classes: Sequence[str] = ("stratum", "system_rating"),
    *,
    disposition_col: str = "disposition",
    strata: str = "stratum",
    fpc: str | None = "N_h",
    weight_col: str = "design_weight",
    min_respondents: int = 20,
    lonely_psu: str = "adjust",
) -> RespondentDesign:
    """Nonresponse-adjusted design over the eligible respondents of released `cases`.

    `lonely_psu="adjust"` by default: a small stratum may end with one respondent, and a study should
    still report; R's "adjust" centres that stratum at the grand mean (conservative).
    """
    if disposition_col not in cases.columns:
        raise AnalysisError(f"cases lack the final disposition column {disposition_col!r}")
    data = cases.copy()
    code = data[disposition_col].astype(str).str.strip()
    data["eligible"] = ~code.str.startswith("4")
    data["responded"] = code.str[:3].isin(INTERVIEW_CODES)
    adjustment = nonresponse_adjust(
        data, "responded", list(classes), weight_col, eligible_col="eligible", min_respondents=min_respondents
    )
    adjusted = adjustment.data
    respondents = adjusted[adjusted["responded"] & adjusted["eligible"]]
    design = Design(respondents, strata=strata, weights="nr_weight", fpc=fpc, lonely_psu=lonely_psu)
    return RespondentDesign(design, adjustment)


@dataclass(frozen=True)
class AdjustedSample:
    """Released cases weighted for the headline: calibrated, nonresponse-adjusted, with replicates.

    `unit` says what the weights count: "event" (rated service events, the unit of the system's own
    满意率) — when persons were sampled the base weight is design weight × n_events, so a person with
    three eligible events stands for three events, as the system side counts them.
    """

    cases: pd.DataFrame  # every released case: eligible, responded, base_weight, nr_class, nr_weight
    adjustment: PropensityAdjustment
    jackknife: Jackknife
    base_weight: np.ndarray
    unit: str = "event"

    @property
    def respondents(self) -> pd.DataFrame:
        return self.cases[self.adjustment.recipe.responded].reset_index(drop=True)

    def replicate_weights(self, chunk: int = 256) -> Iterator[tuple[int, np.ndarray]]:
        """(start, n × r final weights) per block of replicates, the whole weighting re-run in each."""
        for start, factors in self.jackknife.chunks(chunk):
            yield start, self.adjustment.recipe.apply(self.base_weight[:, None] * factors)

    def design(self, strata: str = "stratum", fpc: str | None = "N_h", lonely_psu: str = "adjust") -> Design:
        """A linearisation `Design` over the eligible respondents with the final weights (taken as
        fixed): for unit comparisons that need per-case weights; headline intervals use replicates."""
        return Design(self.respondents, strata=strata, weights="nr_weight", fpc=fpc, lonely_psu=lonely_psu)


def adjusted_sample(
    cases: pd.DataFrame,
    rating_totals: Mapping[str, float] | None = None,
    *,
    disposition_col: str = "disposition",
    strata: str = "stratum",
    fpc: str | None = "N_h",
    weight_col: str = "design_weight",
    events_col: str = "n_events",
    rating_col: str = "system_rating",
    rating_order: Sequence[str] = (),
    variables: Sequence[str] | None = None,
    min_respondents: int = 20,
) -> AdjustedSample:
    """Event-level weights for released `cases`, adjusted as `propensity_adjust` describes.

    `rating_totals`: the frame's count of eligible events (after the study's exclusions) per system
    rating — the population the system's own 满意率 covers, so both sides describe the same events.
    """
    if disposition_col not in cases.columns:
        raise AnalysisError(f"cases lack the final disposition column {disposition_col!r}")
    data = cases.reset_index(drop=True).copy()
    code = data[disposition_col].astype(str).str.strip()
    data["eligible"] = ~code.str.startswith("4")
    data["responded"] = code.str[:3].isin(INTERVIEW_CODES)
    events = (
        pd.to_numeric(data[events_col], errors="coerce").fillna(1.0).to_numpy(float)
        if events_col in data.columns
        else np.ones(len(data))
    )
    if (events < 1).any():
        row = int(np.flatnonzero(events < 1)[0])
        raise AnalysisError(f"{events_col!r} at row {row} is {events[row]:g}; a sampled person has ≥ 1 event")
    design_weight = pd.to_numeric(data[weight_col], errors="coerce").to_numpy(float)
    data["base_weight"] = design_weight * events
    adjustment = propensity_adjust(
        data,
        "responded",
        "eligible",
        "base_weight",
        rating_col=rating_col,
        rating_order=rating_order,
        rating_totals=rating_totals,
        variables=variables,
        min_respondents=min_respondents,
    )
    replicates = jackknife(data, strata=strata, fpc=fpc)
    return AdjustedSample(adjustment.data, adjustment, replicates, data["base_weight"].to_numpy(float))
