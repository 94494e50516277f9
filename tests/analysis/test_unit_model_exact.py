"""The fits' hot helpers read gammaln from a table, remember log C(n, k) and leave their arguments
unbroadcast; every value is exactly the one the plain formulas give (the unit tests, held-out
backgrounds and verdicts are therefore unchanged bit for bit)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from analysis import unit_model as um


def _plain_log_choose(n, k):
    n, k = np.asarray(n, float), np.asarray(k, float)
    return special.gammaln(n + 1) - special.gammaln(k + 1) - special.gammaln(n - k + 1)


def _plain_logpmf(k, m, mu, rho):
    """`_beta_binomial_logpmf` as it was: every argument broadcast to one shape first."""
    k, m, mu = np.broadcast_arrays(np.asarray(k, float), np.asarray(m, float), np.asarray(mu, float))
    if rho <= 1e-9:
        return _plain_log_choose(m, k) + special.xlogy(k, mu) + special.xlog1py(m - k, -mu)
    scale = (1 - rho) / rho
    a, b = mu * scale, (1 - mu) * scale
    return _plain_log_choose(m, k) + special.betaln(k + a, m - k + b) - special.betaln(a, b)


def _same(a, b) -> None:
    assert np.shape(a) == np.shape(b)
    np.testing.assert_array_equal(a, b, strict=True)


def test_log_choose_over_whole_numbers_equals_gammaln_bit_for_bit_beyond_the_table():
    rng = np.random.default_rng(7)
    m = rng.integers(0, 3000, 400).astype(float)  # past the first table of 1,024: it grows
    grid = np.arange(int(m.max()) + 3)  # k > n too: the formula's infinities
    _same(um._log_choose(m[:, None], grid[None, :]), _plain_log_choose(m[:, None], grid[None, :]))
    _same(um._log_choose(float(57), np.arange(-2, 60)), _plain_log_choose(57.0, np.arange(-2, 60)))


def test_log_choose_of_fractions_and_nan_takes_the_formula():
    n = np.array([3.5, 10.0, np.nan, np.inf])
    k = np.array([1.0, 2.5, 1.0, 2.0])
    with np.errstate(invalid="ignore"):
        _same(um._log_choose(n, k), _plain_log_choose(n, k))


def test_a_remembered_log_choose_is_read_only_and_still_exact():
    first = um._log_choose(np.arange(40.0)[:, None], np.arange(41.0)[None, :])
    again = um._log_choose(np.arange(40.0)[:, None], np.arange(41.0)[None, :])
    assert again is first and not again.flags.writeable
    with pytest.raises(ValueError):
        again[0, 0] = 0.0
    _same(again, _plain_log_choose(np.arange(40.0)[:, None], np.arange(41.0)[None, :]))


@pytest.mark.parametrize("rho", [0.0, 1e-10, 0.004, 0.03, 0.3])
def test_the_beta_binomial_log_pmf_equals_the_broadcast_formula(rho):
    rng = np.random.default_rng(11)
    m = rng.integers(1, 60, 80).astype(float)
    k = np.minimum(rng.integers(0, 6, 80), m)
    grid = np.arange(int(m.max()) + 1)
    mu = rng.uniform(0.001, 0.4, 80)
    cases = [
        (grid[None, :], m[:, None], mu[:, None]),  # units × counts, a share per unit
        (grid[None, :], m[:, None], 0.05),  # one share
        (k, m, mu),
        (k, m, 0.02),
        (3.0, 17.0, 0.1),  # scalars
    ]
    for args in cases:
        with np.errstate(invalid="ignore"):
            _same(um._beta_binomial_logpmf(*args, rho), _plain_logpmf(*args, rho))
