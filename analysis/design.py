"""A survey design over a DataFrame and its estimators, mirroring R's `survey::svydesign`.

`Design(data, strata=, weights=, fpc=, ids=)` is R's `svydesign(id=, strata=, weights=, fpc=)` for a
stratified one-stage design (elements or clusters). Every estimator returns its value with a
linearisation standard error that equals R survey 4.x's; adjustments (`poststratify`, `rake`) return
a new design whose variance accounts for them, as R's do.

Choices, all R's unless said otherwise:

- `fpc` holds N_h (or, with `ids`, the number of PSUs in the stratum); values ≤ 1 are read as sampling
  fractions, as R does. No `fpc`: with-replacement variance. No weights: N_h/n_h when `fpc` is given,
  else 1.
- `ids` are taken as nested within strata (R's `nest=TRUE`).
- Missing values of y are R's `na.rm=TRUE`: the rows drop out of the estimate but stay in the design
  (a domain), so strata and PSUs keep their sizes.
- Means, totals and ratios get normal-theory intervals (R's `confint(svymean(...))`); proportions get
  t intervals with the design's degrees of freedom (R's `svyciprop`), see `analysis.intervals`.
- Degrees of freedom: PSUs minus strata among the rows in scope (R's `degf`); for a domain, its own
  PSUs and strata (what `svyby(..., svyciprop)` uses).
- A stratum with one PSU raises `LonelyPSUError` unless `lonely_psu` says otherwise (R's
  `options(survey.lonely.psu=)`: "remove"/"certainty" contribute nothing, "adjust" centres at the
  grand mean, "average" scales the other strata's sum up).
- `deff` is R's `deff=TRUE`: design variance over the variance of simple random sampling without
  replacement of the same number of cases (NaN when the weights sum to less than n).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import special

from analysis.errors import CalibrationError, DesignError
from analysis.intervals import proportion_interval
from analysis.variance import (
    DomainCells,
    GregStep,
    PostStratumStep,
    RakingStep,
    Structure,
    calibrated_domain_variance,
    check_lonely_rule,
    distinct_pairs_per_group,
    domain_cells,
    domain_variance,
    variance,
)

Values = str | pd.Series | np.ndarray | Sequence[float]


@dataclass(frozen=True)
class Estimate:
    """One design-based estimate with its standard error and confidence interval."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    deff: float
    df: float
    n: int
    level: float = 0.95
    method: str = "normal"

    def as_dict(self) -> dict[str, float]:
        return {k: getattr(self, k) for k in ("estimate", "se", "ci_low", "ci_high", "deff", "df", "n")}


def _column(data: pd.DataFrame, name: str | None, role: str) -> pd.Series | None:
    if name is None:
        return None
    if name not in data.columns:
        raise DesignError(
            f"{role}={name!r}: no such column; the data has {', '.join(map(str, data.columns[:20]))}"
        )
    return data[name]


def _codes(series: pd.Series, role: str) -> tuple[np.ndarray, np.ndarray]:
    if series.isna().any():
        row = series.index[series.isna().to_numpy()][0]
        raise DesignError(f"{role} column {series.name!r} is empty at row {row}; every row needs one")
    codes, labels = pd.factorize(series, sort=True)
    return codes.astype(np.int64), np.asarray(labels)


def _build_structure(
    data: pd.DataFrame, strata: str | None, ids: str | None, fpc: str | None, lonely_psu: str
) -> tuple[Structure, np.ndarray | None]:
    n = len(data)
    if strata is None:
        stratum, labels = np.zeros(n, dtype=np.int64), np.array(["(all)"], dtype=object)
    else:
        stratum, labels = _codes(_column(data, strata, "strata"), "strata")
    if ids is None:
        psu = np.arange(n, dtype=np.int64)
    else:
        cluster, _ = _codes(_column(data, ids, "ids"), "ids")
        psu, _ = pd.factorize(pd.MultiIndex.from_arrays([stratum, cluster]), sort=True)
        psu = psu.astype(np.int64)
    n_psus = int(psu.max()) + 1 if n else 0
    psu_stratum = np.zeros(n_psus, dtype=np.int64)
    psu_stratum[psu] = stratum
    n_h = np.bincount(psu_stratum, minlength=len(labels))
    fpc_factor = np.ones(len(labels))
    population = None
    if fpc is not None:
        raw = pd.to_numeric(_column(data, fpc, "fpc"), errors="coerce").to_numpy(dtype=float)
        if np.isnan(raw).any() or (raw <= 0).any():
            row = data.index[np.isnan(raw) | (raw <= 0)][0]
            raise DesignError(f"fpc column {fpc!r} at row {row} is not a positive number")
        per_stratum = pd.Series(raw).groupby(stratum)
        if (per_stratum.nunique() > 1).any():
            bad = labels[int(np.flatnonzero((per_stratum.nunique() > 1).to_numpy())[0])]
            raise DesignError(f"fpc column {fpc!r} differs within stratum {bad!r}; it must be constant")
        value = per_stratum.first().to_numpy()
        fraction = bool((raw <= 1).all())
        population = n_h / value if fraction else value
        if (population < n_h - 1e-9).any():
            bad = int(np.flatnonzero(population < n_h - 1e-9)[0])
            raise DesignError(
                f"fpc column {fpc!r} says stratum {labels[bad]!r} has {population[bad]:g} units in the "
                f"population but the sample has {n_h[bad]} PSUs there; fix the population sizes"
            )
        fpc_factor = (population - n_h) / population
    structure = Structure(
        stratum=stratum,
        psu=psu,
        psu_stratum=psu_stratum,
        n_psu=n_h,
        fpc_factor=fpc_factor,
        stratum_labels=labels,
        lonely_psu=check_lonely_rule(lonely_psu),
    )
    return structure, population


class Design:
    """A stratified one-stage survey design: R's `svydesign(id=, strata=, weights=, fpc=)`."""

    def __init__(
        self,
        data: pd.DataFrame,
        strata: str | None = None,
        weights: str | None = None,
        fpc: str | None = None,
        ids: str | None = None,
        *,
        lonely_psu: str = "fail",
    ) -> None:
        if not isinstance(data, pd.DataFrame):
            raise DesignError("data must be a pandas DataFrame with one row per responding case")
        if len(data) == 0:
            raise DesignError("data has no rows; a design needs at least one responding case")
        self.data = data.reset_index(drop=True)
        self.strata, self.ids, self.fpc = strata, ids, fpc
        self.structure, population = _build_structure(self.data, strata, ids, fpc, lonely_psu)
        if weights is not None:
            w = pd.to_numeric(_column(self.data, weights, "weights"), errors="coerce").to_numpy(float)
            bad = ~np.isfinite(w) | (w < 0)
            if bad.any():
                row = int(np.flatnonzero(bad)[0])
                raise DesignError(f"weights column {weights!r} at row {row} is {w[row]!r}; need a number ≥ 0")
        elif population is not None:
            s = self.structure
            w = (population / s.n_psu)[s.stratum].astype(float)
        else:
            w = np.ones(len(self.data))
        self.weights_column = weights
        self.weights = w
        self.steps: tuple[PostStratumStep | RakingStep | GregStep, ...] = ()

    # ------------------------------------------------------------------ helpers
    def _derive(self, weights: np.ndarray, step: PostStratumStep | RakingStep | GregStep) -> Design:
        new = object.__new__(Design)
        new.__dict__.update(self.__dict__)
        new.weights = weights
        new.steps = (*self.steps, step)
        return new

    def values(self, y: Values, role: str = "y") -> np.ndarray:
        """y as floats aligned with the data (a column name, a Series or an array); NaN = missing."""
        if isinstance(y, str):
            series = _column(self.data, y, role)
        else:
            series = pd.Series(np.asarray(y) if not isinstance(y, pd.Series) else y.to_numpy())
            if len(series) != len(self.data):
                raise DesignError(f"{role} has {len(series)} values but the design has {len(self.data)} rows")
        if isinstance(series.dtype, np.dtype) and series.dtype.kind in "biuf":  # nothing to check
            return series.to_numpy(dtype=float, copy=True)
        if series.dtype == bool or str(series.dtype) == "boolean":
            series = series.astype("Float64")
        out = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = np.isnan(out) & series.notna().to_numpy()
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise DesignError(
                f"{role} {getattr(series, 'name', '')!r} at row {row} is {series.iloc[row]!r}, not a number"
            )
        return out

    @property
    def n(self) -> int:
        return len(self.data)

    def degf(self, scope: np.ndarray | None = None) -> int:
        """PSUs minus strata among the rows in scope with positive weight (R's `degf`)."""
        inset = self.weights != 0 if scope is None else (self.weights != 0) & scope
        s = self.structure
        return len(np.unique(s.psu[inset])) - len(np.unique(s.stratum[inset]))

    def _variance(self, z: np.ndarray) -> float:
        return float(variance(z, self.structure, self.steps)[0])

    @staticmethod
    def _normal(estimate: float, se: float, level: float) -> tuple[float, float]:
        q = _normal_quantile(level)
        return estimate - q * se, estimate + q * se

    def _srs_variance_of_mean(self, y0: np.ndarray, w: np.ndarray, avg: float) -> float:
        """R's `svyvar(x) * (N - n)/(N n)`, the denominator of `deff`; NaN where undefined."""
        nobs = int((w != 0).sum())
        psum = w.sum()
        if psum < nobs or nobs < 2:
            return np.nan
        s2 = (w * (y0 - avg) ** 2).sum() / psum * nobs / (nobs - 1)
        vsrs = s2 * (psum - nobs) / (psum * nobs)
        return vsrs if vsrs > 0 else np.nan

    # --------------------------------------------------------------- estimators
    def mean(self, y: Values, level: float = 0.95) -> Estimate:
        """Weighted mean of y (R's `svymean(~y, design, na.rm=TRUE, deff=TRUE)`)."""
        yv = self.values(y)
        ok = ~np.isnan(yv)
        y0, w = np.where(ok, yv, 0.0), self.weights * ok
        psum = w.sum()
        if psum == 0:
            raise DesignError(f"y {y if isinstance(y, str) else ''!r} has no non-missing value with weight")
        avg = (w * y0).sum() / psum
        se = np.sqrt(self._variance(w * (y0 - avg) / psum * ok))
        low, high = self._normal(avg, se, level)
        vsrs = self._srs_variance_of_mean(y0, w, avg)
        return Estimate(avg, se, low, high, se**2 / vsrs, np.nan, int(ok.sum()), level)

    def total(self, y: Values, level: float = 0.95) -> Estimate:
        """Weighted total of y (R's `svytotal(~y, design, na.rm=TRUE, deff=TRUE)`)."""
        yv = self.values(y)
        ok = ~np.isnan(yv)
        y0, w = np.where(ok, yv, 0.0), self.weights * ok
        tot = (w * y0).sum()
        se = np.sqrt(self._variance(w * y0))
        low, high = self._normal(tot, se, level)
        psum = w.sum()
        vsrs = self._srs_variance_of_mean(y0, w, (w * y0).sum() / psum if psum else 0.0) * psum**2
        return Estimate(tot, se, low, high, se**2 / vsrs, np.nan, int(ok.sum()), level)

    def proportion(self, y: Values, ci: str = "logit", level: float = 0.95) -> Estimate:
        """Proportion of y = 1 among non-missing y, with R `svyciprop`'s interval `ci`."""
        yv = self.values(y)
        _check_binary(yv)
        est = self.mean(yv, level)
        low, high = proportion_interval(est.estimate, est.se, self.degf(), self.n, ci, level)
        return Estimate(
            est.estimate, est.se, float(low[0]), float(high[0]), est.deff, self.degf(), est.n, level, ci
        )

    def ratio(self, y: Values, x: Values, level: float = 0.95) -> Estimate:
        """Ratio of totals of y and x (R's `svyratio(~y, ~x, design, na.rm=TRUE)`)."""
        yv, xv = self.values(y, "y"), self.values(x, "x")
        ok = ~np.isnan(yv) & ~np.isnan(xv)
        y0, x0, w = np.where(ok, yv, 0.0), np.where(ok, xv, 0.0), self.weights * ok
        x_total = (w * x0).sum()
        if x_total == 0:
            raise DesignError("ratio(): the weighted total of x is zero")
        r = (w * y0).sum() / x_total
        resid = (y0 - r * x0) / x_total
        se = np.sqrt(self._variance(w * resid))
        low, high = self._normal(r, se, level)
        psum = w.sum()
        vsrs = self._srs_variance_of_mean(resid, w, (w * resid).sum() / psum) * psum**2
        return Estimate(r, se, low, high, se**2 / vsrs, np.nan, int(ok.sum()), level)

    def by(self, column: str) -> DomainEstimator:
        """Estimates for every level of `column`, each a domain of this design (R's `svyby`)."""
        return DomainEstimator(self, column)

    # -------------------------------------------------------------- adjustments
    def _cells(self, column: str | Sequence[str]) -> tuple[np.ndarray, list]:
        columns = [column] if isinstance(column, str) else list(column)
        frame = pd.DataFrame({c: _column(self.data, c, "post-stratum") for c in columns})
        for c in columns:
            if frame[c].isna().any():
                row = int(np.flatnonzero(frame[c].isna().to_numpy())[0])
                raise CalibrationError(f"calibration column {c!r} is empty at row {row}")
        keys = list(frame.itertuples(index=False, name=None))
        keys = [k[0] if len(columns) == 1 else k for k in keys]
        codes, labels = pd.factorize(pd.Series(keys, dtype=object), sort=False)
        return codes.astype(np.int64), list(labels)

    def _poststratified_weights(self, weights: np.ndarray, cell: np.ndarray, labels: list, totals, what: str):
        totals = dict(totals)
        missing = [level for level in labels if level not in totals]
        if missing:
            raise CalibrationError(
                f"{what}: level {missing[0]!r} occurs in the sample but has no population total; add it"
            )
        absent = [level for level, total in totals.items() if total and level not in labels]
        if absent:
            raise CalibrationError(
                f"{what}: level {absent[0]!r} has a population total but no respondent; collapse it "
                "with a neighbouring level before adjusting"
            )
        target = np.array([float(totals[level]) for level in labels])
        current = np.bincount(cell, weights=weights, minlength=len(labels))
        if (current == 0).any():
            level = labels[int(np.flatnonzero(current == 0)[0])]
            raise CalibrationError(f"{what}: level {level!r} has respondents but zero total weight")
        return weights * (target / current)[cell]

    def poststratify(self, column: str | Sequence[str], totals: Mapping) -> Design:
        """A new design post-stratified to population `totals` by `column` (R's `postStratify`)."""
        cell, labels = self._cells(column)
        new = self._poststratified_weights(self.weights, cell, labels, totals, f"poststratify({column!r})")
        return self._derive(new, PostStratumStep(cell, self.weights, new))

    def rake(self, margins: Mapping[str, Mapping], max_iter: int = 100, tol: float = 1e-10) -> Design:
        """A new design raked to the `margins` {column: {level: total}} (R's `rake`).

        Convergence as R's: stop when no cell of the cross-classification of all margin columns
        moves by more than `tol` (times the weight total when `tol` < 1) in a pass over the margins.
        """
        if not margins:
            raise CalibrationError("rake() needs at least one margin {column: {level: total}}")
        grand = [sum(float(v) for v in dict(t).values()) for t in margins.values()]
        if max(grand) - min(grand) > 1e-8 * max(grand):
            raise CalibrationError(
                f"rake(): the margins add up to different totals ({', '.join(f'{g:g}' for g in grand)}); "
                "they must describe the same population"
            )
        cells = {name: self._cells(name) for name in margins}
        joint, _ = self._cells(list(margins))
        w = self.weights
        epsilon = tol * w.sum() if tol < 1 else tol
        old = np.bincount(joint, weights=w)
        converged, iterations = False, 0
        after: list[np.ndarray] = []
        while iterations < max_iter:
            after = []
            for name, totals in margins.items():
                cell, labels = cells[name]
                w = self._poststratified_weights(w, cell, labels, totals, f"rake() margin {name!r}")
                after.append(w)
            new = np.bincount(joint, weights=w)
            if np.max(np.abs(old - new)) < epsilon:
                converged = True
                break
            old = new
            iterations += 1
        if not converged:
            warnings.warn(
                f"rake() did not converge after {iterations} passes; the margins may be inconsistent "
                "with each other (a cell empty in one margin but required by another)",
                RuntimeWarning,
                stacklevel=2,
            )
        step = RakingStep(tuple(cells[name][0] for name in margins), tuple(after))
        return self._derive(w, step)

    def calibrate(
        self, margins: Mapping[str, Mapping], calfun: str = "linear", max_iter: int = 50, tol: float = 1e-12
    ) -> Design:
        """A new design calibrated to the `margins` {column: {level: total}} (R's `calibrate`, GREG).

        `calfun="linear"` is R's default (g = 1 + xᵀλ, weights may go negative); `"raking"` gives
        g = exp(xᵀλ), the same weights as `rake` at convergence, but R's `calibrate` variance: residuals
        from the *weighted* (GREG) regression on the margin indicators, where `rake` (and R's `rake`)
        use unweighted passes. The two variances differ slightly (about the fourth significant digit);
        `rake` is what R's `rake()` gives, `calibrate(calfun="raking")` what `calibrate()` gives.
        """
        if calfun not in ("linear", "raking"):
            raise CalibrationError(f"calfun={calfun!r}: use 'linear' or 'raking'")
        cells, sizes, targets = [], [], []
        for name, totals in margins.items():
            cell, labels = self._cells(name)
            self._poststratified_weights(self.weights, cell, labels, totals, f"calibrate() margin {name!r}")
            cells.append(cell)
            sizes.append(len(labels))
            targets.extend(float(dict(totals)[level]) for level in labels)
        step = GregStep(tuple(cells), tuple(sizes), self.weights, np.ones(self.n))
        x, w, target = step.indicators(), self.weights, np.array(targets)
        if calfun == "linear":
            lam = step.gram_inverse() @ (target - x.T @ w)
            g = 1 + x @ lam
        else:
            lam = np.zeros(x.shape[1])
            for _ in range(max_iter):
                g = np.exp(x @ lam)
                gap = target - x.T @ (w * g)
                if np.max(np.abs(gap) / np.maximum(np.abs(target), 1.0)) < tol:
                    break
                lam = lam + np.linalg.pinv(x.T @ (x * (w * g)[:, None])) @ gap
            else:
                raise CalibrationError(
                    f"calibrate(calfun='raking') did not converge in {max_iter} iterations"
                )
        return self._derive(w * g, GregStep(tuple(cells), tuple(sizes), self.weights, g))


class DomainEstimator:
    """Domain estimates on the full design, vectorised over all levels of a column at once.

    What depends only on the design and the column — the domain codes, rows per domain, the PSU ×
    domain cells — is found once here and shared by every estimate; rows that are all in a domain and
    all answered skip the masking passes (the sums are the same numbers, added in the same order).
    """

    def __init__(self, design: Design, column: str) -> None:
        self.design = design
        self.column = column
        series = _column(design.data, column, "by")
        codes, labels = _factorize_sorted(series)
        self.domain = codes.astype(np.int64, copy=False)
        self.labels = pd.Index(labels, name=column)
        self.size = len(labels)
        inside = self.domain >= 0
        self._inside = None if inside.all() else inside
        self._codes = self.domain if self._inside is None else self.domain[inside]
        self.rows = np.bincount(self._codes, minlength=self.size)

    @cached_property
    def _cells(self) -> DomainCells:
        return domain_cells(self.domain, self.size, self.design.structure)

    def _variances(self, z: np.ndarray) -> np.ndarray:
        design = self.design
        if not design.steps:
            return domain_variance(z, self._cells, design.structure)
        return calibrated_domain_variance(z, self.domain, self.size, design.structure, design.steps)

    def _df(self) -> np.ndarray:
        s, w = self.design.structure, self.design.weights
        if (w != 0).all():  # the cells are exactly the PSUs and strata in scope
            cells = self._cells
            psus = self.rows if s.rows_are_psus else np.bincount(cells.domain, minlength=self.size)
            return psus - (cells.present > 0).sum(axis=0)
        inside = (self.domain >= 0) & (w != 0)
        d = self.domain[inside]
        if s.rows_are_psus:  # every row is its own PSU
            psus = np.bincount(d, minlength=self.size)
        else:
            psus = distinct_pairs_per_group(d, s.psu[inside], self.size)
        return psus - distinct_pairs_per_group(d, s.stratum[inside], self.size)

    def _answered(self, values: np.ndarray) -> np.ndarray:
        """Rows in a domain whose values are not missing."""
        ok = ~np.isnan(values)
        return ok if self._inside is None else ok & self._inside

    def _prepare(self, yv: np.ndarray, xv: np.ndarray | None = None):
        """y (and x) with 0 where not answered or in no domain, the weights likewise, and the mask."""
        design = self.design
        ok = self._answered(yv)
        if xv is not None:
            ok &= ~np.isnan(xv)
            if ok.all():
                return yv, xv, design.weights, ok
            return np.where(ok, yv, 0.0), np.where(ok, xv, 0.0), design.weights * ok, ok
        if ok.all():
            return yv, design.weights, ok
        return np.where(ok, yv, 0.0), design.weights * ok, ok

    def _sum(self, values: np.ndarray) -> np.ndarray:
        inside = values if self._inside is None else values[self._inside]
        return np.bincount(self._codes, weights=inside, minlength=self.size)

    def _count(self, ok: np.ndarray) -> np.ndarray:
        """Rows per domain where `ok` holds."""
        return self.rows if ok.all() else self._sum(ok.astype(float)).astype(int)

    def _frame(self, est, var, ok, level, low=None, high=None, df=None) -> pd.DataFrame:
        se = np.sqrt(var)
        if low is None:
            q = _normal_quantile(level)
            low, high = est - q * se, est + q * se
        n = self._count(ok)
        frame = pd.DataFrame(
            {"estimate": est, "se": se, "ci_low": low, "ci_high": high, "n": n}, index=self.labels
        )
        if df is not None:
            frame["df"] = df
        return frame[n > 0]

    def mean(self, y: Values, level: float = 0.95) -> pd.DataFrame:
        return self._mean(self.design.values(y), level)

    def _mean(self, yv: np.ndarray, level: float) -> pd.DataFrame:
        y0, w, ok = self._prepare(yv)
        wsum = self._sum(w)
        with np.errstate(invalid="ignore", divide="ignore"):
            est = self._sum(w * y0) / wsum
            z = _zero_outside(ok, w * (y0 - est[self.domain]) / wsum[self.domain])
        return self._frame(est, self._variances(z), ok, level)

    def total(self, y: Values, level: float = 0.95) -> pd.DataFrame:
        y0, w, ok = self._prepare(self.design.values(y))
        return self._frame(self._sum(w * y0), self._variances(w * y0), ok, level)

    def ratio(self, y: Values, x: Values, level: float = 0.95) -> pd.DataFrame:
        y0, x0, w, ok = self._prepare(self.design.values(y), self.design.values(x, "x"))
        xsum = self._sum(w * x0)
        with np.errstate(invalid="ignore", divide="ignore"):
            est = self._sum(w * y0) / xsum
            z = _zero_outside(ok, w * (y0 - est[self.domain] * x0) / xsum[self.domain])
        return self._frame(est, self._variances(z), ok, level)

    def proportion(self, y: Values, ci: str = "logit", level: float = 0.95) -> pd.DataFrame:
        yv = self.design.values(y)
        _check_binary(yv)
        frame = self._mean(yv, level)
        df = self._df()
        keep = self._count(self._answered(yv)) > 0
        low, high = proportion_interval(
            frame["estimate"].to_numpy(), frame["se"].to_numpy(), df[keep], self.rows[keep], ci, level
        )
        frame["ci_low"], frame["ci_high"], frame["df"] = low, high, df[keep]
        return frame


def _factorize_sorted(series: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """`pd.factorize(series, sort=True)`; integer columns of a small range (district or unit codes)
    by counting instead of hashing, with the same codes and labels."""
    values = series.to_numpy()
    if values.dtype.kind in "iu" and len(values):
        low, high = int(values.min()), int(values.max())
        if high - low <= len(values) and low > -(2**62) and high < 2**62:
            offset = values.astype(np.int64, copy=False) - low
            present = np.bincount(offset, minlength=high - low + 1) > 0
            rank = np.cumsum(present) - 1
            labels = (np.flatnonzero(present) + low).astype(values.dtype, copy=False)
            return rank[offset], pd.Index(labels)
    return pd.factorize(series, sort=True)


def _normal_quantile(level: float) -> float:
    """The two-sided normal quantile of `level` (scipy's `norm.ppf(0.5 + level/2)`, without its
    argument handling, which costs more than the rest of a small domain table)."""
    return special.ndtri(0.5 + level / 2)


def _zero_outside(ok: np.ndarray, z: np.ndarray) -> np.ndarray:
    """z where `ok`, 0 elsewhere (z itself when every row is ok)."""
    return z if ok.all() else np.where(ok, z, 0.0)


def _check_binary(values: np.ndarray) -> None:
    """Refuse values other than 0, 1 and NaN (not applicable)."""
    if ((values != 0) & (values != 1) & ~np.isnan(values)).any():
        raise DesignError("proportion() needs y coded 0/1 or True/False (NaN for not applicable)")
