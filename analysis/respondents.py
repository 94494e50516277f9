"""From released cases with final dispositions to the design the estimates use.

Cases come from `sampling` (stratum, N_h, design_weight, frame fields) with the final AAPOR
disposition and, for interviews, the answers as columns named by questionnaire item. Interviews
(1.1 complete, 1.2 partial) are respondents; not-eligible cases (4.x, e.g. "the service never
happened") leave the population; everything else, including unknown eligibility (3.x), counts as an
eligible nonrespondent, the conservative choice (`nonresponse_adjust` spreads its weight).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from analysis.design import Design
from analysis.errors import AnalysisError
from analysis.weighting import NonresponseAdjustment, nonresponse_adjust

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
