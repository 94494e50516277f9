"""allocate: textbook cases worked by formula, rounding, bounds, infeasible designs, and properties."""

from __future__ import annotations

import math
from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sampling import allocate
from sampling.errors import DesignError

SIZES = pd.Series({"A": 400, "B": 300, "C": 200, "D": 100})
SD = pd.Series({"A": 5.0, "B": 15.0, "C": 10.0, "D": 20.0})
COST = pd.Series({"A": 4.0, "B": 9.0, "C": 1.0, "D": 16.0})


def largest_remainder(targets: list[Fraction], n: int) -> list[int]:
    """Floor, then +1 to the largest fractional parts, ties to the earlier stratum (written out by hand)."""
    floors = [math.floor(t) for t in targets]
    order = sorted(range(len(targets)), key=lambda h: (-(targets[h] - floors[h]), h))
    for h in order[: n - sum(floors)]:
        floors[h] += 1
    return floors


def test_proportional_allocation_is_n_times_the_stratum_share():
    n = 150
    targets = [Fraction(n * N, int(SIZES.sum())) for N in SIZES]
    assert allocate(SIZES, n).tolist() == largest_remainder(targets, n)


def test_neyman_allocation_follows_cochran_5_26_n_h_proportional_to_N_h_S_h():
    # Cochran (1977) eq. 5.26: n_h = n N_h S_h / Σ N_h S_h
    n = 100
    products = [N * S for N, S in zip(SIZES, SD, strict=True)]
    targets = [Fraction(n) * Fraction(p) / Fraction(sum(products)) for p in products]
    result = allocate(SIZES, n, method="neyman", sd=SD)
    assert result.tolist() == largest_remainder(targets, n)
    assert result.sum() == n


def test_optimal_allocation_follows_cochran_5_24_with_costs():
    # Cochran (1977) eq. 5.24 for fixed n: n_h ∝ N_h S_h / √c_h
    n = 120
    weights = [N * S / math.sqrt(c) for N, S, c in zip(SIZES, SD, COST, strict=True)]
    targets = [n * w / sum(weights) for w in weights]
    result = allocate(SIZES, n, method="optimal", sd=SD, cost=COST)
    assert result.tolist() == [
        math.floor(t) + (1 if h in _top(targets, n) else 0) for h, t in enumerate(targets)
    ]


def _top(targets: list[float], n: int) -> set[int]:
    floors = [math.floor(t) for t in targets]
    order = sorted(range(len(targets)), key=lambda h: (-(targets[h] - floors[h]), h))
    return set(order[: n - sum(floors)])


def test_equal_allocation_breaks_ties_towards_the_earlier_stratum():
    assert allocate(SIZES, 10, method="equal").tolist() == [3, 3, 2, 2]


def test_the_result_is_indexed_like_the_sizes():
    index = pd.MultiIndex.from_tuples([("律师", "黄浦区"), ("公证", "黄浦区")], names=["domain", "district"])
    result = allocate(pd.Series([10, 20], index=index), 6)
    assert result.index.equals(index) and result.tolist() == [2, 4]


def test_a_stratum_that_would_exceed_its_size_is_taken_whole_and_the_rest_reallocated():
    sizes = pd.Series({"small": 5, "big": 1000, "mid": 500})
    sd = pd.Series({"small": 100.0, "big": 1.0, "mid": 1.0})
    result = allocate(sizes, 60, method="neyman", sd=sd)
    assert result["small"] == 5
    targets = [Fraction(55 * 1000, 1500), Fraction(55 * 500, 1500)]
    assert [result["big"], result["mid"]] == largest_remainder(targets, 55)


def test_the_minimum_is_honoured_and_the_rest_reallocated():
    result = allocate(SIZES, 40, minimum=8)
    assert (result >= 8).all() and result.sum() == 40
    assert result["D"] == 8


def test_a_minimum_larger_than_a_stratum_takes_the_stratum_whole():
    result = allocate(pd.Series({"tiny": 3, "big": 100}), 20, minimum=5)
    assert result.tolist() == [3, 17]


def test_n_larger_than_the_frame_is_refused():
    with pytest.raises(DesignError, match="n = 1001 exceeds the 1000 units"):
        allocate(SIZES, 1001)


def test_a_minimum_that_needs_more_than_n_is_refused():
    with pytest.raises(
        DesignError, match=r"minimum of 30 per stratum needs 120 cases over 4 strata, more than n = 100"
    ):
        allocate(SIZES, 100, minimum=30)


def test_neyman_without_standard_deviations_is_refused():
    with pytest.raises(DesignError, match="needs a standard deviation"):
        allocate(SIZES, 10, method="neyman")


def test_neyman_with_all_standard_deviations_zero_is_refused():
    with pytest.raises(DesignError, match="weight 0"):
        allocate(SIZES, 10, method="neyman", sd=SD * 0)


def test_an_unknown_method_is_refused():
    with pytest.raises(DesignError, match="unknown allocation method"):
        allocate(SIZES, 10, method="random")


strata_sizes = st.lists(st.integers(0, 500), min_size=1, max_size=12)


@settings(max_examples=200, deadline=None)
@given(
    sizes=strata_sizes,
    share=st.floats(0, 1),
    method=st.sampled_from(["proportional", "equal", "neyman", "optimal"]),
    minimum=st.integers(0, 20),
    data=st.data(),
)
def test_allocation_sums_to_n_and_stays_within_bounds(sizes, share, method, minimum, data):
    series = pd.Series(sizes, index=[f"s{i}" for i in range(len(sizes))])
    n = int(share * sum(sizes))
    sd = pd.Series(
        data.draw(st.lists(st.floats(0.1, 50), min_size=len(sizes), max_size=len(sizes))), index=series.index
    )
    cost = pd.Series(
        data.draw(st.lists(st.floats(0.5, 20), min_size=len(sizes), max_size=len(sizes))), index=series.index
    )
    floor = series.clip(upper=minimum)
    assume(floor.sum() <= n)
    result = allocate(series, n, method=method, sd=sd, cost=cost, minimum=minimum)
    assert result.sum() == n
    assert (result <= series).all() and (result >= floor).all()
    assert result.dtype == "int64"


@settings(max_examples=100, deadline=None)
@given(sizes=st.lists(st.integers(1, 1000), min_size=1, max_size=10), share=st.floats(0, 1))
def test_proportional_allocation_is_within_one_of_its_exact_target(sizes, share):
    series = pd.Series(sizes)
    n = int(share * sum(sizes))
    result = allocate(series, n)
    targets = [Fraction(n * N, sum(sizes)) for N in sizes]
    assert all(abs(r - t) < 1 for r, t in zip(result, targets, strict=True))


def test_caps_and_minimums_are_solved_together_when_only_one_allocation_fits():
    # Neyman targets exceed the first and third strata; fixing those caps first would leave the second
    # below its minimum and overshoot n. The only feasible allocation is (1, 2, 2).
    sizes = pd.Series({"a": 1, "b": 2, "c": 3})
    sd = pd.Series({"a": 1.0, "b": 0.25, "c": 1.0})
    assert allocate(sizes, 5, method="neyman", sd=sd, minimum=2).tolist() == [1, 2, 2]


def test_strata_with_weight_zero_keep_their_minimum_and_the_others_take_the_rest():
    sizes = pd.Series({"uniform": 100, "mixed": 100})
    sd = pd.Series({"uniform": 0.0, "mixed": 0.5})
    assert allocate(sizes, 30, method="neyman", sd=sd, minimum=5).tolist() == [5, 25]
