"""Simulated pairs of waves (`waves_sim`, 16 districts of ~60 respondents a wave): where nothing changed
no district is marked in more than one study in ten, the intervals of the change cover, and a district
that fell 20 points is found. The figures over 200 studies a world: `tests/benchmarks/sim_waves.py`."""

from __future__ import annotations

import pytest

from tests.analysis.waves_sim import WORLDS, summary

pytestmark = pytest.mark.slow
SEEDS = range(30)


@pytest.mark.parametrize("world", ["no change at ~85%", "no change at 95-100%"])
def test_where_nothing_changed_a_district_is_marked_in_at_most_one_study_in_ten(world):
    found = summary(WORLDS[world], SEEDS, per_district=100)
    assert found["any_false"] <= 0.10
    assert found["coverage"] >= 0.93


def test_districts_that_fell_20_points_are_found_and_the_others_not_marked():
    found = summary(WORLDS["three districts fall 20 points"], SEEDS, per_district=100)
    assert found["recall"] >= 0.15
    assert found["fdp"] <= 0.10
