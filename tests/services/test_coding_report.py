"""The demo's coded comments reach the report: weighted theme frequencies, kappa per code, quotes."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from analysis.report.comment_findings import QUOTE_CHARS
from survey_app.services import analysis_service, coding, reports, studies
from survey_app.storage.models import User
from tests.conftest import copy_small_demo

# every test only reads the untouched demo: one copy, one analysis for the findings, and identical
# unit-comparison inputs computed once for the two reports (tests/same_inputs.py)
pytestmark = [pytest.mark.db, pytest.mark.usefixtures("same_inputs_same_units")]

PHONE_LIKE = re.compile(r"1[3-9]\d{9}|\d{6,}")


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture(scope="module")
def demo(_small_demo, tmp_path_factory):
    """One copy of the small demo for the module (nothing here writes to it)."""
    database = copy_small_demo(_small_demo, tmp_path_factory.mktemp("coding-report-demo"))
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def analysed(demo):
    """The demo study's analysis and its coded comments' report findings, computed once."""
    with demo.session() as session:
        study = studies.find_study(session, "demo")
        result = analysis_service.analyse(session, study)
        findings = coding.report_findings(session, study, result)
        final = coding.final_codes(session, study)
        codebook = coding.current_codebook(session, study)[1]
    return result, findings, final, codebook


def test_the_demo_codes_every_comment_double_codes_a_sample_and_adjudicates(demo):
    with demo.session() as session:
        researcher = session.scalar(select(User).where(User.username == "researcher"))
        counts = coding.progress(session, researcher, studies.find_study(session, "demo"))
    assert counts["comments"] > 0 and counts["coded"] == counts["comments"]
    assert counts["double_coded"] == counts["sample"] > 0


def test_the_reports_theme_share_is_the_weighted_share_of_commenting_respondents(analysed):
    result, findings, final, codebook = analysed
    respondents = result.respondents
    codes = coding.respondent_codes(respondents, final)
    weights = respondents["nr_weight"].to_numpy(float)
    coded = np.array([c is not None for c in codes])
    top = findings.themes.iloc[0]
    theme = next(t.code for t in codebook.themes if t.label("zh") == top["label"])
    mentions = np.array([c is not None and any(codebook.theme_of(x) == theme for x in c) for c in codes])
    assert top["estimate"] == pytest.approx(weights[mentions].sum() / weights[coded].sum())


def test_the_reports_quotes_are_short_and_carry_no_numbers(analysed):
    findings = analysed[1]
    assert findings.quotes
    for _, words in findings.quotes:
        assert len(words) <= QUOTE_CHARS and not PHONE_LIKE.search(words)


@pytest.mark.parametrize(
    ("lang", "title", "kappa"),
    [("zh", "意见建议分析", "κ 系数"), ("en", "Comments and suggestions", "Kappa")],
)
def test_the_report_prints_the_comment_section(demo, lang, title, kappa):
    with demo.session() as session:
        pdf, _ = reports.build_report(session, studies.find_study(session, "demo"), lang=lang, record=False)
    text = _text(pdf)
    assert title in text and kappa in text
