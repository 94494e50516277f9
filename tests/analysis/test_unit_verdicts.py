"""The plain-language explanation of a unit's verdict (zh and en), from a `compare_units` row."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.verdicts import explain_unit, explain_units, proxy_unexamined, strength
from tests.analysis.verdict_sim import SCENARIOS, simulate, verdicts


@pytest.fixture(scope="module")
def table():
    return verdicts(simulate(SCENARIOS["inflate_+20"], seed=3))  # a study where the empirical null flags


def _row(table, status):
    rows = table[table["status"] == status]
    if rows.empty:
        pytest.skip(f"no unit with status {status} in this simulated study")
    return rows.iloc[0]


def test_a_flag_names_its_evidence_its_strength_and_what_it_does_not_prove(table):
    row = _row(table, "flagged")
    text = " ".join(explain_unit(row, "zh"))
    assert "标记为疑似虚高" in text and "不是违规的证明" in text
    assert "主要证据" in text and "最小虚高" in text
    english = " ".join(explain_unit(row, "en"))
    assert "not proof of misconduct" in english and "Main evidence" in english


def test_a_cleared_unit_says_what_inflation_it_could_have_missed(table):
    text = " ".join(explain_unit(_row(table, "no_evidence"), "en"))
    assert "No evidence of inflation" in text
    assert "a smaller inflation may exist unseen" in text
    assert "not proof" not in text


def test_an_insufficient_unit_is_neither_flagged_nor_cleared():
    small = verdicts(simulate(SCENARIOS["honest_small_units"], seed=2))
    text = " ".join(explain_unit(_row(small, "insufficient_evidence"), "zh"))
    assert "证据不足" in text and "既不标记" in text


def test_the_sentences_quote_the_units_own_figures(table):
    row = _row(table, "flagged")
    text = " ".join(explain_unit(row, "en"))
    assert f"{100 * row['system_rate']:.1f}%" in text
    assert f"{int(row['interviews'])} interviews" in text


def test_strength_words_follow_the_adjusted_p_value():
    assert [strength(p) for p in (0.001, 0.03, 0.08, 0.5, float("nan"))] == [
        "very_strong",
        "strong",
        "moderate",
        "weak",
        "weak",
    ]


def test_every_unit_gets_one_paragraph(table):
    paragraphs = explain_units(table, "zh")
    assert list(paragraphs.index) == list(table.index)
    assert paragraphs.map(len).min() > 10


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError, match="lang"):
        explain_unit(pd.Series({"status": "flagged"}), "fr")


CLEARED_WITHOUT_WHO = {"status": "no_evidence", "who_held": True, "interviews_who_kept": 0}


def test_a_cleared_unit_nobody_else_asked_who_rated_has_proxy_rating_unexamined():
    assert proxy_unexamined(CLEARED_WITHOUT_WHO)
    assert proxy_unexamined(pd.Series(CLEARED_WITHOUT_WHO))


@pytest.mark.parametrize(
    "change",
    [
        {"interviews_who_kept": 6},
        {"who_held": False},
        {"status": "flagged"},
        {"status": "insufficient_evidence"},
    ],
)
def test_proxy_rating_counts_as_examined_unless_a_cleared_units_who_rated_answers_were_all_set_aside(change):
    assert not proxy_unexamined({**CLEARED_WITHOUT_WHO, **change})
