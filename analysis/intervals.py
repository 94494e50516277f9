"""Confidence intervals for design-based proportions, vectorised over domains.

All four use the t quantile with the design's degrees of freedom, as R's `svyciprop` does:

- ``logit`` — R's `svyciprop(method="logit")`: a Wald interval for logit(p) with se/(p(1−p)),
  transformed back. (R fits an intercept-only quasibinomial `svyglm`; its sandwich variance of the
  intercept is exactly var(p̂)/(p̂(1−p̂))², so this is the same interval.)
- ``beta`` — R's `svyciprop(method="beta")`, Korn & Graubard (1998): Clopper–Pearson with the effective
  sample size n* = p(1−p)/var(p̂), scaled by (t_{n−1}/t_df)².
- ``wald`` — R's `svyciprop(method="mean")`: p̂ ± t·se.
- ``wilson`` — not in R: the Wilson score interval with the effective sample size n* and the t
  quantile (Kott & Carr 1997; SAS SURVEYFREQ's design-adjusted Wilson interval).

Where p̂ is 0 or 1 the design gives no variance; ``logit``, ``beta`` and ``wilson`` then fall back to the
exact Clopper–Pearson interval on the n observed cases (effective n = n), so a unit where every
respondent said 满意 still gets an honest, non-degenerate interval. ``wald`` collapses to a point there.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from analysis.errors import AnalysisError

CI_METHODS = ("logit", "wilson", "beta", "wald")


def _t(level: float | np.ndarray, df: np.ndarray) -> np.ndarray:
    df = np.asarray(df, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(df > 0, stats.t.ppf(0.5 + level / 2, np.where(df > 0, df, 1.0)), np.nan)


def _clopper_pearson(p, n_eff, alpha):
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(p > 0, stats.beta.ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1), 0.0)
        high = np.where(p < 1, stats.beta.ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p)), 1.0)
    return low, high


def proportion_interval(
    p: np.ndarray,
    se: np.ndarray,
    df: np.ndarray,
    n: np.ndarray,
    method: str = "logit",
    level: float | np.ndarray = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper limits for proportions p̂ with standard errors se, design df and n cases; `level`
    may differ row by row (`analysis.waves` inverts intervals into p-values)."""
    if method not in CI_METHODS:
        raise AnalysisError(f"ci={method!r} is not one of {', '.join(CI_METHODS)}")
    levels = np.asarray(level, dtype=float)
    if not np.all((levels > 0) & (levels < 1)):
        raise AnalysisError(f"level={level} must lie strictly between 0 and 1, e.g. 0.95")
    p, se, df, n = (np.atleast_1d(np.asarray(a, dtype=float)) for a in (p, se, df, n))
    alpha = 1 - levels
    q = _t(levels, df)
    degenerate = (se <= 0) | (p <= 0) | (p >= 1)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        n_eff = np.where(degenerate, n, p * (1 - p) / se**2)
        if method == "wald":
            return p - q * se, p + q * se
        if method == "logit":
            eta = np.log(p / (1 - p))
            half = q * se / (p * (1 - p))
            low, high = 1 / (1 + np.exp(-(eta - half))), 1 / (1 + np.exp(-(eta + half)))
            # the exact interval only where the design gave no variance (beta quantiles are dear)
            p, n, df, alpha, degenerate, low, high = (
                np.array(a, dtype=float) for a in np.broadcast_arrays(p, n, df, alpha, degenerate, low, high)
            )
            at = np.flatnonzero(degenerate)
            if len(at):
                cp_low, cp_high = _clopper_pearson(p[at], n[at], alpha[at])
                low[at] = np.where(df[at] > 0, cp_low, np.nan)
                high[at] = np.where(df[at] > 0, cp_high, np.nan)
            return low, high
        if method == "beta":
            t_n = stats.t.ppf(alpha / 2, np.where(n > 1, n - 1, 1.0))
            t_df = stats.t.ppf(alpha / 2, np.where(df > 0, df, 1.0))
            n_eff = np.where(degenerate, n_eff, n_eff * (t_n / t_df) ** 2)
            low, high = _clopper_pearson(p, n_eff, alpha)
            return np.where(df > 0, low, np.nan), np.where(df > 0, high, np.nan)
        # wilson
        z2 = q**2
        centre = (p + z2 / (2 * n_eff)) / (1 + z2 / n_eff)
        half = q / (1 + z2 / n_eff) * np.sqrt(p * (1 - p) / n_eff + z2 / (4 * n_eff**2))
        return centre - half, centre + half
