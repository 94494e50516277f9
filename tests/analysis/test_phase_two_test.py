"""The rate test of units a phase 2 expanded (`analysis.phase_two_test`): valid although phase 2 chose
the units whose phase-1 answers looked bad, against an honest gap that is not zero, and when honest
units differ — a unit passed over is cleared, never tested on phase 1 alone."""

import numpy as np
import pandas as pd
import pytest

from analysis.phase_two_test import expanded_unit_p_values
from tests.analysis.expanded_units_sim import UNITS, honest_units


@pytest.mark.parametrize(
    ("gap", "spread"), [(0.0, 0.0), (0.4, 0.0), (0.4, 0.5)], ids=["no gap", "mode gap", "units differ"]
)
def test_honest_units_are_rejected_at_most_at_the_nominal_rate_after_phase_two_chose_them(gap, spread):
    units = honest_units(7, gap, spread)
    assert 0.3 < units["expanded"].mean() < 0.9  # the rule chose, on phase 1
    p = expanded_unit_p_values(units)
    rate = float((p <= 0.05).mean())
    assert rate <= 0.05 + 2 * np.sqrt(0.05 * 0.95 / UNITS)  # Monte Carlo SE 0.0034


def test_the_test_is_against_the_honest_gap_not_against_zero():
    units = honest_units(8, 0.4, 0.0)
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
