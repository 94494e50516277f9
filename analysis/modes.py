"""Estimates by interview mode, and a headline with the web answers adjusted to the CATI reference.

Why: people answer a satisfaction question differently to a surveyor on the phone than alone on a
screen (social desirability pushes phone answers towards 满意), so a mixed-mode study's 满意率 moves
with the share answering on the web. The published series has always been CATI, so CATI is the
reference: the web answers are shifted by the mode effect, and the adjusted headline is what the
study would show had everyone answered by phone.

The mode effect is estimated within cells (the sampling strata, or any cells the caller gives):
in every cell where both modes answered, d_c = p_web,c − p_cati,c (weighted rates); the pooled effect
is δ = Σ_c W_web,c · d_c / Σ_c W_web,c (cells weighted by their web respondents' weight, since it is
the web answers that are adjusted). Within a cell the two modes share the cell's design variables, so
d_c does not mistake a different mix of districts or services for a mode effect; it still cannot tell
a mode effect from self-selection into the web within a cell (nobody here is randomised to a mode),
which the report states. The adjusted rate is then
    p_adj = (Σ_cati w·y + Σ_web w·(y − δ)) / Σ w  =  p − δ · W_web / W,
i.e. every web answer counts as its indicator minus δ. Cells with one mode only add no evidence on δ
but their web answers are adjusted too. With no cell holding both modes δ is unknown (NaN) and so is
the adjusted rate: there is nothing to estimate it from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError

REFERENCE = "cati"
ADJUSTED = "web"
COLUMNS = ("cell", "mode", "weight", "value")


@dataclass(frozen=True)
class ModeEstimates:
    """Weighted rates by mode, the pooled web − CATI effect and the headline before and after."""

    by_mode: pd.DataFrame  # mode, n, weight, rate
    cells: pd.DataFrame  # cell, web_rate, cati_rate, web_weight, difference (cells with both modes)
    effect: float
    unadjusted: float
    adjusted: float

    @property
    def web_share(self) -> float:
        row = self.by_mode[self.by_mode["mode"] == ADJUSTED]
        total = float(self.by_mode["weight"].sum())
        return float(row["weight"].sum()) / total if total > 0 else math.nan


def _ratio(weighted: np.ndarray, weight: np.ndarray) -> float:
    """Σ w·y / Σ w, NaN without weight; numpy's sums over the rows in their order, as pandas' are."""
    total = float(weight.sum())
    return float(weighted.sum()) / total if total > 0 else math.nan


def _cells(cell: pd.Series, web: np.ndarray, weight: np.ndarray, weighted: np.ndarray) -> list[dict]:
    """Each cell's web and CATI rates and web weight, for the cells (sorted, missing left out) where
    both modes carry weight. The rows are sorted stably by cell and mode and each part summed as one
    slice: the same sums, in the same order, as over each cell's rows taken apart, without a
    data-frame per cell (a mixed-mode simulation calls this thousands of times)."""
    codes, labels = pd.factorize(cell, sort=True)
    keep = codes >= 0
    codes, web, weight, weighted = codes[keep], web[keep], weight[keep], weighted[keep]
    order = np.lexsort((web, codes))
    codes, web, weight, weighted = codes[order], web[order], weight[order], weighted[order]
    part = codes * 2 + web
    starts = np.flatnonzero(np.r_[True, part[1:] != part[:-1]])
    ends = np.r_[starts[1:], len(part)]
    sums = {
        (int(part[s]) // 2, bool(part[s] % 2)): (weighted[s:e], weight[s:e])
        for s, e in zip(starts, ends, strict=True)
    }
    cells = []
    for code, label in enumerate(labels):
        if (code, True) in sums and (code, False) in sums:
            (web_y, web_w), (cati_y, cati_w) = sums[(code, True)], sums[(code, False)]
            if web_w.sum() > 0 and cati_w.sum() > 0:
                cells.append(
                    {
                        "cell": label,
                        "web_rate": _ratio(web_y, web_w),
                        "cati_rate": _ratio(cati_y, cati_w),
                        "web_weight": float(web_w.sum()),
                    }
                )
    return cells


def mode_adjusted(data: pd.DataFrame) -> ModeEstimates:
    """Rates by mode and the mode-adjusted rate from one row per respondent.

    `data` has columns `cell`, `mode` ("cati" or "web"), `weight` (the final weight) and `value`
    (the 0/1 indicator, NaN when the answer does not count, e.g. dk); rows with NaN values are left out.
    """
    missing = [c for c in COLUMNS if c not in data.columns]
    if missing:
        raise AnalysisError(f"mode_adjusted needs the column {missing[0]!r} (columns: {', '.join(COLUMNS)})")
    unknown = sorted(set(data["mode"].dropna()) - {REFERENCE, ADJUSTED})
    if unknown:
        raise AnalysisError(f"mode {unknown[0]!r} is neither {REFERENCE!r} nor {ADJUSTED!r}")
    rows = data.loc[data["value"].notna(), list(COLUMNS)].astype({"weight": float, "value": float})
    if (rows["weight"] < 0).any():
        raise AnalysisError("mode_adjusted: a weight is negative")
    weight = rows["weight"].to_numpy()
    weighted = weight * rows["value"].to_numpy()
    web = (rows["mode"] == ADJUSTED).to_numpy()
    by_mode = pd.DataFrame(
        [
            {
                "mode": mode,
                "n": int(part.sum()),
                "weight": float(weight[part].sum()),
                "rate": _ratio(weighted[part], weight[part]),
            }
            for mode, part in ((REFERENCE, ~web), (ADJUSTED, web))
        ]
    )
    table = pd.DataFrame(
        _cells(rows["cell"], web, weight, weighted), columns=["cell", "web_rate", "cati_rate", "web_weight"]
    )
    table["difference"] = table["web_rate"] - table["cati_rate"]
    effect = float(np.average(table["difference"], weights=table["web_weight"])) if len(table) else math.nan
    total = float(rows["weight"].sum())
    unadjusted = _ratio(weighted, weight)
    web_weight = float(by_mode["weight"].iloc[1])
    if web_weight == 0:
        adjusted = unadjusted  # nothing to adjust: an all-CATI study
    elif math.isnan(effect) or total == 0:
        adjusted = math.nan
    else:
        adjusted = unadjusted - effect * web_weight / total
    return ModeEstimates(by_mode, table, effect, unadjusted, adjusted)
