"""A Γ-bounded range for the headline 满意率 when refusal may depend on the answer itself (MNAR).

Why: the nonresponse adjustment (`analysis.weighting.propensity_adjust`) assumes that within a response
class, nonrespondents are as satisfied as respondents (missing at random given frame variables). When
the dissatisfied refuse more *within* a class no frame variable can see it, and no reweighting removes
the bias. What can be said honestly is how far the headline would move if the assumption were wrong
by a stated amount.

The model (a pattern-mixture δ-adjustment on the odds scale, cf. Little & Rubin; NRC 2010, "The
Prevention and Treatment of Missing Data", ch. 5; the Γ of Rosenbaum's sensitivity analysis): in every
response class c, nonrespondents' odds of being satisfied are Γ times lower (or higher) than those of
the class's respondents. With p_c the respondents' weighted satisfied share, the nonrespondents'
imputed share is

    p_c(Γ) = p_c / (p_c + Γ (1 − p_c))          (Γ > 1: less satisfied; Γ < 1: more)

and the headline becomes Σ_c [S_c + q_c (A_c − R_c)] / Σ_c A_c, where, over respondents with an
answer on the scale, S_c is the calibrated weight of the satisfied, R_c the calibrated weight (before
the nonresponse factor) and A_c the final weight (after it): A_c − R_c is the weight the adjustment
hands from the class's nonrespondents to its respondents. Γ = 1 gives the headline exactly.

One departure from the plain odds tilt: classes nest in system ratings, so many have every respondent
satisfied (p_c = 1) or none (p_c = 0) from ~20 answers, and an odds tilt cannot move 0 or 1 — the
range would shrink to nothing exactly where the rare dissatisfied among "satisfied" ratings refuse.
The shift is therefore computed at the class's Jeffreys-smoothed share p̃_c = (n_c p_c + ½)/(n_c + 1)
(n_c: respondents with an answer) and applied to p_c: q_c = clip(p_c − [p̃_c − p̃_c(Γ)], 0, 1).

By Bayes' rule the odds ratio of satisfaction between respondents and nonrespondents equals the odds
ratio of response between the satisfied and the dissatisfied; "the dissatisfied refuse twice as
often" with response rates 60% / 30% is an odds ratio of (0.6/0.4)/(0.3/0.7) = 3.5, not 2 — but the
classes, nested in the system rating, already absorb much of it.

Intervals: every jackknife replicate (`AdjustedSample.replicate_weights`) re-runs the calibration and
the adjustment, and the tilted estimate is recomputed from its weights, so each end has the same kind
of interval as the headline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError
from analysis.headline import SPECIAL, satisfaction_indicator
from analysis.intervals import proportion_interval
from analysis.interviewer_variance import add_interviewer_variance, composition_cells
from sampling.vocabulary import DEFAULT_SATISFIED_CODES

#: Γ of the study's setting: nonrespondents' odds of being satisfied up to two times lower or higher.
DEFAULT_GAMMA = 2.0
#: Row names beside the headline: the low end (nonrespondents less satisfied) and the high end.
REFUSAL_LOW, REFUSAL_HIGH = "满意率·未应答者满意几率低Γ倍", "满意率·未应答者满意几率高Γ倍"


def tilt(p: np.ndarray, gamma: float) -> np.ndarray:
    """The share satisfied whose odds are `gamma` times lower than those of share `p`."""
    p = np.asarray(p, dtype=float)
    return p / (p + gamma * (1.0 - p))


def tilted_rate(
    final: np.ndarray, calibrated: np.ndarray, classes: np.ndarray, satisfied: np.ndarray, gamma: float
) -> np.ndarray:
    """The 满意率 with each class's nonrespondents `gamma` times less satisfied in odds (the shift taken
    at the class's Jeffreys-smoothed share, see the module's docstring).

    Rows are the respondents with an answer on the scale; `final` (n or n × k) their weights after the
    nonresponse adjustment, `calibrated` (same shape) before it, `classes` their response class
    (0..C−1), `satisfied` 0/1. Returns one estimate per column.
    """
    final, calibrated = (np.asarray(a, dtype=float).reshape(len(classes), -1) for a in (final, calibrated))
    y = np.asarray(satisfied, dtype=float)
    size = int(np.max(classes)) + 1 if len(classes) else 0
    one_hot = np.eye(size)[np.asarray(classes, dtype=np.int64)].T  # C × n
    a = one_hot @ final  # final weight per class
    r = one_hot @ calibrated  # calibrated weight per class
    s = one_hot @ (calibrated * y[:, None])  # calibrated weight of the satisfied
    n = one_hot.sum(axis=1)[:, None]  # respondents per class
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(r > 0, s / np.where(r > 0, r, 1.0), 0.0)
        smooth = (n * p + 0.5) / (n + 1)
        q = np.clip(p - (smooth - tilt(smooth, gamma)), 0.0, 1.0)
        return (s + q * (a - r)).sum(axis=0) / a.sum(axis=0)


def refusal_sensitivity(
    sample,
    gamma: float = DEFAULT_GAMMA,
    satisfied_codes: Sequence[str] = DEFAULT_SATISFIED_CODES,
    item: str = "sat_overall",
    ci: str = "logit",
    level: float = 0.95,
    interviewer: str | None = None,
) -> pd.DataFrame:
    """Two rows in `replicate_headline`'s columns (group "overall"): the headline 满意率 of an
    `AdjustedSample` with nonrespondents' odds of being satisfied `gamma` times lower (REFUSAL_LOW) and
    `gamma` times higher (REFUSAL_HIGH) than respondents' of the same response class, each with its
    jackknife interval — and, with `interviewer`, the interviewers' component as in the headline."""
    if not np.isfinite(gamma) or gamma < 1:
        raise AnalysisError(f"gamma={gamma} must be a number ≥ 1 (the odds ratio at each end)")
    recipe = sample.adjustment.recipe
    before = replace(recipe, responded=recipe.eligible & (recipe.nr_class >= 0))  # factor 1: calibrated
    rows = np.flatnonzero(recipe.responded)
    answers = sample.cases[item].iloc[rows]
    values = satisfaction_indicator(answers, satisfied_codes)
    excluded = int(answers.astype("string").isin(SPECIAL).fillna(False).sum())
    rows, y = rows[~np.isnan(values)], values[~np.isnan(values)]
    if len(rows) == 0:
        raise AnalysisError(f"no respondent answered {item!r} on the rating scale: no 满意率 to bound")
    classes = pd.factorize(recipe.nr_class[rows], sort=True)[0]
    ends = (gamma, 1.0 / gamma)
    full = sample.base_weight[:, None]
    final, calibrated_full = recipe.apply(full)[rows], before.apply(full)[rows]
    estimate = np.array([tilted_rate(final, calibrated_full, classes, y, g)[0] for g in ends])
    squares = np.zeros(len(ends))
    for start, factors in sample.jackknife.chunks():
        base = sample.base_weight[:, None] * factors
        adjusted, calibrated = recipe.apply(base)[rows], before.apply(base)[rows]
        rscales = sample.jackknife.rscales[start : start + factors.shape[1]]
        for k, g in enumerate(ends):
            theta = tilted_rate(adjusted, calibrated, classes, y, g)
            squares[k] += np.nansum((theta - estimate[k]) ** 2 * rscales)
    jk = sample.jackknife
    df = float(len(np.unique(jk.psu[rows])) - len(np.unique(jk.stratum[rows])))
    asked = sample.cases.iloc[rows].reset_index(drop=True)
    widened = add_interviewer_variance(
        np.sqrt(squares),
        y,
        np.ones((len(rows), len(ends))),
        final[:, 0],
        asked[interviewer] if interviewer else None,
        composition_cells(asked) if interviewer else None,
    )
    se = widened.se
    n = np.full(len(ends), len(rows))
    dfs = widened.df(np.full(len(ends), df))
    low, high = proportion_interval(estimate, se, dfs, n, ci, level)
    words = (
        f"{item} satisfied share with nonrespondents' odds of being satisfied {gamma:g} times "
        "{} than respondents' of the same response class"
    )
    return pd.DataFrame(
        {
            "metric": [REFUSAL_LOW, REFUSAL_HIGH],
            "group": "overall",
            "level": "(all)",
            "estimate": estimate,
            "se": se,
            "ci_low": low,
            "ci_high": high,
            "n": n.astype(int),
            "df": dfs,
            "excluded": excluded,
            "definition": [words.format("lower"), words.format("higher")],
        }
    )
