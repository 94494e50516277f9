"""Huifang's analysis library: design-based estimates, response rates, agreement and comparisons.

Plain data in, data out: pandas DataFrames and small result objects. Nothing here knows about storage
or the app.
"""

from analysis.aapor import aapor_counts, aapor_rates
from analysis.agreement import Agreement, TestResult, agreement
from analysis.cases import (
    CaseComparison,
    agreement_by_lag,
    case_flags,
    compare_cases,
    not_own_rating,
    paired_difference,
    paired_table,
)
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
from analysis.exports import analysis_dataset, default_value_labels, export_dataset
from analysis.headline import DK_AS_DISSATISFIED, TOP_BOX, definitions, headline, replicate_headline
from analysis.respondents import AdjustedSample, RespondentDesign, adjusted_sample, respondent_design
from analysis.units import compare_units, surveyor_effects
from analysis.verdicts import explain_unit, explain_units
from analysis.weighting import (
    NonresponseAdjustment,
    calibrate_to_frame,
    frame_margins,
    nonresponse_adjust,
    nonresponse_bias_table,
)

__all__ = [
    "DK_AS_DISSATISFIED",
    "TOP_BOX",
    "AdjustedSample",
    "Agreement",
    "AgreementError",
    "AnalysisError",
    "CalibrationError",
    "CaseComparison",
    "Design",
    "DesignError",
    "DomainEstimator",
    "Estimate",
    "ExportError",
    "LonelyPSUError",
    "NonresponseAdjustment",
    "RatesError",
    "RespondentDesign",
    "TestResult",
    "aapor_counts",
    "aapor_rates",
    "adjusted_sample",
    "agreement",
    "agreement_by_lag",
    "analysis_dataset",
    "calibrate_to_frame",
    "case_flags",
    "compare_cases",
    "compare_units",
    "default_value_labels",
    "definitions",
    "explain_unit",
    "explain_units",
    "export_dataset",
    "frame_margins",
    "headline",
    "nonresponse_adjust",
    "nonresponse_bias_table",
    "not_own_rating",
    "paired_difference",
    "paired_table",
    "replicate_headline",
    "respondent_design",
    "surveyor_effects",
]
