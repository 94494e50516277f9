"""Huifang's analysis library: design-based estimates, response rates, agreement and comparisons.

Plain data in, data out: pandas DataFrames and small result objects. Nothing here knows about storage
or the app.

Names load on first use (`sampling.lazy`): importing the package or one of its submodules costs
nothing until a name that needs pandas or scipy is used.
"""

from sampling.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    globals(),
    {
        "analysis.aapor": (
            "aapor_counts",
            "aapor_rates",
        ),
        "analysis.agreement": (
            "Agreement",
            "TestResult",
            "agreement",
        ),
        "analysis.cases": (
            "CaseComparison",
            "agreement_by_lag",
            "case_flags",
            "compare_cases",
            "not_own_rating",
            "paired_difference",
            "paired_table",
        ),
        "analysis.design": (
            "Design",
            "DomainEstimator",
            "Estimate",
        ),
        "analysis.errors": (
            "AgreementError",
            "AnalysisError",
            "CalibrationError",
            "DesignError",
            "ExportError",
            "LonelyPSUError",
            "RatesError",
        ),
        "analysis.exports": (
            "analysis_dataset",
            "default_value_labels",
            "export_dataset",
        ),
        "analysis.headline": (
            "DK_AS_DISSATISFIED",
            "TOP_BOX",
            "definitions",
            "headline",
            "replicate_headline",
        ),
        "analysis.respondents": (
            "AdjustedSample",
            "RespondentDesign",
            "adjusted_sample",
            "respondent_design",
        ),
        "analysis.surveyor_checks": ("surveyor_effects",),
        "analysis.units": ("compare_units",),
        "analysis.verdicts": (
            "explain_unit",
            "explain_units",
        ),
        "analysis.weighting": (
            "NonresponseAdjustment",
            "calibrate_to_frame",
            "frame_margins",
            "nonresponse_adjust",
            "nonresponse_bias_table",
        ),
    },
)
