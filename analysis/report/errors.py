"""Error types of the report renderer; each names the content field at fault and what to fix."""

from __future__ import annotations


class ReportError(Exception):
    """Base class for everything the report renderer raises on purpose."""


class ReportContentError(ReportError, ValueError):
    """The report content is incomplete or inconsistent; the message names the field."""

    def __init__(self, field: str, problem: str, fix: str) -> None:
        self.field = field
        self.problem = problem
        self.fix = fix
        super().__init__(f"report content, field {field}: {problem}. {fix}")


class FontError(ReportError):
    """A font given explicitly (HUIFANG_CJK_FONT) cannot be embedded."""
