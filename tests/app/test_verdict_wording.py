"""The reviewer page words every posterior flag for what it is, in zh and en: a flag that rests on who
rated (the demo's ORG0219 kind: staff rating nearly all events, inflation +0.0) says so instead of
"flagged, inflation +0.0"; an interval that reaches the model's largest inflation is open above; and each
flag's explanation gives its evidence with the Bayes factor and strength, the minimum detectable
inflation and what a flag does not prove.

The page's verdict section (`verdict_view.show`) is run on its own (AppTest.from_function) with two
flagged units and one not flagged, shaped as `compare_units(method="posterior")` gives them; no database
is needed.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest


def _verdict_section() -> None:
    """The comparison page's verdict section on two flagged units and one not flagged (run by AppTest in
    its own script)."""
    from types import SimpleNamespace

    import pandas as pd

    from survey_app.app import verdict_view
    from tests.analysis.test_explain_posterior import proxy_row

    capped = proxy_row(
        driver="rate_gap", bf_rate_gap=5.0, bf_rated_by_other=0.1, posterior_mechanism="silent 0.30",
        posterior_inflation=0.3, posterior_inflation_low=0.2, posterior_inflation_high=0.3,
        posterior_inflation_capped=True,
    )  # fmt: skip
    unflagged = proxy_row(
        status="no_evidence", flagged=False, lfdr=0.83, prob_inflated=0.17, driver="", posterior_inflation=0.02,
        posterior_inflation_low=0.0, posterior_inflation_high=0.05, rated_by_other=0,
    )  # fmt: skip
    units = pd.DataFrame([proxy_row(), capped, unflagged], index=["ORG0219", "ORG0001", "ORG0188"])
    units["name"] = ["代评单位", "虚高单位", "未标记单位"]
    result = SimpleNamespace(units=units, verdict_method="posterior", verdict_source="default", expanded=None)
    verdict_view.show(result, "demo")


def _table(lang: str):
    app = AppTest.from_function(_verdict_section, default_timeout=60)
    app.session_state["lang"] = lang
    app.run()
    assert not app.exception
    return next(t.value for t in app.dataframe if len(t.value) == 3).set_index(
        "单位" if lang == "zh" else "Unit"
    )


#: Column labels, the who-rated verdict, its explanation's key words and those of every flag.
WORDS = {
    "zh": {
        "status": "判定",
        "interval": "95% 后验区间",
        "explanation": "说明",
        "who": "疑似非本人评价",
        "who_said": "主要依据是“谁作的评价”，而非满意率差距",
        "open": "+20.0 至 +30.0 或更高",
        "every": ("贝叶斯因子约", "最小可检出虚高约为 31 个百分点", "不是违规的证明"),
    },
    "en": {
        "status": "Verdict",
        "interval": "95% posterior interval",
        "explanation": "Explanation",
        "who": "flagged: ratings not the clients' own",
        "who_said": "The evidence is mainly who rated, not the rate gap",
        "open": "+20.0 to +30.0 or more",
        "every": ("Bayes factor about", "minimum detectable inflation", "about 31 points", "not proof of misconduct"),
    },
}  # fmt: skip


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_reviewer_reads_a_flag_on_who_rated_as_that(lang):
    table, words = _table(lang), WORDS[lang]
    row = table.loc["ORG0219 代评单位"]
    assert row[words["status"]] == words["who"]
    assert words["who_said"] in row[words["explanation"]]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_reviewer_reads_a_capped_interval_as_open_above(lang):
    table, words = _table(lang), WORDS[lang]
    assert table.loc["ORG0001 虚高单位", words["interval"]] == words["open"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_flag_on_the_page_explains_evidence_strength_power_and_what_it_does_not_prove(lang):
    table, words = _table(lang), WORDS[lang]
    flagged = table[table[words["status"]] != ("未发现足够证据" if lang == "zh" else "not enough evidence")]
    assert len(flagged) == 2
    for explanation in flagged[words["explanation"]]:
        assert all(said in explanation for said in words["every"])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_unit_not_flagged_shows_its_probability_but_no_estimate_or_mechanism(lang):
    table, words = _table(lang), WORDS[lang]
    row = table.loc["ORG0188 未标记单位"]
    assert (
        row[words["interval"]] == ""
        and row["估计虚高（百分点）" if lang == "zh" else "Estimated inflation (points)"] == ""
    )
    assert row["虚高概率 (%)" if lang == "zh" else "Probability of inflation (%)"] > 0
    assert row["最可能的方式" if lang == "zh" else "Likeliest mechanism"] == ""  # no "how it inflates" either
    assert ("未被标记不等于没有虚高" if lang == "zh" else "not flagged is not cleared") in row[
        words["explanation"]
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_judged_unit_shows_the_verdicts_own_mdi_in_whole_points(lang):
    table = _table(lang)
    column = "最小可检出虚高（仅凭满意率差距，百分点）" if lang == "zh" else "MDI, rate gap alone (points)"
    assert table[column].tolist() == ["31", "31", "31"]
