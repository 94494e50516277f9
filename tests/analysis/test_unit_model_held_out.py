"""Held-out sign backgrounds: each unit's signs are tested against its domain's background fitted without it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import unit_model as um


def _study(small: list[int], seed: int = 7) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Three domains of 20 units (a sign at 4%, 4% and 12% of 16 interviews) and a domain "s" of a few
    units with the given counts of 16."""
    rng = np.random.default_rng(seed)
    big = rng.binomial(16, np.repeat([0.04, 0.04, 0.12], 20))
    counts = pd.Series(np.concatenate([big, small]), index=[f"U{i:02d}" for i in range(60 + len(small))])
    interviews = pd.Series(16, index=counts.index)
    domains = pd.Series(np.repeat(["a", "b", "c", "s"], [20, 20, 20, len(small)]), index=counts.index)
    return counts, interviews, domains


def test_a_faulty_unit_in_a_four_unit_domain_is_tested_against_the_background_fitted_without_it():
    counts, interviews, domains = _study([0, 0, 0, 3])
    faulty = "U63"
    held = um.held_out_backgrounds(counts, interviews, domains)
    without = um.fit_background(counts.drop(faulty), interviews.drop(faulty), domains.drop(faulty))
    # its 3 of 16 raised its own domain's share by half; fitted without it the share is the other units'
    assert held.full.share["s"] > 1.4 * without.share["s"]
    assert held[faulty].share["s"] == pytest.approx(without.share["s"], rel=0.05)
    p_full = um.sign_mid_p(3, held.full.law("s", 16))
    assert um.sign_mid_p(3, held[faulty].law("s", 16)) < 0.6 * p_full


def test_a_unit_of_a_domain_with_one_other_unit_borrows_its_share_from_the_pool():
    counts, interviews, domains = _study([0, 0])
    held = um.held_out_backgrounds(counts, interviews, domains)
    # its one domain-mate said 0 of 16: alone, that would make a share of 0.5/17 ≈ 3% of the pool's
    assert held["U60"].share["s"] > 0.6 * held.full.overall
    # a unit of a 20-unit domain keeps its domain's own share
    assert held["U45"].share["c"] == pytest.approx(held.full.share["c"], rel=0.1)
    assert held.full.share["c"] > 1.5 * held.full.overall


def test_a_share_estimated_from_fewer_interviews_widens_the_law_the_unit_is_tested_against():
    counts, interviews, domains = _study([0, 1, 0, 0])
    held = um.held_out_backgrounds(counts, interviews, domains)
    assert held["U60"].rho > held["U00"].rho > held.full.rho


def test_units_alike_share_one_refit_and_the_full_fit_is_fit_background():
    counts, interviews, domains = _study([0, 0, 0, 3])
    held = um.held_out_backgrounds(counts, interviews, domains)
    assert held.full == um.fit_background(counts, interviews, domains)
    assert held["U60"] is held["U61"]
    assert set(held.units) == set(counts.index)


def test_the_divergence_fit_of_staff_asked_is_held_out_too():
    counts, interviews, domains = _study([1, 2, 1, 8])
    faulty = "U63"
    held = um.held_out_backgrounds(counts, interviews, domains, method="divergence")
    without = um.fit_background(
        counts.drop(faulty), interviews.drop(faulty), domains.drop(faulty), method="divergence"
    )
    assert held.full == um.fit_background(counts, interviews, domains, method="divergence")
    assert held[faulty].share["s"] < held.full.share["s"]
    # the pooled share and ρ stay at the fit on all units (the divergence bounds one unit's pull)
    assert held[faulty].share["s"] == pytest.approx(without.share["s"], rel=0.1)


@pytest.mark.slow
def test_honest_units_p_values_against_held_out_backgrounds_stay_valid_in_a_four_unit_domain():
    # 40 sets of 64 honest units (a sign at 4%, 4%, 10% in three domains of 20, 6% in a domain of 4):
    # tested against a share fitted without them, small-domain units must not be at p ≤ 0.05 more often
    # than 5% (measured on 60 sets: 4.2% in the small domain, 2.6% over all; upper tails of a count of
    # 16 interviews are conservative)
    p_values: dict[str, list[float]] = {"all": [], "s": []}
    sizes = [20, 20, 20, 4]
    for seed in range(40):
        rng = np.random.default_rng(seed)
        domains = pd.Series(np.repeat(["a", "b", "c", "s"], sizes))
        counts = pd.Series(rng.binomial(16, np.repeat([0.04, 0.04, 0.10, 0.06], sizes)))
        interviews = pd.Series(16, index=counts.index)
        held = um.held_out_backgrounds(counts, interviews, domains)
        for key in counts.index:
            p = float(held[key].law(domains[key], 16)[counts[key] :].sum())
            p_values["all"].append(p)
            if domains[key] == "s":
                p_values["s"].append(p)
    for group, values in p_values.items():
        share = np.mean(np.array(values) <= 0.05)
        assert share <= 0.05 + 2.5 * np.sqrt(0.05 * 0.95 / len(values)), f"{group}: {share:.3f}"
