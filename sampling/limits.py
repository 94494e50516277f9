"""How much work one frame file may cause, and which values are too implausible to believe.

A file is refused (or a row rejected) with a message naming the limit's setting, so that a researcher
with an unusually large but honest export can raise it: ``load_frame(path, limits=FrameLimits(...))``.
The defaults are far above any real export of the rating system (which holds about a million rows a
year in 15 columns) and far below what would exhaust a laptop.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class FrameLimits:
    """Bounds checked before (or while) a frame file is read; each refusal names its field."""

    #: Largest frame file read at all (bytes on disk).
    max_file_bytes: int = 4 << 30
    #: Largest total an .xlsx may unpack to, from the sizes its zip directory declares (checked first).
    max_xlsx_unpacked_bytes: int = 1 << 30
    #: Most columns a frame may have (the export has 15; a wide file costs memory per column).
    max_columns: int = 500
    #: Longest line of a CSV file (bytes, as UTF-8).
    max_line_bytes: int = 1 << 20
    #: Longest value of a frame field (characters); a longer one rejects its row.
    max_field_chars: int = 500
    #: Service dates and rating times before this day are implausible (the rating system began in 2015).
    earliest_date: dt.date = dt.date(2015, 1, 1)


DEFAULT_LIMITS = FrameLimits()


def megabytes(size: int) -> str:
    return f"{size / (1 << 20):,.1f} MB"
