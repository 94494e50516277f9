"""Exports of the analysis dataset for analysts who live in Excel, SPSS or Stata.

No personal data leaves: `export_dataset` refuses a table that still has a personal field
(`sampling.vocabulary.PERSONAL_FIELDS`); `analysis_dataset` drops them. Coded answers keep their
codes in CSV and Excel (with a `labels` sheet); in SPSS `.sav` and Stata `.dta` they become integer
codes 1…k, in the scale's or questionnaire's order, with the Chinese labels as value labels.
CSV and Excel cells that start like a formula are neutralised (`sampling.cells`, the OWASP rule).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from analysis.errors import ExportError
from sampling.cells import write_csv, xlsx_bytes
from sampling.vocabulary import PERSONAL_FIELDS, SCALES

#: Chinese labels of the justice-callback codes that are not scale levels.
ANSWER_LABELS: dict[str, str] = {
    "yes": "是",
    "no": "否",
    "dk": "说不清",
    "refused": "拒答",
    "self": "本人",
    "other": "他人代评",
    "not_rated": "未评价",
    "public_legal": "公共法律服务",
    "private_lawyer": "私人律师",
}

FORMATS = ("csv", "xlsx", "sav", "dta")


def analysis_dataset(cases: pd.DataFrame, drop: tuple[str, ...] = PERSONAL_FIELDS) -> pd.DataFrame:
    """The cases without personal fields (names, phone numbers)."""
    return cases.drop(columns=[c for c in drop if c in cases.columns])


def default_value_labels(data: pd.DataFrame) -> dict[str, dict[str, str]]:
    """Value labels for every text column whose values are all known scale or answer codes, in order."""
    known: dict[str, str] = {}
    for scale in SCALES.values():
        for level in scale.levels:
            known.setdefault(level.code, level.zh)
    known.update(ANSWER_LABELS)
    order = list(known)
    labels = {}
    for column in data.columns:
        series = data[column]
        if pd.api.types.is_string_dtype(series) or isinstance(series.dtype, pd.CategoricalDtype):
            values = set(data[column].dropna().astype(str))
            if values and values <= set(known):
                labels[column] = {code: known[code] for code in order if code in values}
    return labels


def _numeric_coded(data: pd.DataFrame, value_labels: Mapping[str, Mapping[str, str]]):
    coded = data.copy()
    numeric_labels = {}
    for column, labels in value_labels.items():
        codes = {code: i + 1 for i, code in enumerate(labels)}
        unknown = set(coded[column].dropna().astype(str)) - set(codes)
        if unknown:
            raise ExportError(f"column {column!r} has value {sorted(unknown)[0]!r} without a label; add it")
        coded[column] = coded[column].map(codes).astype("float")
        numeric_labels[column] = {codes[code]: label for code, label in labels.items()}
    return coded, numeric_labels


def export_dataset(
    data: pd.DataFrame,
    path: str | Path,
    value_labels: Mapping[str, Mapping[str, str]] | None = None,
    variable_labels: Mapping[str, str] | None = None,
) -> Path:
    """Write `data` as .csv, .xlsx, .sav or .dta (chosen by the suffix) with labels; return the path."""
    import pyreadstat

    path = Path(path)
    kind = path.suffix.lower().lstrip(".")
    if kind not in FORMATS:
        raise ExportError(f"{path.name}: unknown export format; use one of .{', .'.join(FORMATS)}")
    personal = [c for c in PERSONAL_FIELDS if c in data.columns]
    if personal:
        raise ExportError(
            f"the dataset still holds personal data ({', '.join(personal)}); use analysis_dataset()"
        )
    value_labels = default_value_labels(data) if value_labels is None else dict(value_labels)
    variable_labels = dict(variable_labels or {})
    if kind == "csv":
        write_csv(data, path)
    elif kind == "xlsx":
        rows = [
            {"variable": column, "code": code, "label": label}
            for column, labels in value_labels.items()
            for code, label in labels.items()
        ]
        labels_sheet = pd.DataFrame(rows, columns=["variable", "code", "label"])
        path.write_bytes(xlsx_bytes({"data": data, "labels": labels_sheet}))
    else:
        coded, numeric_labels = _numeric_coded(data, value_labels)
        for column in coded.columns:
            if coded[column].dtype == bool or str(coded[column].dtype) == "boolean":
                coded[column] = coded[column].astype(float)
        labels = [variable_labels.get(c, "") for c in coded.columns]
        writer = pyreadstat.write_sav if kind == "sav" else pyreadstat.write_dta
        writer(coded, str(path), column_labels=labels, variable_value_labels=numeric_labels)
    return path
