"""Huifang's sampling library: frame files in, a reproducible stratified sample out.

Plain data in, data out: no app, storage or UI imports. See ``selection`` for the draw algorithm.
"""

from sampling.allocation import allocate
from sampling.design import (
    SampleDesign,
    Verification,
    audit_plan,
    design_allocation,
    draw,
    draw_design,
    unit_sizes,
    verify_draw,
    with_power,
)
from sampling.errors import (
    DesignError,
    DrawError,
    EmptyFileError,
    EncodingError,
    FrameError,
    MappingError,
    MissingColumnsError,
    SamplingError,
    UnsupportedFileError,
)
from sampling.exclusions import Exclusions
from sampling.fingerprint import frame_sha256
from sampling.frame import Frame, load_frame
from sampling.limits import FrameLimits
from sampling.mapping import guess_mapping, load_mapping, resolve_mapping, save_mapping
from sampling.phones import normalise_phones
from sampling.reading import preview, read_headers
from sampling.selection import ALGORITHM, Sample, release
from sampling.size import expected_margin, plan, sample_size

__all__ = [
    "ALGORITHM",
    "DesignError",
    "DrawError",
    "EmptyFileError",
    "EncodingError",
    "Exclusions",
    "Frame",
    "FrameError",
    "FrameLimits",
    "MappingError",
    "MissingColumnsError",
    "Sample",
    "SampleDesign",
    "SamplingError",
    "UnsupportedFileError",
    "Verification",
    "allocate",
    "audit_plan",
    "design_allocation",
    "draw",
    "draw_design",
    "expected_margin",
    "frame_sha256",
    "guess_mapping",
    "load_frame",
    "load_mapping",
    "normalise_phones",
    "plan",
    "preview",
    "read_headers",
    "release",
    "resolve_mapping",
    "sample_size",
    "save_mapping",
    "unit_sizes",
    "verify_draw",
    "with_power",
]
