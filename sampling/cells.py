"""Spreadsheet cells that a spreadsheet will never run: the OWASP rule against CSV/formula injection.

Every CSV and XLSX Huifang writes holds text that came from outside (organisation names from the
rating system's export, rejected values, free answers). Excel, LibreOffice and WPS run a cell that
starts with `=`, `+`, `-` or `@` as a formula, and TAB or CR can smuggle one past a first check; the
full-width forms (＝＋－＠) are what a Chinese input method types and some spreadsheets accept too.
OWASP's rule: put a single quote in front of such a text cell, so it is shown, never evaluated.
Numbers stay numbers (-2 is a number, not a formula); only text cells and column/index labels change.

It lives in `sampling` because both `sampling` (the rejected-rows download) and `analysis` (the
analysis exports) write tables, and the libraries only import downwards.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pandas as pd

#: The first characters that make a spreadsheet treat a cell as a formula (OWASP), ASCII and full-width.
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def neutralise(value: Any) -> Any:
    """The value a spreadsheet shows as text: `'` put before a text that starts like a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _text_column(series: pd.Series) -> bool:
    return (
        pd.api.types.is_object_dtype(series)
        or pd.api.types.is_string_dtype(series)
        or isinstance(series.dtype, pd.CategoricalDtype)
    )


def neutralise_frame(data: pd.DataFrame) -> pd.DataFrame:
    """A copy of `data` whose text cells, column names and index labels cannot run as formulas."""
    out = data.copy()
    for position in range(out.shape[1]):
        series = out.iloc[:, position]
        if not _text_column(series):
            continue
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)
        text = series.astype("string")
        risky = text.str.startswith(FORMULA_STARTS).fillna(False).to_numpy(dtype=bool)
        if risky.any():
            series = series.astype(object).copy()
            series.iloc[risky] = [neutralise(v) for v in series.iloc[risky]]
            out.isetitem(position, series)
    out.columns = _neutralise_labels(out.columns)
    out.index = _neutralise_labels(out.index)
    return out


def _neutralise_labels(labels: pd.Index) -> pd.Index:
    if isinstance(labels, pd.MultiIndex):
        return pd.MultiIndex.from_tuples(
            [tuple(neutralise(part) for part in label) for label in labels],
            names=[neutralise(n) for n in labels.names],
        )
    if not any(isinstance(v, str) and v.startswith(FORMULA_STARTS) for v in labels):
        return labels.rename(neutralise(labels.name))
    return pd.Index([neutralise(v) for v in labels], name=neutralise(labels.name), dtype=object)


def csv_bytes(data: pd.DataFrame, *, index: bool = False) -> bytes:
    """`data` as UTF-8 CSV with a BOM (Excel opens it right), every text cell neutralised and quoted.

    Quoting every text cell is the rule's other half: pandas leaves a lone CR unquoted, which starts a
    new row whose first cell nobody neutralised.
    """
    return neutralise_frame(data).to_csv(index=index, quoting=csv.QUOTE_NONNUMERIC).encode("utf-8-sig")


def write_csv(data: pd.DataFrame, path: Any, *, index: bool = False) -> None:
    """Write `csv_bytes(data)` to `path`."""
    with open(path, "wb") as handle:
        handle.write(csv_bytes(data, index=index))


def xlsx_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """An Excel workbook of `sheets` whose text cells are neutralised and typed as strings.

    openpyxl turns any text beginning with `=` into a formula cell; here every text cell is written
    with the string type, so even a value that slipped past `neutralise` stays inert text.
    """
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, data in sheets.items():
            neutralise_frame(data).to_excel(writer, sheet_name=name, index=False)
            for row in writer.sheets[name].iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) or cell.data_type == "f":
                        cell.data_type = "s"
    return buffer.getvalue()
