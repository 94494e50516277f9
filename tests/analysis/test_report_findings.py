"""The executive summary's sentences follow the numbers: how many units are flagged, where the system
rate lies against the callback interval, what the paired difference's interval says."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from analysis.report import ReportContent, sample_content
from analysis.report.content import Estimate
from analysis.report.findings import area_findings, executive_summary, position, relation
from analysis.report.formatting import (
    format_count,
    format_number,
    format_points,
    format_rate,
    format_stratum,
    plural,
)


@pytest.fixture(scope="module")
def base() -> ReportContent:
    return sample_content(n_units=30, n_interviews=1500)


def with_flags(content: ReportContent, flagged: int) -> ReportContent:
    """The content with exactly the `flagged` units of largest gap flagged (the others not)."""
    units = content.comparison.units.sort_values("difference", ascending=False).copy()
    units["flagged"] = [index < flagged for index in range(len(units))]
    comparison = dataclasses.replace(content.comparison, units=units.sort_index())
    return dataclasses.replace(content, comparison=comparison)


def with_system_rate(content: ReportContent, rate: float) -> ReportContent:
    return dataclasses.replace(content, comparison=dataclasses.replace(content.comparison, system_rate=rate))


def with_paired(content: ReportContent, estimate: float, low: float, high: float) -> ReportContent:
    paired = Estimate(estimate, low, high, content.comparison.paired_difference.n)
    return dataclasses.replace(
        content, comparison=dataclasses.replace(content.comparison, paired_difference=paired)
    )


def units_tested(content: ReportContent) -> int:
    return int((content.comparison.units["n"] > 0).sum())


# -- how many units are flagged ---------------------------------------------------------------------


def test_with_no_flagged_unit_the_summary_says_none_of_the_tested_units(base: ReportContent) -> None:
    content = with_flags(base, 0)
    found = executive_summary(content).comparison[0]
    assert found.startswith(f"在 {format_count(units_tested(content))} 家机构中，没有一家的系统满意率")
    assert "错误发现率控制在 0.05" in found


def test_with_no_flagged_unit_no_audit_is_recommended_and_routine_checks_are(base: ReportContent) -> None:
    findings = executive_summary(with_flags(base, 0))
    assert not any("专项核查，优先核查" in step for step in findings.next_steps)
    assert any("维持常规回访抽查" in step for step in findings.next_steps)
    assert not any("误报" in sentence for sentence in findings.certainty)


def test_one_flagged_unit_is_named_with_its_system_and_callback_rates(base: ReportContent) -> None:
    content = with_flags(base, 1)
    unit = content.comparison.flagged_units.iloc[0]
    found = executive_summary(content).comparison[0]
    assert "有 1 家的系统满意率明显高于回访结果" in found
    assert (
        f"{unit['unit']}（系统 {format_rate(unit['system_rate'])}，回访 {format_rate(unit['third_party_rate'])}）"
        in found
    )


def test_many_flagged_units_are_counted_and_the_three_largest_gaps_named_in_order(
    base: ReportContent,
) -> None:
    content = with_flags(base, 7)
    found = executive_summary(content).comparison[0]
    assert f"在 {format_count(units_tested(content))} 家机构中，有 7 家的系统满意率明显高于回访结果" in found
    largest = content.comparison.flagged_units.sort_values("difference", ascending=False)["unit"].tolist()
    positions = [found.index(str(name)) for name in largest[:3]]
    assert positions == sorted(positions)
    assert str(largest[3]) not in found


def test_the_expected_false_alarms_are_the_flags_times_the_fdr_level(base: ReportContent) -> None:
    content = with_flags(base, 30)
    content = dataclasses.replace(content, comparison=dataclasses.replace(content.comparison, fdr_level=0.10))
    expected = format_number(30 * 0.10, 1)
    assert any(f"预计至多约 {expected} 家是误报" in s for s in executive_summary(content).certainty)


def test_fewer_than_one_expected_false_alarm_is_said_so(base: ReportContent) -> None:
    certainty = executive_summary(with_flags(base, 3)).certainty  # 3 × 0.05 = 0.15
    assert any("预计误报不到 1 家" in sentence for sentence in certainty)


def test_the_evidence_sentence_sums_the_flagged_units_callback_evidence(base: ReportContent) -> None:
    content = with_flags(base, 5)
    flagged = content.comparison.flagged_units
    evidence = executive_summary(content).comparison[1]
    assert f"{format_count(flagged['rated_by_other'].sum())} 人表示评价不是本人作出的" in evidence
    assert f"{format_count(flagged['service_denied'].sum())} 人表示没有接受过这项服务" in evidence


def test_the_audit_step_names_the_flagged_units(base: ReportContent) -> None:
    content = with_flags(base, 2)
    steps = executive_summary(content).next_steps
    audit = next(step for step in steps if "专项核查" in step)
    for name in content.comparison.flagged_units["unit"]:
        assert str(name) in audit


# -- the system rate against the callback interval ----------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "words"),
    [
        (+0.02, "高于这一区间的上限：系统数字明显高于市民在回访中的说法"),
        (None, "落在这一区间内：在抽样误差范围内与回访结果一致"),
        (-0.02, "低于这一区间的下限：系统数字反而低于回访结果"),
    ],
)
def test_the_system_rate_is_read_against_the_callback_interval(
    base: ReportContent, offset: float | None, words: str
) -> None:
    third = base.comparison.third_party
    rate = (
        (third.ci_low + third.ci_high) / 2
        if offset is None
        else third.ci_high + offset
        if offset > 0
        else third.ci_low + offset
    )
    first = executive_summary(with_system_rate(base, rate)).headline[0]
    assert f"回访测得的满意率为 {format_rate(third.estimate)}" in first
    assert f"95% 置信区间 {format_rate(third.ci_low)}–{format_rate(third.ci_high)}" in first
    assert f"基于 {format_count(third.n)} 个有效回答" in first
    assert f"系统记录的满意率为 {format_rate(rate)}，{words}" in first


def test_a_system_rate_on_the_intervals_edge_counts_as_inside() -> None:
    assert position(0.9, 0.8, 0.9) == "within"
    assert position(0.9000001, 0.8, 0.9) == "above"
    assert position(float("nan"), 0.8, 0.9) == "unknown"


@pytest.mark.parametrize(
    ("low", "high", "words"),
    [
        (0.01, 0.05, "区间不含 0：系统评价整体偏高"),
        (-0.01, 0.05, "区间包含 0：不能确定系统评价整体偏高或偏低"),
        (-0.05, -0.01, "区间不含 0：系统评价整体偏低"),
    ],
)
def test_the_paired_difference_says_higher_only_when_its_interval_excludes_zero(
    base: ReportContent, low: float, high: float, words: str
) -> None:
    estimate = (low + high) / 2
    sentence = executive_summary(with_paired(base, estimate, low, high)).headline[3]
    assert words in sentence
    assert f"区间 {format_points(low)} 至 {format_points(high)}" in sentence


def test_awareness_and_first_choice_each_get_a_sentence_with_interval_and_n(base: ReportContent) -> None:
    headline = executive_summary(base).headline
    for sentence, key in zip(headline[1:3], ("awareness", "first_choice"), strict=True):
        metric = base.results.headline[key]
        assert format_rate(metric.estimate) in sentence
        assert f"区间 {format_rate(metric.ci_low)}–{format_rate(metric.ci_high)}" in sentence
        assert f"{format_count(metric.n)} 个回答" in sentence


def test_districts_whose_system_rate_exceeds_their_interval_are_counted(base: ReportContent) -> None:
    districts = base.areas.rows("district")
    above = districts[districts["system_rate"] > districts["ci_high"]]
    found = [s for s in executive_summary(base).comparison if s.startswith("分区看")]
    assert found == [found[0]]
    if above.empty:
        assert "没有一个区" in found[0]
    else:
        assert f"{len(above)} 个区的系统满意率高于本区回访结果的区间上限" in found[0]


def test_what_it_does_not_prove_is_always_said(base: ReportContent) -> None:
    for flagged in (0, 1, 7):
        not_proved = executive_summary(with_flags(base, flagged)).not_proved
        assert any("不能证明评价被篡改" in sentence for sentence in not_proved)


def test_the_english_summary_has_the_same_rules_in_english() -> None:
    content = with_flags(sample_content(n_units=30, n_interviews=1500, lang="en"), 1)
    findings = executive_summary(content)
    assert findings.comparison[0].startswith(
        f"Of the {format_count(units_tested(content))} organisations tested, 1 has"
    )
    assert all(not any("\u4e00" <= char <= "\u9fff" for char in s) for s in findings.certainty)


# -- a district against the city ------------------------------------------------------------------------


def test_an_area_differs_from_the_city_only_when_the_city_lies_outside_its_interval() -> None:
    assert relation(0.80, 0.82, 0.90) == "rel_above"
    assert relation(0.95, 0.82, 0.90) == "rel_below"
    assert relation(0.85, 0.82, 0.90) == "rel_same"


def test_a_district_page_says_its_rate_interval_and_the_citys(base: ReportContent) -> None:
    row = base.areas.row("district", "浦东新区")
    words = area_findings(base, "district", "浦东新区")
    first = words["rates"][0]
    assert first.startswith(f"浦东新区回访测得的满意率为 {format_rate(row['estimate'])}")
    assert f"全市为 {format_rate(base.results.headline['satisfaction'].estimate)}" in first
    gap = format_points(row["system_rate"] - row["estimate"])
    assert f"本区系统与回访的差距为 {gap} 个百分点" in words["rates"][1]


def test_a_district_page_names_its_most_common_reasons_with_counts(base: ReportContent) -> None:
    reasons = base.areas.reasons_of("district", "浦东新区")
    sentence = area_findings(base, "district", "浦东新区")["reasons"][0]
    top = reasons.iloc[0]
    assert f"{top['reason']}（{format_count(top['count'])} 人）" in sentence
    assert f"{format_count(reasons['count'].sum())} 位受访者" in sentence


def test_a_district_without_reasons_says_no_one_gave_one(base: ReportContent) -> None:
    areas = dataclasses.replace(base.areas, reasons=base.areas.reasons.iloc[0:0])
    sentence = area_findings(dataclasses.replace(base, areas=areas), "district", "浦东新区")["reasons"][0]
    assert sentence == "本区没有受访者说明不满意的原因。"


def test_an_unknown_district_is_refused() -> None:
    content = sample_content(n_units=10, n_interviews=300)
    with pytest.raises(KeyError):
        area_findings(content, "district", "不存在区")


def test_reasons_are_ranked_by_count_within_an_area(base: ReportContent) -> None:
    table = base.areas.reasons_of("city")
    assert table["count"].tolist() == sorted(table["count"], reverse=True)
    assert isinstance(table, pd.DataFrame)


# -- the unit verdict model's columns, when given ------------------------------------------------------


def with_verdicts(content: ReportContent, flagged: int, insufficient: int) -> ReportContent:
    """`flagged` units flagged with an estimated inflation, the `insufficient` smallest without a verdict."""
    units = with_flags(content, flagged).comparison.units.copy()
    small = set(units[~units["flagged"]].sort_values(["n", "unit"]).index[:insufficient])
    units["status"] = [
        "flagged" if flag else "insufficient_evidence" if index in small else "no_evidence"
        for index, flag in zip(units.index, units["flagged"], strict=True)
    ]
    units["inflation"] = (units["difference"] * 0.8).where(units["flagged"])
    comparison = dataclasses.replace(content.comparison, units=units)
    return dataclasses.replace(content, comparison=comparison)


def test_with_verdicts_only_units_the_model_could_test_count_as_tested(base: ReportContent) -> None:
    content = with_verdicts(base, flagged=3, insufficient=8)
    units = content.comparison.units
    testable = int(units["status"].isin(["flagged", "no_evidence"]).sum())
    findings = executive_summary(content)
    assert findings.comparison[0].startswith(f"在 {format_count(testable)} 家机构中，有 3 家")
    assert any(
        s.startswith("另有 8 家机构证据不足") and "既未被标记，也不能认为没有问题" in s
        for s in findings.certainty
    )
    assert any(s.startswith("对证据不足的 8 家机构") for s in findings.next_steps)


def test_with_verdicts_the_estimated_inflation_is_named_with_the_unit(base: ReportContent) -> None:
    content = with_verdicts(base, flagged=1, insufficient=0)
    unit = content.comparison.flagged_units.iloc[0]
    assert f"估计虚高 {format_points(unit['inflation'])} 个百分点" in executive_summary(content).comparison[0]


def test_with_verdicts_a_district_page_counts_its_units_without_a_verdict(base: ReportContent) -> None:
    content = with_verdicts(base, flagged=0, insufficient=30)
    units = content.comparison.units
    here = units[(units["district"] == "浦东新区") & (units["n"] > 0)]
    insufficient = int((here["status"] == "insufficient_evidence").sum())
    sentence = area_findings(content, "district", "浦东新区")["units"][0]
    assert f"另有 {insufficient} 家证据不足（图中灰色）" in sentence


def with_proxy_unexamined(content: ReportContent, count: int) -> ReportContent:
    """`count` cleared units whose who-rated answers were all set aside (`verdicts.proxy_unexamined`)."""
    units = content.comparison.units.copy()
    cleared = units.index[units["status"] == "no_evidence"][:count]
    units["proxy_unexamined"] = units.index.isin(cleared)
    return dataclasses.replace(content, comparison=dataclasses.replace(content.comparison, units=units))


def test_the_units_cleared_with_proxy_rating_unexamined_are_counted_among_what_is_uncertain(
    base: ReportContent,
) -> None:
    content = with_proxy_unexamined(with_verdicts(base, flagged=1, insufficient=2), 2)
    certainty = executive_summary(content).certainty
    assert any(s.startswith("另有 2 家机构未被标记只因满意率差距不足以证明虚高") for s in certainty), (
        certainty
    )
    assert not any(
        "他人代评没有得到检验" in s for s in executive_summary(with_verdicts(base, 1, 2)).certainty
    )


def test_with_verdicts_units_without_one_are_said_insufficient_once_not_also_too_small(
    base: ReportContent,
) -> None:
    certainty = executive_summary(with_verdicts(base, flagged=1, insufficient=2)).certainty
    assert sum("证据不足" in s for s in certainty) == 1
    assert not any("不能据此排名" in s for s in certainty), certainty


def test_in_english_one_unit_with_proxy_rating_unexamined_is_singular() -> None:
    english = sample_content(n_units=30, n_interviews=1500, lang="en")
    content = with_proxy_unexamined(with_verdicts(english, flagged=1, insufficient=1), 1)
    text = " ".join(executive_summary(content).certainty)
    assert "Another 1 organisation was not flagged only because the rate gap did not show inflation" in text
    assert "proxy rating was not examined" in text


# -- English number agreement -----------------------------------------------------------------------------


def test_english_sentences_agree_with_a_count_of_one() -> None:
    english = sample_content(n_units=30, n_interviews=1500, lang="en")
    content = with_verdicts(english, flagged=1, insufficient=1)
    findings = executive_summary(content)
    text = " ".join([*findings.comparison, *findings.certainty, *findings.next_steps])
    assert "Another 1 organisation has insufficient evidence" in text
    assert "for the 1 organisation with insufficient evidence" in text
    assert "of the 1 flagged organisation is expected" in text
    assert "1 organisations" not in text and "1 respondents" not in text


def test_an_english_district_page_with_one_tested_unit_and_one_reason_is_singular() -> None:
    english = sample_content(n_units=30, n_interviews=1500, lang="en")
    areas = english.areas
    one_reason = areas.reasons[
        (areas.reasons["level"] == "district") & (areas.reasons["area"] == "浦东新区")
    ].head(1)
    content = dataclasses.replace(
        english, areas=dataclasses.replace(areas, reasons=one_reason.assign(count=1))
    )
    sentence = area_findings(content, "district", "浦东新区")["reasons"][0]
    assert sentence.startswith(
        "Of the 1 respondent who gave a reason for dissatisfaction, the most common was:"
    )


def test_plural_takes_the_singular_only_for_exactly_one() -> None:
    assert [plural(n, "case") for n in (0, 1, 2)] == ["cases", "case", "cases"]
    assert plural(1, "staff member", "staff members") == "staff member"
    assert plural(3, "has", "have") == "have"


# -- strata in words ---------------------------------------------------------------------------------------


def test_a_risk_stratum_is_named_in_words_with_its_organisation() -> None:
    names = {"ORG0057": "闵行区航泾街道人民调解委员会"}
    assert format_stratum("risk:ORG0057", "zh", names) == "重点单位：ORG0057 闵行区航泾街道人民调解委员会"
    assert format_stratum("risk:ORG0099", "en", names) == "risk unit: ORG0099"
    assert format_stratum("浦东新区|公证", "zh") == "浦东新区 × 公证"
    assert format_stratum("浦东新区", "en") == "浦东新区"


def test_the_english_limitations_agree_with_one_flagged_and_one_small_unit() -> None:
    from analysis.report.pdf import limitation_paragraphs

    english = sample_content(n_units=30, n_interviews=1500, lang="en")
    units = english.comparison.units.copy()
    units["flagged"] = [i == 0 for i in range(len(units))]
    units["n"] = [
        1 if i == 1 else max(int(n), english.comparison.small_unit_min_n) for i, n in enumerate(units["n"])
    ]
    content = dataclasses.replace(english, comparison=dataclasses.replace(english.comparison, units=units))
    text = " ".join(limitation_paragraphs(content))
    assert "Small units: 1 unit (organisations) has fewer than" in text
    assert "of the 1 flagged unit, about" in text
