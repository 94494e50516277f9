"""Planning the next study of a pair (`analysis.waves`): how many answers each group needs for a
change of its 满意率 to be found, and the smallest change a study of a given size finds.

The comparison the plan refers to is `analysis.waves.compare_waves`: the MOVER interval of the change,
built from each study's own interval, marked when it excludes zero, Benjamini–Hochberg at `WAVE_Q`
within a grouping's family. The earlier study is taken as it came out: the comparison will use its
estimate p₁ and its interval, so they are fixed; the later study is random, and so is where the group's
true rate lies.

**The later study of a group** is modelled as N effective answers, X ~ Binomial(N, p₁ ∓ δ), estimate
X/N, standard error √(p̂(1 − p̂)/(N − 1)) and N − 1 degrees of freedom: what `analysis.headline` gives a
district that is a stratum of its own with equal weights (a test checks the two agree; a group that
is a domain across strata gets the design's larger degrees of freedom, so there the plan errs large). N is the
answers needed divided by the group's design effect, measured in the earlier study (never below 1: a
small group's measured design effect is noisy, and planning on less than 1 promises what the design
may not give).

**Exact power.** Away from the far end, the upper end U(X) of a fall's interval rises with X: each
end of the later study's interval rises with X, and MOVER adds a distance that changes more slowly
than p̂ does. So from `EDGE` answers on, the counts that mark a fall are one run X ≤ c_N, found by
bisection; below `EDGE` each count is judged alone (a logit interval of 1 satisfied of 30 reaches
higher than that of 0 or 2). The power is the binomial probability of those counts: exact, not a
normal approximation (one tried first, with the skewed intervals near 100%, promised 0.8 and delivered
0.71–0.73 in simulation).
A rise is the mirror image.

**The truth is not the estimate.** The change the office wants found is from where the group really
is; the comparison measures it from where the earlier study put it. Planned at the estimate itself, a
plan for 0.8 found 0.775 of the falls over 200 simulated studies (a district whose earlier estimate
came out high is found more easily, one that came out low less, and the loss outweighs the gain near
0.8). So a plan averages the power over where the true rate may lie (`truths`: the Jeffreys posterior
at the earlier study's effective answers) — what O'Hagan & Stevens (2001) call assurance.

**Level.** A group is judged within its family of K groups by BH at q; when it alone changes, its
threshold is q/K, and more changes only lower the bar. Planning at the two-sided level q/K is the
honest worst case (as `sampling.power` does for units).

**What no later study can do.** The earlier study's interval stays as wide as it was: a fall is
marked only where p̂₂ < p₁ − √(a² + (p₁ − l₁)²), a the later interval's arm. As the later study grows,
p̂₂ settles at the true rate less δ and a shrinks to 0, so the power tends to the share of true rates t
with t − δ < p₁ − (p₁ − l₁): a fall no larger than the earlier interval's lower arm is found less than
half the time however many are called (at most 0.48 over the sizes and rates a test tries), and one
only a little larger not with the power asked. The plan says so (`LIMITS`: "first_study") instead of
printing a size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.errors import AnalysisError
from analysis.intervals import proportion_interval
from analysis.waves import WAVE_Q, mover_interval

DEFAULT_POWER = 0.8
DIRECTIONS = ("fall", "rise")
#: Why a group has no size: the earlier study's own interval leaves no room for the change, the rate
#: cannot move that far, it had no interval, or more effective answers than `LIMIT` would be needed.
LIMITS = ("first_study", "bounds", "no_interval", "over_limit")
#: The most effective answers a plan searches (a district's callbacks, not a census of its records).
LIMIT = 20_000
_BISECTIONS = 40
#: Halvings of the smallest detectable change: 2⁻²⁴ of the room, far below a printed tenth of a point.
_CHANGE_BISECTIONS = 24
#: Points of the earlier rate's posterior a plan averages its power over (`truths`).
NODES = 41


def change_alpha(groups: int, q: float = WAVE_Q) -> float:
    """The two-sided level at which a plan judges one group of a family of `groups`: q / K."""
    if groups < 1:
        raise AnalysisError(f"a family of groups needs at least one group (got {groups})")
    if not 0 < q < 1:
        raise AnalysisError(f"the false discovery rate q must lie between 0 and 1 (got {q})")
    return q / groups


def design_effect(estimate: np.ndarray, se: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Each group's measured design effect, var(p̂) / (p̂(1 − p̂)/(n − 1)), never below 1; 1 where p̂ is
    0 or 1 or fewer than two answered (no variance to measure)."""
    p, se, n = (np.asarray(a, dtype=float) for a in (estimate, se, n))
    with np.errstate(invalid="ignore", divide="ignore"):
        deff = se**2 * (n - 1) / (p * (1 - p))
    measurable = (p > 0) & (p < 1) & (n >= 2) & np.isfinite(deff)
    return np.where(measurable, np.maximum(deff, 1.0), 1.0)


def later_interval(count: np.ndarray, size: np.ndarray, level: float, ci: str = "logit") -> tuple:
    """The later study's interval for `count` satisfied of `size` effective answers (the model above)."""
    x, n = np.asarray(count, dtype=float), np.asarray(size, dtype=float)
    p = x / n
    se = np.sqrt(p * (1 - p) / (n - 1))
    return proportion_interval(p, se, n - 1, n, ci, level)


def _earlier_arms(earlier: pd.DataFrame, level: float, ci: str) -> tuple[np.ndarray, np.ndarray]:
    p = earlier["estimate"].to_numpy(float)
    low, high = proportion_interval(
        p,
        earlier["se"].to_numpy(float),
        earlier["df"].to_numpy(float),
        earlier["n"].to_numpy(float),
        ci,
        level,
    )
    return p - low, high - p


#: Counts at the far end of a later study (X < `EDGE` for a fall, X > N − `EDGE` for a rise) are judged
#: one by one: there the logit interval of 1 or 2 answers of N reaches further than that of none (its
#: half-width on the logit scale grows as p̂ nears 0), so the counts that mark are not one run.
EDGE = 8


def _marks(p1: float, arm: float, x: np.ndarray, sizes: np.ndarray, level: float, ci: str, direction: str):
    """Whether the comparison marks the change when the later study has `x` satisfied of `sizes`."""
    low, high = later_interval(x, sizes, level, ci)
    p = x / sizes
    if direction == "fall":
        return mover_interval(np.full_like(p, p1), p1 - arm, p1, p, low, high)[1] < 0
    return mover_interval(np.full_like(p, p1), p1, p1 + arm, p, low, high)[0] > 0


@dataclass(frozen=True)
class _Marking:
    """Per size N of the later study, the counts at which the comparison marks the change: each of the
    far end's `EDGE` counts alone, then one run up to `end` (a fall) or down from it (a rise)."""

    sizes: np.ndarray
    far: np.ndarray  # (sizes, EDGE): far-end count k (X = k for a fall, N − k for a rise) marks
    end: np.ndarray
    direction: str

    def power(self, rate: float | np.ndarray) -> np.ndarray:
        """The probability of a marking count when the later study's true rate is `rate`; for an array
        of rates, one row per rate. The far end is all of its counts' probability less that of the few
        that do not mark (most do: a later study with 0–7 satisfied of hundreds marks any fall)."""
        rates = np.atleast_1d(np.asarray(rate, dtype=float))[:, None]  # (rates, 1) against (sizes,)
        n = self.sizes
        k = np.arange(EDGE)
        if self.direction == "fall":  # counts 0..EDGE − 1, then EDGE..end
            far = stats.binom.cdf(EDGE - 1, n, rates)
            run = np.where(self.end >= EDGE, stats.binom.cdf(self.end, n, rates) - far, 0.0)
        else:  # counts N − EDGE + 1..N, then end..N − EDGE
            far = stats.binom.sf(n - EDGE, n, rates)
            run = stats.binom.cdf(n - EDGE, n, rates) - stats.binom.cdf(self.end - 1, n, rates)
            run = np.where(self.end <= n - EDGE, run, 0.0)
        sizes, ks = np.nonzero(~self.far & (k[None, :] <= n[:, None]))  # far counts that do not mark
        if len(sizes):
            counts = ks if self.direction == "fall" else n[sizes] - ks
            unmarked = np.zeros(far.shape)
            np.add.at(unmarked, (slice(None), sizes), stats.binom.pmf(counts, n[sizes], rates))
            far = far - unmarked
        power = np.clip(far + run, 0.0, 1.0)
        return power if np.ndim(rate) else power[0]


def _marking(p1: float, arm: float, sizes: np.ndarray, level: float, ci: str, direction: str) -> _Marking:
    """Which counts mark the change, per size: the far end count by count (one vectorised call), the
    run past it by bisection on every size at once."""
    sizes = np.atleast_1d(np.asarray(sizes, dtype=float))
    k = np.arange(EDGE, dtype=float)
    wide = np.repeat(sizes, EDGE)
    counts = np.tile(k, len(sizes)) if direction == "fall" else wide - np.tile(k, len(sizes))
    far = _marks(p1, arm, np.clip(counts, 0, wide), wide, level, ci, direction) & (
        np.tile(k, len(sizes)) <= wide
    )
    if direction == "fall":
        inside, outside = np.full(sizes.shape, EDGE - 1.0), sizes + 1
    else:
        inside, outside = sizes - EDGE + 1.0, np.full(sizes.shape, -1.0)
    for _ in range(_BISECTIONS):
        if np.all(np.abs(outside - inside) <= 1):
            break
        mid = np.floor((inside + outside) / 2) if direction == "fall" else np.ceil((inside + outside) / 2)
        hit = _marks(p1, arm, np.clip(mid, 0, sizes), sizes, level, ci, direction)
        inside, outside = np.where(hit, mid, inside), np.where(hit, outside, mid)
    return _Marking(sizes, far.reshape(len(sizes), EDGE), inside, direction)


def truths(p1: float, earlier_answers: float | None) -> np.ndarray:
    """Where the group's true rate may lie, given the earlier study's `earlier_answers` effective
    answers: `NODES` equal-probability quantiles of the Jeffreys posterior Beta(x + ½, n − x + ½);
    the estimate itself where none is given."""
    if earlier_answers is None:
        return np.array([p1])
    x = p1 * earlier_answers
    return stats.beta.ppf((np.arange(NODES) + 0.5) / NODES, x + 0.5, earlier_answers - x + 0.5)


def _power(marking: _Marking, where: np.ndarray, change: float) -> np.ndarray:
    """The power averaged over the true rates `where` (`truths`)."""
    shifted = where + (-change if marking.direction == "fall" else change)
    return marking.power(np.clip(shifted, 0.0, 1.0)).mean(axis=0)


def _reachable(where: np.ndarray, p1: float, arm: float, change: float, direction: str, power: float) -> bool:
    """Whether some later study reaches `power`: as it grows, its estimate settles at the true rate
    moved by the change and its interval closes on it, so its power tends to the share of true rates
    (`where`) whose moved value lies beyond the earlier interval's end."""
    beyond = where - change < p1 - arm if direction == "fall" else where + change > p1 + arm
    return float(np.mean(beyond)) >= power


def change_power(
    p1: float,
    arm: float,
    size: np.ndarray,
    change: float,
    level: float,
    ci: str = "logit",
    direction: str = "fall",
    earlier_answers: float | None = None,
) -> np.ndarray:
    """Exact probability that a later study of `size` effective answers marks a `change` (a share,
    positive) in `direction` from an earlier estimate `p1` whose interval at `level` reaches `arm`
    below it (a fall) or above it (a rise): the binomial probability of the counts that mark. With
    `earlier_answers` (the earlier study's effective answers), averaged over where the true rate may
    lie (`truths`): the change is from the true rate, the comparison's from the estimate."""
    return _power(_marking(p1, arm, size, level, ci, direction), truths(p1, earlier_answers), change)


def minimum_detectable_change(
    p1: float,
    arm: float,
    size: float,
    level: float,
    power: float = DEFAULT_POWER,
    ci: str = "logit",
    direction: str = "fall",
    earlier_answers: float | None = None,
) -> float:
    """The smallest change (a share) a later study of `size` effective answers marks with `power`;
    ``inf`` where none does. The counts that mark are fixed by the size and their probability grows
    with the change, so one bisection on the change finds it."""
    n = float(math.floor(size + 1e-9))
    room = p1 if direction == "fall" else 1 - p1
    if n < 2 or room <= 0:
        return math.inf
    marking = _marking(p1, arm, np.array([n]), level, ci, direction)
    where = truths(p1, earlier_answers)
    if _power(marking, where, room)[0] < power:
        return math.inf
    short, enough = 0.0, room
    for _ in range(_CHANGE_BISECTIONS):
        mid = (short + enough) / 2
        if _power(marking, where, mid)[0] >= power:
            enough = mid
        else:
            short = mid
    return float(enough)


def answers_for_change(
    p1: float,
    arm: float,
    change: float,
    level: float,
    power: float = DEFAULT_POWER,
    ci: str = "logit",
    direction: str = "fall",
    limit: int = LIMIT,
    earlier_answers: float | None = None,
) -> tuple[int | None, str]:
    """The fewest effective answers from which on every larger size (up to twice the first power of two
    that reaches `power`) marks `change`, and "" — or None and why not (`LIMITS`)."""
    target = p1 - change if direction == "fall" else p1 + change
    if not 0 <= target <= 1:
        return None, "bounds"
    where = truths(p1, earlier_answers)
    if not _reachable(where, p1, arm, change, direction, power):
        return None, "first_study"
    grid = np.unique(np.minimum(2.0 ** np.arange(2, math.ceil(math.log2(limit)) + 1), limit))
    reached = np.flatnonzero(_power(_marking(p1, arm, grid, level, ci, direction), where, change) >= power)
    if not len(reached):
        return None, "over_limit"
    top = grid[reached[0]]
    # the grid point below fell short, so the last size that does lies above it (from 2 if none below)
    sizes = np.arange(2 if reached[0] == 0 else grid[reached[0] - 1], 2 * top + 1)
    power_there = _power(_marking(p1, arm, sizes, level, ci, direction), where, change)
    falling_short = np.flatnonzero(power_there < power)
    return (int(sizes[falling_short[-1]] + 1) if len(falling_short) else int(sizes[0])), ""


def plan_changes(
    earlier: pd.DataFrame,
    change: float,
    *,
    power: float = DEFAULT_POWER,
    q: float = WAVE_Q,
    ci: str = "logit",
    yields: pd.Series | None = None,
    directions: tuple[str, ...] = DIRECTIONS,
) -> pd.DataFrame:
    """Per group of one family (rows with `level`, `estimate`, `se`, `n`, `df`: one metric by one
    grouping of the earlier study's headline): the answers (and, with `yields`, the cases to release)
    the next study needs to mark a fall and a rise of `change`, the smallest fall and
    rise a study as large as the earlier one marks, and why a size is missing (`LIMITS`).

    Columns: level, estimate, low, high (95%), n, deff, fall_answers, rise_answers (answers, design
    effect included; <NA> where none), fall_limit, rise_limit, same_size_fall, same_size_rise (shares;
    inf where none), and with `yields` (answers per released case, by level) fall_cases, rise_cases;
    ``attrs``: alpha, power, change, q. `directions` ("fall", "rise" or both) limits the columns to
    those directions' (a plan for falls alone costs half)."""
    if not 0 < change < 1:
        raise AnalysisError(
            f"the change to detect must lie between 0 and 1 (got {change}; 0.10 is 10 points)"
        )
    if not 0 < power < 1:
        raise AnalysisError(f"the power must lie between 0 and 1 (got {power})")
    unknown = [d for d in directions if d not in DIRECTIONS]
    if unknown or not directions:
        raise AnalysisError(f"a plan is for a fall, a rise or both (got {unknown or 'neither'})")
    missing = [c for c in ("level", "estimate", "se", "n", "df") if c not in earlier.columns]
    if missing:
        raise AnalysisError(f"the earlier study's rows lack the column {missing[0]!r}")
    rows = earlier.reset_index(drop=True)
    low95, high95 = proportion_interval(
        rows["estimate"].to_numpy(float),
        rows["se"].to_numpy(float),
        rows["df"].to_numpy(float),
        rows["n"].to_numpy(float),
        ci,
        0.95,
    )
    has_interval = np.isfinite(low95) & np.isfinite(high95)
    alpha = change_alpha(max(int(has_interval.sum()), 1), q)
    below, above = _earlier_arms(rows, 1 - alpha, ci)
    deff = design_effect(rows["estimate"], rows["se"], rows["n"])
    table = pd.DataFrame(
        {
            "level": rows["level"],
            "estimate": rows["estimate"],
            "low": low95,
            "high": high95,
            "n": rows["n"],
            "deff": deff,
        }
    )
    for direction, arms in (("fall", below), ("rise", above)):
        if direction not in directions:
            continue
        needed, limits, same = [], [], []
        for i, p1 in enumerate(rows["estimate"].to_numpy(float)):
            if not has_interval[i]:
                needed.append(pd.NA)
                limits.append("no_interval")
                same.append(math.inf)
                continue
            effective = rows["n"].iat[i] / deff[i]
            size, why = answers_for_change(
                p1, arms[i], change, 1 - alpha, power, ci, direction, earlier_answers=effective
            )
            needed.append(pd.NA if size is None else math.ceil(size * deff[i] - 1e-9))
            limits.append(why)
            same.append(
                minimum_detectable_change(p1, arms[i], effective, 1 - alpha, power, ci, direction, effective)
            )
        table[f"{direction}_answers"] = pd.array(needed, dtype="Int64")
        table[f"{direction}_limit"] = limits
        table[f"same_size_{direction}"] = same
    if yields is not None:
        per = pd.Series(yields, dtype=float).reindex(table["level"]).to_numpy()
        for direction in directions:
            answers = table[f"{direction}_answers"].astype("Float64").to_numpy(float, na_value=np.nan)
            with np.errstate(invalid="ignore", divide="ignore"):
                cases = np.ceil(answers / per - 1e-9)
            table[f"{direction}_cases"] = pd.array(
                [pd.NA if not np.isfinite(v) else int(v) for v in cases], dtype="Int64"
            )
    table.attrs.update({"alpha": alpha, "power": power, "change": change, "q": q})
    return table
