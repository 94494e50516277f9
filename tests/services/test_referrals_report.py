"""The report's referral section: totals in zh and en, printed only when there were referrals, and no
referral or person in it (issue 14)."""

from __future__ import annotations

import dataclasses
import io
import re

import pytest
from pypdf import PdfReader

from analysis.report import render_pdf, sample_content
from analysis.report.referrals import ReferralSummary, section_text, summary_rows

SUMMARY = ReferralSummary(
    referred=12,
    closed=9,
    closed_on_time=7,
    open_overdue=2,
    by_action=(("continued_service", 5), ("supplementary_service", 3), ("other", 1)),
    recalled=8,
    recall_rated=6,
    recall_satisfied=4,
    recall_top=3,
    due_days=15,
)


def _text(pdf: bytes) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages))


@pytest.fixture(scope="module")
def content():
    return sample_content(n_units=8, n_interviews=300)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_full_report_prints_the_referral_totals(content, lang):
    text = _text(render_pdf(dataclasses.replace(content, referrals=SUMMARY, language=lang)))
    assert re.sub(r"\s+", "", section_text("title", lang)) in text
    for measure, value in summary_rows(SUMMARY, lang):
        assert re.sub(r"\s+", "", f"{value}") in text, measure


def test_on_time_closure_and_satisfaction_after_remediation_are_shares_of_their_own_base():
    rows = dict(summary_rows(SUMMARY, "en"))
    assert rows["On-time closure rate"] == "77.8%"  # 7 of 9 closed
    assert rows["Satisfaction after remediation (the study's definition)"] == "66.7% (4/6)"


def test_a_report_without_referrals_has_no_referral_section(content):
    assert section_text("title", "zh") not in _text(render_pdf(content))
