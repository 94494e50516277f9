"""Properties of the estimators on arbitrary small designs (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import Design
from analysis.variance import variance


@st.composite
def designs(draw):
    n = draw(st.integers(8, 40))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    h = draw(st.integers(1, 3))
    # every stratum gets at least two rows in two different PSUs
    strata = np.concatenate([np.repeat(np.arange(h), 2), rng.integers(0, h, n - 2 * h)])
    psu = np.concatenate([np.tile([0, 1], h), rng.integers(0, 4, n - 2 * h)])
    frame = pd.DataFrame(
        {
            "stratum": strata,
            "psu": psu,
            "domain": rng.integers(0, draw(st.integers(1, 4)), n),
            "y": rng.normal(5, 2, n),
            "w": rng.uniform(1, 10, n),
        }
    )
    clustered = draw(st.booleans())
    return frame, {"strata": "stratum", "weights": "w", "ids": "psu" if clustered else None}


@settings(max_examples=40, deadline=None)
@given(designs())
def test_vectorised_domain_variance_equals_the_dense_zero_out_variance(case):
    frame, kwargs = case
    design = Design(frame, lonely_psu="adjust", **kwargs)
    table = design.by("domain").mean("y")
    codes = pd.factorize(frame["domain"], sort=True)[0]
    for position, label in enumerate(table.index):
        inside = codes == pd.Index(sorted(frame["domain"].unique())).get_loc(label)
        w = design.weights * inside
        mean = (w * frame["y"]).sum() / w.sum()
        z = w * (frame["y"].to_numpy() - mean) / w.sum()
        assert table["se"].iloc[position] ** 2 == pytest.approx(
            variance(z, design.structure)[0], rel=1e-9, abs=1e-15
        )


@settings(max_examples=40, deadline=None)
@given(designs())
def test_a_domain_holding_every_row_gives_the_whole_sample_estimate(case):
    frame, kwargs = case
    frame = frame.assign(everyone="all")
    design = Design(frame, lonely_psu="adjust", **kwargs)
    row = design.by("everyone").mean("y").iloc[0]
    whole = design.mean("y")
    assert (row["estimate"], row["se"]) == pytest.approx((whole.estimate, whole.se), rel=1e-10)


@settings(max_examples=30, deadline=None)
@given(designs(), st.floats(0.5, 4.0))
def test_scaling_the_weights_leaves_means_and_their_se_unchanged(case, factor):
    frame, kwargs = case
    scaled = frame.assign(w=frame["w"] * factor)
    a = Design(frame, lonely_psu="adjust", **kwargs).mean("y")
    b = Design(scaled, lonely_psu="adjust", **kwargs).mean("y")
    assert (b.estimate, b.se) == pytest.approx((a.estimate, a.se), rel=1e-9)
