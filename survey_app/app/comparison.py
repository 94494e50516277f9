"""The reviewer's comparison, until `survey_app.services.analysis_service` offers it.

A thin adapter over `datasets` and `analysis`: the headline figures (weighted, with intervals) and,
per unit, the system's 满意率 over the whole frame (a census) against the third-party 满意率 from the
unit's responding cases. Respondents carry their design weights (π = n_h/N_h, with the stratum's N_h
as finite population correction); no nonresponse adjustment is made here. A unit is flagged when its
system 满意率 lies above the upper end of the third-party 95% interval — without control of the false
discovery rate, so the page says "above the interval", not "inflated". Nothing personal is read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from analysis.design import Design
from analysis.headline import headline, satisfaction_indicator
from survey_app.services import datasets
from survey_app.services.auth import require
from survey_app.storage.models import Study, User

UNIT_LEVELS = ("district", "domain", "channel", "organisation")
RESPONDED = ("1.1", "1.2")


@dataclass(frozen=True)
class ComparisonView:
    headline: pd.DataFrame  # metric, group, level, estimate, ci_low, ci_high, n
    units: pd.DataFrame  # unit, system, third_party, ci_low, ci_high, n, frame_n, above
    respondents: int
    method: str


def comparison_view(
    session: Session, actor: User, study: Study, level: str = "district"
) -> ComparisonView | None:
    """The comparison by `level`, or None when no case has answered the headline item yet."""
    require(actor, "reviewer", "researcher", "auditor", "admin")
    data = datasets.analysis_dataset(session, study)
    if "sat_overall" not in data.columns:
        return None
    respondents = data[data["disposition"].isin(RESPONDED) & data["sat_overall"].notna()].reset_index(
        drop=True
    )
    if respondents.empty:
        return None
    for column in ("aware_12348", "first_choice"):
        if column not in respondents.columns:
            respondents[column] = None
    design = Design(respondents, strata="stratum", weights="design_weight", fpc="N_h", lonely_psu="certainty")
    figures = headline(design, satisfied_codes=study.satisfied_codes, by=(level,))
    satisfied = satisfaction_indicator(respondents["sat_overall"], study.satisfied_codes)
    third = design.by(level).proportion(satisfied)
    frame = datasets.frame_table(session, study)
    census = frame["system_rating"].isin(study.satisfied_codes).groupby(frame[level]).agg(["mean", "size"])
    units = pd.DataFrame(
        {
            "unit": third.index.astype(str),
            "system": census["mean"].reindex(third.index).to_numpy(),
            "third_party": third["estimate"].to_numpy(),
            "ci_low": third["ci_low"].to_numpy(),
            "ci_high": third["ci_high"].to_numpy(),
            "frame_n": census["size"].reindex(third.index).to_numpy(),
        }
    )
    units["n"] = respondents.groupby(level)["sat_overall"].size().reindex(third.index).to_numpy()
    units["above"] = np.asarray(units["system"] > units["ci_high"])
    method = (
        "design weights 1/π, strata with fpc; logit intervals; no nonresponse adjustment; "
        "flag = system above the 95% interval, no false-discovery control"
    )
    return ComparisonView(figures, units, len(respondents), method)
