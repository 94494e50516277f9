"""How many cases to release for a target margin of error, and the margin a given sample buys.

For a proportion p with margin E at confidence 1-α, in Kish's order (Kish 1965, §2.5 and §8.2): the
simple-random-sampling size ``n0 = z² p (1-p) / E²`` is first multiplied by the design effect,
``v = deff · n0``, and only then corrected for the finite population, ``n = v / (1 + (v - 1)/N)``; then
divided by the expected response rate and rounded up. (Correcting before the design effect, as the
first version did, can ask for more completes than the population holds and is not invertible.)
``expected_margin`` is the exact inverse of the unrounded completes:
``E = z √(deff · p(1-p)/n · (N-n)/(N-1))`` — solving it for n gives exactly ``v / (1 + (v - 1)/N)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.stats import norm

from sampling.allocation import allocate
from sampling.errors import DesignError


def z_value(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise DesignError(f"confidence must be between 0 and 1 (got {confidence})")
    return float(norm.ppf(1 - (1 - confidence) / 2))


def _check(p: float, deff: float, response_rate: float) -> None:
    if not 0 <= p <= 1:
        raise DesignError(f"p must be a proportion between 0 and 1 (got {p})")
    if deff <= 0:
        raise DesignError(f"the design effect must be positive (got {deff})")
    if not 0 < response_rate <= 1:
        raise DesignError(f"the response rate must be in (0, 1] (got {response_rate})")


def completes_needed(
    margin: float, confidence: float = 0.95, p: float = 0.5, population: int | None = None, deff: float = 1.0
) -> float:
    """Completed interviews needed (not rounded): Cochran's n0 times the design effect, then the FPC."""
    if not margin > 0:
        raise DesignError(f"the margin of error must be positive (got {margin})")
    _check(p, deff, 1.0)
    n = deff * z_value(confidence) ** 2 * p * (1 - p) / margin**2
    if population is not None:
        if population < 1:
            raise DesignError(f"the population size must be at least 1 (got {population})")
        n = n / (1 + (n - 1) / population)
    return n


def _ceil(x: float) -> int:
    """Round up, ignoring floating-point dust (384.0000000001 is 384)."""
    return math.ceil(round(x, 9))


def sample_size(
    margin: float,
    confidence: float = 0.95,
    p: float = 0.5,
    population: int | None = None,
    deff: float = 1.0,
    response_rate: float = 1.0,
) -> int:
    """Cases to release so that the completed interviews reach ``margin`` (never more than the population)."""
    _check(p, deff, response_rate)
    n = _ceil(completes_needed(margin, confidence, p, population, deff) / response_rate)
    return min(n, population) if population is not None else n


def expected_margin(
    n: float, population: int | None = None, confidence: float = 0.95, p: float = 0.5, deff: float = 1.0
) -> float:
    """Margin of error of a proportion estimated from ``n`` completed interviews (with FPC)."""
    _check(p, deff, 1.0)
    if n <= 0:
        return math.inf
    fpc = 1.0
    if population is not None:
        if population <= 1:
            return 0.0
        fpc = max(population - n, 0) / (population - 1)
    return z_value(confidence) * math.sqrt(deff * p * (1 - p) / n * fpc)


def plan(
    sizes: pd.Series,
    margin: float | None = None,
    n: int | None = None,
    *,
    method: str = "proportional",
    per_stratum: bool = False,
    confidence: float = 0.95,
    p: float = 0.5,
    deff: float = 1.0,
    response_rate: float = 1.0,
    minimum: int = 0,
    sd: pd.Series | Mapping | None = None,
    cost: pd.Series | Mapping | None = None,
) -> pd.DataFrame:
    """Per-stratum plan: N_h, cases to release n_h, expected completes and expected margin of error.

    Give either ``margin`` or ``n`` (cases to release). With ``margin`` the total is
    ``sample_size(margin, population=ΣN_h, …)`` allocated by ``method`` — or, with ``per_stratum``,
    every stratum gets the cases its own margin needs. ``attrs["overall_margin"]`` holds the margin of
    the stratified estimate of the whole population: ``z √(deff Σ W_h² (1-f_h) S_h²/m_h)`` with
    ``S_h² = N_h/(N_h-1) p(1-p)`` and m_h the expected completes.
    """
    if (margin is None) == (n is None):
        raise DesignError("give either a target margin of error or a number of cases n, not both")
    sizes = pd.Series(sizes).astype("int64")
    if per_stratum:
        if margin is None:
            raise DesignError("a per-stratum plan needs a target margin of error")
        n_h = pd.Series(
            [sample_size(margin, confidence, p, int(N), deff, response_rate) if N > 0 else 0 for N in sizes],
            index=sizes.index,
            dtype="int64",
        )
        n_h = n_h.clip(lower=np.minimum(minimum, sizes))
    else:
        total = (
            n if n is not None else sample_size(margin, confidence, p, int(sizes.sum()), deff, response_rate)
        )
        n_h = allocate(sizes, min(total, int(sizes.sum())), method=method, sd=sd, cost=cost, minimum=minimum)
    completes = n_h * response_rate
    table = pd.DataFrame(
        {
            "N_h": sizes,
            "n_h": n_h,
            "expected_completes": completes,
            "sampling_fraction": n_h / sizes.where(sizes > 0),
            "expected_margin": [
                expected_margin(m, int(N), confidence, p, deff) for m, N in zip(completes, sizes, strict=True)
            ],
        },
        index=sizes.index,
    )
    weights = sizes / sizes.sum()
    s2 = sizes / (sizes - 1).where(sizes > 1) * p * (1 - p)
    terms = weights**2 * (1 - completes / sizes) * s2 / completes.where(completes > 0)
    variance = float(terms.fillna(0).sum()) if (completes[sizes > 1] > 0).all() else math.inf
    table.attrs["overall_margin"] = z_value(confidence) * math.sqrt(deff * variance)
    table.attrs["n"] = int(n_h.sum())
    table.attrs["N"] = int(sizes.sum())
    return table
