"""The report's mixed-mode section: rates by mode, the effect and the adjusted 满意率 with the
method stated, in zh and en; no section for a CATI-only study."""

from __future__ import annotations

import dataclasses
import io
import re

import pytest
from pypdf import PdfReader

from analysis.report import render_pdf, sample_content
from analysis.report.modes_section import ModeSummary, section_text, summary_rows

SUMMARY = ModeSummary(
    design="web_first",
    web_days=5,
    invitations=(("1.1", "网上完成", 40), ("3.19", "邀请未获回应", 55), ("3.30", "邀请无法送达", 5)),
    cati_n=260,
    web_n=40,
    cati_rate=0.91,
    web_rate=0.82,
    effect=-0.08,
    cells=6,
    unadjusted=0.898,
    adjusted=0.9087,
)


def _text(pdf: bytes) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages))


@pytest.fixture(scope="module")
def content():
    return sample_content(n_units=8, n_interviews=300)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_report_prints_rates_by_mode_the_adjusted_rate_and_how_it_was_adjusted(content, lang):
    text = _text(render_pdf(dataclasses.replace(content, modes=SUMMARY, language=lang)))
    assert re.sub(r"\s+", "", section_text("title", lang)) in text
    assert re.sub(r"\s+", "", section_text("method", lang))[:40] in text
    for measure, value in summary_rows(SUMMARY, lang):
        assert re.sub(r"\s+", "", value) in text, measure


def test_the_effect_is_printed_in_signed_percentage_points():
    assert (
        dict(summary_rows(SUMMARY, "en"))[
            "Mode effect: web − telephone (cells of stratum × system rating with both modes: 6)"
        ]
        == "-8.0 points"
    )


def test_a_report_without_web_answers_has_no_mode_section(content):
    assert re.sub(r"\s+", "", section_text("title", "zh")) not in _text(render_pdf(content))
