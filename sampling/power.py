"""Power of a unit audit: the smallest inflation a design can find, and the sample that finds a chosen one.

A unit (an organisation, a staff member: a stratum of its own) is audited by asking whether its
callback 满意率 is below what its system says. The system rate p_s is a census of the unit's ratings,
so it has no sampling error; the callback side is m completed interviews, X of them satisfied.

**The test** (the one the power refers to): one-sided exact binomial, H0 "the callback rate is
p0 = p_s − g" (g = the honest system−callback gap of the unit's domain, 0 unless known), rejected when
X ≤ c with c the largest count for which P(X ≤ c | m, p0) ≤ α. Exact at every m, so small units are
not flattered by a normal approximation (with m = 5 and p0 = 0.95 no outcome is significant at
α = 0.004: the unit cannot be audited at all, and the table says so).

**Minimum detectable inflation (MDI)**: the smallest δ such that, when the true callback rate is
p0 − δ, the test rejects with probability ≥ ``power`` (0.8). P(X ≤ c | m, p) decreases in p, so the
rate where it equals the power is a beta quantile: p* = Beta⁻¹(1 − power; c + 1, m − c), and
MDI = p0 − p*. An exact test's power is a saw-tooth in m, so one more interview can raise the MDI
slightly; ``completes_for_inflation`` asks for the smallest m from which on every larger m detects δ.

**Multiplicity allowance** (``unit_alpha``): flags are decided by Benjamini–Hochberg at q across the K
audited units. The BH threshold for a unit that is the only inflated one is q/K — the Bonferroni level
— and it only gets easier when more units are inflated (the r-th smallest p-value is compared with
q·r/K). Planning at α = q/K is therefore the honest worst case: the MDI holds even when a single unit
inflates. Planned completes are m = ⌊n_h × expected response rate⌋ (a partial interview finds nothing).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from sampling.allocation import allocate
from sampling.errors import DesignError

DEFAULT_POWER = 0.8
DEFAULT_Q = 0.10


def unit_alpha(q: float, units: int) -> float:
    """One-sided level per unit: q / K, the BH threshold when only one of K audited units inflates."""
    if not 0 < q < 1:
        raise DesignError(f"the false discovery rate q must be between 0 and 1 (got {q})")
    if units < 1:
        raise DesignError(f"the number of audited units must be at least 1 (got {units})")
    return q / units


def _check(alpha: float, power: float) -> None:
    if not 0 < alpha < 1:
        raise DesignError(f"the level α must be between 0 and 1 (got {alpha})")
    if not 0 < power < 1:
        raise DesignError(f"the power must be between 0 and 1 (got {power})")


def critical_count(completes: np.ndarray, p0: np.ndarray, alpha: float) -> np.ndarray:
    """Largest c with P(X ≤ c | m, p0) ≤ α, or −1 where even X = 0 is not significant."""
    m = np.asarray(completes, dtype=float)
    p0 = np.asarray(p0, dtype=float)
    c = stats.binom.ppf(alpha, m, p0)  # smallest k with P(X ≤ k) ≥ α
    c = np.where(np.isnan(c), -1.0, c)
    above = stats.binom.cdf(c, m, p0) > alpha * (1 + 1e-12)
    return np.where(above, c - 1, c).astype(np.int64)


def minimum_detectable_inflation(
    system_rate: Sequence[float] | np.ndarray | float,
    completes: Sequence[float] | np.ndarray | float,
    alpha: float,
    power: float = DEFAULT_POWER,
    honest_gap: Sequence[float] | np.ndarray | float = 0.0,
) -> np.ndarray:
    """MDI per unit (a share: 0.1 = 10 points); ``inf`` where no outcome of m interviews is significant.

    ``completes`` is rounded down to whole interviews. Units with p0 = 0 cannot be shown to inflate.
    """
    _check(alpha, power)
    p_s, m_raw, gap = np.broadcast_arrays(
        np.asarray(system_rate, dtype=float),
        np.asarray(completes, dtype=float),
        np.asarray(honest_gap, dtype=float),
    )
    if np.any((p_s < 0) | (p_s > 1)):
        raise DesignError("system rates must be proportions between 0 and 1")
    m = np.floor(np.nan_to_num(m_raw, nan=0.0) + 1e-9)
    p0 = np.clip(p_s - gap, 0.0, 1.0)
    c = critical_count(m, p0, alpha)
    usable = (m >= 1) & (c >= 0) & (p0 > 0)
    safe_c = np.where(usable, c, 0)
    safe_m = np.where(usable, m, 1)
    p_star = stats.beta.ppf(1 - power, safe_c + 1, np.maximum(safe_m - safe_c, 1e-12))
    mdi = np.where(usable, p0 - p_star, np.inf)
    return np.atleast_1d(np.maximum(mdi, 0.0))


def completes_for_inflation(
    system_rate: float,
    inflation: float,
    alpha: float,
    power: float = DEFAULT_POWER,
    honest_gap: float = 0.0,
    limit: int = 5000,
) -> int | None:
    """Smallest m from which on every m' ≥ m (up to ``limit``) detects ``inflation``; None if none does."""
    if not 0 < inflation <= 1:
        raise DesignError(f"the inflation to detect must be in (0, 1] (got {inflation})")
    # search up to three times the normal-approximation size (the exact saw-tooth is long gone by then)
    p0 = min(max(system_rate - honest_gap, 0.0), 1.0)
    p1 = max(p0 - inflation, 0.0)
    spread = stats.norm.isf(alpha) * math.sqrt(p0 * (1 - p0)) + stats.norm.isf(1 - power) * math.sqrt(
        p1 * (1 - p1)
    )
    top = int(min(limit, 3 * (spread / inflation) ** 2 + 200))
    m = np.arange(1, top + 1)
    mdi = minimum_detectable_inflation(np.full(top, system_rate), m, alpha, power, honest_gap)
    failing = np.flatnonzero(mdi > inflation + 1e-12)
    if len(failing) == 0:
        return 1
    if failing[-1] == top - 1:
        return None
    return int(failing[-1]) + 2


def mdi_table(
    sizes: pd.Series,
    n_h: pd.Series,
    system_rate: pd.Series,
    *,
    response_rate: float = 1.0,
    q: float = DEFAULT_Q,
    alpha: float | None = None,
    power: float = DEFAULT_POWER,
    honest_gap: float | pd.Series = 0.0,
) -> pd.DataFrame:
    """Per unit: N_h, planned completes, system rate and MDI; ``attrs['alpha']`` records the level used.

    The report and the plan call this. ``alpha`` defaults to ``unit_alpha(q, K)`` over the units given.
    """
    level = alpha if alpha is not None else unit_alpha(q, max(len(sizes), 1))
    completes = np.floor(
        pd.Series(n_h, dtype=float).reindex(sizes.index).fillna(0).to_numpy() * response_rate + 1e-9
    )
    rate = pd.Series(system_rate, dtype=float).reindex(sizes.index)
    gap = honest_gap.reindex(sizes.index).fillna(0.0) if isinstance(honest_gap, pd.Series) else honest_gap
    table = pd.DataFrame(
        {
            "N_h": sizes,
            "planned_completes": completes.astype(np.int64),
            "system_rate": rate,
            "mdi": minimum_detectable_inflation(rate.fillna(0.0).to_numpy(), completes, level, power, gap),
        },
        index=sizes.index,
    )
    table.attrs.update({"alpha": level, "power": power, "q": q})
    return table


def audit_allocation(
    sizes: pd.Series | Mapping,
    system_rate: pd.Series | Mapping,
    budget: int,
    inflation: float = 0.10,
    *,
    audited: Sequence | None = None,
    response_rate: float = 1.0,
    q: float = DEFAULT_Q,
    alpha: float | None = None,
    power: float = DEFAULT_POWER,
    minimum: int = 2,
) -> pd.DataFrame:
    """The "audit units" design: each audited unit gets the cases it needs to detect ``inflation``.

    ``audited`` lists the strata that are units to audit (default: every stratum). Every stratum first
    gets ``minimum`` cases (so the headline can be estimated everywhere); then audited units are funded
    in increasing order of need while the budget lasts; what is left is shared in proportion to the records left
    among the strata not funded. ``status`` says what did not fit: ``funded``, ``over budget`` (need
    known, budget ran out), ``unreachable`` (even a census of the unit's records cannot detect the
    inflation at this response rate), ``not audited``. Columns: N_h, n_h, needed, system_rate, mdi
    (at the n_h given), status; ``attrs``: alpha, power, inflation, budget.
    """
    sizes = pd.Series(sizes).astype("int64")
    rates = pd.Series(system_rate, dtype=float).reindex(sizes.index)
    if rates.isna().any():
        missing = list(rates.index[rates.isna()])[:5]
        raise DesignError(f"the audit design needs a system rate for every stratum (missing: {missing})")
    if not 0 < response_rate <= 1:
        raise DesignError(f"the response rate must be in (0, 1] (got {response_rate})")
    audited_keys = list(sizes.index) if audited is None else [k for k in sizes.index if k in set(audited)]
    level = alpha if alpha is not None else unit_alpha(q, max(len(audited_keys), 1))
    _check(level, power)
    budget = int(budget)
    if budget > int(sizes.sum()):
        raise DesignError(f"the budget of {budget} cases exceeds the {int(sizes.sum())} units in the frame")
    base = np.minimum(minimum, sizes)
    if int(base.sum()) > budget:
        raise DesignError(
            f"a budget of {budget} cannot give every one of the {len(sizes)} strata its minimum of {minimum}"
        )
    needed = pd.Series(pd.NA, index=sizes.index, dtype="Int64")
    status = pd.Series("not audited", index=sizes.index, dtype="object")
    for key in audited_keys:
        completes = completes_for_inflation(float(rates[key]), inflation, level, power)
        cases = None if completes is None else math.ceil(round(completes / response_rate, 9))
        if cases is None or cases > int(sizes[key]):
            status[key] = "unreachable"
        else:
            needed[key] = max(cases, int(base[key]))
    n_h = base.copy()
    left = budget - int(base.sum())
    for key in needed.dropna().sort_values(kind="stable").index:
        extra = int(needed[key]) - int(n_h[key])
        if extra <= left:
            n_h[key] += extra
            left -= extra
            status[key] = "funded"
        else:
            status[key] = "over budget"
    others = [k for k in sizes.index if status[k] != "funded"]
    if left > 0 and others:
        room = (sizes[others] - n_h[others]).clip(lower=0)
        share = allocate(room, min(left, int(room.sum())), method="proportional")
        n_h[others] += share
    table = pd.DataFrame(
        {
            "N_h": sizes,
            "n_h": n_h.astype("int64"),
            "needed": needed,
            "system_rate": rates,
            "mdi": minimum_detectable_inflation(
                rates.to_numpy(), n_h.to_numpy() * response_rate, level, power
            ),
            "status": status,
        },
        index=sizes.index,
    )
    table.attrs.update({"alpha": level, "power": power, "inflation": inflation, "budget": budget})
    return table


__all__ = [
    "audit_allocation",
    "completes_for_inflation",
    "critical_count",
    "mdi_table",
    "minimum_detectable_inflation",
    "unit_alpha",
]


def members_judged(
    member: pd.Series, probability: np.ndarray, response_rate: float, min_respondents: int = 5
) -> pd.DataFrame:
    """Per member (e.g. staff member) of the sampling units: units, expected respondents and the
    probability of reaching ``min_respondents`` — the fewest a unit verdict judges — so that a plan
    says how many members its staff level will be able to judge (``attrs["expected_judged"]``).

    ``member`` names each sampling unit's member (missing or blank: none), ``probability`` its inclusion
    probability under the plan. A member's respondents are taken as independent Bernoulli draws
    (π_u × response rate each) and their tail computed exactly (Poisson-binomial, all members at once);
    drawing without replacement within a stratum makes the count a little less spread than that.
    """
    if not 0 < response_rate <= 1:
        raise DesignError(f"the response rate must be in (0, 1] (got {response_rate})")
    names = pd.Series(member).reset_index(drop=True)
    named = (names.notna() & (names.astype(str).str.strip() != "")).to_numpy()
    chance = np.clip(np.asarray(probability, float)[named] * response_rate, 0.0, 1.0)
    codes, labels = pd.factorize(names[named].astype(str), sort=True)
    units = np.bincount(codes, minlength=len(labels))
    table = pd.DataFrame(
        {
            "units": units.astype("int64"),
            "expected_respondents": np.bincount(codes, weights=chance, minlength=len(labels)),
            "p_judged": _at_least(codes, chance, len(labels), min_respondents),
        },
        index=pd.Index(labels, name="member"),
    )
    table.attrs.update(
        {"expected_judged": float(table["p_judged"].sum()), "min_respondents": min_respondents}
    )
    return table


def _at_least(codes: np.ndarray, chance: np.ndarray, groups: int, k: int) -> np.ndarray:
    """P(at least k successes) per group of independent Bernoulli draws (`chance`, grouped by `codes`):
    the count's law up to k (k absorbing), one draw of every group per step."""
    order = np.argsort(codes, kind="stable")
    codes, chance = codes[order], chance[order]
    start = np.searchsorted(codes, np.arange(groups))
    step = np.arange(len(codes)) - start[codes]  # each draw's place within its group
    law = np.zeros((groups, k + 1))
    law[:, 0] = 1.0
    for j in range(int(step.max()) + 1 if len(step) else 0):
        mine = step == j
        rows, p = codes[mine], chance[mine][:, None]
        before = law[rows]
        moved = before * (1 - p)
        moved[:, 1:] += before[:, :-1] * p
        moved[:, k] += before[:, k] * p[:, 0]  # reached k stays reached
        law[rows] = moved
    return law[:, k]
