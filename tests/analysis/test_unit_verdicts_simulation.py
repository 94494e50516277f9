"""Unit verdicts over a few simulated studies (the small version of tests/benchmarks/bench_verdicts.py).

Honest scenarios must not accuse: at most one of eight simulated studies has a false flag for small
units (5–10 events), a −3-point telephone-mode effect, everything honest at once (small units,
domains from 45% to 95%, mode effect, the dissatisfied refusing twice as often) and published rates
near 100%, the field's level. The recall floors guard against regressions; they are below the issue's
targets (0.9 for +20 points, 0.8 for 30% proxy rating), which no valid test reaches with ~16
respondents a unit — the benchmark prints the oracle recall beside ours. These are the empirical
null's verdicts; the posterior's, the default, are tested in `test_unit_posterior_simulation.py`.
About 1.5 s of CPU per simulated study.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tests.analysis.verdict_sim import SCENARIOS, recall_and_fdp, simulate, verdicts

pytestmark = pytest.mark.slow

SEEDS = range(8)


def _measure(name: str) -> np.ndarray:
    return np.array(
        [recall_and_fdp(study, verdicts(study)) for study in (simulate(SCENARIOS[name], s) for s in SEEDS)]
    )


@pytest.mark.parametrize(
    "scenario", ["honest_small_units", "honest_mode_-3", "honest_all", "honest_near_100"]
)
def test_honest_units_are_falsely_flagged_in_at_most_one_study_in_eight(scenario):
    # the target is FDP ≤ 0.10 over many seeds (the benchmark measures 0.00–0.10); with 8 studies one
    # study with a false flag is FDP 0.125, and a method that accuses honest units fails by far more
    false_flags = _measure(scenario)[:, 2]
    assert (false_flags > 0).sum() <= 1


def test_some_units_inflating_by_20_points_are_found_by_the_rate_test_without_false_flags():
    # with the honest gap at each unit's own level (stop 26) the rate test alone finds ~0.09 of them at
    # ~16 respondents (0.44 before, most of it from a null too lenient at high rates, ARCHITECTURE.md);
    # the floor catches a test that finds none, the FDP one that finds them by accusing honest units
    measured = _measure("inflate_+20")
    assert measured[:, 0].mean() >= 0.05
    assert measured[:, 1].mean() <= 0.10


def test_about_half_the_units_whose_staff_rate_30_percent_of_events_are_found_without_false_flags():
    # the "someone else rated" background is fitted robustly, so the proxy units do not hide in it
    measured = _measure("proxy_30%")
    assert measured[:, 0].mean() >= 0.35
    assert measured[:, 1].mean() <= 0.10


def test_with_about_57_respondents_a_unit_honest_units_keep_valid_p_values_and_are_rarely_flagged():
    # the backgrounds' over-dispersion matters more as interviews grow: with "staff asked" in the
    # integrity score and its spread fitted at 0, 40 all-honest studies at ~57 respondents a unit had a
    # false flag in 40% and honest units had evidence p ≤ 0.05 7.6% of the time (FDP 0.16 at +20)
    scenario = dataclasses.replace(SCENARIOS["honest"], sample_per_unit=128)
    p_values, false_flags = [], []
    for seed in SEEDS:
        study = simulate(scenario, seed)
        table = verdicts(study)
        p_values.extend(table["evidence_p_value"].dropna())
        false_flags.append(recall_and_fdp(study, table)[2])
    # each unit's signs are tested against a background fitted without it (`held_out_backgrounds`): its
    # own count no longer raises its background, so the tails rest on the predictive law alone (20
    # studies: 4.2% at p ≤ 0.05 and 0.8% at p ≤ 0.01, MC SE 0.5% and 0.2%)
    for level in (0.05, 0.01):
        share = np.mean(np.array(p_values) <= level)
        noise = 2.5 * np.sqrt(level * (1 - level) / len(p_values))
        assert share <= level + noise, f"{share:.3f} of {len(p_values)} honest units at p ≤ {level}"
    assert sum(f > 0 for f in false_flags) <= 2  # BH at q = 0.10 allows about one study in ten
