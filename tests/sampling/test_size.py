"""sample_size, expected_margin and plan, against Cochran's formulas written out here."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from sampling import expected_margin, plan, sample_size
from sampling.errors import DesignError


def z(confidence: float) -> float:
    return norm.ppf(1 - (1 - confidence) / 2)


def test_sample_size_without_population_is_cochrans_n0_rounded_up():
    n0 = z(0.95) ** 2 * 0.25 / 0.05**2
    assert sample_size(0.05) == math.ceil(n0)


def test_sample_size_applies_the_finite_population_correction():
    n0 = z(0.95) ** 2 * 0.25 / 0.05**2
    assert sample_size(0.05, population=2000) == math.ceil(n0 / (1 + (n0 - 1) / 2000))


def test_the_design_effect_comes_before_the_finite_population_correction_as_in_kish():
    v = 1.8 * z(0.90) ** 2 * 0.3 * 0.7 / 0.03**2
    n = v / (1 + (v - 1) / 50_000) / 0.35
    assert sample_size(
        0.03, confidence=0.90, p=0.3, population=50_000, deff=1.8, response_rate=0.35
    ) == math.ceil(n)


def test_a_large_design_effect_never_asks_for_more_completes_than_the_population():
    v = 4.0 * z(0.95) ** 2 * 0.25 / 0.02**2
    assert sample_size(0.02, population=400, deff=4.0) == math.ceil(v / (1 + (v - 1) / 400)) <= 400


@settings(max_examples=200, deadline=None)
@given(
    margin=st.floats(0.005, 0.3),
    population=st.one_of(st.none(), st.integers(2, 10**7)),
    p=st.floats(0.01, 0.99),
    deff=st.floats(0.5, 6.0),
    confidence=st.floats(0.5, 0.999),
)
def test_expected_margin_is_the_exact_inverse_of_the_completes_needed(
    margin, population, p, deff, confidence
):
    from sampling.size import completes_needed

    n = completes_needed(margin, confidence, p, population, deff)
    assert expected_margin(n, population, confidence, p, deff) == pytest.approx(margin, rel=1e-9)


def test_sample_size_never_exceeds_the_population():
    assert sample_size(0.01, population=50, response_rate=0.2) == 50


@pytest.mark.parametrize(
    "bad", [{"margin": 0}, {"margin": 0.05, "p": 1.5}, {"margin": 0.05, "response_rate": 0}]
)
def test_impossible_parameters_are_refused(bad):
    with pytest.raises(DesignError):
        sample_size(**bad)


@settings(max_examples=100, deadline=None)
@given(
    margin=st.floats(0.01, 0.2),
    population=st.integers(50, 10**6),
    p=st.floats(0.05, 0.95),
    deff=st.floats(1, 4),
)
def test_the_margin_of_the_computed_size_meets_the_target(margin, population, p, deff):
    n = sample_size(margin, p=p, population=population, deff=deff)
    assert expected_margin(n, population, p=p, deff=deff) <= margin + 1e-12
    if 1 < n < population:
        assert expected_margin(n - 1, population, p=p, deff=deff) > margin - 1e-12


def test_expected_margin_is_z_times_the_standard_error_with_fpc():
    n, N, p = 200, 1500, 0.8
    assert expected_margin(n, N, p=p) == pytest.approx(
        z(0.95) * math.sqrt(p * (1 - p) / n * (N - n) / (N - 1)), rel=1e-12
    )


def test_a_census_has_no_margin_of_error():
    assert expected_margin(300, 300) == 0.0


def test_plan_allocates_the_overall_size_for_a_margin():
    sizes = pd.Series({"A": 3000, "B": 1000})
    table = plan(sizes, margin=0.05, response_rate=0.5)
    assert table["n_h"].sum() == sample_size(0.05, population=4000, response_rate=0.5)
    assert table.loc["A", "expected_margin"] == pytest.approx(
        expected_margin(table.loc["A", "n_h"] * 0.5, 3000), rel=1e-12
    )


def test_a_per_stratum_plan_gives_each_stratum_its_own_margin():
    sizes = pd.Series({"A": 3000, "B": 200})
    table = plan(sizes, margin=0.1, per_stratum=True)
    assert table["n_h"].tolist() == [sample_size(0.1, population=3000), sample_size(0.1, population=200)]
    assert (table["expected_margin"] <= 0.1).all()


def test_the_overall_margin_is_the_stratified_formula():
    sizes = pd.Series({"A": 3000, "B": 1000})
    table = plan(sizes, n=400)
    W = sizes / 4000
    n_h = table["n_h"]
    variance = sum(
        W[h] ** 2 * (1 - n_h[h] / sizes[h]) * sizes[h] / (sizes[h] - 1) * 0.25 / n_h[h] for h in sizes.index
    )
    assert table.attrs["overall_margin"] == pytest.approx(z(0.95) * math.sqrt(variance), rel=1e-12)


def test_plan_needs_a_margin_or_n_but_not_both():
    with pytest.raises(DesignError, match="either"):
        plan(pd.Series({"A": 10}), margin=0.1, n=5)
