"""Reading and writing questionnaire files, the format chosen by the suffix.

.json and .yaml/.yml hold Huifang's own model; .xlsx is XLSForm (see `xlsform`). `load` turns what
an XLSForm import could not take into Python warnings (`XLSFormImportWarning`); `load_with_report`
returns them as a list for the app to show.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from questionnaires.errors import DefinitionError, ExpressionError, FileFormatError
from questionnaires.model import Questionnaire
from questionnaires.xlsform import ImportReport, read_xlsform, write_xlsform

SUFFIXES = (".json", ".yaml", ".yml", ".xlsx")


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
    try:
        return Questionnaire.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise FileFormatError(f"{first['msg']} (field {field})", path=source, column=field) from None
    except (DefinitionError, ExpressionError) as error:
        raise FileFormatError(str(error), path=source) from None


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
        return read_xlsform(path)
    text = path.read_text(encoding="utf-8-sig")
    if suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise FileFormatError(
                f"not valid JSON: {error.msg}", path=str(path), row=error.lineno, position=error.colno
            ) from None
    else:
        try:
            data = yaml.safe_load(text)
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
