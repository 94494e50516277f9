"""Error types of the analysis library.

Every message names where the problem is (column, stratum, level, unit) and what to do about it, so a
researcher can fix the input without reading the code.
"""

from __future__ import annotations


class AnalysisError(ValueError):
    """Base class: bad input to an estimator, an adjustment or a comparison."""


class DesignError(AnalysisError):
    """The design description does not fit the data (missing column, inconsistent fpc, bad weights)."""


class LonelyPSUError(DesignError):
    """A stratum has a single PSU, so its variance cannot be estimated without an explicit choice."""


class CalibrationError(AnalysisError):
    """Post-stratification or raking cannot be done (unknown level, empty cell, no convergence)."""


class RatesError(AnalysisError):
    """AAPOR disposition counts are missing or negative."""


class AgreementError(AnalysisError):
    """A paired table is not square, not ordered the same way on both sides, or empty."""


class ExportError(AnalysisError):
    """An analysis dataset cannot be written (personal data present, unknown format)."""
