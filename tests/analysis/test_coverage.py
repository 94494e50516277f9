"""Simulation: the 95% interval of the headline 满意率 covers the true value in 93–97% of 500 studies.

A finite stratified population with known answers (including 说不清, which leaves the denominator) is
sampled 500 times by stratified simple random sampling without replacement; each sample is estimated
with `Design(..., fpc=)` and the default logit interval, exactly as a study is.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import Design
from analysis.headline import satisfaction_indicator

CODES = np.array(["satisfied", "basically_satisfied", "dissatisfied", "dk"])


def _population(rng: np.random.Generator) -> pd.DataFrame:
    sizes = [3000, 8000, 1500, 12000, 5000, 2500]
    share_satisfied = [0.93, 0.85, 0.70, 0.88, 0.78, 0.95]
    parts = []
    for h, (size, p) in enumerate(zip(sizes, share_satisfied, strict=True)):
        probabilities = [p * 0.6, p * 0.4, (1 - p), 0.0]
        answer = rng.choice(CODES, size=size, p=np.array(probabilities) * 0.95 + np.array([0, 0, 0, 0.05]))
        parts.append(pd.DataFrame({"stratum": f"H{h}", "N": size, "sat_overall": answer}))
    return pd.concat(parts, ignore_index=True)


def test_logit_interval_covers_the_true_satisfaction_rate_in_93_to_97_percent_of_studies():
    rng = np.random.default_rng(20261126)
    population = _population(rng)
    truth_values = satisfaction_indicator(population["sat_overall"])
    truth = np.nanmean(truth_values)
    groups = population.groupby("stratum").indices
    per_stratum = {"H0": 40, "H1": 60, "H2": 40, "H3": 80, "H4": 50, "H5": 30}
    covered = 0
    for _ in range(500):
        rows = np.concatenate([rng.choice(groups[h], n, replace=False) for h, n in per_stratum.items()])
        sample = population.iloc[rows]
        estimate = Design(sample, strata="stratum", fpc="N").proportion(
            satisfaction_indicator(sample["sat_overall"])
        )
        covered += estimate.ci_low <= truth <= estimate.ci_high
    assert 0.93 <= covered / 500 <= 0.97, f"coverage {covered / 500:.3f}"


@pytest.mark.parametrize("method", ["wilson", "beta"])
def test_other_intervals_also_cover_near_95_percent(method):
    rng = np.random.default_rng(7)
    population = _population(rng)
    truth = np.nanmean(satisfaction_indicator(population["sat_overall"]))
    groups = population.groupby("stratum").indices
    covered = 0
    for _ in range(200):
        rows = np.concatenate([rng.choice(groups[h], 50, replace=False) for h in groups])
        sample = population.iloc[rows]
        design = Design(sample, strata="stratum", fpc="N")
        estimate = design.proportion(satisfaction_indicator(sample["sat_overall"]), ci=method)
        covered += estimate.ci_low <= truth <= estimate.ci_high
    assert 0.90 <= covered / 200 <= 0.99
