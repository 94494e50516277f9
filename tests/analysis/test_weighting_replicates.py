"""Jackknife replicates: their structure, and the identities a stratified jackknife must satisfy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import Design, DesignError
from analysis.replicates import jackknife
from tests.analysis.rsupport import stratified_sample


@pytest.fixture
def sample() -> pd.DataFrame:
    return stratified_sample(seed=9)


def test_each_replicate_drops_one_case_and_reweights_the_rest_of_its_stratum(sample):
    jk = jackknife(sample, strata="stratum", fpc="N")
    factors = jk.factors()
    n_h = sample.groupby("stratum")["stratum"].transform("size").to_numpy()
    assert factors.shape == (len(sample), len(sample))
    assert np.all(np.diag(factors) == 0)
    inside = sample["stratum"].to_numpy()[:, None] == sample["stratum"].to_numpy()[None, :]
    off = ~np.eye(len(sample), dtype=bool)
    expected = np.where(inside, (n_h / (n_h - 1))[None, :], 1.0)
    assert factors[off] == pytest.approx(expected[off])


def test_the_jackknife_variance_of_a_total_is_exactly_the_stratified_linearisation_variance(sample):
    jk = jackknife(sample, strata="stratum", fpc="N")
    w, y = sample["w"].to_numpy(), sample["y"].to_numpy()
    totals = (w[:, None] * jk.factors() * y[:, None]).sum(axis=0)
    variance = jk.variance(totals[None, :], [(w * y).sum()])[0]
    linear = Design(sample, strata="stratum", weights="w", fpc="N").total("y").se ** 2
    assert variance == pytest.approx(linear, rel=1e-10)


def test_blocks_of_replicates_are_the_columns_of_the_whole_matrix(sample):
    jk = jackknife(sample, strata="stratum")
    whole = jk.factors()
    assert np.hstack([block for _, block in jk.chunks(7)]) == pytest.approx(whole)


def test_a_stratum_taken_whole_has_no_replicate(sample):
    census = sample.assign(
        N=np.where(sample["stratum"] == "S0", (sample["stratum"] == "S0").sum(), sample["N"])
    )
    jk = jackknife(census, strata="stratum", fpc="N")
    assert jk.n_replicates == int((sample["stratum"] != "S0").sum())


def test_a_population_smaller_than_its_sample_is_refused(sample):
    with pytest.raises(DesignError, match="fpc column 'N'"):
        jackknife(sample.assign(N=3), strata="stratum", fpc="N")
