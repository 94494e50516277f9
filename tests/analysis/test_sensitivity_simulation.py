"""Simulation: the Γ = 2 refusal range beside the headline covers the truth when the dissatisfied refuse
twice as often, where the headline's own interval does not, and brackets the headline under MAR.

Smaller than `tests/benchmarks/bench_headline.py` (which prints the range's coverage and width over
hundreds of studies; 95.0% over 200, MC SE 1.5): 30 studies, about 20 s of CPU, so the bound allows for
the simulation's own noise (0.85: two standard errors of a 30-study proportion below 0.95). "Covers"
means the truth lies between the low end's lower confidence limit and the high end's upper one — the
range as printed with its intervals.
"""

from __future__ import annotations

import numpy as np
import pytest

from analysis.headline import replicate_headline
from analysis.respondents import adjusted_sample
from analysis.sensitivity import refusal_sensitivity
from tests.analysis.nonresponse_sim import ORDER, draw_study, make_population

pytestmark = pytest.mark.slow


def _studies(scenario: str, studies: int, seed: int):
    """Per study: truth, headline estimate, (low, high) estimates, (low's ci_low, high's ci_high)."""
    population = make_population(seed, events=12_000, units=60, districts=8)
    for k in range(studies):
        cases, totals = draw_study(population, seed * 7919 + k, scenario, 600, "organisation_id")
        sample = adjusted_sample(cases, totals, rating_order=ORDER)
        headline = replicate_headline(sample, by=()).iloc[0]
        low, high = refusal_sensitivity(sample, gamma=2.0).itertuples()
        yield population.truth, headline, (low.estimate, high.estimate), (low.ci_low, high.ci_high)


def test_when_the_dissatisfied_refuse_twice_as_often_the_range_covers_the_truth():
    rows = list(_studies("refuse", 30, seed=41))
    range_covers = np.mean([a <= truth <= b for truth, _, _, (a, b) in rows])
    headline_covers = np.mean([h["ci_low"] <= truth <= h["ci_high"] for truth, h, _, _ in rows])
    assert range_covers >= 0.85, f"range covers {range_covers:.3f}"
    assert range_covers > headline_covers, f"range {range_covers:.3f}, headline {headline_covers:.3f}"


def test_when_response_depends_on_frame_variables_the_range_brackets_the_estimate_and_stays_narrow():
    rows = list(_studies("frame", 6, seed=43))
    assert all(low < h["estimate"] < high for _, h, (low, high), _ in rows)
    widths = [100 * (high - low) for _, _, (low, high), _ in rows]
    assert max(widths) < 5.0, f"widths {widths} points"
