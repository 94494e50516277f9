"""Open comments coded into findings: codebook, suggestions, agreement, weighted frequencies, quotes.

A plain library (no database): the service `survey_app.services.coding` stores codings and feeds them
here; the report prints what `frequencies`, `kappa_per_code` and `anonymise` return.
"""

from __future__ import annotations

from analysis.comments.agreement import CodeAgreement, kappa_per_code
from analysis.comments.codebook import (
    DEFAULT_CODEBOOK,
    Code,
    Codebook,
    CodebookError,
    default_codebook,
    load_codebook,
    parse_codebook,
)
from analysis.comments.frequencies import FREQUENCY_COLUMNS, theme_frequencies
from analysis.comments.scrubbing import anonymise
from analysis.comments.suggest import Suggester, Suggestion

__all__ = [
    "DEFAULT_CODEBOOK",
    "FREQUENCY_COLUMNS",
    "Code",
    "CodeAgreement",
    "Codebook",
    "CodebookError",
    "Suggester",
    "Suggestion",
    "anonymise",
    "default_codebook",
    "kappa_per_code",
    "load_codebook",
    "parse_codebook",
    "theme_frequencies",
]
