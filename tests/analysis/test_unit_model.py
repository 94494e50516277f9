"""The honest-unit null's statistics against independent references (scipy, statsmodels, enumeration)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.stats.contingency import odds_ratio
from statsmodels.stats.contingency_tables import StratifiedTable

from analysis import unit_model as um


@pytest.mark.parametrize(("s", "big_n", "x", "n"), [(8, 10, 5, 8), (190, 200, 12, 16), (3, 5, 4, 4)])
def test_conditional_tail_at_odds_ratio_one_is_the_hypergeometric_tail(s, big_n, x, n):
    reference = stats.hypergeom(big_n + n, big_n, s + x).sf(s - 1)
    assert um.conditional_upper_tail(s, big_n, x, n, [0.0])[0] == pytest.approx(reference, rel=1e-10)


@pytest.mark.parametrize("log_psi", [-1.0, 0.4, 2.0])
def test_conditional_mid_p_is_scipys_noncentral_hypergeometric_mid_p(log_psi):
    s, big_n, x, n = 40, 50, 11, 16
    law = stats.nchypergeom_fisher(big_n + n, big_n, s + x, np.exp(log_psi))
    reference = law.sf(s) + 0.5 * law.pmf(s)
    assert um.conditional_mid_p(s, big_n, x, n, [log_psi])[0] == pytest.approx(reference, rel=1e-8)


def test_exact_odds_ratio_interval_is_scipys_conditional_interval():
    s, big_n, x, n = 90, 100, 10, 16
    reference = odds_ratio([[s, big_n - s], [x, n - x]], kind="conditional")
    low, high = reference.confidence_interval(0.95)
    estimate, ours_low, ours_high = um.odds_ratio_interval(s, big_n, x, n)
    assert estimate == pytest.approx(np.log(reference.statistic), abs=2e-3)
    assert (ours_low, ours_high) == pytest.approx((np.log(low), np.log(high)), abs=2e-3)


def test_mantel_haenszel_gap_and_variance_equal_statsmodels():
    s, big_n, x, n = (
        np.array([90, 40, 160]),
        np.array([100, 50, 200]),
        np.array([12, 9, 13]),
        np.array([16, 14, 17]),
    )
    tables = [np.array([[a, b - a], [c, d - c]], float) for a, b, c, d in zip(s, big_n, x, n, strict=True)]
    reference = StratifiedTable(tables)
    estimate, variance = um.mantel_haenszel(s, big_n, x, n)
    assert estimate == pytest.approx(reference.logodds_pooled, rel=1e-12)
    assert np.sqrt(variance) == pytest.approx(reference.logodds_pooled_se, rel=1e-12)


def test_a_domain_whose_callbacks_are_all_satisfied_keeps_a_finite_gap():
    units = pd.DataFrame({"domain": "公证", "S": 190, "N": 200, "x": 16, "n": 16}, index=range(8))
    units.loc[0, "x"] = 14
    null = um.estimate_rate_null(units)
    assert np.isfinite(null.gap["公证"]) and null.gap["公证"] < 0


def test_integrity_law_is_the_enumerated_distribution_of_the_weighted_score():
    backgrounds = {
        "rated_by_other": um.Background({"a": 0.1}, 0.1, 0.0),
        "not_rated": um.Background({"a": 0.2}, 0.2, 0.0),
    }
    weights = {"rated_by_other": 3, "not_rated": 1}
    m = 3
    law = um.integrity_law(m, "a", backgrounds, weights)
    enumerated = np.zeros(law.size)
    for k1, k2 in itertools.product(range(m + 1), repeat=2):
        enumerated[3 * k1 + k2] += stats.binom.pmf(k1, m, 0.1) * stats.binom.pmf(k2, m, 0.2)
    assert law == pytest.approx(enumerated, abs=1e-15)


def test_integrity_law_counts_a_sign_on_its_own_number_of_interviews():
    """A held unit's who-rated signs are read on the interviews of the other surveyors only."""
    backgrounds = {
        "rated_by_other": um.Background({"a": 0.1}, 0.1, 0.0),
        "service_denied": um.Background({"a": 0.2}, 0.2, 0.0),
    }
    weights = {"rated_by_other": 3, "service_denied": 1}
    law = um.integrity_law(4, "a", backgrounds, weights, sizes={"rated_by_other": 2})
    enumerated = np.zeros(law.size)
    for k1, k2 in itertools.product(range(3), range(5)):
        enumerated[3 * k1 + k2] += stats.binom.pmf(k1, 2, 0.1) * stats.binom.pmf(k2, 4, 0.2)
    assert law == pytest.approx(enumerated, abs=1e-15)


def test_integrity_p_value_is_the_mid_p_of_the_score_and_shrinks_with_dispersion():
    law = um.integrity_law(10, "a", {"rated_by_other": um.Background({}, 0.05, 0.0)}, {"rated_by_other": 1})
    expected = stats.binom.sf(3, 10, 0.05) + 0.5 * stats.binom.pmf(3, 10, 0.05)
    assert um.integrity_p_value(3, law) == pytest.approx(expected, rel=1e-10)
    assert um.integrity_p_value(3, law, dispersion=2.0) > um.integrity_p_value(3, law)


def _beta_binomial_units(rng, units, share, rho, interviews=16):
    scale = (1 - rho) / rho
    rates = rng.beta(share * scale, (1 - share) * scale, units)
    return pd.Series(rng.binomial(interviews, rates)), pd.Series(np.full(units, interviews))


def test_background_fit_recovers_an_honest_beta_binomial_share_and_spread():
    rng = np.random.default_rng(0)
    counts, interviews = _beta_binomial_units(rng, 800, 0.06, 0.03)
    fit = um.fit_background(counts, interviews, pd.Series("a", index=counts.index))
    assert fit.share["a"] == pytest.approx(0.06, abs=0.006)
    assert fit.rho == pytest.approx(0.03, abs=0.015)


def test_background_fit_is_not_carried_off_by_a_faulty_minority():
    # 52 honest units at 2% and 8 proxy-rating units at 19% (the simulation's who-rated answers):
    # the raw share doubles, the fitted share stays near the honest one
    rng = np.random.default_rng(4)
    shares = np.where(np.arange(600) % 60 < 8, 0.19, 0.02)
    counts = pd.Series(rng.binomial(16, shares))
    interviews = pd.Series(np.full(600, 16))
    fit = um.fit_background(counts, interviews, pd.Series("a", index=counts.index))
    raw = counts.sum() / interviews.sum()
    # what remains is the proxy units whose counts look honest (2 or fewer of 16: 4 in 10 of them)
    assert fit.share["a"] - 0.02 < (raw - 0.02) / 2


def test_a_rare_sign_is_tested_against_a_spread_no_narrower_than_honest_units_are_taken_to_have():
    # 60 units of 16 interviews, each at exactly 2%: the truncated fit finds no spread at all, yet
    # sixty such units cannot show a spread of a third between honest units, and the held-out laws
    # the units are tested against keep at least ρ = μ / (10 (1 − μ))
    rng = np.random.default_rng(3)
    counts = pd.Series(rng.binomial(16, 0.02, 60))
    interviews = pd.Series(np.full(60, 16))
    domains = pd.Series("a", index=counts.index)
    assert um.fit_background(counts, interviews, domains).rho < 0.001
    held = um.held_out_backgrounds(counts, interviews, domains, method="truncated")
    floor = um.sign_rho_floor(held.full.overall)
    assert floor == pytest.approx(held.full.overall / (um.SIGN_SPREAD_SHAPE * (1 - held.full.overall)))
    assert held.full.rho >= floor
    assert all(held[key].rho >= floor for key in counts.index)


def test_background_pools_domains_that_differ_no_more_than_chance_and_keeps_real_differences():
    rng = np.random.default_rng(5)
    domains = pd.Series(np.repeat(["a", "b", "c", "d"], 15))
    same = pd.Series(rng.binomial(16, 0.02, 60))
    interviews = pd.Series(np.full(60, 16))
    pooled = um.fit_background(same, interviews, domains)
    assert len({round(v, 6) for v in pooled.share.values()}) == 1
    differ = pd.Series(rng.binomial(16, np.repeat([0.02, 0.02, 0.02, 0.25], 15)))
    split = um.fit_background(differ, interviews, domains)
    assert split.share["d"] > 3 * split.share["a"]


def test_local_fdr_is_near_one_for_uniform_p_values_and_falls_with_p():
    rng = np.random.default_rng(0)
    uniform = um.local_fdr(rng.random(300))
    assert np.nanmedian(uniform) > 0.9
    mixed = np.concatenate([rng.random(270), rng.beta(0.1, 5, 30)])
    lfdr = um.local_fdr(mixed)
    order = np.argsort(mixed)
    assert np.all(np.diff(lfdr[order]) >= -1e-12)
    assert lfdr[order][0] < 0.5


def test_minimum_detectable_inflation_has_the_stated_power_and_falls_with_more_respondents():
    s, big_n, gap = 180, 200, 0.3
    small = um.minimum_detectable_inflation(s, big_n, 16, gap, 0.0)
    large = um.minimum_detectable_inflation(s, big_n, 64, gap, 0.0)
    assert large < small
    rejects = np.array([um.rate_p_value(s, big_n, x, 16, gap, 0.0) <= 0.01 for x in range(17)])
    from scipy.special import expit, logit

    pi = expit(logit(s / big_n - small) - gap)
    assert stats.binom.pmf(np.arange(17), 16, pi)[rejects].sum() >= 0.8


def test_simes_pair_leaves_a_lone_p_value_as_it_is():
    assert um.simes_pair(np.array([0.03, 0.01]), np.array([np.nan, 0.2])) == pytest.approx([0.03, 0.02])


def test_robust_tau2_recovers_the_between_unit_variance_and_resists_a_faulty_minority():
    rng = np.random.default_rng(1)
    v = rng.uniform(0.1, 1.0, 4000)
    y = rng.normal(0, np.sqrt(v + 0.25))
    assert um.robust_tau2(y**2, v) == pytest.approx(0.25, abs=0.05)
    y[:400] += 4.0  # a tenth of the units far off: the moment estimate mean(y² − v) jumps by 1.6
    assert um.robust_tau2(y**2, v) < 0.25 + 0.3 < np.mean(y**2 - v) - 1.0


def test_combine_is_simes_over_the_p_values_available_in_each_row():
    first, second, third = (
        np.array([0.01, 0.04, np.nan]),
        np.array([0.03, np.nan, np.nan]),
        np.array([0.2] * 3),
    )
    combined = um.combine(first, second, third)
    assert combined == pytest.approx([min(3 * 0.01, 1.5 * 0.03, 0.2), min(2 * 0.04, 0.2), 0.2])
    assert np.isnan(um.combine(np.array([np.nan]), np.array([np.nan]))[0])


def test_likelihood_ratio_weights_grow_as_a_sign_gets_rarer_in_honest_units():
    backgrounds = {
        "rated_by_other": um.Background({"a": 0.02, "b": 0.005}, 0.01, 0.0),
        "not_rated": um.Background({}, 0.05, 0.0),
    }
    a, b = um.likelihood_ratio_weights(backgrounds, "a"), um.likelihood_ratio_weights(backgrounds, "b")
    assert set(a) == {"rated_by_other", "not_rated"}
    assert b["rated_by_other"] > a["rated_by_other"] > a["not_rated"] >= 1
    assert a["rated_by_other"] == round(2 * np.log(0.20 * 0.98 / (0.02 * 0.80)))


def test_the_divergence_fit_keeps_an_honest_over_dispersion():
    # staff asked for a rating: ~6% of interviews, honest units differing widely (ρ ≈ 0.03), 60 units
    rng = np.random.default_rng(3)
    counts, interviews = _beta_binomial_units(rng, 60, 0.06, 0.03, interviews=60)
    divergence = um.fit_background(
        counts, interviews, pd.Series("a", index=counts.index), method="divergence"
    )
    assert divergence.rho > 0.01
    assert divergence.share["a"] == pytest.approx(0.06, abs=0.015)


def test_the_level_gap_is_the_log_odds_ratio_of_per_record_misreports_and_grows_toward_100_percent():
    # a 6% "not satisfied" among records rated satisfied and 3% the other way: 0.33 at 85%, 1.13 at 97%
    for rate in (0.85, 0.97, 0.995):
        callback = rate * 0.94 + (1 - rate) * 0.03
        expected = np.log(rate / (1 - rate)) - np.log(callback / (1 - callback))
        assert um.level_gap(rate, 0.06, 0.03) == pytest.approx(expected, rel=1e-12)
    assert um.level_gap(0.85, 0.06, 0.03) < um.level_gap(0.97, 0.06, 0.03) < um.level_gap(0.995, 0.06, 0.03)


def _honest_units_near_100(count: int, seed: int) -> pd.DataFrame:
    """Honest units publishing ~85-100% (mean 97%), 16 respondents each, who misreport per record: 6%
    of those on records rated satisfied say otherwise, 3% of the others say satisfied (the field's mode
    and recall)."""
    rng = np.random.default_rng(seed)
    big_n = rng.integers(60, 300, count)
    s = rng.binomial(big_n, rng.beta(38.8, 1.2, count))  # mean 97%, many near 100%, a tail to 85%
    n = np.full(count, 16)
    sat_records = rng.hypergeometric(s, big_n - s, n)
    said_not = rng.binomial(sat_records, 0.06)
    said_sat = rng.binomial(n - sat_records, 0.03)
    return pd.DataFrame(
        {
            "domain": "公证",
            "S": s,
            "N": big_n,
            "x": sat_records - said_not + said_sat,
            "n": n,
            "sat_records": sat_records,
            "sat_records_not": said_not,
            "unsat_records": n - sat_records,
            "unsat_records_sat": said_sat,
        }
    )


def _share_at_or_below(units: pd.DataFrame, null: um.RateNull, level: float) -> float:
    p = [um.rate_p_value(r.S, r.N, r.x, r.n, *null.for_unit(r.domain, r.S, r.N)) for r in units.itertuples()]
    return float(np.mean(np.array(p) <= level))


def test_honest_units_near_100_percent_keep_valid_rate_p_values():
    # conservative rather than exact (2,000 such units: 1.6% at p <= 0.05, 0.25% at p <= 0.01): the
    # callbacks are a sample of the census's own records, which the conditional test treats as independent
    units = _honest_units_near_100(600, seed=4)
    null = um.estimate_rate_null(units)
    for level in (0.05, 0.01):
        assert _share_at_or_below(units, null, level) <= level + 2.5 * np.sqrt(
            level * (1 - level) / len(units)
        )


def test_a_unit_at_100_percent_is_not_accused_for_the_misreports_its_domain_shows_at_85_percent():
    # thirty units publish 85% and one of sixteen respondents on a satisfied record says otherwise; a
    # unit publishing 100% whose respondents do the same (2 of 16) is honest, though its odds ratio is
    # unbounded: one odds ratio per domain (no matched counts) accused it
    typical = {"S": 170, "N": 200, "x": 13, "n": 16, "sat_records": 14, "sat_records_not": 1}
    typical |= {"unsat_records": 2, "unsat_records_sat": 0}
    full = {"S": 200, "N": 200, "x": 14, "n": 16, "sat_records": 16, "sat_records_not": 2}
    full |= {"unsat_records": 0, "unsat_records_sat": 0}
    units = pd.DataFrame([typical] * 30 + [full]).assign(domain="人民调解")
    level_aware = um.estimate_rate_null(units)
    one_ratio = um.estimate_rate_null(units[["domain", "S", "N", "x", "n"]])
    p_level = um.rate_p_value(200, 200, 14, 16, *level_aware.for_unit("人民调解", 200, 200))
    p_one = um.rate_p_value(200, 200, 14, 16, *one_ratio.for_unit("人民调解", 200, 200))
    assert p_level > 0.1 and p_one < 0.01


def test_inflating_units_do_not_carry_the_misreport_share_off():
    # ten of sixty units had a quarter of their records rated satisfied turned (the client was not
    # satisfied, and says so): the share is fitted robustly (truncated likelihood), so their extra "not
    # satisfied" answers do not become the honest units' share
    units = _honest_units_near_100(60, seed=5)
    turned = units.index[:10]
    extra = np.random.default_rng(6).binomial(
        units.loc[turned, "sat_records"] - units.loc[turned, "sat_records_not"], 0.25
    )
    units.loc[turned, "sat_records_not"] += extra
    units.loc[turned, "x"] -= extra
    miss, _ = um.misreport_shares(units)
    honest_share = units.loc[10:, "sat_records_not"].sum() / units.loc[10:, "sat_records"].sum()
    pooled = units["sat_records_not"].sum() / units["sat_records"].sum()
    assert abs(miss["公证"] - honest_share) < abs(pooled - honest_share) / 2


def test_units_that_all_publish_100_percent_get_a_finite_gap_and_no_lift_without_answers_to_show_it():
    # every table at the edge of its support: the offset is not set by the data (as Mantel-Haenszel's
    # empty cells), and no record rated not satisfied was called, so no answer can show a lift
    units = pd.DataFrame({"domain": "公证", "S": 100, "N": 100, "x": 15, "n": 16}, index=range(9))
    units = units.assign(sat_records=16, sat_records_not=1, unsat_records=0, unsat_records_sat=0)
    miss, lift = um.misreport_shares(units)
    centre, spread = um.estimate_rate_null(units).for_unit("公证", 100, 100)
    assert lift == {"公证": 0.0} and 0.03 < miss["公证"] < 0.1
    assert np.isfinite(centre) and np.isfinite(spread)
