"""Adapters from `analysis` results to report content: columns map one to one, nothing is invented."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from analysis.report import ReportContentError, render_pdf, sample_content
from analysis.report.adapters import (
    agreement_of,
    estimate_of,
    headline_of,
    rates_of,
    surveyor_checks_of,
    units_of,
)
from analysis.report.content import (
    GROUP_COLUMNS,
    SURVEYOR_COLUMNS,
    SURVEYOR_MEASURES,
    SURVEYOR_OPTIONAL_COLUMNS,
    UNIT_COLUMNS,
)
from analysis.surveyor_checks import EFFECT_MEASURES


@dataclasses.dataclass
class FakeEstimate:
    estimate: float
    ci_low: float
    ci_high: float
    n: int
    se: float = 0.01


def headline_table() -> pd.DataFrame:
    """Shaped like `analysis.headline()`: one row per metric × group level."""
    rows = []
    for position, metric in enumerate(["满意率", "知晓率", "首选率"]):
        rows.append(
            [metric, "overall", "(all)", 0.8 - 0.1 * position, 0.75 - 0.1 * position, 0.85, 900 + position]
        )
    rows += [
        ["满意率", "district", "黄浦区", 0.81, 0.7, 0.9, 120],
        ["满意率", "district", "徐汇区", 0.79, 0.68, 0.88, 110],
        ["满意率", "domain", "公证", 0.83, 0.7, 0.92, 90],
        ["满意率", "channel", "热线平台", 0.77, 0.6, 0.88, 60],
        ["知晓率", "district", "黄浦区", 0.61, 0.5, 0.7, 120],
    ]
    return pd.DataFrame(rows, columns=["metric", "group", "level", "estimate", "ci_low", "ci_high", "n"])


def test_estimate_of_reads_the_four_fields() -> None:
    assert estimate_of(FakeEstimate(0.8, 0.7, 0.9, 100)) == estimate_of(
        {"estimate": 0.8, "ci_low": 0.7, "ci_high": 0.9, "n": 100}
    )


def test_a_result_without_a_field_is_refused_naming_it() -> None:
    with pytest.raises(ReportContentError, match="has no 'ci_high'"):
        estimate_of({"estimate": 0.8, "ci_low": 0.7, "n": 100})


def test_headline_of_takes_overall_rows_and_satisfaction_by_group() -> None:
    headline, groups = headline_of(headline_table())
    assert headline["awareness"].estimate == pytest.approx(0.7)
    assert headline["first_choice"].n == 902
    assert list(groups["district"]["group"]) == ["黄浦区", "徐汇区"]
    assert list(groups["district"].columns) == list(GROUP_COLUMNS)
    assert groups["channel"]["n"].tolist() == [60]


def test_units_of_maps_compare_units_columns_and_evidence() -> None:
    table = pd.DataFrame(
        {
            "respondents": [40, 0],
            "system_rate": [0.99, 0.95],
            "third_party": [0.7, math.nan],
            "ci_low": [0.55, math.nan],
            "ci_high": [0.82, math.nan],
            "difference": [0.29, math.nan],
            "difference_low": [0.17, math.nan],
            "difference_high": [0.44, math.nan],
            "p_value": [0.0001, math.nan],
            "p_adjusted": [0.0002, math.nan],
            "shrunk_rate": [0.74, math.nan],
            "flagged": [True, False],
        },
        index=pd.Index(["ORG0001", "ORG0002"], name="organisation_id"),
    )
    evidence = pd.DataFrame({"rated_by_other": [5], "service_denied": [2]}, index=["ORG0001"])
    units = units_of(table, names={"ORG0001": "ORG0001 黄浦区公证处"}, evidence=evidence)
    assert list(units.columns) == list(UNIT_COLUMNS)
    assert units["unit"].tolist() == ["ORG0001 黄浦区公证处", "ORG0002"]
    assert units["q_value"].iloc[0] == 0.0002
    assert units["rated_by_other"].tolist() == [5, 0]
    assert units["flagged"].tolist() == [True, False]


def test_surveyor_checks_flag_either_test() -> None:
    effects = pd.DataFrame(
        {
            "interviews": [120, 80],
            "satisfied_rate": [0.9, 0.8],
            "satisfied_peers": [0.86, 0.87],
            "dk_refused_rate": [0.01, 0.12],
            "dk_refused_peers": [0.03, 0.04],
            "satisfied_p_value": [0.4, 0.3],
            "satisfied_flagged": [False, False],
            "dk_refused_flagged": [False, True],
        },
        index=pd.Index(["S01", "S02"], name="surveyor_id"),
    )
    checks = surveyor_checks_of(effects, median_minutes={"S01": 6.5})
    assert list(checks.columns) == [*SURVEYOR_COLUMNS, *SURVEYOR_OPTIONAL_COLUMNS]
    assert checks["flagged"].tolist() == [False, True]
    assert checks["flagged_on"].tolist() == ["", "dk_refused"]
    assert checks[["who_share", "who_peers"]].isna().all().all()  # who rated not asked
    assert checks["median_minutes"].iloc[0] == 6.5 and math.isnan(checks["median_minutes"].iloc[1])
    assert checks.loc[1, ["dk_share", "dk_peers"]].tolist() == [0.12, 0.04]  # why S02 is flagged


def test_the_reports_surveyor_measures_are_the_checks_measures() -> None:
    """The report's content names them on its own (it imports nothing from the analysis); they must agree."""
    assert SURVEYOR_MEASURES == EFFECT_MEASURES


def test_surveyor_checks_name_a_surveyor_flagged_on_who_rated_alone() -> None:
    effects = pd.DataFrame(
        {
            "interviews": [120],
            "satisfied_rate": [0.9],
            "satisfied_peers": [0.9],
            "dk_refused_rate": [0.03],
            "dk_refused_peers": [0.03],
            "satisfied_p_value": [0.8],
            "satisfied_flagged": [False],
            "dk_refused_flagged": [False],
            "who_rated_rate": [0.21],
            "who_rated_peers": [0.08],
            "who_rated_flagged": [True],
        },
        index=pd.Index(["S01"], name="surveyor_id"),
    )
    checks = surveyor_checks_of(effects)
    assert checks.loc[0, ["flagged", "flagged_on", "who_share", "who_peers"]].tolist() == [
        True,
        "who_rated",
        0.21,
        0.08,
    ]


def test_rates_of_keeps_only_the_rates_in_order() -> None:
    rates = rates_of({"RR1": 0.4, "RR3": 0.5, "COOP1": 0.7, "e": 0.8, "e_estimated": True})
    assert list(rates) == ["RR1", "RR3", "COOP1"]


def test_adapted_parts_render() -> None:
    content = sample_content(n_units=6, n_interviews=300)
    headline, groups = headline_of(headline_table())
    results = dataclasses.replace(
        content.results,
        headline=headline,
        by_district=groups["district"],
        by_domain=groups["domain"],
        by_channel=groups["channel"],
    )
    pdf = render_pdf(dataclasses.replace(content, results=results))
    assert pdf.startswith(b"%PDF")


def test_agreement_of_reads_the_analysis_agreement_result() -> None:
    analysis_agreement = pytest.importorskip("analysis.agreement")
    table = pd.DataFrame(
        np.array([[50, 10, 5], [8, 20, 6], [2, 4, 15]]),
        index=["satisfied", "basically_satisfied", "dissatisfied"],
        columns=["satisfied", "basically_satisfied", "dissatisfied"],
    )
    result = analysis_agreement.agreement(table)
    adapted = agreement_of(result)
    assert adapted.kappa.estimate == result.kappa
    assert (adapted.weighted_kappa.ci_low, adapted.weighted_kappa.ci_high) == result.weighted_kappa_ci
    assert adapted.bowker.p_value == result.bowker.p_value
    assert adapted.kappa.n == 120


def _headline_rows() -> pd.DataFrame:
    rows = []
    for metric, base in (("满意率", 0.80), ("知晓率", 0.60), ("首选率", 0.50)):
        for level, offset in (("浦东新区", 0.0), ("黄浦区", 0.05)):
            estimate = base + offset
            rows.append([metric, "district", level, estimate, estimate - 0.04, estimate + 0.04, 100])
        rows.append([metric, "domain", "公证", base, base - 0.03, base + 0.03, 150])
    return pd.DataFrame(rows, columns=["metric", "group", "level", "estimate", "ci_low", "ci_high", "n"])


def _report_units() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit": ["A", "B", "C", "D"],
            "n": [12, 0, 30, 4],
            "flagged": [True, False, False, False],
            "district": ["浦东新区", "浦东新区", "浦东新区", "黄浦区"],
            "domain": ["公证", "公证", "律师", "公证"],
        }
    )


def test_areas_carry_each_metric_with_its_interval_and_the_census_system_rate() -> None:
    from analysis.report.adapters import areas_of

    system = pd.DataFrame(
        {
            "level": ["district", "district", "domain"],
            "area": ["浦东新区", "黄浦区", "公证"],
            "system_rate": [0.9, 0.8, 0.85],
        }
    )
    table = areas_of(_headline_rows(), system, _report_units()).set_index(["level", "area"])
    pudong = table.loc[("district", "浦东新区")]
    assert (pudong["system_rate"], pudong["estimate"], pudong["ci_low"], pudong["n"]) == (
        0.9,
        0.80,
        0.76,
        100,
    )
    assert (pudong["awareness"], pudong["first_choice_ci_high"]) == (0.60, 0.54)
    assert (pudong["units_tested"], pudong["units_flagged"]) == (2, 1)  # B has no answers
    assert table.loc[("domain", "公证"), "units_tested"] == 2


def test_with_verdicts_an_area_counts_only_the_units_the_model_could_test() -> None:
    from analysis.report.adapters import areas_of

    units = _report_units().assign(status=["flagged", "not_surveyed", "no_evidence", "insufficient_evidence"])
    system = pd.DataFrame({"level": ["district"], "area": ["黄浦区"], "system_rate": [0.8]})
    table = areas_of(_headline_rows(), system, units).set_index(["level", "area"])
    assert table.loc[("district", "黄浦区"), "units_tested"] == 0
    assert table.loc[("district", "浦东新区"), "units_tested"] == 2
    assert math.isnan(table.loc[("domain", "公证"), "system_rate"])


def test_reasons_are_counted_for_the_city_each_district_and_domain_without_special_answers() -> None:
    from analysis.report.adapters import reasons_of

    answers = pd.DataFrame(
        {
            "unsatisfied_reason": ["attitude", "attitude", "result", "dk", None, "refused"],
            "district": ["浦东新区", "黄浦区", "浦东新区", "浦东新区", "黄浦区", "黄浦区"],
            "domain": ["公证", "公证", "律师", "公证", "律师", "律师"],
        }
    )
    table = reasons_of(answers, {"attitude": "服务态度不好", "result": "对办理结果不满意"})
    city = table[table["level"] == "city"]
    assert list(zip(city["reason"], city["count"], strict=True)) == [
        ("服务态度不好", 2),
        ("对办理结果不满意", 1),
    ]
    pudong = table[(table["level"] == "district") & (table["area"] == "浦东新区")]
    assert dict(zip(pudong["reason"], pudong["count"], strict=True)) == {
        "服务态度不好": 1,
        "对办理结果不满意": 1,
    }
    assert table["count"].sum() == 3 * 3  # each reason counted once per city, district and domain
