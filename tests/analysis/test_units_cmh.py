"""The Mantel–Haenszel comparison of one group against its peers (`analysis.units._cmh`) on tables where
no stratum has both a dissatisfied member of the group and a satisfied peer: the pooled odds ratio is
infinite, and that is an answer, not a warning (statsmodels divides by Σ b·c / n = 0)."""

from __future__ import annotations

import warnings

import numpy as np

from analysis.units import _cmh


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
