"""Stratified jackknife (JKn) replicate weights, and the replicate variance of any estimator.

Why replicates: the headline 满意率 is computed from weights that were *estimated* (calibrated to the
frame, adjusted for nonresponse). Treating them as fixed (linearisation on the final weights) ignores
that the adjustment moves with the sample, which made the old interval ~40% too wide. Re-running the
whole weighting inside every replicate carries that variation into the variance.

JKn as R survey's `as.svrepdesign(design, type="JKn", compress=FALSE)` (`jknweights`): one replicate
per PSU of every stratum with n_h ≥ 2; replicate (h, j) multiplies the weights of PSU j by 0 and those
of the other PSUs of stratum h by n_h/(n_h − 1); weights outside h are unchanged. Its scale is
rscale = (1 − f_h)(n_h − 1)/n_h with f_h = n_h/N_h; a stratum sampled completely (f_h = 1) has no
replicates (R's `survey.drop.replicates`). A stratum with a single PSU gets no replicate (R's
`lonely.psu="certainty"`/`"remove"`: it adds no variance) — a design choice the caller should avoid.

Variance: Σ_r rscale_r (θ_r − θ̂)², centred at the full-sample estimate (R's `mse=TRUE`, the textbook
jackknife; slightly conservative against centring at the replicate mean).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.errors import DesignError


@dataclass(frozen=True)
class Jackknife:
    """The replicates of a stratified one-stage design over n rows."""

    psu: np.ndarray  # PSU code of each row (0..P-1)
    stratum: np.ndarray  # stratum code of each row
    deleted_psu: np.ndarray  # per replicate: the PSU left out
    replicate_stratum: np.ndarray  # per replicate: its stratum code
    inflation: np.ndarray  # per replicate: n_h / (n_h - 1)
    rscales: np.ndarray  # per replicate: (1 - f_h)(n_h - 1)/n_h

    @property
    def n_replicates(self) -> int:
        return len(self.deleted_psu)

    def factors(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """The n × (stop − start) matrix of weight multipliers of replicates start..stop − 1."""
        stop = self.n_replicates if stop is None else min(stop, self.n_replicates)
        r = np.arange(start, stop)
        same_stratum = self.stratum[:, None] == self.replicate_stratum[None, r]
        out = np.where(same_stratum, self.inflation[None, r], 1.0)
        out[self.psu[:, None] == self.deleted_psu[None, r]] = 0.0
        return out

    def chunks(self, size: int = 256) -> Iterator[tuple[int, np.ndarray]]:
        """(start, factors) for consecutive blocks of replicates, so n × R is never built whole."""
        for start in range(0, self.n_replicates, size):
            yield start, self.factors(start, start + size)

    def variance(self, replicates: np.ndarray, estimate: np.ndarray) -> np.ndarray:
        """Σ_r rscale_r (θ_r − θ̂)² per statistic; `replicates` is statistics × replicates."""
        replicates = np.atleast_2d(replicates)
        deviations = replicates - np.asarray(estimate, dtype=float).reshape(-1, 1)
        return (deviations**2 * self.rscales[None, :]).sum(axis=1)


def jackknife(
    data: pd.DataFrame, strata: str | None = None, fpc: str | None = None, ids: str | None = None
) -> Jackknife:
    """JKn replicates of a stratified design (element sampling unless `ids` names the PSUs).

    `fpc` holds N_h (population units in the stratum, or PSUs with `ids`); without it, f_h = 0.
    """
    n = len(data)
    if n == 0:
        raise DesignError("a jackknife needs at least one row")
    for role, column in (("strata", strata), ("fpc", fpc), ("ids", ids)):
        if column is not None and column not in data.columns:
            raise DesignError(f"{role}={column!r}: no such column in the data")
    stratum = (
        np.zeros(n, dtype=np.int64)
        if strata is None
        else pd.factorize(data[strata].astype(str), sort=True)[0].astype(np.int64)
    )
    if ids is None:
        psu = np.arange(n, dtype=np.int64)
    else:
        psu = pd.factorize(pd.MultiIndex.from_arrays([stratum, data[ids].astype(str)]), sort=True)[0]
        psu = psu.astype(np.int64)
    n_psus = int(psu.max()) + 1
    psu_stratum = np.zeros(n_psus, dtype=np.int64)
    psu_stratum[psu] = stratum
    n_h = np.bincount(psu_stratum).astype(float)
    if fpc is None:
        fraction = np.zeros_like(n_h)
    else:
        population = pd.to_numeric(data[fpc], errors="coerce").groupby(stratum).first().to_numpy(float)
        if np.isnan(population).any() or (population < n_h).any():
            bad = int(np.flatnonzero(np.isnan(population) | (population < n_h))[0])
            raise DesignError(
                f"fpc column {fpc!r}: stratum {bad} has N_h = {population[bad]} below its {int(n_h[bad])} PSUs"
            )
        fraction = n_h / population
    keep = (n_h[psu_stratum] >= 2) & (fraction[psu_stratum] < 1)
    deleted = np.flatnonzero(keep)
    h = psu_stratum[deleted]
    return Jackknife(
        psu=psu,
        stratum=stratum,
        deleted_psu=deleted,
        replicate_stratum=h,
        inflation=n_h[h] / (n_h[h] - 1),
        rscales=(1 - fraction[h]) * (n_h[h] - 1) / n_h[h],
    )
