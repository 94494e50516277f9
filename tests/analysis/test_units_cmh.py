"""The Mantel–Haenszel comparison of one group against its peers (`analysis.units._cmh`) on tables where
no stratum has both a dissatisfied member of the group and a satisfied peer: the pooled odds ratio is
infinite, and that is an answer, not a warning (statsmodels divides by Σ b·c / n = 0)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from analysis.units import _cmh
from tests.analysis.rsupport import RSCRIPT, run_r


def test_an_odds_ratio_without_discordant_pairs_is_infinite_and_raises_no_warning():
    # two strata; the group is always satisfied (values 1), its peers mixed: b = 0 in both tables
    values = np.array([1, 1, 1, 0, 1, 1, 1, 0, 0, 1])
    mine = np.array([1, 1, 0, 0, 0, 1, 1, 0, 0, 0], bool)
    strata = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        odds_ratio, p = _cmh(mine, ~mine, values, strata)
    assert odds_ratio == np.inf
    assert 0 < p < 1


@pytest.mark.r
@pytest.mark.skipif(RSCRIPT is None, reason="Rscript is not installed")
def test_the_p_value_is_r_mantelhaen_test_with_its_default_continuity_correction(tmp_path):
    rng = np.random.default_rng(4)
    strata = rng.integers(0, 6, 300)
    mine = rng.random(300) < 0.25
    values = (rng.random(300) < np.where(mine, 0.78, 0.88)).astype(float)
    _, p = _cmh(mine, ~mine, values, strata)
    data = pd.DataFrame({"stratum": strata, "mine": mine.astype(int), "satisfied": values.astype(int)})
    reference = run_r(
        data,
        'emit("p", mantelhaen.test(factor(d$mine, levels = c(1, 0)), factor(d$satisfied, levels = c(1, 0)), '
        "factor(d$stratum))$p.value)\n",
        tmp_path,
    )
    assert p == pytest.approx(float(reference["p"][0]), rel=1e-10)
