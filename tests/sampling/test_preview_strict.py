"""The column-mapping preview reads a CSV by the import's rules: what the import refuses it refuses in the
same sentence, and a row the import rejects is listed with the import's reason, never dropped unseen."""

from __future__ import annotations

import pytest

import sampling
from sampling.errors import FrameError

from .conftest import AS_OF, export_frame, good_rows

ORGANISATION = "机构名称"


def _export(path, rows: int = 8, broken: dict[int, str] | None = None):
    """An export whose rows (file row numbers, the header is row 1) in ``broken`` have their organisation
    cell replaced by the text given, as written (quotes and all)."""
    table = export_frame(good_rows(rows))
    column = list(table.columns).index(ORGANISATION)
    lines = table.to_csv(index=False).splitlines()
    for row, cell in (broken or {}).items():
        cells = lines[row - 1].split(",")
        cells[column] = cell
        lines[row - 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _import_report(path):
    report = sampling.load_frame(path, as_of=AS_OF).report
    return [
        (int(r.row), r.reason.removeprefix("row cannot be split into columns: "))
        for r in report[report["action"] == "rejected"].itertuples()
    ]


def test_a_row_with_text_after_its_closing_quote_is_listed_with_the_imports_reason(tmp_path):
    path = _export(tmp_path / "f.csv", broken={4: '"司法所"分所'})
    table, _ = sampling.preview(path, rows=5)
    listed = [(row, why) for row, _text, why in table.attrs["unparsable"]]
    assert listed == _import_report(path)
    assert listed[0][0] == 4 and "field '机构名称'" in listed[0][1]
    assert 4 not in table.index and not table[ORGANISATION].str.contains("司法所分所").any()  # not mangled


def test_a_row_with_a_cell_too_many_is_listed_not_skipped(tmp_path):
    path = _export(tmp_path / "f.csv", broken={3: "律所,多出的一列"})
    table, _ = sampling.preview(path, rows=5)
    assert [(row, why) for row, _text, why in table.attrs["unparsable"]] == _import_report(path)
    assert list(table.index) == [2, 4, 5, 6, 7]  # each shown row keeps its number in the file


def test_a_quote_never_closed_is_refused_in_the_imports_sentence(tmp_path):
    path = _export(tmp_path / "f.csv", broken={5: '"没有闭合'})
    with pytest.raises(FrameError) as imported:
        sampling.load_frame(path, as_of=AS_OF)
    with pytest.raises(FrameError) as previewed:
        sampling.preview(path, rows=5)
    assert str(previewed.value) == str(imported.value)
    assert "row 5, field '机构名称' (column" in str(previewed.value)


def test_a_clean_export_has_nothing_listed(tmp_path):
    table, encoding = sampling.preview(_export(tmp_path / "f.csv"), rows=5)
    assert len(table) == 5 and table.attrs["unparsable"] == [] and encoding == "utf-8"


def test_a_value_on_two_lines_across_the_previews_cut_is_not_taken_for_a_quote_never_closed(tmp_path):
    """The preview reads the file's first 256 KiB: it stops at a line end outside quotes."""
    table = export_frame(good_rows(3))
    lines = table.to_csv(index=False).splitlines()
    filler = [lines[1]] * (sampling.reading.DETECTION_SAMPLE_BYTES // len(lines[1].encode()) - 1)
    column = list(table.columns).index(ORGANISATION)
    cells = lines[2].split(",")
    cells[column] = '"第一行' + "长" * 4000 + '\n第二行"'
    text = "\n".join([lines[0], *filler, ",".join(cells), lines[3]]) + "\n"
    path = tmp_path / "f.csv"
    path.write_text(text, encoding="utf-8")
    assert path.stat().st_size > sampling.reading.DETECTION_SAMPLE_BYTES
    head, _ = sampling.preview(path, rows=5)
    assert len(head) == 5 and head.attrs["unparsable"] == []


def test_a_quote_open_past_the_csv_field_limit_is_refused_by_preview_and_import_alike(tmp_path):
    table = export_frame(good_rows(3))
    lines = table.to_csv(index=False).splitlines()
    column = list(table.columns).index(ORGANISATION)
    cells = lines[1].split(",")
    cells[column] = '"从这里开始没有闭合'
    rest = [lines[2]] * 4000  # about 400 KB after the open quote
    path = tmp_path / "f.csv"
    path.write_text("\n".join([lines[0], ",".join(cells), *rest]) + "\n", encoding="utf-8")
    with pytest.raises(FrameError) as imported:
        sampling.load_frame(path, as_of=AS_OF)
    with pytest.raises(FrameError) as previewed:
        sampling.preview(path, rows=5)
    assert str(previewed.value) == str(imported.value)
