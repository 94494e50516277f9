"""Interviewer variance: the part of a callback estimate's error that comes from who asked.

Why: a handful of telephone surveyors ask every question of the study, and each asks a little
differently. Such differences are too small for the surveyor checks to name anyone (a surveyor 5
points off is found in two studies of five), yet they do not average out: every one of a surveyor's
hundreds of interviews carries the same small shift. The jackknife sees only the sampling of
citizens, so with five surveyors whose 满意率 differ by a standard deviation of 2 points the headline's
95% interval covered the truth in 89% of studies, and in 79% at 4 points (ARCHITECTURE.md,
"Interviewer variance"). Survey methodology adds the component (Kish 1962; Groves 1989, ch. 8;
Biemer & Stokes): with interviewer k's share W_k of an estimate's weight and σ_b² the variance of the
interviewers' shifts, Var = Var_sampling + σ_b² Σ_k W_k².

σ_b² is a moment estimator over the interviewers' answers net of whom they called (Henderson's method
III, Searle, Casella & McCulloch 1992, §5.5; `interviewer_component`), unweighted, truncated at 0.
Why net: most of the answers' spread is the citizens' own, and the system rating (a census the
weights are calibrated to) explains most of it, so the jackknife's variance is a fraction of the raw
answers'; the one-way ANOVA over raw answers carried their noise into σ̂_b² and widened the interval
by 45% where surveyors were alike — net of the system rating, 10%. Valid when cases reach
interviewers at random within those cells; where one surveyor is given harder cases within them it
reads part of that as interviewer variance, which widens the interval — the safe side.

With few interviewers σ_b² is itself uncertain (K − 1 degrees of freedom), so the interval takes
Satterthwaite's degrees of freedom for the sum (`WithInterviewers.df`). With the one-way estimate that
widened it by 12% where surveyors were alike, for no measurable coverage; net of the rating the
estimate is positive less often and smaller, and it costs 2% there (±2.33 against ±2.29 points) and
brings five surveyors 4 points apart from 0.910 to 0.927 coverage (ARCHITECTURE.md). Web
self-completion has no interviewer: those answers carry no such shift, but count in every W_k's
denominator.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class InterviewerComponent:
    """σ_b² of one measure, the intra-interviewer correlation ρ = σ_b² / (σ_b² + σ_w²), and how many
    interviewers it was estimated from (its degrees of freedom are `interviewers` − 1)."""

    sigma2: float
    rho: float
    interviewers: int

    @property
    def df(self) -> int:
        return max(self.interviewers - 1, 0)


NONE = InterviewerComponent(0.0, float("nan"), 0)


#: Who a surveyor happened to call, taken out before surveyors are compared: the system's own rating,
#: which predicts the callback answer better than anything else the frame has. Not the stratum: a
#: supervisor may give a district to one surveyor (a dialect, a route), and a surveyor nested in a
#: stratum has no peer within it — σ_b² would read 0 while the shift stays in the estimate. Stratum
#: and rating took out no more than the rating alone (±2.28 against ±2.27 points, ARCHITECTURE.md).
COMPOSITION = ("system_rating",)


def composition_cells(frame: pd.DataFrame, columns: Sequence[str] = COMPOSITION) -> pd.Series | None:
    """One label per row for the `columns` of `frame` it has (missing values a label of their own);
    None where it has none of them."""
    present = [c for c in columns if c in frame.columns]
    if not present:
        return None
    parts = [frame[c].astype("string").fillna("\x00") for c in present]
    # one vectorised join (a row-wise `agg` costs ~50 ms a study of 600 rows); labels as before
    return (parts[0].str.cat(parts[1:], sep="\x1f") if parts[1:] else parts[0]).astype(str).rename(None)


def interviewer_component(
    values: np.ndarray, interviewer: pd.Series, cells: pd.Series | None = None
) -> InterviewerComponent:
    """σ_b² from `values` (0/1, NaN where the answer does not count) grouped by `interviewer`
    (missing: no interviewer, e.g. a web answer), net of the composition `cells` (None: one cell).

    Henderson's method III for y = cell + interviewer + e, cells fixed and interviewers random: with
    M the within-cell centring, R = the sum of squares the centred interviewer dummies M Z explain in
    M y, and σ_e² the residual mean square, E[R] = σ_b² tr(Z'MZ) + σ_e² rank(MZ), so
    σ̂_b² = (R − σ̂_e² rank(MZ)) / tr(Z'MZ), truncated at 0, tr(Z'MZ) = N − Σ_c Σ_k n_kc² / n_c. With
    one cell it is the one-way ANOVA estimate. ρ is σ_b² over σ_b² plus the variance within
    interviewers, composition included, so it reads like the literature's ρ_int. Fewer than two
    interviewers: `NONE`."""
    values = np.asarray(values, float)
    asked = interviewer.notna().to_numpy() & ~np.isnan(values)
    codes, _ = pd.factorize(interviewer[asked])
    if codes.size == 0 or codes.max() < 1:
        return NONE
    y = values[asked]
    total, groups = len(y), int(codes.max()) + 1
    if total <= groups:
        return NONE
    cell = np.zeros(total, int) if cells is None else pd.factorize(cells[asked])[0]
    n_cell = np.bincount(cell).astype(float)
    # everything from the interviewer × cell counts, never the N × K dummies: with M the within-cell
    # centring, Z'MZ = diag(n_k) − N diag(1/n_c) N' and Z'My = Σ_k y − N ȳ_c (N the k × c counts)
    per_cell = np.zeros((groups, len(n_cell)))
    np.add.at(per_cell, (codes, cell), 1.0)
    cell_mean = np.bincount(cell, weights=y) / n_cell
    gram = np.diag(per_cell.sum(axis=1)) - (per_cell / n_cell[None, :]) @ per_cell.T
    cross = np.bincount(codes, weights=y, minlength=groups) - per_cell @ cell_mean
    eigen, vectors = np.linalg.eigh(gram)  # the ones vector is always in its null space
    kept = eigen > max(eigen.max(), 0.0) * groups * np.finfo(float).eps * 8
    rank = int(kept.sum())
    explained = float(((vectors[:, kept].T @ cross) ** 2 / eigen[kept]).sum())
    residual_df = total - len(n_cell) - rank
    trace = float(np.trace(gram))
    if rank == 0 or residual_df <= 0 or trace <= 0:
        return InterviewerComponent(0.0, float("nan"), groups)
    residual = (float(((y - cell_mean[cell]) ** 2).sum()) - explained) / residual_df
    sigma2 = max(0.0, (explained - residual * rank) / trace)
    means = np.bincount(codes, weights=y) / np.bincount(codes)
    within = ((y - means[codes]) ** 2).sum() / (total - groups)
    rho = sigma2 / (sigma2 + within) if sigma2 + within > 0 else float("nan")
    return InterviewerComponent(sigma2, rho, groups)


def interviewer_variance(
    component: InterviewerComponent, counted: np.ndarray, weights: np.ndarray, interviewer: pd.Series
) -> np.ndarray:
    """σ_b² Σ_k W_k² per estimate: `counted` is n × m (1 where answer i counts in estimate j's
    denominator), W_k interviewer k's share of that denominator's weight."""
    if component.sigma2 == 0.0:
        return np.zeros(counted.shape[1])
    codes, people = pd.factorize(interviewer)
    weighted = counted * np.asarray(weights, float)[:, None]
    shares = np.zeros((len(people), counted.shape[1]))
    asked = codes >= 0
    np.add.at(shares, codes[asked], weighted[asked])
    with np.errstate(invalid="ignore", divide="ignore"):
        shares /= weighted.sum(axis=0)[None, :]
    return component.sigma2 * np.nansum(shares**2, axis=0)


@dataclass(frozen=True)
class WithInterviewers:
    """Standard errors with the interviewer component added, and the parts."""

    se: np.ndarray
    se_interviewer: np.ndarray
    component: InterviewerComponent

    def df(self, design_df: np.ndarray) -> np.ndarray:
        """Satterthwaite's degrees of freedom for the sum of the sampling variance (`design_df`) and
        the interviewer part (K − 1): the design's where nothing was added."""
        design_df = np.asarray(design_df, float)
        added = self.se_interviewer**2
        if self.component.df == 0 or not added.any():
            return design_df
        sampling = self.se**2 - added
        with np.errstate(divide="ignore", invalid="ignore"):
            combined = (sampling + added) ** 2 / (sampling**2 / design_df + added**2 / self.component.df)
        return np.where(added > 0, combined, design_df)


def add_interviewer_variance(
    se: np.ndarray,
    values: np.ndarray,
    counted: np.ndarray,
    weights: np.ndarray,
    interviewer: pd.Series | None,
    cells: pd.Series | None = None,
) -> WithInterviewers:
    """The sampling `se` of m estimates of one measure widened by its interviewer component: `values`
    the measure per answer (NaN: does not count), `counted` n × m, `weights` the final ones, `cells`
    the answers' composition (`composition_cells`)."""
    se = np.asarray(se, float)
    if interviewer is None:
        return WithInterviewers(se, np.zeros_like(se), NONE)
    component = interviewer_component(values, interviewer, cells)
    added = interviewer_variance(component, counted, weights, interviewer)
    return WithInterviewers(np.sqrt(se**2 + added), np.sqrt(added), component)
