"""A next study planned (`analysis.wave_power`) and run (`waves_sim.planned_summary`): the districts
that fell are found about as often as the plan promised. The figures over 200 studies a world, and the
peer's: `tests/benchmarks/sim_wave_plan.py`."""

from __future__ import annotations

import pytest

from tests.analysis.waves_sim import PLAN_WORLDS, planned_summary

pytestmark = pytest.mark.slow


def test_districts_that_fell_as_much_as_planned_for_are_found_as_often_as_the_plan_promised():
    world, calls, change = PLAN_WORLDS["three districts fall 15 points"]
    found = planned_summary(world, range(20), calls, change)
    assert found["plannable"] == 1.0  # ~180 answers a district leave room for a 15-point fall
    assert found["recall"] >= 0.7  # promised 0.8 when one district alone falls; 60 falls, se ~0.05
