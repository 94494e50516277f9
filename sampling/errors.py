"""Every error the sampling library raises, in one place.

Each message says where (file, row, field, stratum) and what to do about it, so that the command line
and the app can show it to a researcher as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


class SamplingError(Exception):
    """Base class: anything the sampling library refuses to do."""


class FrameError(SamplingError):
    """A frame file cannot be loaded at all; nothing from it was loaded."""

    def __init__(self, path: str | Path, problem: str, fix: str) -> None:
        self.path = str(path)
        self.problem = problem
        self.fix = fix
        super().__init__(f"{self.path}: {problem}. {fix}")


class EmptyFileError(FrameError):
    def __init__(self, path: str | Path) -> None:
        super().__init__(path, "the file is empty", "Export the frame again; it must have a header row.")


class UnsupportedFileError(FrameError):
    """Not a CSV, XLSX or Parquet file (for example a picture or an old .xls workbook)."""


class EncodingError(FrameError):
    """The text cannot be decoded with any encoding Huifang supports."""


class MissingColumnsError(FrameError):
    def __init__(self, path: str | Path, missing: Iterable[str], headers: Iterable[str]) -> None:
        self.missing = tuple(missing)
        self.headers = tuple(headers)
        super().__init__(
            path,
            "required field(s) missing: " + ", ".join(self.missing),
            "The file's headers are: "
            + ", ".join(self.headers)
            + ". Rename a column or pass a mapping {export header: field} for each missing field.",
        )


class MappingError(SamplingError):
    """A column mapping names an unknown field, maps two headers to one field, or cannot be read."""


class DesignError(SamplingError):
    """A sample design that cannot be carried out (infeasible allocation, bad parameters)."""


class DrawError(SamplingError):
    """The frame does not fit the design at draw time (a stratum without allocation, too few units)."""
