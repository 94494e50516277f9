"""The minimum detectable inflation printed beside a posterior verdict is that verdict's own.

`analysis.posterior_power` reads, from the study's fit, every outcome a unit's callbacks could have
had from the rate gap alone, which of them the verdict would flag (lfdr at or below the bar Sun & Cai
leaves the unit beside the others), and how likely that region is when the unit turned a share δ of
its records silently. These tests pin each piece; the last checks by simulation that the units whose
rise reaches their MDI are found at least 80% of the time, as the explanation says.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from analysis import posterior_power as pp
from analysis import unit_posterior as up
from tests.analysis.verdict_sim import SCENARIOS, simulate, verdicts

SILENT_20 = dataclasses.replace(SCENARIOS["inflate_+20"], mechanisms=("silent",), sample_per_unit=64)


@pytest.fixture(scope="module")
def fitted_study():
    study = simulate(SILENT_20, seed=0)
    table, fitted = up.posterior_fit(study.frame, study.interviews)
    verdict = up.posterior_table(table, fitted)
    bars = pp.flag_bars(verdict["lfdr"], verdict.attrs["q"], verdict.attrs["max_lfdr"])
    return study, table, fitted, verdict, bars


@pytest.mark.parametrize("seed", range(5))
def test_a_unit_at_its_flag_bar_is_flagged_beside_the_others_and_one_just_above_it_is_not(seed):
    rng = np.random.default_rng(seed)
    lfdr = pd.Series(np.concatenate([rng.beta(0.3, 3, 8), rng.beta(8, 0.5, 40)]))
    bars = pp.flag_bars(lfdr, q=0.10, max_lfdr=0.5)
    for unit, bar in bars.items():
        at, above = lfdr.copy(), lfdr.copy()
        at[unit], above[unit] = bar - 1e-9, bar + 1e-9
        assert up.sun_cai(at, 0.10, 0.5)[unit]
        assert not up.sun_cai(above, 0.10, 0.5)[unit]


def test_a_unit_alone_is_flagged_up_to_q():
    bars = pp.flag_bars(pd.Series([0.3, 0.9, 0.95]), q=0.10)
    assert bars.tolist() == pytest.approx([0.10, 0.10, 0.10])


def test_the_bisection_finds_the_flag_region_that_every_outcome_shows(fitted_study):
    _, table, fitted, _, bars = fitted_study
    units = list(bars.index[:20])
    rows, owner, offsets = pp._outcomes(table, units)
    first = pp._first_flagged(fitted, rows, offsets, bars[units].to_numpy())
    L, _ = up._unit_loglik(fitted.honest, fitted.components, rows, fitted.census_level)
    flagged = up._posterior(L, fitted.weights)[:, 0] <= bars[units].to_numpy()[owner] + 1e-12
    r = rows["s1_not_self"].to_numpy()
    # the region is every count from r* on: the lfdr falls as the "not satisfied" answers rise
    assert flagged.tolist() == (r >= first[owner]).tolist()
    assert (r[offsets] == 0).all() and len(np.unique(owner)) == len(units)


def test_an_honest_unit_is_rarely_flagged_and_power_rises_with_the_inflation(fitted_study):
    _, table, fitted, _, bars = fitted_study
    curves = pp.power_curves(table, fitted, bars)
    assert (curves[0.0] <= 0.05).all()
    steps = np.diff(curves.to_numpy(), axis=1)
    assert (steps[np.isfinite(steps)] >= -1e-9).all()


def test_the_mdi_is_read_linearly_between_the_models_sizes():
    curves = pd.DataFrame(
        [[0.01, 0.30, 0.90], [0.01, 0.85, 0.99], [0.01, 0.20, 0.50]],
        index=["between", "first size", "never"],
        columns=[0.0, 0.05, 0.10],
    )
    mdi = pp.detectable_inflation(curves, power=0.8)
    assert mdi["between"] == pytest.approx(0.05 + (0.8 - 0.3) / (0.9 - 0.3) * 0.05)
    assert mdi["first size"] == pytest.approx((0.8 - 0.01) / (0.85 - 0.01) * 0.05)
    assert np.isnan(mdi["never"])


def test_a_sample_too_small_for_50_points_reads_infinite_and_an_unjudged_unit_has_none():
    study = simulate(SCENARIOS["inflate_+20"], seed=3)
    table, fitted = up.posterior_fit(study.frame, study.interviews)
    verdict = up.posterior_table(table, fitted)
    mdi = pp.verdict_detectable(table, fitted, verdict)
    judged = verdict["lfdr"].notna()
    assert np.isinf(mdi[judged]).any() and (mdi[judged] > 0).all()
    assert mdi[~judged].isna().all()


@pytest.mark.slow
def test_units_whose_rise_reaches_their_mdi_are_found_at_least_80_percent_of_the_time():
    """Silent inflation of +30 points at ~110 respondents a unit (the rate gap the only evidence, most
    inflating units beyond their MDI of ~0.25), 6 studies: 38 of the 40 units whose rise reaches their
    MDI flagged when written. At +20 `bench_posterior_power.py` measured 0.92 ± 0.05 over 20 studies
    (ARCHITECTURE.md); there only ~1 unit a study reaches its MDI, too few for a test."""
    reached = found = 0
    for seed in range(6):
        study = simulate(dataclasses.replace(SILENT_20, sample_per_unit=256, inflation=0.30), seed)
        judged = verdicts(study, method="posterior", empirical_null=False)
        rise = (judged["system_rate"] - study.truth["true_rate"]).reindex(judged.index)
        mine = judged.index.isin(list(study.inflated)) & (rise >= judged["min_detectable"]).to_numpy()
        reached += int(mine.sum())
        found += int(judged.loc[mine, "flagged"].sum())
    assert reached >= 30
    assert found / reached >= 0.8


def test_a_unit_whose_records_are_all_rated_not_satisfied_has_no_room_to_inflate_and_reads_infinite():
    study = simulate(SCENARIOS["honest"], seed=1)
    frame = study.frame.copy()
    unit = "U007"
    frame.loc[frame["organisation_id"] == unit, "system_rating"] = "dissatisfied"
    interviews = study.interviews.copy()
    interviews.loc[interviews["organisation_id"] == unit, "system_rating"] = "dissatisfied"
    table, fitted = up.posterior_fit(frame, interviews)
    verdict = up.posterior_table(table, fitted)
    assert verdict.at[unit, "status"] == "no_evidence"
    assert np.isinf(pp.verdict_detectable(table, fitted, verdict)[unit])
