"""Each unit's place in the report (`reports._places`) is counted per (unit, value) at once; it is the
per-unit rule it replaced: the most frequent district and domain, a tie to the first in sorted order."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from survey_app.services import analysis_service, reports

UNIT = analysis_service.UNIT


def _one_unit_at_a_time(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.groupby(UNIT)[["district", "domain"]].agg(
        lambda values: values.value_counts().sort_index(kind="stable").idxmax()
    )


def _frame(rng: np.random.Generator, rows: int) -> pd.DataFrame:
    def texts(choices: list[str]) -> pd.Series:
        return pd.Series(rng.choice(choices, rows), dtype="str")

    return pd.DataFrame(
        {
            UNIT: texts([f"ORG{i:04d}" for i in range(40)]),
            "district": texts(["黄浦区", "徐汇区", "浦东新区", "市局"]),
            "domain": texts(["公证", "律师", "人民调解"]),
        }
    )


def test_a_tie_goes_to_the_first_value_in_sorted_order():
    frame = pd.DataFrame(
        {
            UNIT: pd.Series(["u1"] * 4 + ["u2"] * 3, dtype="str"),
            "district": pd.Series(["徐汇区", "黄浦区", "徐汇区", "黄浦区", "b", "a", "a"], dtype="str"),
            "domain": pd.Series(["律师"] * 7, dtype="str"),
        }
    )
    places = reports._places(SimpleNamespace(frame=frame))
    assert places.loc["u1", "district"] == min("徐汇区", "黄浦区") and places.loc["u2", "district"] == "a"


def test_places_equal_the_per_unit_rule_on_random_frames():
    rng = np.random.default_rng(5)
    for rows in (40, 500, 5000):
        frame = _frame(rng, rows)
        pd.testing.assert_frame_equal(
            reports._places(SimpleNamespace(frame=frame)), _one_unit_at_a_time(frame)
        )
