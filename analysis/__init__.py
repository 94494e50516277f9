"""Huifang's analysis library: design-based estimates, response rates, agreement and comparisons.

Plain data in, data out: pandas DataFrames and small result objects. Nothing here knows about storage
or the app.
"""

from analysis.aapor import aapor_rates
from analysis.agreement import Agreement, TestResult, agreement
from analysis.design import Design, DomainEstimator, Estimate
from analysis.errors import (
    AgreementError,
    AnalysisError,
    CalibrationError,
    DesignError,
    ExportError,
    LonelyPSUError,
    RatesError,
)

__all__ = [
    "Agreement",
    "AgreementError",
    "AnalysisError",
    "CalibrationError",
    "Design",
    "DesignError",
    "DomainEstimator",
    "Estimate",
    "ExportError",
    "LonelyPSUError",
    "RatesError",
    "TestResult",
    "aapor_rates",
    "agreement",
]
