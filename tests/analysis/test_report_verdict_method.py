"""The PDF says which method judged the units and why; under the posterior it prints each unit's
verdict, probability of inflation, inflation with its 95% interval, mechanism and evidence, the
units with insufficient evidence, and after a phase 2 the two-phase test beside the verdict."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from analysis.phase_two_test import DomainFade, Fade
from analysis.report import ReportContent, render_pdf, sample_content
from analysis.report.errors import ReportContentError
from analysis.report.formatting import format_points, format_points_ci, format_rate
from tests.analysis.test_report_pdf import all_text, flat

MECHANISM = {"zh": "工作人员引导或要求给出满意评价", "en": "staff coaching or asking for a satisfied rating"}
EVIDENCE = {
    "zh": "受访者说工作人员要求给出评价（强）",
    "en": "respondents say staff asked them for a rating (strong)",
}


def _posterior_content(lang: str, phase_two: bool = False) -> ReportContent:
    """The sample report's units judged by the posterior: its flagged units with their figures, the
    smallest units insufficient, the rest without enough evidence."""
    content = sample_content(n_units=24, n_interviews=1500, lang=lang)
    units = content.comparison.units.copy()
    flagged = units["flagged"].to_numpy()
    small = ~flagged & (units["n"].to_numpy() < units["n"].quantile(0.25))
    units["status"] = np.select([flagged, small], ["flagged", "insufficient_evidence"], "no_evidence")
    units["prob_inflated"] = np.where(flagged, 0.97, 0.04)
    units["inflation"] = np.where(flagged, 0.12, 0.0)
    units["inflation_low"] = np.where(flagged, 0.05, 0.0)
    units["inflation_high"] = np.where(flagged, 0.20, 0.05)
    units["mechanism"] = np.where(flagged, MECHANISM[lang], "")
    units["evidence"] = np.where(flagged, EVIDENCE[lang], "")
    units["explanation"] = np.where(
        flagged, "标记是统计证据，不是违规的证明。" if lang == "zh" else "A flag is not proof.", ""
    )
    if phase_two:
        units["phase2_cases"] = np.where(flagged, 20, 0)
        units["combination_p_value"] = np.where(flagged, 0.0123, np.nan)
        units["combination_p_adjusted"] = np.where(flagged, 0.0871, np.nan)
    comparison = dataclasses.replace(
        content.comparison,
        units=units,
        verdict_method="posterior",
        verdict_source="phase2" if phase_two else "setting",
    )
    return dataclasses.replace(content, comparison=comparison)


@pytest.fixture(scope="module")
def posterior_zh() -> tuple[ReportContent, str]:
    content = _posterior_content("zh", phase_two=True)
    return content, all_text(render_pdf(content))


def test_the_report_names_the_empirical_null_as_the_default_of_a_one_phase_study():
    content = sample_content(n_units=24, n_interviews=1500)
    text = all_text(render_pdf(content, lang="en"))
    assert (
        flat("Unit verdict method: empirical null") in text
        and flat("the default of a one-phase study") in text
    )


def test_the_report_says_the_posterior_judged_the_units_because_of_the_phase_two(posterior_zh):
    _, text = posterior_zh
    assert flat("单位判定方法：后验模型") in text
    assert (
        flat(
            "本调查有第二阶段抽样：经验零分布还会仅凭第一阶段回答检验第二阶段未选中的单位，合起来可能偏于宽松，故只用后验模型"
        )
        in text
    )
    assert flat("被标记单位属于诚实单位的平均后验概率不超过") in text


def test_each_flagged_unit_prints_its_probability_inflation_interval_mechanism_and_evidence(posterior_zh):
    content, text = posterior_zh
    for header in ("虚高概率", "估计虚高[95%后验区间]", "最可能的方式", "主要证据（强度）"):
        assert flat(header) in text
    flagged = content.comparison.flagged_units
    assert len(flagged)
    for row in flagged.itertuples():
        assert (
            flat(f"{format_points(row.inflation)} {format_points_ci(row.inflation_low, row.inflation_high)}")
            in text
        )
        assert flat(format_rate(row.prob_inflated)) in text
    assert flat(MECHANISM["zh"]) in text and flat(EVIDENCE["zh"]) in text


def test_units_with_insufficient_evidence_are_counted_and_marked_as_neither_flagged_nor_cleared(posterior_zh):
    content, text = posterior_zh
    count = int((content.comparison.units["status"] == "insufficient_evidence").sum())
    assert count and flat(f"{count} 个") in text and flat("既不标记，也不认定为没有问题") in text
    assert flat("证据不足") in text


def test_after_a_phase_two_the_combination_test_is_printed_beside_the_verdict(posterior_zh):
    _, text = posterior_zh
    assert flat("第二阶段单位的满意率差距检验") in text and "0.012" in text


def test_the_combination_test_is_printed_with_its_bh_adjusted_p_and_the_note_says_to_read_that(posterior_zh):
    _, text = posterior_zh
    after = text[text.index(flat("第二阶段单位的满意率差距检验")) :]
    assert flat("两阶段检验 pp（BH 校正）") in after and "0.0120.087" in after
    assert flat("应读它而不是原始 p") in after


def _with_days(days, fade: Fade | None = None, allowance: float | None = None) -> str:
    content = _posterior_content("zh", phase_two=True)
    units = content.comparison.units
    if allowance is not None:
        units = units.assign(fade_allowance=np.where(units["flagged"], allowance, np.nan))
    comparison = dataclasses.replace(content.comparison, units=units, phase_days=days, phase_fade=fade)
    content = dataclasses.replace(content, comparison=comparison)
    text = all_text(render_pdf(content))
    return text[text.index(flat("第二阶段单位的满意率差距检验")) :]


def test_a_phase_two_called_weeks_later_is_said_under_its_test_with_a_caution_on_small_p():
    after = _with_days((6.0, 32.0))
    assert flat("第一阶段 6 天，第二阶段 32 天") in after
    assert flat("第二阶段的回访明显晚于第一阶段") in after


def test_a_phase_two_called_as_soon_after_the_service_gets_its_days_and_no_caution():
    after = _with_days((6.0, 12.0))
    assert flat("第一阶段 6 天，第二阶段 12 天") in after
    assert flat("第二阶段的回访明显晚于第一阶段") not in after


def test_the_report_says_how_fast_phase_one_answers_faded_under_the_phase_two_test():
    after = _with_days((6.0, 12.0), Fade(-0.012, -0.02, -0.004, 850))
    assert (
        flat("服务后每晚一周变化 -1.2 个百分点（95% 置信区间 -2.0 至 -0.4，单位内比较，850 个回答）") in after
    )


def test_the_report_gives_each_domain_s_own_fade_where_phase_one_measured_one():
    own = {"人民调解": DomainFade(-0.034, 0.0054, 780), "公证": DomainFade(-0.004, 0.0035, 850)}
    after = _with_days((6.0, 32.0), Fade(-0.018, -0.025, -0.011, 1630, own, 0.02))
    assert (
        flat("各领域分别测得（每周百分点，95% 置信区间）：人民调解 -3.4 [-4.5, -2.3]；公证 -0.4 [-1.1, +0.3]")
        in after
    )
    assert flat("每个单位的检验按其所在领域测得的淡化校正") in after
    assert flat("各领域分别测得") not in _with_days((6.0, 32.0), Fade(-0.018, -0.025, -0.011, 1630))


def test_the_phase_two_table_says_what_the_test_expected_for_each_unit_s_lateness():
    after = _with_days((6.0, 32.0), Fade(-0.025, -0.035, -0.015, 900), allowance=-0.0667)
    assert flat("pp（BH 校正）回访较晚的预期变化（百分点）") in after and "0.0120.087-6.7" in after
    assert flat("pp（BH 校正）回访较晚的预期变化") not in _with_days((6.0, 32.0))  # no fade: no column


@pytest.mark.parametrize(
    "fade",
    [
        Fade(float("nan"), -0.02, -0.004, 850),
        Fade(-0.012, -0.02, -0.004, 850, {"公证": DomainFade(-0.01, float("inf"), 400)}),
    ],
    ids=["the study's", "a domain's"],
)
def test_a_fade_estimate_without_finite_figures_is_refused_naming_the_field(fade):
    content = _posterior_content("zh", phase_two=True)
    with pytest.raises(ReportContentError, match=r"comparison\.phase_fade"):
        dataclasses.replace(
            content,
            comparison=dataclasses.replace(content.comparison, phase_days=(6.0, 12.0), phase_fade=fade),
        )


def test_without_phase_two_days_the_report_says_nothing_of_them(posterior_zh):
    _, text = posterior_zh
    assert flat("中位天数") not in text


def test_phase_days_that_are_not_two_medians_are_refused_naming_the_field():
    content = _posterior_content("zh", phase_two=True)
    with pytest.raises(ReportContentError, match=r"comparison\.phase_days"):
        dataclasses.replace(content, comparison=dataclasses.replace(content.comparison, phase_days=(6.0,)))


def test_the_english_report_words_the_posterior_verdict_in_english():
    text = all_text(render_pdf(_posterior_content("en"), lang="en"))
    assert flat("Unit verdict method: posterior model") in text and flat("the study's setting") in text
    assert flat(MECHANISM["en"]) in text and flat("insufficient evidence") in text


def test_an_unknown_verdict_method_is_refused_naming_the_field():
    content = sample_content(n_units=6, n_interviews=200)
    with pytest.raises(ReportContentError, match=r"comparison\.verdict_method"):
        dataclasses.replace(
            content, comparison=dataclasses.replace(content.comparison, verdict_method="vote")
        )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_units_held_for_their_surveyor_are_counted_apart_and_named_with_their_sentence(lang):
    content = _posterior_content(lang)
    units = content.comparison.units.copy()
    held = units.index[units["status"] == "no_evidence"][:2]
    units.loc[held, "status"] = "insufficient_evidence"
    sentence = "回访答案不计入本单位的判定。" if lang == "zh" else "The callback answers are left out."
    units.loc[held, "explanation"] = sentence
    content = dataclasses.replace(content, comparison=dataclasses.replace(content.comparison, units=units))
    text = all_text(render_pdf(content, lang=lang))
    too_few = int((units["status"] == "insufficient_evidence").sum()) - 2
    if lang == "zh":
        assert flat(f"{too_few} 个机构证据不足（回访太少）") in text
        assert flat("2 个机构的部分或全部回访答案不计入判定") in text
    else:
        assert flat(f"{too_few} units (organisations) had insufficient evidence (too few callbacks)") in text
        assert (
            flat("Some or all callback answers of 2 units (organisations) are left out of their verdicts")
            in text
        )
    for unit in units.loc[held, "unit"]:
        assert flat(f"{unit}{'：' if lang == 'zh' else ': '}{sentence}") in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_surveyor_without_peers_on_like_cases_is_said_to_be_unchecked_not_like_the_others(lang):
    content = sample_content(n_units=24, n_interviews=1500, lang=lang)
    checks = content.comparison.surveyor_checks.copy()
    checks["flagged"] = False
    before = all_text(render_pdf(content, lang=lang))
    checks.loc[0, ["satisfied_peers", "dk_peers", "p_value"]] = np.nan
    comparison = dataclasses.replace(content.comparison, surveyor_checks=checks)
    text = all_text(render_pdf(dataclasses.replace(content, comparison=comparison), lang=lang))
    if lang == "zh":
        assert flat("不像是由个别访员造成的") not in text
        assert flat("1 名访员回访的个案没有其他访员回访过同类个案") in text
        assert flat("在能与其他访员比较的访员中，没有人") in text
    else:
        assert flat("do not look like the work of one surveyor") not in text
        assert flat("1 surveyor(s) called cases no other surveyor called anything like") in text
        assert flat("Of the surveyors who could be compared with others, none") in text
    assert (
        flat("安排访员时应让每人回访多个单位的个案" if lang == "zh" else "Give each surveyor cases")
        not in before
    )
