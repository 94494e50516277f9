"""Sharing a total sample size n among strata.

Targets are computed in exact rational arithmetic (``fractions.Fraction``) so that ties are real
ties and rounding never depends on floating-point noise. A stratum whose target exceeds its size is
taken whole and the rest re-allocated among the others; a stratum whose target is below the minimum
gets the minimum (or all its units, if it has fewer) and the rest is re-allocated. Both bounds are
solved at once (t_h = clamp(λ·w_h, min_h, N_h), Σ t_h = n), because fixing one kind of violation
first can make a feasible design look infeasible. The targets are then rounded by largest remainder:
floor every target, then +1 to the largest fractional parts, ties to the earlier stratum in ``sizes``'
order. No stratum can cross a bound in rounding: a target at a bound is a whole number.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction

import pandas as pd

from sampling.errors import DesignError

METHODS = ("proportional", "equal", "neyman", "optimal")


def _aligned(values: pd.Series | Mapping | None, sizes: pd.Series, what: str, method: str) -> list[Fraction]:
    if values is None:
        raise DesignError(f"{method} allocation needs {what} for every stratum")
    series = pd.Series(values) if not isinstance(values, pd.Series) else values
    missing = [key for key in sizes.index if key not in series.index]
    if missing:
        raise DesignError(f"{method} allocation: no {what} for stratum/strata {missing}")
    result = []
    for key in sizes.index:
        value = float(series.loc[key])
        if not math.isfinite(value) or value < 0:
            raise DesignError(
                f"{method} allocation: {what} of stratum {key!r} must be finite and ≥ 0 (got {value})"
            )
        result.append(Fraction(value))
    return result


def _weights(
    sizes: list[int], method: str, sd: list[Fraction] | None, cost: list[Fraction] | None
) -> list[Fraction]:
    if method == "proportional":
        return [Fraction(N) for N in sizes]
    if method == "equal":
        return [Fraction(1 if N > 0 else 0) for N in sizes]
    if method == "neyman":
        assert sd is not None
        return [N * s for N, s in zip(sizes, sd, strict=True)]
    assert sd is not None and cost is not None
    weights = []
    for N, s, c in zip(sizes, sd, cost, strict=True):
        if c <= 0:
            raise DesignError("optimal allocation: every cost per case must be positive")
        weights.append(N * s / Fraction(math.sqrt(c)))
    return weights


def _clamp(x: Fraction, low: int, high: int) -> Fraction:
    return min(max(x, Fraction(low)), Fraction(high))


def _box_targets(
    weights: list[Fraction], lower: list[int], upper: list[int], n: int, method: str
) -> list[Fraction]:
    """Exact targets t_h = clamp(λ·w_h, lower_h, upper_h) with Σ t_h = n.

    Σ clamp(λ·w_h, …) grows piecewise linearly with λ, so λ is found exactly between two breakpoints.
    Strata at their upper bound are "taken whole", those at the minimum keep it, the others share the
    rest in proportion to their weights — the fixed point of re-allocating after each violation.
    """

    def total(lam: Fraction) -> Fraction:
        return sum(
            (_clamp(lam * w, lo, hi) for w, lo, hi in zip(weights, lower, upper, strict=True)), Fraction(0)
        )

    if n == sum(lower):
        return [Fraction(lo) for lo in lower]
    reachable = sum(hi if w > 0 else lo for w, lo, hi in zip(weights, lower, upper, strict=True))
    if reachable < n:
        raise DesignError(
            f"{method} allocation cannot place {n - reachable} of the n = {n} cases: the strata that could take "
            "them have weight 0 (for example S_h = 0); use proportional allocation or a minimum per stratum"
        )
    points = sorted(
        {Fraction(b) / w for w, lo, hi in zip(weights, lower, upper, strict=True) if w > 0 for b in (lo, hi)}
    )
    previous = Fraction(0)
    for point in points:
        if total(point) >= n:
            low, high = total(previous), total(point)
            lam = previous + (point - previous) * (n - low) / (high - low)
            return [_clamp(lam * w, lo, hi) for w, lo, hi in zip(weights, lower, upper, strict=True)]
        previous = point
    raise DesignError(f"{method} allocation found no solution for n = {n}; please report this")  # unreachable


def allocate(
    sizes: pd.Series | Mapping,
    n: int,
    method: str = "proportional",
    sd: pd.Series | Mapping | None = None,
    cost: pd.Series | Mapping | None = None,
    minimum: int = 0,
) -> pd.Series:
    """n_h for every stratum: sums to ``n`` exactly, 0 ≤ n_h ≤ N_h, n_h ≥ min(minimum, N_h).

    ``method``: ``proportional`` (n_h ∝ N_h), ``equal``, ``neyman`` (n_h ∝ N_h·S_h, needs ``sd``) or
    ``optimal`` (n_h ∝ N_h·S_h/√c_h, needs ``sd`` and ``cost``). Raises ``DesignError`` naming the
    problem when the design is infeasible.
    """
    sizes = pd.Series(sizes)
    if method not in METHODS:
        raise DesignError(f"unknown allocation method {method!r}; choose one of {', '.join(METHODS)}")
    if len(sizes) == 0:
        raise DesignError("there are no strata to allocate to")
    if any(not float(N).is_integer() or N < 0 for N in sizes):
        raise DesignError("stratum sizes N_h must be whole numbers ≥ 0")
    N = [int(x) for x in sizes]
    if int(n) != n or n < 0:
        raise DesignError(f"the sample size n must be a whole number ≥ 0 (got {n})")
    n = int(n)
    if n > sum(N):
        raise DesignError(f"n = {n} exceeds the {sum(N)} units in the frame; lower n or widen the frame")
    if minimum < 0:
        raise DesignError(f"the minimum per stratum must be ≥ 0 (got {minimum})")
    floor_h = [min(minimum, size) for size in N]
    if sum(floor_h) > n:
        raise DesignError(
            f"the minimum of {minimum} per stratum needs {sum(floor_h)} cases over {len(N)} strata, more than "
            f"n = {n}; raise n or lower the minimum"
        )
    sd_values = (
        _aligned(sd, sizes, "a standard deviation S_h", method) if method in ("neyman", "optimal") else None
    )
    cost_values = _aligned(cost, sizes, "a cost per case c_h", method) if method == "optimal" else None
    weights = _weights(N, method, sd_values, cost_values)

    targets = _box_targets(weights, floor_h, N, n, method)
    floors = [math.floor(t) for t in targets]
    result = list(floors)
    by_remainder = sorted(range(len(N)), key=lambda h: (-(targets[h] - floors[h]), h))
    for h in by_remainder[: n - sum(floors)]:
        result[h] += 1
    if sum(result) != n:  # cannot happen unless the loop above is wrong; never return a wrong total
        raise DesignError(f"allocation failed to reach n = {n} (got {sum(result)}); please report this")
    return pd.Series(result, index=sizes.index, dtype="int64", name="n_h")
