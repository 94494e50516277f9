"""The PDF words a posterior verdict as the page and the explanations do: an interval that reaches the
largest inflation the model allows is open above, a flag that rests on who rated (not on the rate gap) is
printed as that, in the unit tables and the findings, and the notes say how strong the evidence is, what
the minimum detectable inflation means and what a flag does not prove — in zh and en.

The content is the sample report's, judged by the posterior (`test_report_verdict_method`), with one
flagged unit like the demo's ORG0219 (staff rating nearly all events: inflation +0.0) and one whose
interval is capped; `reports._verdict_columns` is checked on rows of `compare_units`' shape.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from analysis.report import ReportContent, render_pdf
from analysis.report.findings import executive_summary
from analysis.report.formatting import MDI_BEYOND
from survey_app.services import reports
from tests.analysis.test_explain_posterior import proxy_row
from tests.analysis.test_report_pdf import all_text, flat
from tests.analysis.test_report_verdict_method import _posterior_content


def _worded_content(lang: str) -> tuple[ReportContent, str, str]:
    """The posterior sample content with its flagged unit of the largest gap (the findings name it)
    flagged on who rated (inflation +0.0) and the next with an interval open above; returns (content,
    that unit, this unit)."""
    content = _posterior_content(lang)
    units = content.comparison.units.copy()
    flagged = units[units["flagged"].astype(bool)].sort_values("difference", ascending=False).index
    assert len(flagged) >= 2, "the sample report flags at least two units"
    units["who_rated_flag"] = False
    units["inflation_capped"] = False
    who, capped = flagged[0], flagged[1]
    units.loc[who, ["inflation", "inflation_low", "inflation_high"]] = [0.0, 0.0, 0.003]
    units.loc[who, "who_rated_flag"] = True
    units.loc[capped, ["inflation", "inflation_low", "inflation_high"]] = [0.2, 0.1, 0.3]
    units.loc[capped, "inflation_capped"] = True
    comparison = dataclasses.replace(content.comparison, units=units)
    content = dataclasses.replace(content, comparison=comparison)
    return content, str(units.loc[who, "unit"]), str(units.loc[capped, "unit"])


@pytest.fixture(scope="module", params=["zh", "en"])
def worded(request) -> tuple[str, ReportContent, str, str, str]:
    lang = request.param
    content, who, capped = _worded_content(lang)
    return lang, content, all_text(render_pdf(content, lang=lang)), who, capped


OPEN_ABOVE = {"zh": "+20.0[+10.0,+30.0或更高]", "en": "+20.0[+10.0,+30.0ormore]"}
WHO_STATUS = {"zh": "疑似非本人评价", "en": "flagged:ratingsnottheclients'own"}


def test_a_capped_interval_prints_open_above_in_the_unit_tables(worded):
    lang, _, text, _, _ = worded
    assert text.count(OPEN_ABOVE[lang]) == 2  # the flagged units' table and the table of all units
    note = {"zh": "“或更高”：后验区间达到模型允许的最大虚高", "en": "“ormore”:theposteriorintervalreaches"}
    assert flat(note[lang]) in text


def test_an_uncapped_interval_prints_closed(worded):
    _, _, text, _, _ = worded
    assert "+12.0[+5.0,+20.0]" in text  # the other flagged units
    assert "+12.0[+5.0,+20.0或更高]" not in text and "+12.0[+5.0,+20.0ormore]" not in text


def test_a_flag_on_who_rated_prints_as_that_in_the_tables_with_a_note(worded):
    lang, _, text, _, _ = worded
    assert text.count(WHO_STATUS[lang]) >= 2 + 1  # two tables, and the note that explains it
    note = {
        "zh": "标记的主要依据是受访者说评价由他人作出或本人未评价，而非满意率差距",
        "en": "the flag rests mainly on respondents saying someone else rated or they never rated, not on the rate gap",
    }
    assert flat(note[lang]) in text


def test_the_flagged_units_chart_labels_a_flag_on_who_rated_without_an_inflation(worded):
    lang, _, text, _, _ = worded
    label = {"zh": "个回答·疑似非本人评价·他人代评", "en": "·nottheclients'ownratings·byother"}
    zero = {"zh": "估计虚高+0.0点", "en": "inflation+0.0·"}
    assert label[lang] in text and zero[lang] not in text


def test_the_findings_name_a_flag_on_who_rated_without_an_inflation(worded):
    lang, content, _, who, _ = worded
    summary = " ".join(" ".join(part) for part in dataclasses.astuple(executive_summary(content)))
    said = {
        "zh": f"{who}（系统",
        "en": f"{who} (system",
    }
    assert said[lang] in summary
    basis = {"zh": "主要依据是受访者说评价不是本人作出的，而非满意率差距", "en": "not for the rate gap"}
    assert basis[lang] in summary
    assert ("后验模型标记了" if lang == "zh" else "the posterior model flags") in summary


#: The posterior note: how strong (the Bayes factor's scale), the minimum detectable inflation, what a
#: flag does not prove, and that the estimate is the median.
NOTE = {
    "zh": ("大于3为中等，大于20为强，大于150为很强", "最小可检出虚高", "不是违规的证明", "后验中位数"),
    "en": ("above3moderate,above20strong,above150verystrong", "minimumdetectable", "notproofofmisconduct",
           "posteriormedian"),
}  # fmt: skip


def test_the_note_under_the_flagged_units_explains_strength_power_and_what_a_flag_does_not_prove(worded):
    lang, _, text, _, _ = worded
    assert all(words in text for words in NOTE[lang])


def _compare_units_rows() -> pd.DataFrame:
    """Two units as `compare_units(method="posterior")` gives them: one flagged on who rated, one with
    an interval open above."""
    capped = proxy_row(
        driver="rate_gap", bf_rate_gap=5.0, bf_rated_by_other=0.1, posterior_mechanism="silent 0.30",
        posterior_inflation=0.3, posterior_inflation_low=0.2, posterior_inflation_high=0.3,
        posterior_inflation_capped=True,
    )  # fmt: skip
    return pd.DataFrame([proxy_row(), capped], index=["ORG0219", "ORG0001"])


def test_the_report_carries_who_rated_and_capped_from_the_verdict_to_its_tables():
    units = _compare_units_rows()
    table = reports._verdict_columns(pd.DataFrame(index=range(2)), units, "zh")
    assert table["who_rated_flag"].tolist() == [True, False]
    assert table["inflation_capped"].tolist() == [False, True]
    assert table["evidence"].iloc[0] == "受访者说由他人代评（很强）"


def test_the_posterior_note_says_how_the_95_percent_interval_was_calibrated(worded):
    lang, _, text, _, _ = worded
    said = {
        "zh": "两端放宽，以计入混合权重本身是估计值（经验贝叶斯）的不确定性；在模拟研究中，它覆盖了 92%–99%",
        "en": "tails widened for the uncertainty of the estimated mixing weights (empirical Bayes): in simulated "
        "studies it covered the true rise of 92–99% of the flagged inflating units",
    }
    assert flat(said[lang]) in text


def test_units_not_flagged_get_no_inflation_estimate_and_a_note_says_why(worded):
    lang, _, text, _, _ = worded
    assert "[0.0,+5.0]" not in text  # the sample's units without enough evidence printed "0.0 [0.0, +5.0]"
    note = {
        "zh": "未被标记的单位不给出估计虚高：在模拟研究中，确有虚高却未被标记的单位，其后验区间只覆盖了 40%–77%",
        "en": "A unit not flagged gets no inflation estimate: in simulated studies, for units that did inflate "
        "but were not flagged, the posterior interval covered only 40–77% of the true rises; not flagged is not "
        "cleared.",
    }
    assert flat(note[lang]) in text


def test_the_report_carries_the_verdicts_own_mdi_for_the_units_it_judged():
    units = _compare_units_rows().assign(min_detectable=[float("inf"), 0.31])
    units.loc["ORG0001", "lfdr"] = float("nan")  # not judged: no MDI printed
    table = reports._verdict_columns(pd.DataFrame(index=range(2)), units, "zh")
    assert table["min_detectable"].iloc[0] == MDI_BEYOND and pd.isna(table["min_detectable"].iloc[1])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_unit_tables_print_each_judged_units_mdi_and_a_note_on_what_it_means(lang):
    content = _posterior_content(lang)
    units = content.comparison.units.copy()
    judged = units["status"].isin(["flagged", "no_evidence"])
    units["min_detectable"] = float("nan")
    units.loc[judged, "min_detectable"] = 0.437
    first = units.index[judged][0]
    units.loc[first, "min_detectable"] = MDI_BEYOND
    content = dataclasses.replace(content, comparison=dataclasses.replace(content.comparison, units=units))
    text = all_text(render_pdf(content, lang=lang))
    header = {"zh": "最小可检出虚高", "en": "MDI"}
    assert header[lang] in text and ">50" in text and "44" in text
    note = {
        "zh": "最小可检出虚高：本判定仅凭满意率差距（不计他人代评等迹象）、以80%把握能检出的虚高",
        "en": "MDI:theinflation,inpoints,thisverdictfindswith80%probabilityfromtherategapalone",
    }
    assert (
        flat(note[lang]) in text
        and flat("未被标记不等于没有问题" if lang == "zh" else "notflaggedisnotcleared") in text
    )
