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

from collections.abc import Mapping, Sequence
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
    key = frame[columns[0]].astype(str)
    for column in columns[1:]:
        key = key + " | " + frame[column].astype(str)
    return key


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


# --------------------------------------------------------------------------------------------------
# Propensity-class nonresponse adjustment with calibration, repeatable inside every replicate.
#
# Why not `nonresponse_adjust` above: collapsing by dropping the last class variable discarded the system
# rating first, and with min_respondents=20 most cases ended in one pooled class (+9.3 points of bias
# when the dissatisfied refuse twice as often). Here the system rating is a hard boundary: classes are
# formed *within* system-rating groups, and rating levels are only ever merged with their neighbour on
# the scale when a level has too few respondents on its own.

#: Frame variables of the response-propensity model (those present in the cases are used).
PROPENSITY_VARIABLES = (
    "system_rating",
    "domain",
    "channel",
    "district",
    "event_type",
    "stratum",
    "organisation_id",
)


def ordered_groups(levels: Sequence[str], counts: Sequence[float], minimum: float) -> list[list[str]]:
    """Adjacent levels merged until every group reaches `minimum` (the smallest group joins its
    smaller neighbour first). Order is kept, so a rating scale only ever merges neighbours."""
    groups = [[level] for level in levels]
    sizes = [float(c) for c in counts]
    while len(groups) > 1 and min(sizes) < minimum:
        i = int(np.argmin(sizes))
        if i == 0:
            j = 1
        elif i == len(groups) - 1:
            j = i - 1
        else:
            j = i - 1 if sizes[i - 1] <= sizes[i + 1] else i + 1
        a, b = min(i, j), max(i, j)
        groups[a : b + 1] = [groups[a] + groups[b]]
        sizes[a : b + 1] = [sizes[a] + sizes[b]]
    return groups


def _design_matrix(data: pd.DataFrame, variables: Sequence[str]) -> np.ndarray:
    """Intercept and treatment dummies; a variable that only repeats an earlier one's grouping (units
    as strata: stratum = organisation) is left out, so the model is not fitted twice over."""
    blocks = [np.ones((len(data), 1))]
    seen: list[np.ndarray] = []
    for variable in variables:
        codes, labels = pd.factorize(data[variable].astype(str), sort=True)
        if len(labels) <= 1 or any(_same_grouping(codes, other) for other in seen):
            continue
        seen.append(codes)
        blocks.append(np.eye(len(labels))[codes][:, 1:])
    return np.hstack(blocks)


def _same_grouping(a: np.ndarray, b: np.ndarray) -> bool:
    pairs = np.unique(np.column_stack([a, b]), axis=0)
    return len(pairs) == len(np.unique(a)) == len(np.unique(b))


def response_propensity(
    data: pd.DataFrame,
    responded: np.ndarray,
    variables: Sequence[str],
    ridge: float = 1.0,
    max_iter: int = 50,
) -> np.ndarray:
    """Fitted P(response) from a main-effects logistic model on frame variables (ridge-penalised).

    The small ridge penalty (not on the intercept) keeps the fit finite when a level (a unit with all
    of its cases answering, say) would separate perfectly; the propensity only orders cases into
    classes, so a little shrinkage costs nothing.
    """
    y = np.asarray(responded, dtype=float)
    if y.min() == y.max():  # everyone (or no one) answered: nothing to model
        return np.full(len(y), y.mean())
    x = _design_matrix(data, variables)
    penalty = np.full(x.shape[1], ridge)
    penalty[0] = 0.0
    beta = np.zeros(x.shape[1])
    beta[0] = np.log((y.mean() + 1e-9) / (1 - y.mean() + 1e-9))
    for _ in range(max_iter):
        p = 1 / (1 + np.exp(-(x @ beta)))
        gradient = x.T @ (y - p) - penalty * beta
        hessian = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty)
        try:
            step = np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(hessian, gradient, rcond=None)[0]
        beta += step
        if np.max(np.abs(step)) < 1e-8:
            break
    return 1 / (1 + np.exp(-(x @ beta)))


def _propensity_classes(
    propensity: np.ndarray,
    responded: np.ndarray,
    weight: np.ndarray,
    groups: int,
    minimum: int,
    max_factor: float,
) -> np.ndarray:
    """Class numbers 0..g-1 of one rating group's eligible cases: equal-count propensity groups, then
    neighbours merged until each has `minimum` respondents and a factor ≤ `max_factor`."""
    g = int(max(1, min(groups, responded.sum() // max(minimum, 1))))
    rank = np.argsort(np.argsort(propensity, kind="stable"), kind="stable")
    cut = (rank * g) // len(rank)
    members = [np.flatnonzero(cut == k) for k in range(g)]
    while len(members) > 1:
        respondents = [responded[m].sum() for m in members]
        factors = [weight[m].sum() / max(weight[m][responded[m]].sum(), 1e-300) for m in members]
        bad = [k for k in range(len(members)) if respondents[k] < minimum or factors[k] > max_factor]
        if not bad:
            break
        i = bad[0]
        j = (
            i + 1
            if i == 0
            else (i - 1 if i == len(members) - 1 or respondents[i - 1] <= respondents[i + 1] else i + 1)
        )
        a, b = min(i, j), max(i, j)
        members[a : b + 1] = [np.concatenate([members[a], members[b]])]
    out = np.empty(len(propensity), dtype=np.int64)
    for k, m in enumerate(members):
        out[m] = k
    return out


def _indicator(cell: np.ndarray, size: int, mask: np.ndarray | None = None):
    from scipy import sparse

    keep = np.flatnonzero((cell >= 0) if mask is None else (cell >= 0) & mask)
    return sparse.csr_matrix((np.ones(len(keep)), (cell[keep], keep)), shape=(size, len(cell)))


@dataclass(frozen=True)
class WeightingRecipe:
    """How final weights are made from base weights, fixed from the full sample so that every
    replicate repeats exactly the same steps: (1) post-stratify all released cases to the frame's
    counts per system-rating group, (2) drop cases known to be ineligible, (3) within each response
    class, scale respondents up to the class's eligible weight."""

    calibration_cell: np.ndarray  # per released case, its system-rating group (−1: no calibration)
    calibration_totals: np.ndarray | None  # frame count per group, or None for no calibration
    nr_class: np.ndarray  # per case, its response class (−1 for known-ineligible cases)
    eligible: np.ndarray
    responded: np.ndarray  # eligible respondents

    def apply(self, weights: np.ndarray) -> np.ndarray:
        """Final weights (0 for nonrespondents and ineligibles) for base weights n or n × k."""
        w = np.asarray(weights, dtype=float)
        flat = w.ndim == 1
        w = w.reshape(len(w), -1)
        if self.calibration_totals is not None:
            cal = _indicator(self.calibration_cell, len(self.calibration_totals))
            sums = np.asarray(cal @ w)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(sums > 0, self.calibration_totals[:, None] / sums, 0.0)
            w = w * ratio[self.calibration_cell]
        w = w * self.eligible[:, None]
        size = int(self.nr_class.max()) + 1
        everyone = np.asarray(_indicator(self.nr_class, size) @ w)
        answered = np.asarray(_indicator(self.nr_class, size, self.responded) @ w)
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(answered > 0, everyone / answered, 0.0)
        out = np.where(self.responded[:, None], w * factor[np.maximum(self.nr_class, 0)], 0.0)
        return out[:, 0] if flat else out


@dataclass(frozen=True)
class PropensityAdjustment:
    """The recipe, every case with its groups and propensity, and one row per response class."""

    recipe: WeightingRecipe
    data: pd.DataFrame  # cases with rating_group, propensity, nr_class, nr_factor, cal_weight, nr_weight
    classes: pd.DataFrame  # rating group, class: cases, respondents, weights, factor, propensity range


def propensity_adjust(
    cases: pd.DataFrame,
    respondent_col: str,
    eligible_col: str,
    weight_col: str,
    *,
    rating_col: str = "system_rating",
    rating_order: Sequence[str] = (),
    rating_totals: Mapping[str, float] | None = None,
    variables: Sequence[str] | None = None,
    min_respondents: int = 20,
    min_rating_respondents: int = 5,
    min_cases: int = 20,
    groups: int = 5,
    max_factor: float = 3.0,
) -> PropensityAdjustment:
    """Calibrate released cases to frame counts by system rating, then adjust for nonresponse within
    propensity classes nested in system-rating groups.

    `weight_col` holds the base weight in the unit the frame counts (event-level when persons were
    sampled: design weight × n_events). `rating_totals` are the frame's counts per rating level over the
    same population (eligible events after exclusions); without them step (1) is skipped. Rating levels
    are merged with their neighbour in `rating_order` (best first) only while a level has fewer than
    `min_cases` released cases (calibration) or `min_rating_respondents` respondents (classes). Inside a
    rating group, propensity groups need `min_respondents` respondents each and a factor ≤ `max_factor`.

    Why a rating level needs so few respondents to stay apart: merging is a data-dependent switch
    between two estimators (merged levels are biased when the dissatisfied answer less), and no
    replicate sees that switch. With 20, the merge happened in some samples and not in others: the
    interval covered 87% of simulated studies; with 5 it is rare and the factor still stable.
    """
    variables = [v for v in (PROPENSITY_VARIABLES if variables is None else variables) if v in cases.columns]
    _check_columns(cases, [respondent_col, eligible_col, weight_col, rating_col], "propensity_adjust")
    data = cases.reset_index(drop=True).copy()
    weight = pd.to_numeric(data[weight_col], errors="coerce").to_numpy(dtype=float)
    if np.isnan(weight).any() or (weight < 0).any():
        row = int(np.flatnonzero(np.isnan(weight) | (weight < 0))[0])
        raise AnalysisError(f"{weight_col!r} at row {row} is not a weight ≥ 0")
    eligible = data[eligible_col].astype(bool).to_numpy()
    responded = data[respondent_col].astype(bool).to_numpy() & eligible
    if not responded.any():
        raise AnalysisError("no eligible respondent in the sample: nothing to adjust to")
    if data[rating_col].isna().any():
        row = int(np.flatnonzero(data[rating_col].isna().to_numpy())[0])
        raise AnalysisError(
            f"{rating_col!r} is empty at row {row}; every released case needs its system rating"
        )
    rating = data[rating_col].astype(str)
    observed = list(dict.fromkeys(rating))
    totals_keys = list(rating_totals) if rating_totals is not None else []
    order = [c for c in rating_order if c in observed or c in totals_keys]
    order += [c for c in sorted(set(observed) | set(map(str, totals_keys))) if c not in order]
    # (1) calibration groups: enough released cases in each
    released_counts = rating.value_counts().reindex(order, fill_value=0).to_numpy()
    cal_groups = ordered_groups(order, released_counts, min_cases)
    group_of = {level: k for k, members in enumerate(cal_groups) for level in members}
    cal_cell = rating.map(group_of).to_numpy(dtype=np.int64)
    cal_totals = None
    if rating_totals is not None:
        cal_totals = np.zeros(len(cal_groups))
        for level, total in rating_totals.items():
            cal_totals[group_of[str(level)]] += float(total)
    # response classes: rating groups (coarser if needed) × propensity groups inside each
    respondent_counts = (
        pd.Series(responded).groupby(cal_cell).sum().reindex(range(len(cal_groups)), fill_value=0)
    )
    nr_groups = ordered_groups(
        [str(k) for k in range(len(cal_groups))], respondent_counts.to_numpy(), min_rating_respondents
    )
    nr_group_of_cal = {int(k): g for g, members in enumerate(nr_groups) for k in members}
    rating_group = np.array([nr_group_of_cal[c] for c in cal_cell])
    propensity = np.full(len(data), np.nan)
    propensity[eligible] = response_propensity(data[eligible], responded[eligible], variables)
    nr_class = np.full(len(data), -1, dtype=np.int64)
    base_weight = weight.copy()
    if cal_totals is not None:
        sums = np.bincount(cal_cell, weights=weight, minlength=len(cal_groups))
        base_weight = weight * np.where(sums > 0, cal_totals / np.where(sums > 0, sums, 1), 0.0)[cal_cell]
    next_class = 0
    labels = []
    for g, members in enumerate(nr_groups):
        rows = np.flatnonzero(eligible & (rating_group == g))
        if len(rows) == 0:
            continue
        classes = _propensity_classes(
            propensity[rows], responded[rows], base_weight[rows], groups, min_respondents, max_factor
        )
        nr_class[rows] = classes + next_class
        name = "+".join(level for k in members for level in cal_groups[int(k)])
        labels += [(name, k + 1) for k in range(int(classes.max()) + 1)]
        next_class += int(classes.max()) + 1
    if (responded & (nr_class < 0)).any() or np.bincount(
        nr_class[responded], minlength=next_class
    ).min() == 0:
        raise AnalysisError(
            "a response class has no respondent; lower min_respondents or collect more interviews"
        )
    recipe = WeightingRecipe(cal_cell, cal_totals, nr_class, eligible, responded)
    final = recipe.apply(weight)
    data["rating_group"] = ["+".join(cal_groups[c]) for c in cal_cell]
    data["propensity"] = propensity
    data["nr_class"] = np.where(
        nr_class >= 0, [f"{labels[c][0]} · p{labels[c][1]}" if c >= 0 else "" for c in nr_class], None
    )
    calibrated = base_weight * eligible
    everyone = np.bincount(nr_class[eligible], weights=calibrated[eligible], minlength=next_class)
    answered = np.bincount(nr_class[responded], weights=calibrated[responded], minlength=next_class)
    factor = everyone / answered
    data["nr_factor"] = np.where(nr_class >= 0, factor[np.maximum(nr_class, 0)], np.nan)
    data["cal_weight"] = base_weight
    data["nr_weight"] = final
    table = pd.DataFrame(
        {
            "rating_group": [labels[c][0] for c in range(next_class)],
            "propensity_group": [labels[c][1] for c in range(next_class)],
            "cases": np.bincount(nr_class[eligible], minlength=next_class),
            "respondents": np.bincount(nr_class[responded], minlength=next_class),
            "weight": everyone,
            "respondent_weight": answered,
            "factor": factor,
            "propensity_low": pd.Series(propensity[eligible]).groupby(nr_class[eligible]).min().to_numpy(),
            "propensity_high": pd.Series(propensity[eligible]).groupby(nr_class[eligible]).max().to_numpy(),
        }
    )
    table.index = pd.Index([f"{a} · p{b}" for a, b in labels], name="nr_class")
    return PropensityAdjustment(recipe, data, table)
