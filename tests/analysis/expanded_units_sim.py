"""Many honest units whose callbacks phase 2 extends where phase 1 did not clear them: what the rate
test of expanded units (`analysis.phase_two_test`) is checked on, with or without phase 2's answers
fading for being called later. Vectorised, so thousands of units test the nominal level in a second."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from sampling.two_phase import PhaseTwoRule

UNITS, EVENTS, FIRST, SECOND = 4000, 300, 12, 24


def honest_units(
    seed: int, gap: float, spread: float, shift: float = 0.0, later_weeks: float = 0.0
) -> pd.DataFrame:
    """Honest units: system ratings and callbacks whose log odds ratio is `gap` on average, each unit's
    own drawn with sd `spread`; phase 1 FIRST answers, phase 2 SECOND more to the units the rate rule
    (no honest gap known to it) does not clear, called `later_weeks` later, their chance of a satisfied
    answer moved by `shift` (all answers taken as on records rated satisfied: ``late_weeks`` counts
    every phase-2 answer)."""
    rng = np.random.default_rng(seed)
    system = rng.uniform(0.80, 0.97, UNITS)
    own_gap = gap + spread * rng.standard_normal(UNITS)
    callback = special.expit(special.logit(system) - own_gap)
    big_s = rng.binomial(EVENTS, system)
    x1 = rng.binomial(FIRST, callback)
    selected = PhaseTwoRule(level=0.3).selected(
        x1, np.full(UNITS, FIRST), pd.DataFrame({"system_rate": big_s / EVENTS})
    )
    x2 = rng.binomial(SECOND, np.clip(callback + shift, 0, 1))
    return pd.DataFrame(
        {
            "S": big_s,
            "N": EVENTS,
            "x": np.where(selected, x1 + x2, x1),
            "n": np.where(selected, FIRST + SECOND, FIRST),
            "gap": gap,
            "spread": spread,
            "expanded": selected,
            "late_weeks": np.where(selected, SECOND * later_weeks, 0.0),
        }
    )
