"""The report's content model: bad content is refused naming the field; the digest tracks every value."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.report import ReportContent, ReportContentError, content_digest, sample_content
from analysis.report.content import HEADLINE_KEYS, UNIT_COLUMNS
from analysis.report.formatting import (
    format_ci,
    format_count,
    format_datetime,
    format_p,
    format_points,
    format_points_ci,
    format_rate,
)


@pytest.fixture(scope="module")
def content() -> ReportContent:
    return sample_content(n_units=8, n_interviews=400)


def test_a_table_without_a_required_column_is_refused_naming_field_and_column(content: ReportContent) -> None:
    units = content.comparison.units.drop(columns=["q_value"])
    comparison = dataclasses.replace(content.comparison, units=units)
    with pytest.raises(ReportContentError, match=r"comparison\.units: lacks column\(s\) q_value"):
        dataclasses.replace(content, comparison=comparison)


def test_a_unit_flag_that_is_missing_is_refused_rather_than_read_as_true(content: ReportContent) -> None:
    units = content.comparison.units.astype({"flagged": object})
    units.loc[units.index[0], "flagged"] = None
    with pytest.raises(ReportContentError, match=r"comparison\.units\.flagged: is not True/False"):
        dataclasses.replace(content, comparison=dataclasses.replace(content.comparison, units=units))


def test_a_missing_headline_metric_is_refused(content: ReportContent) -> None:
    headline = {key: value for key, value in content.results.headline.items() if key != "awareness"}
    with pytest.raises(ReportContentError, match=r"results\.headline: lacks awareness"):
        dataclasses.replace(content, results=dataclasses.replace(content.results, headline=headline))


@pytest.mark.parametrize("phone", ["13812345678", "021-12345678", "02112345678"])
def test_a_phone_number_anywhere_in_the_content_is_refused(content: ReportContent, phone: str) -> None:
    study = dataclasses.replace(content.study, safeguards=f"联系 {phone} 咨询")
    with pytest.raises(
        ReportContentError, match=r"content\.study\.safeguards: holds what looks like a phone"
    ):
        dataclasses.replace(content, study=study)


def test_a_phone_number_in_a_table_cell_is_refused(content: ReportContent) -> None:
    checks = content.comparison.surveyor_checks.copy()
    checks.loc[checks.index[0], "surveyor"] = "13912345678"
    with pytest.raises(ReportContentError, match=r"comparison\.surveyor_checks\[0\]\.surveyor"):
        dataclasses.replace(
            content, comparison=dataclasses.replace(content.comparison, surveyor_checks=checks)
        )


def test_hashes_are_not_mistaken_for_phone_numbers(content: ReportContent) -> None:
    frame = dataclasses.replace(content.method.frame, frame_sha256="13812345678" + "0" * 53)
    method = dataclasses.replace(content.method, frame=frame)
    assert dataclasses.replace(content, method=method).method.frame.frame_sha256.startswith("138")


def test_an_unknown_language_is_refused(content: ReportContent) -> None:
    with pytest.raises(ReportContentError, match="language"):
        dataclasses.replace(content, language="fr")


def test_an_infinite_number_is_refused(content: ReportContent) -> None:
    comparison = dataclasses.replace(content.comparison, system_rate=math.inf)
    with pytest.raises(ReportContentError, match=r"comparison\.system_rate: is infinite"):
        dataclasses.replace(content, comparison=comparison)


def test_the_digest_is_stable_for_equal_content() -> None:
    assert content_digest(sample_content(n_units=8, n_interviews=400)) == content_digest(
        sample_content(n_units=8, n_interviews=400)
    )


def test_the_digest_changes_when_one_table_cell_changes(content: ReportContent) -> None:
    units = content.comparison.units.copy()
    units.loc[units.index[-1], "q_value"] = units["q_value"].iloc[-1] / 2
    changed = dataclasses.replace(content, comparison=dataclasses.replace(content.comparison, units=units))
    assert content_digest(changed) != content_digest(content)


def test_sample_content_is_coherent(content: ReportContent) -> None:
    strata = content.method.design.strata
    dispositions = content.method.fieldwork.dispositions
    assert (strata["completes"] <= strata["released"]).all()
    assert (strata["released"] <= strata["n_h"]).all() and (strata["n_h"] <= strata["N_h"]).all()
    assert dispositions["count"].sum() == strata["released"].sum()
    assert content.comparison.units["n"].sum() == strata["completes"].sum()
    assert content.comparison.paired.to_numpy().sum() == strata["completes"].sum()
    for key in HEADLINE_KEYS:
        metric = content.results.headline[key]
        assert metric.ci_low <= metric.estimate <= metric.ci_high
    assert set(UNIT_COLUMNS) <= set(content.comparison.units.columns)


# -- formatting: the same functions print the report and check it ---------------------------------


@given(st.floats(min_value=0, max_value=1))
def test_a_rate_prints_as_a_percentage_with_one_decimal(value: float) -> None:
    text = format_rate(value)
    assert text.endswith("%")
    assert abs(float(text[:-1]) - 100 * value) <= 0.05 + 1e-9


def test_missing_values_print_as_a_dash() -> None:
    assert {format_rate(math.nan), format_ci(0.1, math.nan), format_p(None), format_count(math.nan)} == {"–"}


def test_a_difference_prints_signed_in_points() -> None:
    assert (format_points(0.052), format_points(-0.0004), format_points_ci(-0.01, 0.1)) == (
        "+5.2",
        "0.0",
        "[-1.0, +10.0]",
    )


def test_small_p_values_print_as_below_one_in_a_thousand() -> None:
    assert (format_p(0.00049), format_p(0.0123)) == ("<0.001", "0.012")


def test_times_print_in_beijing_time_with_their_offset() -> None:
    stored = dt.datetime(2026, 12, 1, 17, 27, 35, tzinfo=dt.UTC)
    assert format_datetime(stored) == "2026-12-02 01:27:35 +08:00"


def test_a_time_without_a_zone_prints_as_given() -> None:
    assert format_datetime(dt.datetime(2026, 12, 1, 9, 0, 0)) == "2026-12-01 09:00:00"


def test_counts_print_with_thousands_separators() -> None:
    assert format_count(5000) == "5,000"
