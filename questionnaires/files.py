"""Reading and writing questionnaire files, the format chosen by the suffix.

.json and .yaml/.yml hold Huifang's own model; .xlsx is XLSForm (see `xlsform`). `load` turns what
an XLSForm import could not take into Python warnings (`XLSFormImportWarning`); `load_with_report`
returns them as a list for the app to show.
"""

from __future__ import annotations

import json
import os
import stat
import warnings
import zipfile
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from questionnaires.errors import DefinitionError, ExpressionError, FileFormatError
from questionnaires.model import Questionnaire
from questionnaires.xlsform import ImportReport, read_xlsform, write_xlsform

SUFFIXES = (".json", ".yaml", ".yml", ".xlsx")
#: A questionnaire file larger than this is refused unread (the longest real one is about 100 KB).
MAX_FILE_BYTES = 5 << 20
#: Deepest nesting of lists and mappings a questionnaire file may have (the model itself needs 6).
MAX_NESTING = 20
#: Most lists, mappings and values a questionnaire file may expand to.
MAX_NODES = 200_000
#: Largest total an XLSForm workbook may unpack to (declared in its zip directory, checked first).
MAX_XLSX_UNPACKED_BYTES = 50 << 20


class XLSFormImportWarning(UserWarning):
    """Part of an XLSForm that was not imported (see ImportReport.warnings)."""


def to_dict(questionnaire: Questionnaire) -> dict[str, Any]:
    """A JSON-ready dict, e.g. for storing a version in the database."""
    return questionnaire.model_dump(mode="json")


def from_dict(data: Any, *, source: str | None = None) -> Questionnaire:
    """A questionnaire from to_dict's output; FileFormatError names the field that is wrong."""
    if not isinstance(data, dict):
        raise FileFormatError(
            f"expected a questionnaire (a mapping), found {type(data).__name__}", path=source
        )
    _check_nesting(data, source)
    try:
        return Questionnaire.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise FileFormatError(f"{first['msg']} (field {field})", path=source, column=field) from None
    except (DefinitionError, ExpressionError) as error:
        raise FileFormatError(str(error), path=source) from None
    except RecursionError:
        raise FileFormatError(
            f"nested more than {MAX_NESTING} levels deep; a questionnaire never is", path=source
        ) from None


def _check_nesting(data: Any, source: str | None) -> None:
    """Refuse data nested deeper than MAX_NESTING (walked without recursion), naming the field."""
    stack: list[tuple[Any, int, str]] = [(data, 1, "")]
    seen = 0
    while stack:
        value, depth, where = stack.pop()
        seen += 1
        if seen > MAX_NODES:  # YAML aliases can make a small file a huge tree ("billion laughs")
            raise FileFormatError(
                f"more than {MAX_NODES:,} values (YAML aliases repeating one part?); a questionnaire has far "
                "fewer",
                path=source,
            )
        if depth > MAX_NESTING:
            raise FileFormatError(
                f"nested more than {MAX_NESTING} levels deep (at {where or 'the top'}); a questionnaire never is",
                path=source,
            )
        if isinstance(value, dict):
            stack.extend((v, depth + 1, f"{where}.{k}" if where else str(k)) for k, v in value.items())
        elif isinstance(value, list | tuple):
            stack.extend((v, depth + 1, f"{where}[{i}]") for i, v in enumerate(value))


def _regular_file(path: Path) -> os.stat_result:
    """``os.stat`` before opening: a named pipe or device could block a read forever."""
    try:
        info = os.stat(path)
    except OSError as error:
        raise FileFormatError(f"cannot open the file ({error.strerror})", path=str(path)) from None
    if not stat.S_ISREG(info.st_mode):
        raise FileFormatError("not a regular file (a folder, named pipe or device)", path=str(path))
    return info


def _read_text(path: Path) -> str:
    """The file's text: a regular file within the size limit, in UTF-8 (an error names row and byte)."""
    info = _regular_file(path)
    if info.st_size > MAX_FILE_BYTES:
        raise FileFormatError(
            f"the file is {info.st_size:,} bytes; a questionnaire file may have at most {MAX_FILE_BYTES:,}",
            path=str(path),
        )
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileFormatError(
            f"not UTF-8 text (byte {error.start}, {raw[error.start : error.start + 2]!r}); save the file "
            "as UTF-8 (an editor's 'Save with encoding' or 'UTF-8 without BOM')",
            path=str(path),
            row=raw.count(b"\n", 0, error.start) + 1,
        ) from None


def _check_unpacked_size(path: Path) -> None:
    """An .xlsx is a zip: refuse one that would unpack to more than MAX_XLSX_UNPACKED_BYTES."""
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # read_xlsform says what is wrong with it
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise FileFormatError(
            f"the workbook unpacks to {unpacked:,} bytes; an XLSForm may unpack to at most "
            f"{MAX_XLSX_UNPACKED_BYTES:,}",
            path=str(path),
        )


def _depth_guard(text: str, path: Path) -> None:
    """A cheap bound before parsing: more opening brackets in a row than MAX_NESTING is refused."""
    depth = deepest = 0
    for char in text if text.count("[") + text.count("{") > MAX_NESTING else ():
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > 4 * MAX_NESTING:
                break
        elif char in "]}":
            depth = max(depth - 1, 0)
    if deepest > 4 * MAX_NESTING:
        raise FileFormatError(
            f"nested more than {MAX_NESTING} levels deep; a questionnaire never is", path=str(path)
        )


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise FileFormatError(
            f"unknown questionnaire format {suffix or '(no suffix)'!r}; use {', '.join(SUFFIXES)}",
            path=str(path),
        )
    return suffix


def load_with_report(path: str | Path) -> ImportReport:
    """Read a questionnaire file and list whatever could not be imported (XLSForm only)."""
    path = Path(path)
    suffix = _suffix(path)
    if not path.exists():
        raise FileFormatError("no such file", path=str(path))
    if suffix == ".xlsx":
        _regular_file(path)
        _check_unpacked_size(path)
        return read_xlsform(path)
    text = _read_text(path)
    _depth_guard(text, path)
    if suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise FileFormatError(
                f"not valid JSON: {error.msg}", path=str(path), row=error.lineno, position=error.colno
            ) from None
        except RecursionError:
            raise FileFormatError(
                f"nested more than {MAX_NESTING} levels deep; a questionnaire never is", path=str(path)
            ) from None
    else:
        try:
            data = yaml.safe_load(text)
        except RecursionError:
            raise FileFormatError(
                f"nested more than {MAX_NESTING} levels deep; a questionnaire never is", path=str(path)
            ) from None
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            raise FileFormatError(
                f"not valid YAML: {getattr(error, 'problem', None) or error}",
                path=str(path),
                row=mark.line + 1 if mark else None,
                position=mark.column + 1 if mark else None,
            ) from None
    return ImportReport(from_dict(data, source=str(path)))


def load(path: str | Path) -> Questionnaire:
    """Read a questionnaire from .json, .yaml/.yml or .xlsx (XLSForm)."""
    report = load_with_report(path)
    for warning in report.warnings:
        warnings.warn(f"{path}: {warning}", XLSFormImportWarning, stacklevel=2)
    return report.questionnaire


def dump(questionnaire: Questionnaire, path: str | Path) -> Path:
    """Write a questionnaire as .json, .yaml/.yml or .xlsx (XLSForm), chosen by the suffix."""
    path = Path(path)
    suffix = _suffix(path)
    if suffix == ".xlsx":
        write_xlsform(questionnaire, path)
    elif suffix == ".json":
        path.write_text(
            json.dumps(to_dict(questionnaire), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    else:
        path.write_text(
            yaml.safe_dump(to_dict(questionnaire), allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    return path
