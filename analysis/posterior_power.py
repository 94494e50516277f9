"""The smallest inflation the posterior verdict finds in a unit: its minimum detectable inflation (MDI).

Why: a unit's explanation tells the personnel office how large an inflation the unit's sample could
have hidden. The figure printed there was the plan's (`sampling.power`, and `analysis.units` for the
empirical null): the MDI of an exact rate test at α = q / K, the worst case of Benjamini–Hochberg. The
verdict a study gets is the posterior's (`analysis.unit_posterior`: Sun & Cai on the lfdr, π0 raised
to its 97.5% bound), a different rule with a different power, so the sentence described a test that
did not decide. Measured by simulation (ARCHITECTURE.md, "The verdict's own minimum detectable
inflation"), the two figures differ in both directions.

**What is computed**, from the study's own fit (its honest laws, components and mixing weights, held
fixed): for each unit, every outcome its callbacks could have had *from the rate gap alone* — the same
census, the same interviews on records rated not satisfied and the same "don't know" answers, its n₁
substantive answers on records rated satisfied split r not satisfied and n₁ − r satisfied
(r = 0 … n₁), every `who_rated` answer "myself" and no staff-asked or service-denied answer. Each
outcome's lfdr under the fit tells whether the verdict would flag it: lfdr ≤ t, t the largest lfdr
Sun & Cai would flag beside the other units' lfdr as they are (and at most the per-unit floor). The
power at inflation δ is the probability of that region when a share δ of the unit's published rate
was turned silently (the model's `silent` component at δ, read given the census); the MDI is the
smallest δ whose power reaches `power` (linear between the model's sizes, every 5 points); where
even 50 points does not reach it, `detectable_inflation` gives NaN and `verdict_detectable` ``inf``.

It is the MDI of the rate gap: signs of proxy rating, staff asking or services that never happened
only add to what the verdict finds. The fit is held fixed (a unit's own answers move it a little)
and Sun & Cai's bar is read off the other units: `tests/benchmarks/bench_posterior_power.py` checks by
simulation that the units whose rise reaches their MDI are flagged at least `power` of the time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from analysis.unit_posterior import (
    ANSWERS,
    CELL_COLUMNS,
    DELTAS,
    LFDR_FLOOR,
    WHO,
    Component,
    PosteriorFit,
    _posterior,
    _unit_loglik,
)

DEFAULT_POWER = 0.8


def flag_bars(lfdr: pd.Series, q: float, max_lfdr: float = LFDR_FLOOR) -> pd.Series:
    """Per unit with an lfdr, the largest lfdr at which Sun & Cai would flag it beside the others' lfdr
    as they are: max over k of min(o_k, k q − Σ_{i<k} o_i), o the others' sorted lfdr (o_{n+1} = ∞) —
    with the unit's lfdr l ≤ o_k the k smallest are it and o_1 … o_{k−1} — and at most `max_lfdr`."""
    tested = lfdr.dropna()
    values = tested.to_numpy(float)
    order = np.sort(values)
    bars = np.empty(len(values))
    for i, own in enumerate(values):
        others = np.delete(order, np.searchsorted(order, own))
        k = np.arange(1, len(others) + 2)
        before = np.concatenate([[0.0], np.cumsum(others)])
        room = k * q - before
        bars[i] = np.max(np.minimum(np.append(others, np.inf), room))
    return pd.Series(np.minimum(bars, max_lfdr), index=tested.index)


def _outcomes(table: pd.DataFrame, units: list) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Every rate-gap outcome of the units' interviews (see the module docstring), r = 0 … n₁ for each
    unit in turn: (rows, owner — each row's unit, by position —, offsets — each unit's first row)."""
    base = table.loc[units]
    n1 = sum(base[f"s1_{a}_{w}"].to_numpy(int) for a in ("sat", "not") for w in WHO)
    counts = n1 + 1
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    owner = np.repeat(np.arange(len(units)), counts)
    r = np.arange(int(counts.sum())) - offsets[owner]
    columns = {c: np.zeros(r.size, dtype=int) for c in CELL_COLUMNS}
    columns["s1_sat_self"] = n1[owner] - r
    columns["s1_not_self"] = r
    columns["s1_none_self"] = sum(base[f"s1_none_{w}"].to_numpy(int) for w in WHO)[owner]
    columns["s0_self"] = sum(base[f"s0_{w}"].to_numpy(int) for w in WHO)[owner]
    for name in ANSWERS:
        columns[f"s0_{name}"] = base[f"s0_{name}"].to_numpy(int)[owner]
    for name in ("domain", "N", "S", "interviews", "respondents"):
        columns[name] = base[name].to_numpy()[owner]
    columns["staff_asked"] = np.zeros(r.size, dtype=int)
    columns["service_denied"] = np.zeros(r.size, dtype=int)
    return pd.DataFrame(columns), owner, offsets


def _first_flagged(
    fitted: PosteriorFit, rows: pd.DataFrame, offsets: np.ndarray, bars: np.ndarray
) -> np.ndarray:
    """Per unit, the smallest count r of "not satisfied" answers whose outcome the verdict flags
    (n₁ + 1 where none is): the lfdr falls as r rises, so a bisection over r, every unit at once, reads
    the full mixture at about log₂ n₁ outcomes a unit instead of all n₁ + 1."""
    low = np.zeros(len(offsets), dtype=int)  # every r below `low` is not flagged
    high = np.diff(np.append(offsets, len(rows)))  # every r from `high` on is flagged (n₁ + 1: none)
    while (open_ := high > low).any():
        units = np.flatnonzero(open_)
        middle = (low[units] + high[units]) // 2
        L, _ = _unit_loglik(
            fitted.honest, fitted.components, rows.iloc[offsets[units] + middle], fitted.census_level
        )
        flagged = _posterior(L, fitted.weights)[:, 0] <= bars[units] + 1e-12
        high[units] = np.where(flagged, middle, high[units])
        low[units] = np.where(flagged, low[units], middle + 1)
    return high


def power_curves(table: pd.DataFrame, fitted: PosteriorFit, bars: pd.Series) -> pd.DataFrame:
    """P(the verdict flags the unit | silent inflation δ) for every unit of `bars` (its flag bar) and
    δ = 0 (honest) and every size of `DELTAS`, one row a unit; NaN where the published rate leaves no
    room for δ."""
    units = [u for u in bars.index if u in table.index]
    sizes = [0.0, *DELTAS]
    if not units:
        return pd.DataFrame(columns=sizes, dtype=float)
    rows, owner, offsets = _outcomes(table, units)
    first = _first_flagged(fitted, rows, offsets, bars.reindex(units).to_numpy(float))
    # the law of r under honest and each silent δ needs only those components, at every r
    comps = [Component("honest")] + [Component("silent", d) for d in DELTAS]
    L, _ = _unit_loglik(fitted.honest, comps, rows, fitted.census_level)
    # the likelihood is of one sequence of answers: the count r of n₁ has C(n₁, r) of them
    n1 = (rows["s1_sat_self"] + rows["s1_not_self"]).to_numpy()
    r = rows["s1_not_self"].to_numpy()
    L = L + (special.gammaln(n1 + 1) - special.gammaln(r + 1) - special.gammaln(n1 - r + 1))[:, None]
    # each unit's law of r, normalised within the unit, and its mass where the verdict flags
    top = np.full((len(units), L.shape[1]), -np.inf)
    np.maximum.at(top, owner, L)
    usable = np.isfinite(top)
    p = np.exp(L - np.where(usable, top, 0.0)[owner])
    p[~usable[owner]] = 0.0
    total = np.zeros_like(top)
    np.add.at(total, owner, p)
    hit = np.zeros_like(top)
    np.add.at(hit, owner, p * (r >= first[owner])[:, None])
    curves = np.where(usable, hit / np.where(usable, total, 1.0), np.nan)
    return pd.DataFrame(curves, index=pd.Index(units, name=table.index.name), columns=sizes)


def detectable_inflation(curves: pd.DataFrame, power: float = DEFAULT_POWER) -> pd.Series:
    """The smallest inflation (a share of the published rate) whose power reaches `power`, read
    linearly between the sizes of `curves`; NaN where none does."""
    sizes = np.asarray(curves.columns, float)
    out = pd.Series(np.nan, index=curves.index)
    for unit, values in curves.iterrows():
        v = values.to_numpy(float)
        reached = np.flatnonzero(np.nan_to_num(v, nan=-1.0) >= power)
        if reached.size == 0:
            continue
        j = reached[0]
        if j == 0 or not np.isfinite(v[j - 1]):
            out[unit] = sizes[j]
            continue
        share = (power - v[j - 1]) / (v[j] - v[j - 1])
        out[unit] = sizes[j - 1] + share * (sizes[j] - sizes[j - 1])
    return out


def verdict_detectable(
    table: pd.DataFrame,
    fitted: PosteriorFit,
    verdict: pd.DataFrame,
    power: float = DEFAULT_POWER,
) -> pd.Series:
    """Each unit's MDI under the verdict `verdict` (`unit_posterior.posterior_table` of `fitted`: its
    lfdr, q and per-unit floor): a share of the published rate; ``inf`` where even the largest size
    the model holds (50 points) is found with less than `power`; NaN where the verdict judged nothing
    (insufficient evidence, not surveyed)."""
    bars = flag_bars(verdict["lfdr"], verdict.attrs["q"], verdict.attrs["max_lfdr"])
    mdi = detectable_inflation(power_curves(table, fitted, bars), power)
    return mdi.fillna(np.inf).reindex(verdict.index)
