"""The headline's weights and intervals do not follow the BLAS thread count (`analysis.numeric`).

OpenBLAS splits a matrix-vector product of 2,000 rows among its threads; the order in which it adds
their partial sums moves the last bit of the response-propensity fit, and through the replicates the
interval ends. On one BLAS thread the figures are the same bits whatever threads the process has.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from analysis.headline import replicate_headline
from analysis.numeric import BLAS_AS_LOADED, ONE_BLAS_THREAD, numeric_mode
from analysis.respondents import adjusted_sample

ORDER = ("satisfied", "basically_satisfied", "dissatisfied")
ROWS, STRATA = 2000, 20


@pytest.fixture(scope="module")
def cases() -> pd.DataFrame:
    """Released cases with nonresponse, large enough for OpenBLAS to split the propensity fit's products."""
    rng = np.random.default_rng(21)
    per = ROWS // STRATA
    frame = pd.DataFrame(
        {
            "stratum": np.repeat([f"S{i}" for i in range(STRATA)], per),
            "N_h": np.repeat(rng.integers(2000, 6000, STRATA), per),
            "system_rating": rng.choice(ORDER, ROWS, p=[0.75, 0.15, 0.10]),
            "district": rng.choice(["黄浦区", "徐汇区", "静安区", "长宁区"], ROWS),
            "domain": rng.choice(["律师", "公证", "调解"], ROWS),
            "channel": rng.choice(["网络平台", "热线平台"], ROWS),
            "event_type": rng.choice(["咨询", "调解", "公证"], ROWS),
            "disposition": rng.choice(["1.1", "2.11", "3.13"], ROWS, p=[0.6, 0.2, 0.2]),
            "sat_overall": rng.choice(
                ["satisfied", "basically_satisfied", "dissatisfied", "dk", "refused"],
                ROWS,
                p=[0.5, 0.25, 0.15, 0.07, 0.03],
            ),
            "aware_12348": rng.choice(["yes", "no"], ROWS),
            "first_choice": rng.choice(["public_legal", "other", "dk"], ROWS),
        }
    )
    frame["design_weight"] = frame["N_h"] / per
    return frame


def figures(cases: pd.DataFrame, mode: str, threads: int) -> tuple[np.ndarray, pd.DataFrame]:
    """The propensities and the headline table, analysed in `mode` by a process with `threads`."""
    with threadpool_limits(threads, user_api="blas"), numeric_mode(mode):
        adjusted = adjusted_sample(cases, rating_order=ORDER)
        headline = replicate_headline(adjusted, by=())
    return adjusted.cases["propensity"].to_numpy(), headline


def blas_threads() -> list[int]:
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


def test_with_blas_threads_as_loaded_the_intervals_follow_the_thread_count(cases):
    """Why the mode exists (and that these cases are large enough to show it)."""
    one, two = figures(cases, BLAS_AS_LOADED, 1), figures(cases, BLAS_AS_LOADED, 2)
    assert not np.array_equal(one[0], two[0])
    assert not one[1][["se", "ci_low", "ci_high"]].equals(two[1][["se", "ci_low", "ci_high"]])


def test_on_one_blas_thread_the_weights_and_intervals_are_the_same_bits_whatever_threads_the_process_has(
    cases,
):
    one, two = figures(cases, ONE_BLAS_THREAD, 1), figures(cases, ONE_BLAS_THREAD, 2)
    assert np.array_equal(one[0], two[0])
    pd.testing.assert_frame_equal(one[1], two[1], check_exact=True)


def test_the_mode_gives_the_process_its_blas_threads_back():
    with threadpool_limits(2, user_api="blas"):
        with numeric_mode(ONE_BLAS_THREAD):
            assert set(blas_threads()) == {1}
        assert set(blas_threads()) == {2}


def test_an_unknown_mode_is_named():
    with pytest.raises(ValueError, match="unknown numeric mode 'float16'"), numeric_mode("float16"):
        pass
