"""Mode-adjusted estimates against a hand computation.

Cell A: CATI answers 1,1,0,1 (weight 1 each) → 3/4; web 1,1 (weight 2 each) → 1. d_A = 1/4, W_web,A = 4.
Cell B: CATI 0,1 (weight 1) → 1/2; web 1,1,1,1 (weight 1) → 1. d_B = 1/2, W_web,B = 4.
Cell C: web only, 1 (weight 2): no evidence on the effect, but adjusted.
δ = (4·1/4 + 4·1/2) / 8 = 3/8. All: Σw = 16, Σwy = 14 → 7/8; web weight 10.
Adjusted = (14 − 3/8·10) / 16 = 10.25/16 = 41/64.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.errors import AnalysisError
from analysis.modes import mode_adjusted


def _rows(spec: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(spec, columns=["cell", "mode", "weight", "value"])


HAND = _rows(
    [
        *(("A", "cati", 1, v) for v in (1, 1, 0, 1)),
        *(("A", "web", 2, v) for v in (1, 1)),
        *(("B", "cati", 1, v) for v in (0, 1)),
        *(("B", "web", 1, v) for v in (1, 1, 1, 1)),
        ("C", "web", 2, 1),
        ("A", "web", 5, float("nan")),  # a dk: not counted anywhere
    ]
)


def test_the_pooled_mode_effect_weighs_each_cells_difference_by_its_web_weight():
    assert mode_adjusted(HAND).effect == pytest.approx(3 / 8)


def test_the_adjusted_headline_shifts_every_web_answer_by_the_effect():
    result = mode_adjusted(HAND)
    assert result.unadjusted == pytest.approx(7 / 8)
    assert result.adjusted == pytest.approx(41 / 64)


def test_rates_by_mode_are_weighted_and_count_respondents():
    by_mode = mode_adjusted(HAND).by_mode.set_index("mode")
    assert by_mode.loc["cati", "rate"] == pytest.approx(4 / 6)
    assert by_mode.loc["web", "rate"] == pytest.approx(1.0)
    assert by_mode["n"].to_dict() == {"cati": 6, "web": 7}


def test_only_cells_with_both_modes_enter_the_effect():
    assert list(mode_adjusted(HAND).cells["cell"]) == ["A", "B"]


def test_an_all_cati_study_is_left_as_it_is():
    rows = HAND[HAND["mode"] == "cati"]
    result = mode_adjusted(rows)
    assert result.adjusted == result.unadjusted == pytest.approx(4 / 6)


def test_without_a_cell_holding_both_modes_the_adjustment_is_unknown():
    rows = _rows([("A", "cati", 1, 1), ("B", "web", 1, 0)])
    result = mode_adjusted(rows)
    assert math.isnan(result.effect) and math.isnan(result.adjusted)


def test_an_unknown_mode_is_named():
    with pytest.raises(AnalysisError, match="'paper'"):
        mode_adjusted(_rows([("A", "paper", 1, 1)]))
