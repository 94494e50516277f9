"""Huifang's sampling library: frame files in, a reproducible stratified sample out.

Plain data in, data out: no app, storage or UI imports. See ``selection`` for the draw algorithm.

Names load on first use (`sampling.lazy`): importing the package or one of its submodules costs
nothing until a name that needs pandas or scipy is used.
"""

from sampling.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    globals(),
    {
        "sampling.allocation": ("allocate",),
        "sampling.design": (
            "SampleDesign",
            "Verification",
            "audit_plan",
            "design_allocation",
            "draw",
            "draw_design",
            "unit_sizes",
            "verify_draw",
            "with_power",
        ),
        "sampling.errors": (
            "DesignError",
            "DrawError",
            "EmptyFileError",
            "EncodingError",
            "FrameError",
            "MappingError",
            "MissingColumnsError",
            "SamplingError",
            "UnsupportedFileError",
        ),
        "sampling.exclusions": ("Exclusions",),
        "sampling.fingerprint": ("frame_sha256",),
        "sampling.frame": (
            "Frame",
            "load_frame",
        ),
        "sampling.interviewers": (
            "interviewer_margin",
            "margin_floor",
            "surveyors_for",
        ),
        "sampling.limits": ("FrameLimits",),
        "sampling.mapping": (
            "guess_mapping",
            "load_mapping",
            "resolve_mapping",
            "save_mapping",
        ),
        "sampling.phones": ("normalise_phones",),
        "sampling.reading": (
            "preview",
            "read_headers",
        ),
        "sampling.selection": (
            "ALGORITHM",
            "Sample",
            "release",
        ),
        "sampling.size": (
            "expected_margin",
            "plan",
            "sample_size",
        ),
    },
)
