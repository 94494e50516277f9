"""Design behaviour that needs no R: hand formulas (Lohr, Cochran), lonely PSUs and bad input."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats

from analysis import CalibrationError, Design, DesignError, LonelyPSUError
from tests.analysis.rsupport import stratified_sample


@pytest.fixture
def sample():
    return stratified_sample(seed=3)


def test_stratified_mean_variance_is_lohrs_formula_with_fpc(sample):
    # Lohr (2019) eq. 3.3: V(ȳ_str) = Σ_h (N_h/N)² (1 − n_h/N_h) s_h²/n_h
    groups = sample.groupby("stratum")
    N_h, n_h, s2_h = groups["N"].first(), groups.size(), groups["y"].var(ddof=1)
    N = N_h.sum()
    expected_var = ((N_h / N) ** 2 * (1 - n_h / N_h) * s2_h / n_h).sum()
    expected_mean = ((N_h / N) * groups["y"].mean()).sum()
    m = Design(sample, strata="stratum", fpc="N").mean("y")
    assert m.estimate == pytest.approx(expected_mean, rel=1e-12)
    assert m.se == pytest.approx(math.sqrt(expected_var), rel=1e-12)


def test_stratified_total_variance_is_lohrs_formula_with_fpc(sample):
    groups = sample.groupby("stratum")
    N_h, n_h, s2_h = groups["N"].first(), groups.size(), groups["y"].var(ddof=1)
    expected_var = (N_h**2 * (1 - n_h / N_h) * s2_h / n_h).sum()
    t = Design(sample, strata="stratum", fpc="N").total("y")
    assert t.se == pytest.approx(math.sqrt(expected_var), rel=1e-12)


def test_sampling_fractions_in_fpc_give_the_same_design_as_population_sizes(sample):
    sample["f"] = sample.groupby("stratum")["stratum"].transform("size") / sample["N"]
    by_size = Design(sample, strata="stratum", fpc="N").mean("y")
    by_fraction = Design(sample, strata="stratum", fpc="f").mean("y")
    assert by_fraction.se == pytest.approx(by_size.se, rel=1e-12)


def test_wilson_interval_is_the_score_interval_at_the_effective_sample_size(sample):
    design = Design(sample, strata="stratum", fpc="N")
    p = design.proportion("sat", ci="wilson")
    n_eff = p.estimate * (1 - p.estimate) / p.se**2
    z = stats.t.ppf(0.975, design.degf())
    centre = (p.estimate + z**2 / (2 * n_eff)) / (1 + z**2 / n_eff)
    half = z / (1 + z**2 / n_eff) * math.sqrt(p.estimate * (1 - p.estimate) / n_eff + z**2 / (4 * n_eff**2))
    assert (p.ci_low, p.ci_high) == pytest.approx((centre - half, centre + half), rel=1e-12)


def test_domain_wilson_interval_equals_the_whole_sample_one_for_a_single_domain(sample):
    sample["all"] = "everyone"
    design = Design(sample, strata="stratum", fpc="N")
    row = design.by("all").proportion("sat", ci="wilson").iloc[0]
    whole = design.proportion("sat", ci="wilson")
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((whole.ci_low, whole.ci_high), rel=1e-12)


def test_proportion_of_one_gets_a_clopper_pearson_interval_not_a_point(sample):
    sample["all_yes"] = 1
    p = Design(sample, strata="stratum", fpc="N").proportion("all_yes")
    expected_low = stats.beta.ppf(0.025, len(sample), 1)
    assert (p.estimate, p.ci_high) == (1.0, 1.0)
    assert p.ci_low == pytest.approx(expected_low, rel=1e-12)


def test_simple_random_sample_proportion_has_cochrans_variance():
    frame = pd.DataFrame({"sat": [1] * 30 + [0] * 20, "N": 400})
    p = Design(frame, fpc="N").proportion("sat")
    expected = math.sqrt((1 - 50 / 400) * 0.6 * 0.4 / 49)
    assert p.se == pytest.approx(expected, rel=1e-12)


def test_domain_estimates_cover_every_domain_in_one_call(sample):
    table = Design(sample, strata="stratum", fpc="N").by("domain").mean("y")
    assert list(table.index) == sorted(sample["domain"].unique())
    assert table["n"].sum() == len(sample)


@pytest.fixture
def lonely():
    return pd.DataFrame({"stratum": ["a", "a", "a", "b"], "y": [1.0, 2.0, 4.0, 7.0], "w": [2.0, 2, 2, 5]})


def test_a_stratum_with_one_unit_fails_by_default_and_names_it(lonely):
    with pytest.raises(LonelyPSUError, match="stratum b"):
        Design(lonely, strata="stratum", weights="w").mean("y")


def test_certainty_treats_a_lonely_stratum_as_contributing_no_variance(lonely):
    lonely_se = Design(lonely, strata="stratum", weights="w", lonely_psu="certainty").total("y").se
    alone = Design(lonely.iloc[:3], strata="stratum", weights="w").total("y").se
    assert lonely_se == pytest.approx(alone, rel=1e-12)


def test_average_scales_up_the_other_strata_by_their_share(lonely):
    averaged = Design(lonely, strata="stratum", weights="w", lonely_psu="average").total("y").se
    alone = Design(lonely.iloc[:3], strata="stratum", weights="w").total("y").se
    assert averaged**2 == pytest.approx(alone**2 * 2, rel=1e-12)


def test_unknown_lonely_psu_rule_is_rejected(lonely):
    with pytest.raises(DesignError, match="lonely_psu"):
        Design(lonely, strata="stratum", lonely_psu="ignore")


def test_missing_design_column_is_named_with_the_available_ones(sample):
    with pytest.raises(DesignError, match=r"strata='stratum_x'.*stratum"):
        Design(sample, strata="stratum_x")


def test_fpc_smaller_than_the_sample_is_rejected_naming_the_stratum(sample):
    sample.loc[sample["stratum"] == "S1", "N"] = 3
    with pytest.raises(DesignError, match="stratum 'S1'"):
        Design(sample, strata="stratum", fpc="N")


def test_fpc_varying_within_a_stratum_is_rejected(sample):
    sample.loc[0, "N"] += 1
    with pytest.raises(DesignError, match="differs within stratum"):
        Design(sample, strata="stratum", fpc="N")


def test_negative_weight_is_rejected_naming_the_row(sample):
    sample.loc[5, "w"] = -1
    with pytest.raises(DesignError, match="row 5"):
        Design(sample, strata="stratum", weights="w")


def test_proportion_rejects_items_that_are_not_zero_one(sample):
    with pytest.raises(DesignError, match="0/1"):
        Design(sample, strata="stratum", fpc="N").proportion("y")


def test_poststratify_hits_the_population_totals_and_keeps_the_original(sample):
    design = Design(sample, strata="stratum", fpc="N")
    adjusted = design.poststratify("sex", {"f": 500, "m": 800})
    sums = pd.Series(adjusted.weights).groupby(sample["sex"]).sum()
    assert sums.to_dict() == pytest.approx({"f": 500, "m": 800})
    assert design.steps == ()


def test_poststratify_requires_a_total_for_every_sample_level(sample):
    with pytest.raises(CalibrationError, match="level 'm'"):
        Design(sample, strata="stratum", fpc="N").poststratify("sex", {"f": 500})


def test_rake_hits_every_margin(sample):
    margins = {"sex": {"f": 500, "m": 800}, "age": {"old": 300, "young": 1000}}
    raked = Design(sample, strata="stratum", fpc="N").rake(margins)
    for column, totals in margins.items():
        sums = pd.Series(raked.weights).groupby(sample[column]).sum()
        assert sums.to_dict() == pytest.approx(totals, rel=1e-9)


def test_rake_rejects_margins_for_different_populations(sample):
    margins = {"sex": {"f": 500, "m": 800}, "age": {"old": 300, "young": 900}}
    with pytest.raises(CalibrationError, match="different totals"):
        Design(sample, strata="stratum", fpc="N").rake(margins)
