"""`Design.by(...)`'s shortcuts give the same numbers as the general path they skip.

Integer domain codes are found by counting instead of hashing, rows that are all answered skip the
masking, and degrees of freedom come from the variance's cells when every weight is positive; each
test compares a shortcut with the general computation on the same data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import Design
from analysis.design import _factorize_sorted


@pytest.fixture
def data() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 3000
    frame = pd.DataFrame(
        {
            "stratum": rng.integers(0, 6, n),
            "psu": rng.integers(0, 25, n),
            "domain": rng.integers(0, 14, n),
            "y": (rng.random(n) < 0.8).astype(float),
            "w": rng.uniform(1, 9, n),
        }
    )
    frame["label"] = frame["domain"].map("d{:02d}".format)  # sorts as the integers do
    return frame


@pytest.mark.parametrize("dtype", ["int8", "int32", "int64", "uint16", "uint64"])
def test_integer_domains_are_coded_as_pandas_codes_them(dtype):
    values = np.random.default_rng(3).choice([0, 2, 3, 7, 40, 41, 99], 500).astype(dtype)
    if dtype.startswith("int"):
        values[::7] = -5
    codes, labels = _factorize_sorted(pd.Series(values))
    expected_codes, expected_labels = pd.factorize(pd.Series(values), sort=True)
    assert np.array_equal(codes, expected_codes)
    assert labels.equals(expected_labels) and labels.dtype == expected_labels.dtype


@pytest.mark.parametrize("ids", [None, "psu"])
def test_integer_and_text_domains_give_identical_tables(data, ids):
    design = Design(data, strata="stratum", weights="w", ids=ids)
    counted = design.by("domain").proportion("y")
    hashed = design.by("label").proportion("y")
    assert np.array_equal(counted.to_numpy(), hashed.to_numpy())


@pytest.mark.parametrize("ids", [None, "psu"])
def test_an_unanswered_row_changes_no_other_domain(data, ids):
    answered = Design(data, strata="stratum", weights="w", ids=ids)
    row = int(np.flatnonzero(data["domain"].to_numpy() == 0)[0])
    with_gap = Design(
        data.assign(y=data["y"].mask(data.index == row)), strata="stratum", weights="w", ids=ids
    )
    everyone, masked = answered.by("domain").mean("y"), with_gap.by("domain").mean("y")
    assert masked.loc[0, "n"] == everyone.loc[0, "n"] - 1
    assert np.array_equal(masked.drop(index=0).to_numpy(), everyone.drop(index=0).to_numpy())


@pytest.mark.parametrize("ids", [None, "psu"])
def test_domain_degrees_of_freedom_are_psus_minus_strata_in_the_domain(data, ids):
    design = Design(data, strata="stratum", weights="w", ids=ids)
    psu = data["psu"] if ids else pd.Series(np.arange(len(data)))
    pairs = data.assign(psu_key=data["stratum"].astype(str) + "/" + psu.astype(str))
    expected = pairs.groupby("domain")["psu_key"].nunique() - pairs.groupby("domain")["stratum"].nunique()
    assert design.by("domain").proportion("y")["df"].to_dict() == expected.to_dict()


def test_zero_weight_rows_leave_the_domain_degrees_of_freedom(data):
    weights = data["w"].where(data["domain"] != 3, 0.0)
    weights[(data["domain"] == 3).to_numpy().nonzero()[0][:4]] = 1.0
    design = Design(data.assign(w=weights), strata="stratum", weights="w")
    kept = data[weights.to_numpy() > 0]
    expected = kept.groupby("domain").size() - kept.groupby("domain")["stratum"].nunique()
    assert design.by("domain").proportion("y")["df"].to_dict() == expected.to_dict()
