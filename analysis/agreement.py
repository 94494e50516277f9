"""Agreement between the system's rating and the callback answer on the same cases.

Cohen's kappa and weighted kappa with Fleiss, Cohen & Everitt's (1969) large-sample standard errors
and normal intervals; Bowker's test of symmetry and the Stuart–Maxwell test of marginal homogeneity
(rating inflation shows up as asymmetry: many "system 满意, callback 不满意" and few the other way);
McNemar's test on the satisfied / not-satisfied split.

Conventions: Bowker's statistic sums over all pairs i < j, an empty pair adding 0, with
k(k−1)/2 degrees of freedom (statsmodels' convention). Stuart–Maxwell drops categories unused on
both sides before inverting. McNemar's p-value is the exact binomial one on the discordant pairs;
its `statistic` is the uncorrected (b − c)²/(b + c) for display.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.errors import AgreementError
from sampling.vocabulary import DEFAULT_SATISFIED_CODES


@dataclass(frozen=True)
class TestResult:
    statistic: float
    df: float
    p_value: float


@dataclass(frozen=True)
class Agreement:
    kappa: float
    kappa_se: float
    kappa_ci: tuple[float, float]
    weighted_kappa: float
    weighted_kappa_se: float
    weighted_kappa_ci: tuple[float, float]
    bowker: TestResult
    stuart_maxwell: TestResult
    mcnemar: TestResult
    n: int
    weights: str


def agreement_weights(k: int, kind: str = "linear") -> np.ndarray:
    """Agreement weights w_ij: 1 on the diagonal, falling linearly or quadratically with distance."""
    distance = np.abs(np.subtract.outer(np.arange(k), np.arange(k))) / max(k - 1, 1)
    if kind == "linear":
        return 1 - distance
    if kind == "quadratic":
        return 1 - distance**2
    raise AgreementError(f"weights={kind!r}: use 'linear' or 'quadratic'")


def kappa_with_se(counts: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    """(Weighted) kappa and its Fleiss–Cohen–Everitt large-sample standard error."""
    n = counts.sum()
    p = counts / n
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    p_o = (weights * p).sum()
    p_e = (weights * np.outer(rows, cols)).sum()
    kappa = (p_o - p_e) / (1 - p_e)
    w_row = weights @ cols  # w̄_i. = Σ_j w_ij p_.j
    w_col = rows @ weights  # w̄_.j = Σ_i w_ij p_i.
    inner = (p * (weights - np.add.outer(w_row, w_col) * (1 - kappa)) ** 2).sum()
    var = (inner - (kappa - p_e * (1 - kappa)) ** 2) / (n * (1 - p_e) ** 2)
    return float(kappa), float(np.sqrt(max(var, 0.0)))


def bowker(counts: np.ndarray) -> TestResult:
    k = counts.shape[0]
    upper, lower = np.triu(counts, 1), np.tril(counts, -1).T
    pair = upper + lower
    with np.errstate(invalid="ignore", divide="ignore"):
        terms = np.where(pair > 0, (upper - lower) ** 2 / np.where(pair > 0, pair, 1), 0.0)
    statistic = float(terms.sum())
    df = k * (k - 1) / 2
    return TestResult(statistic, df, float(stats.chi2.sf(statistic, df)))


def stuart_maxwell(counts: np.ndarray) -> TestResult:
    used = (counts.sum(axis=0) + counts.sum(axis=1)) > 0
    table = counts[np.ix_(used, used)]
    k = table.shape[0]
    if k < 2:
        return TestResult(0.0, 0, 1.0)
    d = (table.sum(axis=1) - table.sum(axis=0))[:-1]
    s = -(table + table.T)
    np.fill_diagonal(s, table.sum(axis=1) + table.sum(axis=0) - 2 * np.diag(table))
    s = s[:-1, :-1]
    statistic = float(d @ np.linalg.pinv(s) @ d)
    return TestResult(statistic, k - 1, float(stats.chi2.sf(statistic, k - 1)))


def mcnemar(b: float, c: float) -> TestResult:
    """b = system satisfied / callback not; c = the reverse."""
    discordant = b + c
    if discordant == 0:
        return TestResult(0.0, 1, 1.0)
    statistic = (b - c) ** 2 / discordant
    p_value = stats.binomtest(round(b), round(discordant), 0.5).pvalue
    return TestResult(float(statistic), 1, float(p_value))


def _counts(table: pd.DataFrame) -> np.ndarray:
    if not isinstance(table, pd.DataFrame) or table.shape[0] != table.shape[1]:
        raise AgreementError("table must be a square DataFrame: rows = system rating, columns = answer")
    if list(table.index) != list(table.columns):
        raise AgreementError(
            f"rows {list(table.index)} and columns {list(table.columns)} must be the same categories in the "
            "same order (best first); reindex the table"
        )
    counts = table.to_numpy(dtype=float)
    if np.isnan(counts).any() or (counts < 0).any():
        raise AgreementError("table counts must be non-negative numbers")
    if counts.sum() == 0:
        raise AgreementError("table is empty: no case has both a system rating and an answer")
    return counts


def agreement(
    table: pd.DataFrame,
    weights: str = "linear",
    satisfied: Sequence[str] = DEFAULT_SATISFIED_CODES,
    level: float = 0.95,
) -> Agreement:
    """Agreement statistics for a paired table (rows: system rating, columns: callback answer).

    `satisfied` names the categories on the satisfied side of McNemar's split (default 满意 + 基本满意,
    the study's default 满意率 definition).
    """
    counts = _counts(table)
    k = counts.shape[0]
    z = stats.norm.ppf(0.5 + level / 2)
    kappa, kappa_se = kappa_with_se(counts, np.eye(k))
    wk, wk_se = kappa_with_se(counts, agreement_weights(k, weights))
    is_sat = np.array([label in set(satisfied) for label in table.index])
    if not is_sat.any() or is_sat.all():
        raise AgreementError(
            f"satisfied={tuple(satisfied)} must name some but not all of the categories {list(table.index)}"
        )
    b = counts[np.ix_(is_sat, ~is_sat)].sum()
    c = counts[np.ix_(~is_sat, is_sat)].sum()
    return Agreement(
        kappa=kappa,
        kappa_se=kappa_se,
        kappa_ci=(kappa - z * kappa_se, kappa + z * kappa_se),
        weighted_kappa=wk,
        weighted_kappa_se=wk_se,
        weighted_kappa_ci=(wk - z * wk_se, wk + z * wk_se),
        bowker=bowker(counts),
        stuart_maxwell=stuart_maxwell(counts),
        mcnemar=mcnemar(b, c),
        n=int(counts.sum()),
        weights=weights,
    )
