"""The rate test of units a phase 2 expanded (`analysis.phase_two_test`): valid although phase 2 chose
the units whose phase-1 answers looked bad, against an honest gap that is not zero, and when honest
units differ — a unit passed over is cleared, never tested on phase 1 alone."""

import numpy as np
import pandas as pd
import pytest
from scipy import special

from analysis.phase_two_test import expanded_unit_p_values
from sampling.two_phase import PhaseTwoRule

UNITS, EVENTS, FIRST, SECOND = 4000, 300, 12, 24


def _honest_units(seed: int, gap: float, spread: float) -> pd.DataFrame:
    """Honest units: system ratings and callbacks whose log odds ratio is `gap` on average, each unit's
    own drawn with sd `spread`; phase 1 FIRST answers, phase 2 SECOND more to the units the rate rule
    (no honest gap known to it) does not clear."""
    rng = np.random.default_rng(seed)
    system = rng.uniform(0.80, 0.97, UNITS)
    own_gap = gap + spread * rng.standard_normal(UNITS)
    callback = special.expit(special.logit(system) - own_gap)
    big_s = rng.binomial(EVENTS, system)
    x1 = rng.binomial(FIRST, callback)
    selected = PhaseTwoRule(level=0.3).selected(
        x1, np.full(UNITS, FIRST), pd.DataFrame({"system_rate": big_s / EVENTS})
    )
    x2 = rng.binomial(SECOND, callback)
    return pd.DataFrame(
        {
            "S": big_s,
            "N": EVENTS,
            "x": np.where(selected, x1 + x2, x1),
            "n": np.where(selected, FIRST + SECOND, FIRST),
            "gap": gap,
            "spread": spread,
            "expanded": selected,
        }
    )


@pytest.mark.parametrize(
    ("gap", "spread"), [(0.0, 0.0), (0.4, 0.0), (0.4, 0.5)], ids=["no gap", "mode gap", "units differ"]
)
def test_honest_units_are_rejected_at_most_at_the_nominal_rate_after_phase_two_chose_them(gap, spread):
    units = _honest_units(7, gap, spread)
    assert 0.3 < units["expanded"].mean() < 0.9  # the rule chose, on phase 1
    p = expanded_unit_p_values(units)
    rate = float((p <= 0.05).mean())
    assert rate <= 0.05 + 2 * np.sqrt(0.05 * 0.95 / UNITS)  # Monte Carlo SE 0.0034


def test_the_test_is_against_the_honest_gap_not_against_zero():
    units = _honest_units(8, 0.4, 0.0)
    against_zero = expanded_unit_p_values(units.assign(gap=0.0))
    assert (against_zero <= 0.05).mean() > 0.15  # a −5-point mode effect would accuse honest units


def test_an_inflated_unit_phase_two_expanded_is_found():
    inflated = pd.DataFrame(
        {"S": [291], "N": [300], "x": [26], "n": [36], "gap": [0.4], "spread": [0.3], "expanded": [True]}
    )  # system 97%, callbacks 72%
    assert expanded_unit_p_values(inflated).iloc[0] < 0.001


def test_a_unit_phase_two_passed_over_or_without_answers_is_cleared():
    units = pd.DataFrame(
        {
            "S": [291, 291],
            "N": [300, 300],
            "x": [2, 0],
            "n": [12, 0],
            "gap": 0.4,
            "spread": 0.3,
            "expanded": [False, True],
        },
        index=["passed over", "no answer"],
    )
    assert expanded_unit_p_values(units).to_dict() == {"passed over": 1.0, "no answer": 1.0}


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match=r"\['spread', 'expanded'\]"):
        expanded_unit_p_values(pd.DataFrame({"S": [1], "N": [2], "x": [1], "n": [1], "gap": [0.0]}))
