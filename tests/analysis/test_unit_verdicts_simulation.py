"""Unit verdicts over a few simulated studies (the small version of tests/benchmarks/bench_verdicts.py).

Honest scenarios must not accuse: the false discovery proportion averaged over the seeds stays within
q = 0.10 for small units (5–10 events), a −3-point telephone-mode effect, and everything honest at once
(small units, domains from 45% to 95%, mode effect, the dissatisfied refusing twice as often). The
recall floors guard against regressions; they are below the issue's targets (0.9 for +20 points, 0.8
for 30% proxy rating), which ~16 respondents a unit do not reach — see the benchmark's figures.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.analysis.verdict_sim import SCENARIOS, recall_and_fdp, simulate, verdicts

pytestmark = pytest.mark.slow

SEEDS = range(8)


def _measure(name: str) -> np.ndarray:
    return np.array(
        [recall_and_fdp(study, verdicts(study)) for study in (simulate(SCENARIOS[name], s) for s in SEEDS)]
    )


@pytest.mark.parametrize("scenario", ["honest_small_units", "honest_mode_-3", "honest_all"])
def test_honest_units_are_not_accused_beyond_the_false_discovery_rate(scenario):
    assert _measure(scenario)[:, 1].mean() <= 0.10


def test_most_units_inflating_by_20_points_through_coaching_or_interception_are_found_without_false_flags():
    measured = _measure("inflate_+20")
    assert measured[:, 0].mean() >= 0.35
    assert measured[:, 1].mean() <= 0.10
