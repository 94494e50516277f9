"""``load_frame``: an export file in, a validated frame of Huifang's canonical fields out.

Nothing is lost: every row read ends up either in ``Frame.data`` or in ``Frame.rejected`` (with its
spreadsheet row number and reasons), and every change or rejection is a line of ``Frame.report``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from sampling import validation as v
from sampling.cells import csv_bytes
from sampling.errors import FrameError, MappingError, MissingColumnsError
from sampling.fingerprint import frame_sha256
from sampling.limits import DEFAULT_LIMITS, FrameLimits
from sampling.mapping import SYNONYM_TO_FIELD, ambiguous_headers, normalise_header, resolve_mapping
from sampling.reading import RawTable, read_headers, read_table
from sampling.vocabulary import FRAME_FIELDS, REQUIRED_FIELDS, SCALES

SHANGHAI = ZoneInfo("Asia/Shanghai")
_TEXT_FIELDS = ("record_id", "recipient_name", "phone")


@dataclass
class Frame:
    """A validated frame: the rows kept, what was wrong with the others, and fingerprints to audit by."""

    data: pd.DataFrame
    report: pd.DataFrame
    rejected: pd.DataFrame
    source_sha256: str
    frame_sha256: str
    mapping: dict[str, str]
    encoding: str | None
    path: str
    kind: str
    scale: str
    rows_read: int
    as_of: dt.date
    detected_encoding: str | None = None
    unmapped: list[str] = field(default_factory=list)
    file_lines: int | None = None  # lines of a CSV / rows of the sheet, header included
    blank_lines: int = 0  # blank lines or rows skipped (not records)
    warnings: list[str] = field(default_factory=list)  # e.g. workbook sheets that were not read

    def rejected_csv(self) -> bytes:
        """The rejected rows as a UTF-8 CSV with BOM (opens correctly in Excel; no cell runs as a formula)."""
        return csv_bytes(self.rejected)

    def report_csv(self) -> bytes:
        """The validation report as a UTF-8 CSV with BOM (phones already masked)."""
        return csv_bytes(self.report)

    @property
    def summary(self) -> dict[str, object]:
        """Counts that reconcile: rows read = rows loaded + rows rejected."""
        repaired = self.report.loc[self.report["action"] == v.REPAIRED, "row"].nunique()
        return {
            "file": self.path,
            "format": self.kind,
            "encoding": self.encoding,
            "rows_read": self.rows_read,
            "rows_loaded": len(self.data),
            "rows_rejected": len(self.rejected),
            "rows_repaired": int(repaired),
            "file_lines": self.file_lines,
            "blank_lines": self.blank_lines,
            "warnings": list(self.warnings),
            "source_sha256": self.source_sha256,
            "frame_sha256": self.frame_sha256,
        }


def _today() -> dt.date:
    return dt.datetime.now(SHANGHAI).date()


def _canonical_columns(raw: RawTable, mapping: dict[str, str]) -> pd.DataFrame:
    columns = {}
    for header, name in mapping.items():
        column = raw.data[header]
        plain = not isinstance(
            column.dtype, pd.CategoricalDtype
        ) and not pd.api.types.is_datetime64_any_dtype(column)
        if name in v.CATEGORICAL_FIELDS and plain:
            column = column.astype("str").astype("category")
        columns[name] = column
    return pd.DataFrame(columns, index=raw.data.index, copy=False)


def _normalise(
    frame: pd.DataFrame,
    raw: RawTable,
    scale: str,
    as_of: dt.date,
    issues: v.Issues,
    limits: FrameLimits = DEFAULT_LIMITS,
) -> pd.DataFrame:
    out: dict[str, pd.Series] = {}
    for name in FRAME_FIELDS:
        if name in frame.columns and not pd.api.types.is_datetime64_any_dtype(frame[name]):
            frame[name] = v.clean_text(frame[name], name, issues, limits.max_field_chars)
    v.check_required(frame, issues)
    v.check_record_ids(frame["record_id"], raw.rows, issues)
    out["record_id"] = frame["record_id"].astype("str")
    for name in ("event_type", "domain", "channel", "organisation_id", "organisation", "staff_id"):
        if name in frame.columns:
            out[name] = frame[name]
    out["district"] = v.normalise_districts(frame["district"], issues)
    if "district_code" in frame.columns:
        v.check_district_codes(frame["district_code"], out["district"], issues)
    out["district_code"] = v.district_codes(out["district"])
    earliest = limits.earliest_date
    out["service_date"] = v.check_dates(
        frame["service_date"], "service_date", as_of, issues, whole_day=True, earliest=earliest
    )
    if "rating_time" in frame.columns:
        out["rating_time"] = v.check_dates(
            frame["rating_time"], "rating_time", as_of, issues, whole_day=False, earliest=earliest
        )
        v.check_rating_after_service(out["service_date"], out["rating_time"], frame["rating_time"], issues)
    out["system_rating"] = v.normalise_ratings(frame["system_rating"], SCALES[scale], issues)
    if "recipient_name" in frame.columns:
        out["recipient_name"] = frame["recipient_name"].astype("str")
    out["phone"] = v.normalise_phone_column(frame["phone"], issues)
    if "complaint_open" in frame.columns:
        out["complaint_open"] = v.normalise_flags(frame["complaint_open"], "complaint_open", issues)
    data = pd.DataFrame(out, index=frame.index, copy=False)
    for name in FRAME_FIELDS:
        if name not in data.columns:
            data[name] = pd.Series(
                pd.NaT if name in ("service_date", "rating_time") else pd.NA,
                index=data.index,
                dtype={"service_date": "datetime64[us]", "rating_time": "datetime64[us]"}.get(
                    name, "boolean" if name == "complaint_open" else "str"
                ),
            )
    return data[list(FRAME_FIELDS)]


def _rejected_rows(raw: RawTable, rejected: np.ndarray, report: pd.DataFrame) -> pd.DataFrame:
    """The rejected rows as exported (original headers and values) with their row and reasons."""
    rows = raw.data.loc[rejected].astype("str")
    row_numbers = np.asarray(raw.rows[np.flatnonzero(rejected)])
    reasons = (
        report[report["action"] == v.REJECTED]
        .assign(text=lambda r: r["field"] + ": " + r["reason"])
        .groupby("row")["text"]
        .agg("; ".join)
    )
    rows.insert(0, "row", row_numbers)
    rows.insert(1, "reasons", reasons.reindex(row_numbers).to_numpy())
    if raw.unparsable:
        lines = pd.DataFrame(
            {
                "row": [r if r is not None else pd.NA for r, _, _ in raw.unparsable],
                "reasons": [f"row cannot be split into columns: {why}" for _, _, why in raw.unparsable],
                "text": [text for _, text, _ in raw.unparsable],
            }
        )
        rows = pd.concat([rows, lines], ignore_index=True)
    return rows.reset_index(drop=True)


def load_frame(
    path: str | Path,
    mapping: dict[str, str | None] | None = None,
    encoding: str | None = None,
    *,
    scale: str = "justice3",
    as_of: dt.date | None = None,
    progress: Callable[[str, float], None] | None = None,
    limits: FrameLimits | None = None,
) -> Frame:
    """Read, map, validate and fingerprint an export (CSV, XLSX or Parquet).

    ``mapping`` {export header: field} overrides the built-in header synonyms; ``encoding`` overrides
    detection; ``scale`` names the rating scale whose labels the export uses; dates after ``as_of``
    (default: today in Shanghai) are rejected as future dates. A missing required column raises
    ``MissingColumnsError`` before anything is loaded; row problems go to the report. ``progress``,
    if given, is called with a stage name and the fraction done (0–1) for a progress bar. ``limits``
    bounds the work a file may cause and the dates believed (see ``FrameLimits``).
    """
    report_progress = progress or (lambda stage, done: None)
    path = Path(path)
    if scale not in SCALES:
        raise ValueError(f"unknown rating scale {scale!r}; choose one of {', '.join(SCALES)}")
    as_of = as_of or _today()
    limits = limits or DEFAULT_LIMITS
    headers = read_headers(path, encoding, limits)
    _refuse_duplicate_headers(path, headers, mapping)
    for field_name, names in ambiguous_headers(headers, mapping).items():
        raise MappingError(
            f"{path}: headers {' and '.join(repr(h) for h in names)} could each be {field_name!r}; say which "
            "one holds it (map the other to None), so that no column is dropped unseen."
        )
    resolved = _resolve(path, headers, mapping)
    missing = [name for name in REQUIRED_FIELDS if name not in resolved.values()]
    if missing:
        raise MissingColumnsError(path, missing, headers)
    dictionary_headers = {h for h, name in resolved.items() if name in v.CATEGORICAL_FIELDS}
    report_progress("reading", 0.0)
    raw = read_table(path, encoding, dictionary_headers, limits)
    report_progress("validating", 0.5)
    resolved = _resolve(path, list(raw.data.columns), mapping)
    missing = [name for name in REQUIRED_FIELDS if name not in resolved.values()]
    if missing:
        raise MissingColumnsError(path, missing, raw.data.columns)
    raw.data = raw.data.reset_index(drop=True)
    issues = v.Issues.empty()
    _cell_issues(raw, resolved, issues)
    data = _normalise(_canonical_columns(raw, resolved), raw, scale, as_of, issues, limits)
    report = issues.table(raw.rows, path.name)
    rejected_mask = issues.rejected_mask(len(data))
    kept = data.loc[~rejected_mask].reset_index(drop=True) if rejected_mask.any() else data
    for name in (
        v.CATEGORICAL_FIELDS if rejected_mask.any() else ()
    ):  # a rejected row may leave a value unused
        if isinstance(kept[name].dtype, pd.CategoricalDtype):
            kept[name] = v.drop_unused(kept[name])
    if raw.unparsable:
        lines = pd.DataFrame(
            {
                "file": path.name,
                "row": [r if r is not None else pd.NA for r, _, _ in raw.unparsable],
                "field": "",
                "value": [text for _, text, _ in raw.unparsable],
                "reason": [f"row cannot be split into columns: {why}" for _, _, why in raw.unparsable],
                "action": v.REJECTED,
            }
        )
        report = (
            pd.concat([report, lines], ignore_index=True)
            .sort_values("row", kind="stable")
            .reset_index(drop=True)
        )
    notes = _file_notes(raw)
    if notes:
        lines = pd.DataFrame(
            {
                "file": path.name,
                "row": 1,
                "field": FILE_FIELD,
                "value": [value for value, _, _ in notes],
                "reason": [reason for _, reason, _ in notes],
                "action": [action for _, _, action in notes],
            }
        )
        report = pd.concat([lines, report], ignore_index=True).astype({"row": "int64"})
    report_progress("fingerprinting", 0.85)
    fingerprint = frame_sha256(kept)
    report_progress("done", 1.0)
    return Frame(
        data=kept,
        report=report,
        rejected=_rejected_rows(raw, rejected_mask, report),
        source_sha256=raw.source_sha256,
        frame_sha256=fingerprint,
        mapping=resolved,
        encoding=raw.encoding,
        path=str(path),
        kind=raw.kind,
        scale=scale,
        rows_read=len(raw.data) + len(raw.unparsable),
        as_of=as_of,
        detected_encoding=raw.detected_encoding,
        unmapped=[h for h in raw.data.columns if h not in resolved],
        file_lines=raw.lines,
        blank_lines=raw.blank,
        warnings=list(raw.warnings),
    )


#: The report's "field" for what concerns the whole file (on row 1): sheets not read, lines skipped.
FILE_FIELD = "(file)"
WARNING = "warning"
NOTE = "note"


def _file_notes(raw: RawTable) -> list[tuple[str, str, str]]:
    """(value, reason, action) lines about the whole file: workbook sheets that were not read, and how
    the file's lines became records when that is not one line per record."""
    notes = [("", warning, WARNING) for warning in raw.warnings]
    records = len(raw.data) + len(raw.unparsable)
    if raw.lines is not None and raw.lines != 1 + records:
        joined = raw.lines - 1 - records - raw.blank
        unit = "rows" if raw.kind == "xlsx" else "lines"
        parts = [f"the header and {records} records"]
        if raw.blank:
            parts.append(f"{raw.blank} blank {unit} skipped")
        if joined > 0:
            parts.append(f"{joined} {unit} joined to the record before them (quoted line breaks)")
        notes.append((f"{raw.lines} {unit}", f"{raw.lines} {unit} in the file: " + ", ".join(parts), NOTE))
    return notes


def _cell_issues(raw: RawTable, resolved: dict[str, str], issues: v.Issues) -> None:
    """Cells the reader found wrong (rounded numbers, formulas without results, values beyond the
    header): their rows are rejected when the cell belongs to a mapped field or to no column at all."""
    groups: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for position, header, value, why in raw.cell_issues:
        if header in resolved or header == "":
            groups.setdefault((header, why), []).append((position, value))
    for (header, why), cells in groups.items():
        at = np.zeros(len(raw.data), dtype=bool)
        values = np.full(len(raw.data), "", dtype=object)
        for position, value in cells:
            at[position] = True
            values[position] = value
        issues.add(at, resolved.get(header, "(no header)"), pd.Series(values), why, v.REJECTED)


def _resolve(path: Path, headers: list[str], mapping: dict[str, str | None] | None) -> dict[str, str]:
    try:
        return resolve_mapping(headers, mapping)
    except MappingError as exc:
        raise MappingError(f"{path}: {exc}") from exc


def _refuse_duplicate_headers(path: Path, headers: list[str], mapping: dict[str, str | None] | None) -> None:
    """Two columns with one header that names a field: which one holds the field cannot be known."""
    given = {normalise_header(h): f for h, f in (mapping or {}).items()}
    seen: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = normalise_header(header)
        if not key:
            continue
        names_a_field = given.get(key) is not None or (key not in given and key in SYNONYM_TO_FIELD)
        if key in seen and names_a_field:
            raise FrameError(
                path,
                f"the header {header!r} appears twice (columns {seen[key] + 1} and {index + 1})",
                "Rename or delete one of the two columns, so that each field has one column.",
            )
        seen.setdefault(key, index)
