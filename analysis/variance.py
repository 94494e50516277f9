"""Linearisation variance of a stratified one-stage cluster design, as R survey's `svyrecvar`.

Estimators hand over influence values z (one column per statistic); the variance is the sum over
strata of  f_h · n_h/(n_h − 1) · Σ_PSU (t_hi − t̄_h)²  with t_hi the PSU totals of z and f_h = 1 − n_h/N_h
(f_h = 1 without an fpc: sampling with replacement). Calibration steps first replace z by residuals,
exactly as `svyrecvar` does for `postStratify` and `rake` designs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import sparse

from analysis.errors import DesignError, LonelyPSUError

#: How a stratum with a single PSU is treated (R's `options(survey.lonely.psu=)`).
LONELY_PSU_CHOICES = ("fail", "remove", "certainty", "adjust", "average")


@dataclass(frozen=True)
class PostStratumStep:
    """One post-stratification: cell of each row, weights before and after (R's `postStrata` entry)."""

    cell: np.ndarray
    old_weights: np.ndarray
    new_weights: np.ndarray


@dataclass(frozen=True)
class RakingStep:
    """Raking: per margin, the cell of each row and the weights right after that margin's pass."""

    cells: tuple[np.ndarray, ...]
    weights: tuple[np.ndarray, ...]


@dataclass(frozen=True)
class GregStep:
    """GREG calibration on margin indicators: cells per margin, weights before, and g-weights.

    Residuals as R's `greg_calibration` entry: x − g·w ⊙ X β with β the least-squares fit of x/g on
    X with weights w (X the indicators of every margin level; its column space is R's model matrix's).
    """

    cells: tuple[np.ndarray, ...]
    sizes: tuple[int, ...]
    old_weights: np.ndarray
    g: np.ndarray

    def indicators(self) -> np.ndarray:
        blocks = [np.eye(size)[cell] for cell, size in zip(self.cells, self.sizes, strict=True)]
        return np.hstack(blocks)

    def gram_inverse(self) -> np.ndarray:
        x = self.indicators()
        return np.linalg.pinv(x.T @ (x * self.old_weights[:, None]))


@dataclass(frozen=True)
class Structure:
    """The fixed parts of a design that the variance needs, as integer codes."""

    stratum: np.ndarray  # stratum code per row, 0..H-1
    psu: np.ndarray  # PSU code per row, 0..P-1, unique across strata
    psu_stratum: np.ndarray  # stratum code per PSU
    n_psu: np.ndarray  # PSUs per stratum in the design (n_h)
    fpc_factor: np.ndarray  # f_h = 1 - n_h/N_h per stratum (1 with replacement)
    stratum_labels: np.ndarray
    lonely_psu: str = "fail"

    @cached_property
    def rows_are_psus(self) -> bool:
        """Element sampling: PSU i is row i, so PSU totals are the rows themselves."""
        return len(self.psu) == len(self.psu_stratum) and bool((self.psu == np.arange(len(self.psu))).all())


def group_sum(values: np.ndarray, cell: np.ndarray, n_cells: int) -> np.ndarray:
    """Column sums of values (n × k) within each cell (n_cells × k), through a sparse indicator."""
    indicator = sparse.csr_matrix(
        (np.ones(len(cell)), (cell, np.arange(len(cell)))), shape=(n_cells, len(cell))
    )
    return np.asarray(indicator @ values)


def group_mean(values: np.ndarray, cell: np.ndarray, n_cells: int) -> np.ndarray:
    """The unweighted mean of each column within each cell, returned per row (R's `ave`)."""
    counts = np.bincount(cell, minlength=n_cells).astype(float)
    sums = group_sum(values, cell, n_cells)
    return (sums / np.where(counts == 0, 1.0, counts)[:, None])[cell]


def residualise(z: np.ndarray, steps: tuple) -> np.ndarray:
    """Apply the calibration steps to influence values z (n × k) as `svyrecvar` does."""
    for step in steps:
        if isinstance(step, GregStep):
            x = step.indicators()
            beta = step.gram_inverse() @ (x.T @ (z / step.g[:, None]))
            z = z - (step.g * step.old_weights)[:, None] * (x @ beta)
        elif isinstance(step, RakingStep):
            sizes = [int(cell.max()) + 1 for cell in step.cells]
            for _ in range(10):  # R makes exactly ten passes over the margins
                for cell, psw, size in zip(step.cells, step.weights, sizes, strict=True):
                    z = z - psw[:, None] * group_mean(z / psw[:, None], cell, size)
        else:
            psw = step.new_weights.copy()
            oldw = step.old_weights
            psw[(psw == 0) & (oldw == 0)] = 1.0
            size = int(step.cell.max()) + 1
            sums = group_sum(z * (oldw / psw)[:, None], step.cell, size)
            old_totals = np.bincount(step.cell, weights=oldw, minlength=size)
            z = z - (sums / old_totals[:, None])[step.cell] * psw[:, None]
    return z


def psu_totals(z: np.ndarray, structure: Structure) -> np.ndarray:
    """Totals of each column of z within each PSU (P × k)."""
    if structure.rows_are_psus:
        return z
    return group_sum(z, structure.psu, len(structure.psu_stratum))


def stratified_variance(totals: np.ndarray, structure: Structure) -> np.ndarray:
    """Variance of each column from PSU totals (P × k): the sum over strata of R's `onestrat`."""
    h_of_psu = structure.psu_stratum
    n_h = structure.n_psu
    n_strata = len(n_h)
    sums = group_sum(totals, h_of_psu, n_strata)
    means = sums / n_h[:, None]
    lonely = n_h == 1
    deviations = totals - np.where(lonely[h_of_psu][:, None], 0.0, means[h_of_psu])
    squares = group_sum(deviations**2, h_of_psu, n_strata)
    return combine_strata(squares, structure)


def combine_strata(squares: np.ndarray, structure: Structure) -> np.ndarray:
    """Scale each stratum's sum of squared PSU deviations and add up, applying the lonely-PSU rule.

    `squares` holds, for lonely strata, the uncentred square of the single PSU total (deviation from
    the grand mean, which is what R's "adjust" uses).
    """
    n_h = structure.n_psu.astype(float)
    census = structure.fpc_factor < 1e-7  # R returns zero for these before looking at lonely PSUs
    lonely = (structure.n_psu == 1) & ~census
    scale = structure.fpc_factor * np.where(n_h > 1, n_h / np.where(n_h > 1, n_h - 1.0, 1.0), 1.0)
    if lonely.any():
        rule = structure.lonely_psu
        if rule == "fail":
            names = ", ".join(str(s) for s in structure.stratum_labels[lonely][:5])
            raise LonelyPSUError(
                f"stratum {names} has only one PSU, so its variance cannot be estimated; collapse it "
                "with a similar stratum, or pass lonely_psu='certainty', 'remove', 'adjust' or 'average'"
            )
        if rule in ("remove", "certainty"):
            scale = np.where(lonely, 0.0, scale)
        elif rule == "average":
            ok = ~lonely
            if not ok.any():
                raise LonelyPSUError("every stratum has a single PSU: 'average' has nothing to average")
            return (squares[ok] * scale[ok, None]).sum(axis=0) * len(n_h) / ok.sum()
    scale = np.where(census, 0.0, scale)
    return (squares * scale[:, None]).sum(axis=0)


def variance(z: np.ndarray, structure: Structure, steps: tuple = ()) -> np.ndarray:
    """Variance of each column of the influence matrix z under the design."""
    z = np.asarray(z, dtype=float)
    if z.ndim == 1:
        z = z[:, None]
    if steps:
        z = residualise(z, steps)
    return stratified_variance(psu_totals(z, structure), structure)


def check_lonely_rule(rule: str) -> str:
    if rule not in LONELY_PSU_CHOICES:
        raise DesignError(f"lonely_psu={rule!r} is not one of {', '.join(LONELY_PSU_CHOICES)}")
    return rule


@dataclass(frozen=True)
class DomainCells:
    """The PSU × domain cells that a domain's variance sums over, fixed by the design and the domain
    column alone: found once per `Design.by(...)`, used by every estimate and its degrees of freedom.

    Element designs (one row per PSU) use the rows themselves as cells (`inverse` is None).
    """

    keep: np.ndarray | None  # rows in some domain (None: every row)
    inverse: np.ndarray | None  # cell of each kept row (None: the kept rows are the cells, in order)
    domain: np.ndarray  # domain code of each cell
    flat: np.ndarray  # stratum × domain code of each cell (h · D + d)
    present: np.ndarray  # cells in each stratum × domain (H × D)


def domain_cells(domain: np.ndarray, n_domains: int, structure: Structure) -> DomainCells:
    """The cells of `domain` codes (−1 for rows in no domain) under the design `structure`."""
    keep = domain >= 0
    everywhere = bool(keep.all())
    if structure.rows_are_psus:
        inverse = None
        d_of_cell = domain if everywhere else domain[keep]
        h_of_cell = structure.stratum if everywhere else structure.stratum[keep]
    else:
        key = structure.psu[keep].astype(np.int64) * n_domains + domain[keep]
        cells, inverse = _sorted_cells(key)
        d_of_cell = cells % n_domains
        h_of_cell = structure.psu_stratum[cells // n_domains]
    flat = h_of_cell * n_domains + d_of_cell
    present = np.bincount(flat, minlength=len(structure.n_psu) * n_domains)
    return DomainCells(None if everywhere else keep, inverse, d_of_cell, flat, present.reshape(-1, n_domains))


def domain_variance(z: np.ndarray, cells: DomainCells, structure: Structure) -> np.ndarray:
    """Variance of one influence vector per domain without building an n × D matrix.

    `z` is non-zero only inside its row's domain. PSUs of a stratum that have no row in a domain count
    as zero totals, which is what zero-out domain estimation (R's padding in `onestrat`) means.
    """
    inside = z if cells.keep is None else z[cells.keep]
    if cells.inverse is None:  # one row per PSU: every row is its own cell, already in order
        totals = np.asarray(inside, dtype=float)
    else:
        totals = np.bincount(cells.inverse, weights=inside)
    n_strata, n_domains = cells.present.shape
    size = n_strata * n_domains
    sums = np.bincount(cells.flat, weights=totals, minlength=size).reshape(n_strata, n_domains)
    lonely = structure.n_psu == 1
    means = np.where(lonely[:, None], 0.0, sums / structure.n_psu[:, None])
    deviations = totals - means.ravel()[cells.flat]
    squares = np.bincount(cells.flat, weights=deviations**2, minlength=size).reshape(n_strata, n_domains)
    squares += (structure.n_psu[:, None] - cells.present) * means**2
    return combine_strata(squares, structure)


def _sorted_cells(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`np.unique(key, return_inverse=True)` by hashing: linear in the rows, sorting only the distinct
    keys (the same cells in the same order, so every sum is added up exactly as before)."""
    codes, uniques = pd.factorize(key, sort=False)
    order = np.argsort(uniques, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return uniques[order], rank[codes]


def distinct_pairs_per_group(group: np.ndarray, other: np.ndarray, n_groups: int) -> np.ndarray:
    """How many distinct `other` codes (≥ 0) each group code 0..n_groups-1 has, in linear time."""
    if len(group) == 0:
        return np.zeros(n_groups, dtype=np.int64)
    span = int(other.max()) + 1
    pairs = pd.unique(group.astype(np.int64) * span + other)
    return np.bincount(pairs // span, minlength=n_groups)


class _Residuals:
    """Influence values of D domains after calibration, kept as z (one domain per row) plus terms.

    Each calibration step subtracts u_i · C[cell_i, d] from every row i, so after all steps the
    n × D matrix is  z·1[d = domain_i] + Σ_terms u ⊙ C[cell] — stored as the small C matrices
    rather than n × D numbers. The arithmetic is exactly `residualise`'s, reordered.
    """

    def __init__(self, z: np.ndarray, domain: np.ndarray, n_domains: int) -> None:
        self.z, self.domain, self.width = z, domain, n_domains
        self.inside = domain >= 0
        self.terms: list[list] = []  # [u, cell, size, C]

    def project(self, g: np.ndarray, cell: np.ndarray, size: int) -> np.ndarray:
        """Σ_i∈cell g_i · row_i of the current matrix, per cell (size × D)."""
        keep = self.inside
        flat = cell[keep] * self.width + self.domain[keep]
        out = np.bincount(flat, weights=(g * self.z)[keep], minlength=size * self.width).reshape(
            size, self.width
        )
        for u, other, other_size, coefficients in self.terms:
            cross = np.bincount(cell * other_size + other, weights=g * u, minlength=size * other_size)
            out += cross.reshape(size, other_size) @ coefficients
        return out

    def term(self, u: np.ndarray, cell: np.ndarray, size: int) -> np.ndarray:
        self.terms.append([u, cell, size, np.zeros((size, self.width))])
        return self.terms[-1][3]

    def dense(self, columns: slice) -> np.ndarray:
        width = columns.stop - columns.start
        out = np.zeros((len(self.z), width))
        rows = np.flatnonzero(self.inside & (self.domain >= columns.start) & (self.domain < columns.stop))
        out[rows, self.domain[rows] - columns.start] = self.z[rows]
        for u, cell, _, coefficients in self.terms:
            out += u[:, None] * coefficients[cell, columns]
        return out


def calibrated_domain_variance(
    z: np.ndarray, domain: np.ndarray, n_domains: int, structure: Structure, steps: tuple, chunk: int = 16
) -> np.ndarray:
    """`variance` of the n × D domain matrix of z under calibration steps, without building it whole."""
    residuals = _Residuals(np.asarray(z, dtype=float), domain, n_domains)
    for step in steps:
        if isinstance(step, GregStep):
            projected = np.vstack(
                [
                    residuals.project(1 / step.g, cell, size)
                    for cell, size in zip(step.cells, step.sizes, strict=True)
                ]
            )
            beta = step.gram_inverse() @ projected
            start = 0
            for cell, size in zip(step.cells, step.sizes, strict=True):
                residuals.term(step.g * step.old_weights, cell, size)[:] = -beta[start : start + size]
                start += size
        elif isinstance(step, RakingStep):
            sizes = [int(cell.max()) + 1 for cell in step.cells]
            counts = [
                np.bincount(cell, minlength=size).astype(float)
                for cell, size in zip(step.cells, sizes, strict=True)
            ]
            coefficients = [
                residuals.term(psw, cell, size)
                for cell, psw, size in zip(step.cells, step.weights, sizes, strict=True)
            ]
            for _ in range(10):
                for cell, psw, size, count, c in zip(
                    step.cells, step.weights, sizes, counts, coefficients, strict=True
                ):
                    mean = residuals.project(1 / psw, cell, size) / np.where(count == 0, 1.0, count)[:, None]
                    c -= mean
        else:
            psw = step.new_weights.copy()
            oldw = step.old_weights
            psw[(psw == 0) & (oldw == 0)] = 1.0
            size = int(step.cell.max()) + 1
            sums = residuals.project(oldw / psw, step.cell, size)
            old_totals = np.bincount(step.cell, weights=oldw, minlength=size)
            residuals.term(psw, step.cell, size)[:] = -sums / old_totals[:, None]
    parts = [
        stratified_variance(
            psu_totals(residuals.dense(slice(start, min(n_domains, start + chunk))), structure), structure
        )
        for start in range(0, n_domains, chunk)
    ]
    return np.concatenate(parts)
