"""The posterior unit model over a few simulated studies (the small version of
tests/benchmarks/bench_posterior.py): honest worlds are not accused, planted inflation is found, and
the posterior probabilities add up to the units that inflate. About 2–3 s of CPU per simulated study.
"""

from __future__ import annotations

import numpy as np
import pytest

from analysis import unit_posterior as up
from tests.analysis.verdict_oracle import recall_and_fdp
from tests.analysis.verdict_sim import SCENARIOS, simulate

pytestmark = pytest.mark.slow


def _posterior(name: str, seed: int, census_level: bool = False):
    study = simulate(SCENARIOS[name], seed)
    # no unit is held for its surveyors here: what a held unit would read is left out
    return study, up.posterior(
        study.frame, study.interviews, census_level=census_level, without_answers=False
    )


@pytest.mark.parametrize(
    "scenario",
    [
        "honest_small_units",
        "honest_mode_-3",
        "honest_all",
        "honest_unit_gaps",
        "honest_near_100",
        "honest_all_near_100",
        "honest_unit_gaps_near_100",
        "honest_small_domains",
        "honest_small_domains_near_100",
        "honest_signs_by_domain",
        "honest_asked_by_domain",
        "honest_signs_differ_near_100",
        "honest_staff",
    ],
)
def test_honest_units_are_falsely_flagged_in_at_most_one_study_in_six(scenario):
    # the target is FDP ≤ 0.10 over many seeds (the benchmark measures it over 40); a model that
    # accuses honest units for small size, a mode effect, nonresponse, unit-varying honest gaps or rates
    # near 100% fails by far more (the empirical null's one odds ratio per domain: 10 of 40 studies near
    # 100%, ARCHITECTURE.md)
    false = [int(table["flagged"].sum()) for _, table in (_posterior(scenario, s) for s in range(6))]
    assert sum(f > 0 for f in false) <= 1, false


def test_with_the_level_most_units_inflating_by_20_points_are_found_at_16_respondents_a_unit():
    # Huifang's empirical-null tests find 0.46 of them (40 studies), the Bayes oracle 0.94
    studies = (_posterior("inflate_+20", x, census_level=True) for x in range(4))
    measured = [recall_and_fdp(t["flagged"], s.inflated) for s, t in studies]
    recall, fdp = np.mean(measured, axis=0)
    assert recall >= 0.65
    assert fdp <= 0.15


def _rise(study, units):
    """Each unit's rise planted: its published rate minus the true rate of its events."""
    published = study.frame.groupby("organisation_id")["system_rating"].agg(
        lambda v: (v == "satisfied").mean()
    )
    return (published - study.truth["true_rate"]).reindex(units)


def _intervals_against_the_rise(scenario: str, seeds: range) -> tuple[list[bool], list[float]]:
    """Of the flagged inflating units of `scenario`'s studies: whether each 95% interval covers the rise
    planted, and the median's error."""
    covered, errors = [], []
    for seed in seeds:
        study, table = _posterior(scenario, seed)
        found = table[table["flagged"] & table.index.isin(list(study.inflated))]
        rise = _rise(study, found.index)
        covered += list((found["inflation_low"] <= rise) & (rise <= found["inflation_high"]))
        errors += list(found["inflation"] - rise)
    return covered, errors


@pytest.mark.parametrize(("scenario", "share"), [("inflate_+20", 0.8), ("inflate_+10", 0.7)])
def test_the_inflation_interval_of_a_flagged_inflating_unit_covers_what_was_planted(scenario, share):
    # the verdicts' setting (no level): 95% intervals read off a continuous law; measured over five
    # studies 100% (+20, 22 units) and 90% (+10, 10 units) — with the NPMLE's weights alone 64% / 80%;
    # at +10 over seeds 0–9 model 2 covered 11 of 14 found units, model 3 11 of 15 (the one more is a
    # unit model 2 did not find, planted +10, realised +15, interval 22–34 points). What was planted is
    # each unit's own rise (published − true rate), not the scenario's nominal size: against +10 the
    # selective proxy components' model 3 covers 4 of 7 here (two lower ends at 10.6 and 10.9 points,
    # above the nominal size, not above those units' own rise), against each unit's rise 5 of 7 as before
    # them; over 40 studies (tests/benchmarks/bench_posterior.py) 77% → 78% (+10), 87% → 88% (+20); with
    # the inflating weight spread over the mechanisms and the wider tails 94% / 98% (here 7 of 7, 16 of 16)
    covered, errors = _intervals_against_the_rise(scenario, range(4))
    assert len(covered) >= 5
    assert np.mean(covered) >= share, covered
    assert abs(np.mean(errors)) <= 0.08, errors


def test_the_interval_of_a_unit_whose_staff_rate_mostly_its_unsatisfied_events_covers_the_rise_planted():
    # staff rate 30% of the satisfied and 90% of the unsatisfied events (the demo's law). Without the
    # selective proxy components such a unit read as proxy rating of a random share, its rise put near
    # φ(1 − p): over these four studies 11 of 25 covered, median 5.6 points low; with them 21 of 25,
    # +0.1. Over 40 studies 42% → 85% (287 units), and no block of four seeds below 68% or beyond 4.7
    # points (tests/benchmarks/bench_posterior.py); with the spread over mechanisms and the wider tails
    # 93% over 40 studies, 25 of 25 here
    covered, errors = _intervals_against_the_rise("proxy_dependent", range(4))
    assert len(covered) >= 10
    assert np.mean(covered) >= 0.7, covered
    assert abs(np.mean(errors)) <= 0.03, errors


def test_a_95_percent_interval_covers_the_rise_of_about_95_percent_of_the_flagged_inflating_units():
    # plug-in empirical Bayes reads each unit's inflation under the NPMLE's mixing weights as if known;
    # with half of them spread evenly over the components and the nominal tails (model 3 at 7dacd6d)
    # these six proxy-rating studies covered 23 of 32 units, over 40 studies 0.78–0.88 in the five
    # inflation worlds. Three quarters spread evenly over the mechanisms and the tails read at 0.6 of the
    # nominal (`MAGNITUDE_SMOOTHING`, `INTERVAL_TAILS`, chosen on seeds 40–79): 32 of 32 here, over seeds
    # 0–39 0.93–0.98 in every inflation world (tests/benchmarks/bench_posterior.py, ARCHITECTURE.md);
    # the median moves little (here +2.4 points on average, over 40 studies +2.0 → +2.1). Since a proxy
    # share's interval reads the rise it realised in the census (`_proxy_rise_pieces`), 0.92–0.99 in
    # nine inflation worlds, the four at 95–98% included (proxy 30% 0.93 → 0.98; near 100% 0.87 → 0.98)
    covered, errors = _intervals_against_the_rise("proxy_30%", range(6))
    assert len(covered) >= 20
    assert np.mean(covered) >= 0.9, covered
    assert abs(np.mean(errors)) <= 0.03, errors


def test_the_posterior_probabilities_of_inflating_add_up_to_the_units_that_inflate():
    # calibration (with the level), with π0 at its maximum-likelihood value: over studies Σ (1 − lfdr) has the number of
    # inflating units as its expectation and variance Σ lfdr (1 − lfdr)
    expected, planted, variance = 0.0, 0, 0.0
    for seed in range(4):
        study = simulate(SCENARIOS["proxy_30%"], seed)
        fitted = up.fit(up.unit_evidence(study.frame, study.interviews), census_level=True).with_pi0_level(
            0.5
        )
        lfdr = fitted.lfdr().dropna()
        expected += float((1 - lfdr).sum())
        variance += float((lfdr * (1 - lfdr)).sum())
        planted += len(study.inflated)
    assert abs(planted - expected) <= 3 * np.sqrt(variance) + 1, (planted, expected, variance)
