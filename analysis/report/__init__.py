"""PDF reports: a plain content model, formatting shared with the app, and a deterministic renderer."""

from analysis.report.adapters import (
    agreement_of,
    estimate_of,
    headline_of,
    rates_of,
    surveyor_checks_of,
    units_of,
)
from analysis.report.content import (
    Agreement,
    AuditSummary,
    Comparison,
    DesignInfo,
    Estimate,
    FieldworkInfo,
    FrameInfo,
    MethodInfo,
    NonresponseCheck,
    QuestionnaireInfo,
    ReportContent,
    Results,
    StudyInfo,
    TestResult,
    content_digest,
)
from analysis.report.errors import FontError, ReportContentError, ReportError
from analysis.report.fonts import CJKFont, CJKFontFallbackWarning, find_cjk_font
from analysis.report.pdf import limitation_paragraphs, render_pdf, response_rate
from analysis.report.sample import sample_content

__all__ = [
    "Agreement",
    "AuditSummary",
    "CJKFont",
    "CJKFontFallbackWarning",
    "Comparison",
    "DesignInfo",
    "Estimate",
    "FieldworkInfo",
    "FontError",
    "FrameInfo",
    "MethodInfo",
    "NonresponseCheck",
    "QuestionnaireInfo",
    "ReportContent",
    "ReportContentError",
    "ReportError",
    "Results",
    "StudyInfo",
    "TestResult",
    "agreement_of",
    "content_digest",
    "estimate_of",
    "find_cjk_font",
    "headline_of",
    "limitation_paragraphs",
    "rates_of",
    "render_pdf",
    "response_rate",
    "sample_content",
    "surveyor_checks_of",
    "units_of",
]
