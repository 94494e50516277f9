"""How many telephone surveyors a study needs so that their differences do not blow up its margin.

Why: surveyors differ a little in how they ask and record, and every answer a surveyor takes shares
their shift. The headline's interval carries that variance (`analysis.interviewer_variance`: σ_b² Σ
W_k², Kish 1962; Groves 1989, ch. 8) — stop 33 measured ±2.8 → ±4.8 points with five surveyors 4
points apart. Unlike the sampling part it does not shrink with more interviews, only with more
surveyors: with K surveyors of equal workloads whose shifts have SD τ it is τ² / K, so no sample size
brings the margin below z τ / √K. The plan is where the number of surveyors is still a choice.

The margin with surveyors is √(E² + (z τ)² / K), E the plan's sampling margin. Unequal workloads
make Σ W_k² larger than 1 / K (the figure is then a floor). The plan's E ignores what calibration to
the system rating gains, so the sum is conservative; the interviewer term itself is what the studies
show (`python tests/benchmarks/bench_interviewer_variance.py 300 plan:5:0.04`, ARCHITECTURE.md
"Interviewer variance"). τ is on the scale of the satisfied share, as the headline estimates it.
"""

from __future__ import annotations

import math

from sampling.errors import DesignError
from sampling.size import z_value

#: The planning default for τ when no earlier study of the same team gives one: centralised
#: telephone surveys report interviewer intra-class correlations near 0.009 (Groves & Magilavy 1986),
#: which on a share near 85% is τ = √(0.009 × 0.85 × 0.15) ≈ 3.4 points.
DEFAULT_SPREAD = 0.03
#: The widening of the margin a plan accepts from the surveyors' differences (`surveyors_for`).
DEFAULT_WIDENING = 0.10


def _check_margin(margin: float) -> None:
    if not margin > 0:
        raise DesignError(f"the sampling margin must be positive (got {margin})")


def _check_spread(spread: float) -> None:
    if not 0 <= spread < 1:
        raise DesignError(f"the surveyors' spread τ must be a share in [0, 1) (got {spread})")


def interviewer_margin(
    margin: float, surveyors: int, spread: float = DEFAULT_SPREAD, confidence: float = 0.95
) -> float:
    """The margin `margin` (the sampling part) widened by `surveyors` of equal workloads whose shifts
    have SD `spread`: √(E² + (z τ)² / K)."""
    _check_margin(margin)
    return math.sqrt(margin**2 + margin_floor(surveyors, spread, confidence) ** 2)


def margin_floor(surveyors: int, spread: float = DEFAULT_SPREAD, confidence: float = 0.95) -> float:
    """z τ / √K: the margin `surveyors` of equal workloads leave however many interviews they take."""
    if surveyors < 1:
        raise DesignError(f"a study needs at least one surveyor (got {surveyors})")
    _check_spread(spread)
    return z_value(confidence) * spread / math.sqrt(surveyors)


def surveyors_for(
    margin: float,
    spread: float = DEFAULT_SPREAD,
    widening: float = DEFAULT_WIDENING,
    confidence: float = 0.95,
) -> int:
    """The fewest surveyors who widen `margin` by at most `widening` (0.10: 10%): the smallest K with
    (z τ)² / K ≤ ((1 + w)² − 1) E²."""
    _check_margin(margin)
    _check_spread(spread)
    if not widening > 0:
        raise DesignError(f"the accepted widening must be positive (got {widening})")
    need = (z_value(confidence) * spread) ** 2 / (((1 + widening) ** 2 - 1) * margin**2)
    return max(1, math.ceil(round(need, 9)))
