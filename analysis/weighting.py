"""Nonresponse: weighting-class adjustment, frame totals for calibration, and the nonresponse-bias table.

Every frame unit has a system rating, so the system rating can (and should) be a weighting-class
variable: it is the one variable known for everybody that is closest to what the survey measures.

Weighting classes are the cross-classification of `classes`. A class with fewer than
`min_respondents` respondents, or whose adjustment factor would exceed `max_factor`, is collapsed by
dropping the *last* class variable for its cases (so list the most important variable first); cases
still unresolved when no variable is left form one residual class. If that residual class has no
respondent at all, it joins the class with the most respondents. The resulting weights are treated as
fixed by `Design` (the usual practice; the variance ignores the estimation of the factors) — raking to
frame totals afterwards (`Design.rake(frame_margins(...))`) does carry its own variance adjustment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.errors import AnalysisError


@dataclass(frozen=True)
class NonresponseAdjustment:
    """The adjusted sample and the weighting classes that were used."""

    data: pd.DataFrame  # the sample with nr_class, nr_factor and nr_weight
    classes: pd.DataFrame  # one row per class: cases, respondents, weights, factor, depth


def _check_columns(frame: pd.DataFrame, columns: Sequence[str], role: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise AnalysisError(
            f"{role}: column {missing[0]!r} is not in the sample; it has {', '.join(frame.columns)}"
        )


def _key(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    if not columns:
        return pd.Series("(all)", index=frame.index)
    return frame[list(columns)].astype(str).agg(" | ".join, axis=1)


def nonresponse_adjust(
    sample: pd.DataFrame,
    respondent_col: str,
    classes: Sequence[str],
    weight_col: str = "design_weight",
    *,
    eligible_col: str | None = None,
    min_respondents: int = 20,
    max_factor: float = 3.0,
) -> NonresponseAdjustment:
    """Design weight × (class weight of eligible cases / class weight of respondents).

    `sample` holds every released case (respondents and nonrespondents) with frame variables.
    Cases known to be ineligible (`eligible_col` False) get weight 0 and take no part; cases of
    unknown eligibility count as eligible (conservative: it spreads their weight over respondents).
    """
    _check_columns(
        sample,
        [respondent_col, weight_col, *classes, *([eligible_col] if eligible_col else [])],
        "nonresponse_adjust",
    )
    data = sample.copy()
    responded = data[respondent_col].astype(bool).to_numpy()
    weight = pd.to_numeric(data[weight_col], errors="coerce").to_numpy(dtype=float)
    if np.isnan(weight).any() or (weight < 0).any():
        row = data.index[np.isnan(weight) | (weight < 0)][0]
        raise AnalysisError(f"{weight_col!r} at row {row} is not a weight ≥ 0")
    eligible = (
        np.ones(len(data), bool) if eligible_col is None else data[eligible_col].astype(bool).to_numpy()
    )
    if not (responded & eligible).any():
        raise AnalysisError("no eligible respondent in the sample: nothing to adjust to")
    assigned = pd.Series(pd.NA, index=data.index, dtype=object)
    depth_of = pd.Series(0, index=data.index)
    todo = pd.Series(eligible, index=data.index)
    for depth in range(len(classes), 0, -1):
        key = _key(data, classes[:depth])
        frame = pd.DataFrame({"key": key, "r": responded, "w": weight, "rw": weight * responded})[todo]
        sums = frame.groupby("key")[["r", "w", "rw"]].sum()
        factor = sums["w"] / sums["rw"].where(sums["rw"] > 0)
        good = sums.index[(sums["r"] >= min_respondents) & (factor <= max_factor)]
        take = todo & key.isin(good)
        assigned[take], depth_of[take] = key[take], depth
        todo &= ~take
    if todo.any():
        assigned[todo] = "(residual)"
        if not (responded & todo.to_numpy()).any():
            counts = (
                pd.Series(responded[eligible], index=assigned[eligible].index)
                .groupby(assigned[eligible])
                .sum()
            )
            assigned[todo] = counts.idxmax()
    table = pd.DataFrame(
        {
            "nr_class": assigned,
            "cases": eligible.astype(int),
            "respondents": (responded & eligible).astype(int),
            "weight": weight * eligible,
            "respondent_weight": weight * (responded & eligible),
            "depth": depth_of,
        }
    )[eligible]
    summary = table.groupby("nr_class").agg(
        cases=("cases", "sum"),
        respondents=("respondents", "sum"),
        weight=("weight", "sum"),
        respondent_weight=("respondent_weight", "sum"),
        variables=("depth", "max"),
    )
    summary["factor"] = summary["weight"] / summary["respondent_weight"]
    data["nr_class"] = assigned
    data["nr_factor"] = data["nr_class"].map(summary["factor"]).astype(float)
    data["nr_weight"] = np.where(responded & eligible, weight * data["nr_factor"].fillna(0.0), 0.0)
    return NonresponseAdjustment(data, summary)


def frame_margins(frame: pd.DataFrame, columns: Sequence[str]) -> dict[str, dict]:
    """Frame counts per level of each column, in the form `Design.rake` takes."""
    _check_columns(frame, columns, "frame_margins")
    return {c: frame[c].value_counts(dropna=False).to_dict() for c in columns}


def _as_categories(values: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values) and values.nunique() > 10:
        return pd.qcut(values, 5, duplicates="drop").astype(str)
    return values.astype(str)


#: Frame variables compared by default (those present in the sample are used).
BIAS_VARIABLES = ("system_rating", "domain", "channel", "district", "event_type", "n_events")


def nonresponse_bias_table(
    sample: pd.DataFrame,
    respondent_col: str,
    variables: Sequence[str] | None = None,
    weight_col: str | None = None,
) -> pd.DataFrame:
    """Respondents against nonrespondents on every frame variable, with a test per variable.

    Shares are weighted by `weight_col` when given. The test is Pearson's chi-square of response by
    level on the released cases: once the sample is drawn, response is the random outcome, so the
    question "does response depend on this variable?" is a test of independence on the sample itself,
    whatever the sampling weights. Numeric variables with many values are cut into quintiles.
    Without `variables`, every frame variable of `BIAS_VARIABLES` that the sample has is compared.
    """
    if variables is None:
        variables = [c for c in BIAS_VARIABLES if c in sample.columns]
    _check_columns(
        sample, [respondent_col, *variables, *([weight_col] if weight_col else [])], "nonresponse_bias_table"
    )
    responded = sample[respondent_col].astype(bool)
    weight = pd.Series(1.0, index=sample.index) if weight_col is None else sample[weight_col].astype(float)
    rows = []
    for variable in variables:
        level = _as_categories(sample[variable])
        counts = pd.crosstab(level, responded).reindex(columns=[False, True], fill_value=0)
        if len(counts) > 1 and (counts.sum(axis=0) > 0).all():
            statistic, p_value, df, _ = stats.chi2_contingency(counts.to_numpy(), correction=False)
        else:
            statistic, p_value, df = np.nan, np.nan, 0
        w_resp = weight[responded].groupby(level[responded]).sum()
        w_non = weight[~responded].groupby(level[~responded]).sum()
        for value in counts.index:
            cases = int(counts.loc[value].sum())
            rows.append(
                {
                    "variable": variable,
                    "level": value,
                    "cases": cases,
                    "respondents": int(counts.loc[value, True]),
                    "response_rate": counts.loc[value, True] / cases if cases else np.nan,
                    "share_respondents": w_resp.get(value, 0.0) / w_resp.sum() if w_resp.sum() else np.nan,
                    "share_nonrespondents": w_non.get(value, 0.0) / w_non.sum() if w_non.sum() else np.nan,
                    "chi2": statistic,
                    "df": df,
                    "p_value": p_value,
                }
            )
    table = pd.DataFrame(rows)
    table["difference"] = table["share_respondents"] - table["share_nonrespondents"]
    return table


def calibrate_to_frame(design, frame: pd.DataFrame, columns: Sequence[str], method: str = "rake"):
    """The design raked (R's `rake`) or GREG-calibrated (`"linear"`) to the frame's counts by `columns`.

    The frame must count the same units as the weights (events, or persons when persons were
    sampled); otherwise the calibrated weights estimate the wrong population.
    """
    margins = frame_margins(frame, columns)
    if method == "rake":
        return design.rake(margins)
    if method == "linear":
        return design.calibrate(margins, calfun="linear")
    raise AnalysisError(f"method={method!r}: use 'rake' or 'linear'")
