"""A corpus of hostile and malformed input files, each with the exact outcome Huifang must give.

``python -m tests.hostile.make_corpus OUT_DIR`` writes every file (to look at them); the tests call
``frame_cases()`` and ``questionnaire_cases()`` and write each case into ``tmp_path``. An outcome is
one of three things, never anything else:

* ``Refused``: our error type, with a message that names the file and matches a pattern (the row,
  byte, field or limit it is about);
* ``Loaded``: exactly so many rows loaded and rejected, and exactly these report lines (row, field,
  action, words of the reason) — no other row rejected or repaired, nothing dropped silently;
* for questionnaires, ``Loaded`` means the questionnaire loads (and ``check`` holds).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import os
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from sampling.errors import (
    EmptyFileError,
    EncodingError,
    FrameError,
    MappingError,
    MissingColumnsError,
    UnsupportedFileError,
)
from sampling.limits import FrameLimits
from sampling.vocabulary import EXPORT_HEADERS

AS_OF = dt.date(2024, 6, 30)
FIELDS = list(EXPORT_HEADERS)
HEADERS = [EXPORT_HEADERS[f] for f in FIELDS]


@dataclass(frozen=True)
class Refused:
    error: type[Exception]
    pattern: str  # a regular expression the message must contain (besides the file name)


@dataclass(frozen=True)
class Line:
    """One expected report line: the row, the field, the action and words its reason contains."""

    row: int
    field: str
    action: str
    reason: str


@dataclass(frozen=True)
class Loaded:
    loaded: int
    rejected: int
    lines: tuple[Line, ...] = ()
    check: Callable[[Any], None] | None = None  # further facts about the loaded frame or questionnaire


@dataclass
class Case:
    name: str  # the file's name
    family: str
    write: Callable[[Path], None]
    expect: Refused | Loaded
    options: dict[str, Any] = field(default_factory=dict)  # passed to load_frame (limits, encoding, …)


# --- building blocks ------------------------------------------------------------------------------


def rows(count: int = 5) -> list[dict[str, str]]:
    """Valid export rows by field name: distinct ids, valid mobiles, district codes that agree."""
    districts = [("黄浦区", "310101"), ("徐汇区", "310104"), ("浦东新区", "310115")]
    ratings = ["满意", "基本满意", "不满意"]
    out = []
    for i in range(count):
        district, code = districts[i % 3]
        out.append(
            {
                "record_id": f"R{i + 1:05d}",
                "event_type": "服务",
                "domain": ["律师", "公证"][i % 2],
                "channel": "网络平台",
                "district": district,
                "district_code": code,
                "organisation_id": f"ORG{i % 2 + 1:04d}",
                "organisation": f"机构{i % 2 + 1}",
                "staff_id": f"ORG{i % 2 + 1:04d}-S01",
                "service_date": f"2024-03-{i % 28 + 1:02d}",
                "rating_time": f"2024-03-{i % 28 + 1:02d} 10:00:00",
                "system_rating": ratings[i % 3],
                "recipient_name": f"张{i}",
                "phone": f"138{i + 1:08d}",
                "complaint_open": "否",
            }
        )
    return out


def csv_text(records: list[dict[str, str]], headers: list[str] | None = None, newline: str = "\n") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    writer.writerow(headers or HEADERS)
    for record in records:
        writer.writerow([record.get(f, "") for f in FIELDS])
    return buffer.getvalue()


def write_text(text: str, encoding: str = "utf-8", bom: bytes = b"") -> Callable[[Path], None]:
    def write(path: Path) -> None:
        path.write_bytes(bom + text.encode(encoding))

    return write


def write_bytes(data: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data)


def changed(row: int, **values: str) -> list[dict[str, str]]:
    """Five good rows with data row ``row`` (1-based; spreadsheet row row + 1) changed."""
    records = rows()
    records[row - 1].update(values)
    return records


def csv_with(row: int, **values: str) -> Callable[[Path], None]:
    return write_text(csv_text(changed(row, **values)))


def frame_value(field_name: str, record: str, expected: object) -> Callable[[Any], None]:
    def check(frame) -> None:
        values = dict(
            zip(frame.data["record_id"].astype(str), frame.data[field_name].astype("object"), strict=True)
        )
        got = values[record]
        same = pd.isna(got) if expected is pd.NA else got == expected
        assert same, f"{field_name} of {record}: {got!r} != {expected!r}"

    return check


def xlsx(sheets: dict[str, list[list[Any]]]) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        book = openpyxl.Workbook()
        book.remove(book.active)
        for title, table in sheets.items():
            sheet = book.create_sheet(title)
            for values in table:
                sheet.append(values)
        book.save(path)

    return write


def table_rows(records: list[dict[str, str]]) -> list[list[Any]]:
    return [HEADERS] + [[r[f] for f in FIELDS] for r in records]


def parquet(table: pa.Table) -> Callable[[Path], None]:
    return lambda path: pq.write_table(table, path)


def arrow_table(records: list[dict[str, str]], **columns: pa.Array) -> pa.Table:
    data = {EXPORT_HEADERS[f]: pa.array([r[f] for r in records]) for f in FIELDS}
    data.update({EXPORT_HEADERS.get(k, k): v for k, v in columns.items()})
    return pa.table(data)


def fifo(path: Path) -> None:
    os.mkfifo(path)


def folder(path: Path) -> None:
    path.mkdir()


def symlink_to(target: str) -> Callable[[Path], None]:
    return lambda path: path.symlink_to(target)


# --- the frame corpus -----------------------------------------------------------------------------

DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")
PLACEHOLDERS = ["NULL", "nan", "None", "#N/A", "N/A", "-", "空", "null", "NaN", "#VALUE!"]


def _encodings() -> list[Case]:
    text = csv_text(rows())
    gbk = text.encode("gbk")
    utf8 = text.encode("utf-8")
    lines = utf8.split(b"\n")
    mixed = b"\n".join([*lines[:3], lines[3].decode("utf-8").encode("gbk"), *lines[4:]])
    nul = b"\n".join([*lines[:2], lines[2][:10] + b"\x00" + lines[2][10:], *lines[3:]])
    ok = Loaded(5, 0)
    return [
        Case("utf8.csv", "encoding", write_text(text), ok),
        Case("utf8_bom.csv", "encoding", write_text(text, bom=codecs.BOM_UTF8), ok),
        Case("gbk.csv", "encoding", write_text(text, "gbk"), ok),
        Case(
            "gb18030_outside_gbk.csv",
            "encoding",
            write_text(csv_text(changed(2, recipient_name="王𠀀")), "gb18030"),
            Loaded(5, 0, check=frame_value("recipient_name", "R00002", "王𠀀")),
        ),
        Case("utf16_bom.csv", "encoding", write_text(text, "utf-16"), ok),
        Case("utf16le_no_bom.csv", "encoding", write_text(text, "utf-16-le"), ok),
        Case("utf16be_no_bom.csv", "encoding", write_text(text, "utf-16-be"), ok),
        Case("gbk_truncated.csv", "encoding", write_bytes(gbk + "王".encode("gbk")[:1]), Refused(EncodingError, r"row 7 \(byte \d+\)")),
        Case("mixed_utf8_gbk.csv", "encoding", write_bytes(mixed), Refused(EncodingError, r"row 4 \(byte \d+\)")),
        Case("nul_byte.csv", "encoding", write_bytes(nul), Refused(EncodingError, r"row 3 \(byte \d+\): a zero byte")),
        Case("png_named_csv.csv", "encoding", write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20), Refused(UnsupportedFileError, "neither text")),
        Case("klingon_encoding.csv", "encoding", write_text(text), Refused(EncodingError, "'klingon' is not an encoding"), {"encoding": "klingon"}),
        Case("gbk_read_as_utf8.csv", "encoding", write_text(text, "gbk"), Refused(EncodingError, r"row 1 \(byte 0\)"), {"encoding": "utf-8"}),
        Case("utf8_read_as_gbk.csv", "encoding", write_text(text), Refused(EncodingError, r"row 1 \(byte 54\): the bytes .* are not valid gb18030"), {"encoding": "gbk"}),
    ]  # fmt: skip


def _structure() -> list[Case]:
    records = rows()
    text = csv_text(records)
    lines = text.split("\n")
    blank = "\n".join([*lines[:4], "", *lines[4:]])
    bad_after_blank = csv_text(changed(4, phone="12345")).split("\n")
    bad_after_blank = "\n".join([*bad_after_blank[:3], "", "", *bad_after_blank[3:]])
    thirty = rows(30)
    open_quote = csv_text(thirty).split("\n")
    open_quote[4] = open_quote[4].replace("机构", '"机构', 1)
    closed_later = csv_text(thirty).split("\n")
    closed_later[4] = closed_later[4].replace("机构", '"机构', 1)
    closed_later[9] = closed_later[9].replace("机构", '机构"', 1)
    open_quote_last = csv_text(thirty).split("\n")
    open_quote_last[2] = open_quote_last[2][:-1] + '"' + open_quote_last[2][-1]
    open_quote_large = csv_text(rows(1500)).split("\n")
    open_quote_large[4] = open_quote_large[4].replace("机构", '"机构', 1)
    long_quoted = csv_text(changed(2, recipient_name="王" * 140_000)).split("\n")
    long_quoted[2] = long_quoted[2].replace("王" * 140_000, '"' + "王" * 140_000 + '"')
    open_last_line = csv_text(thirty).split("\n")
    open_last_line[-2] = open_last_line[-2].replace("张", '"张', 1)
    after_quote = csv_text(records).split("\n")
    after_quote[3] = after_quote[3].replace("机构", '"机构"', 1)
    after_then_break = csv_text(records).split("\n")
    after_then_break[2] = after_then_break[2].replace("机构", '"机构"', 1) + ',"多\n余"'
    breaks = changed(2, organisation="机构\r\n\r\n二")  # a blank line inside a value
    breaks[3]["phone"] = "12345"
    breaks_crlf = csv_text(breaks, newline="\r\n")
    quoted_newline = csv_text(records).split("\n")
    quoted_newline[1] = quoted_newline[1].replace("机构1", '"机构\n1"', 1)
    extra_column = csv_text(records).split("\n")
    extra_column[3] += ",多余"
    short_row = csv_text(records).split("\n")
    short_row[3] = ",".join(short_row[3].split(",")[:5])
    trailing = "\n".join(line + "," if line else line for line in lines)
    return [
        Case("crlf.csv", "line ends", write_text(csv_text(records, newline="\r\n")), Loaded(5, 0)),
        Case("cr_only.csv", "line ends", write_text(csv_text(records, newline="\r")), Loaded(5, 0)),
        Case(
            "cr_only_bad_row.csv",
            "line ends",
            write_text(csv_text(changed(3, phone="12345"), newline="\r")),
            Loaded(4, 1, (Line(4, "phone", "rejected", "invalid phone"),)),
        ),
        Case("mixed_line_ends.csv", "line ends", write_text(text.replace("\n", "\r\n", 3)), Loaded(5, 0)),
        Case(
            "blank_line.csv",
            "blank lines",
            write_text(blank),
            Loaded(5, 0, (Line(1, "(file)", "note", "7 lines in the file: the header and 5 records, 1 blank lines skipped"),), check=lambda f: _blank(f, 1)),
        ),
        Case(
            "blank_lines_shift_rows.csv",
            "blank lines",
            write_text(bad_after_blank),
            Loaded(
                4,
                1,
                (Line(1, "(file)", "note", "2 blank lines skipped"), Line(7, "phone", "rejected", "invalid phone")),
                check=lambda f: _blank(f, 2),
            ),
        ),
        Case(
            "whitespace_line.csv",
            "blank lines",
            write_text("\n".join([*lines[:3], "   ", *lines[3:]])),
            Loaded(5, 1, (Line(4, "", "rejected", "1 columns where the header has 15"),)),
        ),
        Case("blank_first_line.csv", "blank lines", write_text("\n" + text), Refused(FrameError, "header row")),
        Case(
            "open_quote_to_end.csv",
            "quotes",
            write_text("\n".join(open_quote)),
            Refused(FrameError, r"row 5, field '机构名称' \(column 8\): a quote \(\"\) opens a value that is never closed, so rows 5–31"),
        ),
        Case(
            "open_quote_in_last_field_to_end.csv",  # the lenient csv module read this as one good record
            "quotes",
            write_text("\n".join(open_quote_last)),
            Refused(FrameError, r"row 3, field '投诉未办结' \(column 15\): .* never closed, so rows 3–31"),
        ),
        Case(
            "open_quote_to_end_gbk.csv",
            "quotes",
            write_text("\n".join(open_quote), "gbk"),
            Refused(FrameError, r"row 5, field '机构名称' .* never closed"),
        ),
        Case(
            "open_quote_on_last_line.csv",
            "quotes",
            write_text("\n".join(open_last_line)),
            Refused(FrameError, r"row 31, field '服务对象姓名' \(column 13\): .* never closed, so the rest of the line"),
        ),
        Case(
            "open_quote_in_a_large_file.csv",  # the csv module's field limit comes before the end
            "quotes",
            write_text("\n".join(open_quote_large), "gbk"),
            Refused(FrameError, r"row 5, field '机构名称' \(column 8\): a quote \(\"\) opens a value that is still open after 131,072 characters"),
        ),
        Case(
            "quoted_value_over_the_csv_field_limit.csv",
            "quotes",
            write_text("\n".join(long_quoted)),
            Loaded(4, 1, (Line(3, "", "rejected", "field '服务对象姓名' (column 13) has a value longer than 131,072 characters"),)),
        ),
        Case(
            "open_quote_closed_later.csv",
            "quotes",
            write_text("\n".join(closed_later)),
            Loaded(
                24,
                1,
                (
                    Line(1, "(file)", "note", "5 lines joined to the record before them"),
                    Line(5, "", "rejected", "'机构名称' (column 8) has text after its closing quote on row 10; a quote inside a value must be doubled"),
                ),
            ),
        ),
        Case(
            "text_after_closing_quote.csv",  # the lenient csv module read "机构"1 as 机构1
            "quotes",
            write_text("\n".join(after_quote)),
            Loaded(4, 1, (Line(4, "", "rejected", "field '机构名称' (column 8) has text after its closing quote on row 4"),)),
        ),
        Case(
            "text_after_closing_quote_then_quoted_break.csv",  # the reader starts again on the next line
            "quotes",
            write_text("\n".join(after_then_break)),
            Loaded(
                4,
                2,
                (
                    Line(3, "", "rejected", "field '机构名称' (column 8) has text after its closing quote"),
                    Line(4, "", "rejected", "1 columns where the header has 15"),
                ),
            ),
        ),
        Case(
            "text_after_closing_quote_in_header.csv",
            "quotes",
            write_text(text.replace("机构名称", '"机构"名称', 1)),
            Refused(FrameError, r"row 1 \(the header row\)"),
        ),
        Case(
            "quoted_line_break.csv",
            "quotes",
            write_text("\n".join(quoted_newline)),
            Loaded(
                4,
                1,
                (
                    Line(1, "(file)", "note", "1 lines joined to the record before them"),
                    Line(2, "organisation", "rejected", "line break"),
                ),
            ),
        ),
        Case(
            "quoted_line_breaks_gbk_crlf.csv",  # streamed: each record numbered by the line it begins on
            "quotes",
            write_text(breaks_crlf, "gbk"),
            Loaded(
                3,
                2,
                (
                    Line(1, "(file)", "note", "8 lines in the file: the header and 5 records, 2 lines joined"),
                    Line(3, "organisation", "rejected", "line break"),
                    Line(7, "phone", "rejected", "invalid phone"),
                ),
            ),
        ),
        Case("quoted_everything.csv", "quotes", write_text(text.replace(",", '","').replace("\n", '"\n"')[:-1].join(['"', ""])), Loaded(5, 0)),
        Case("extra_column.csv", "columns", write_text("\n".join(extra_column)), Loaded(4, 1, (Line(4, "", "rejected", "16 columns where the header has 15"),))),
        Case("short_row.csv", "columns", write_text("\n".join(short_row)), Loaded(4, 1, (Line(4, "", "rejected", "5 columns where the header has 15"),))),
        Case("trailing_delimiter.csv", "columns", write_text(trailing), Loaded(5, 0)),
        Case("header_only.csv", "columns", write_text(lines[0] + "\n"), Loaded(0, 0)),
        Case("empty.csv", "columns", write_bytes(b""), Refused(EmptyFileError, "empty")),
        Case("only_spaces.csv", "columns", write_text("   \n\n  \n"), Refused(EmptyFileError, "empty")),
        Case("semicolons.csv", "columns", write_text(text.replace(",", ";")), Refused(MissingColumnsError, "required field")),
        Case("tabs.csv", "columns", write_text(text.replace(",", "\t")), Refused(MissingColumnsError, "required field")),
    ]  # fmt: skip


def _blank(frame, count: int) -> None:
    assert frame.blank_lines == count, frame.blank_lines
    assert frame.summary["file_lines"] == 1 + len(frame.data) + len(frame.rejected) + count


def _headers() -> list[Case]:
    records = rows()
    dup = [*HEADERS]
    dup[FIELDS.index("recipient_name")] = "联系电话"
    two = [*HEADERS]
    two[FIELDS.index("recipient_name")] = "手机号码"
    unmapped_twice = [*HEADERS]
    unmapped_twice[FIELDS.index("recipient_name")] = unmapped_twice[FIELDS.index("complaint_open")] = "备注"
    invisible = [h.replace("联系电话", "联系\u200b电话") for h in HEADERS]
    fullwidth = [h if h != "联系电话" else "ｐｈｏｎｅ" for h in HEADERS]
    spaced = [f"  {h} " for h in HEADERS]
    missing = [h for h in HEADERS if h != "评价结果"]
    wide = ",".join(HEADERS + [f"c{i}" for i in range(100_000)])
    return [
        Case("duplicate_phone_header.csv", "headers", write_text(csv_text(records, dup)), Refused(FrameError, "'联系电话' appears twice")),
        Case("two_phone_headers.csv", "headers", write_text(csv_text(records, two)), Refused(MappingError, "could each be 'phone'")),
        Case("unmapped_header_twice.csv", "headers", write_text(csv_text(records, unmapped_twice)), Loaded(5, 0)),
        Case("zero_width_in_header.csv", "headers", write_text(csv_text(records, invisible)), Loaded(5, 0)),
        Case("fullwidth_header.csv", "headers", write_text(csv_text(records, fullwidth)), Loaded(5, 0)),
        Case("spaces_around_headers.csv", "headers", write_text(csv_text(records, spaced)), Loaded(5, 0)),
        Case("missing_rating_column.csv", "headers", write_text(csv_text(records, missing)), Refused(MissingColumnsError, "system_rating")),
        Case("hundred_thousand_columns.csv", "limits", write_text(wide + "\n"), Refused(FrameError, r"row 1 has at least [\d,]+ columns, more than the limit of 500")),
        Case("unknown_field_in_mapping.csv", "headers", write_text(csv_text(records)), Refused(MappingError, "'telefon' is not a Huifang field"), {"mapping": {"联系电话": "telefon"}}),
    ]  # fmt: skip


def _placeholders() -> list[Case]:
    cases = []
    for index, value in enumerate(PLACEHOLDERS):
        cases.append(
            Case(
                f"placeholder_name_{index}.csv",
                "placeholders",
                csv_with(2, recipient_name=value),
                Loaded(
                    5,
                    0,
                    (Line(3, "recipient_name", "repaired", "read as a missing value"),),
                    check=frame_value("recipient_name", "R00002", pd.NA),
                ),
            )
        )
        cases.append(
            Case(
                f"placeholder_phone_{index}.csv",
                "placeholders",
                csv_with(3, phone=value),
                Loaded(
                    4,
                    1,
                    (
                        Line(4, "phone", "repaired", "read as a missing value"),
                        Line(4, "phone", "rejected", "missing value"),
                    ),
                ),
            )
        )
        cases.append(
            Case(
                f"placeholder_organisation_{index}.csv",
                "placeholders",
                csv_with(4, organisation=value),
                Loaded(
                    4,
                    1,
                    (
                        Line(5, "organisation", "repaired", "read as a missing value"),
                        Line(5, "organisation", "rejected", "missing value"),
                    ),
                ),
            )
        )
    return cases


def _unicode() -> list[Case]:
    cleaned = "characters cleaned"

    def repaired(name: str, row: int, field_name: str, value: str, record: str, expected: str) -> Case:
        return Case(
            name,
            "unicode",
            csv_with(row, **{field_name: value}),
            Loaded(
                5,
                0,
                (Line(row + 1, field_name, "repaired", cleaned),),
                check=frame_value(field_name, record, expected),
            ),
        )

    return [
        repaired("phone_fullwidth.csv", 2, "phone", "１３８０００００００２", "R00002", "13800000002"),
        repaired("phone_arabic_indic.csv", 2, "phone", "١٣٨٠٠٠٠٠٠٠٢", "R00002", "13800000002"),
        repaired("phone_persian.csv", 2, "phone", "۱۳۸۰۰۰۰۰۰۰۲", "R00002", "13800000002"),
        repaired("phone_devanagari.csv", 2, "phone", "13800000002".translate(DEVANAGARI), "R00002", "13800000002"),
        repaired("phone_partly_fullwidth.csv", 2, "phone", "138０００００００2", "R00002", "13800000002"),
        repaired("phone_zero_width.csv", 2, "phone", "138\u200b00000002", "R00002", "13800000002"),
        repaired("name_zero_width.csv", 3, "recipient_name", "张\u200b2", "R00003", "张2"),
        repaired("name_bidi_override.csv", 3, "recipient_name", "\u202e张2\u202c", "R00003", "张2"),
        repaired("name_bom_inside.csv", 3, "recipient_name", "张\ufeff2", "R00003", "张2"),
        repaired("name_soft_hyphen.csv", 3, "recipient_name", "张\u00ad2", "R00003", "张2"),
        repaired("name_fullwidth_letters.csv", 3, "recipient_name", "张Ａ", "R00003", "张A"),
        repaired("organisation_bidi.csv", 1, "organisation", "机构\u202e1", "R00001", "机构1"),
        repaired("organisation_zero_width_joiner.csv", 1, "organisation", "机\u200d构1", "R00001", "机构1"),
        repaired("record_id_fullwidth.csv", 4, "record_id", "Ｒ00004", "R00004", "R00004"),
        repaired("record_id_thin_space_inside.csv", 4, "record_id", "R00\u200b004", "R00004", "R00004"),
        repaired("staff_word_joiner.csv", 1, "staff_id", "ORG0001\u2060-S01", "R00001", "ORG0001-S01"),
        Case(
            "district_zero_width.csv",
            "unicode",
            csv_with(1, district="黄浦\u200b区"),
            Loaded(5, 0, (Line(2, "district", "repaired", cleaned),), check=frame_value("district", "R00001", "黄浦区")),
        ),
        Case(
            "date_fullwidth_digits.csv",
            "unicode",
            csv_with(2, service_date="２０２４-03-02"),
            Loaded(5, 0, (Line(3, "service_date", "repaired", cleaned),)),
        ),
        Case(
            "name_bell_character.csv",
            "unicode",
            csv_with(2, recipient_name="张\x072"),
            Loaded(4, 1, (Line(3, "recipient_name", "rejected", "control character"),)),
        ),
    ]  # fmt: skip


def _dates() -> list[Case]:
    def rejected(name: str, row: int, field_name: str, value: str, reason: str) -> Case:
        return Case(
            name,
            "dates",
            csv_with(row, **{field_name: value}),
            Loaded(4, 1, (Line(row + 1, field_name, "rejected", reason),)),
        )

    ok = Loaded(5, 0)
    mixed_zones = changed(1, rating_time="2024-03-01T10:00:00+08:00")
    mixed_zones[1]["rating_time"] = "2024-03-02T02:00:00Z"
    mixed_zones[2]["rating_time"] = "2024-03-03T04:00:00-02:00"

    def zones(frame) -> None:
        times = frame.data.set_index("record_id")["rating_time"]
        assert times["R00001"] == pd.Timestamp("2024-03-01 10:00:00")
        assert times["R00002"] == pd.Timestamp("2024-03-02 10:00:00")
        assert times["R00003"] == pd.Timestamp("2024-03-03 14:00:00")
        assert times["R00004"] == pd.Timestamp("2024-03-04 10:00:00")

    return [
        rejected("service_year_0.csv", 2, "service_date", "0000-01-01", "before 2015-01-01"),
        rejected("service_1900.csv", 2, "service_date", "1900-01-01", "before 2015-01-01"),
        rejected("service_2014.csv", 2, "service_date", "2014-12-31", "before 2015-01-01"),
        rejected("service_future.csv", 2, "service_date", "2031-01-01", "in the future"),
        rejected("service_feb_30.csv", 2, "service_date", "2024-02-30", "unparsable date"),
        rejected("service_words.csv", 2, "service_date", "明天", "unparsable date"),
        rejected("service_year_99999.csv", 2, "service_date", "99999-01-01", "unparsable date"),
        rejected("service_excel_serial.csv", 2, "service_date", "45352", "unparsable date"),
        rejected("rating_before_service.csv", 3, "rating_time", "2024-03-02 23:59:59", "before the service date"),
        rejected("rating_1970.csv", 3, "rating_time", "1970-01-01 00:00:00", "before 2015-01-01"),
        rejected("rating_garbage.csv", 3, "rating_time", "10:00", "unparsable date"),
        Case("service_2015_first_day.csv", "dates", csv_with(2, service_date="2015-01-01", rating_time="2015-01-01 09:00:00"), ok),
        Case("service_chinese_format.csv", "dates", csv_with(2, service_date="2024年3月2日"), ok),
        Case("service_slashes.csv", "dates", csv_with(2, service_date="2024/03/02"), ok),
        Case("rating_same_day_earlier_hour.csv", "dates", csv_with(2, rating_time="2024-03-02 00:00:01"), ok),
        Case("rating_mixed_time_zones.csv", "dates", write_text(csv_text(mixed_zones)), Loaded(5, 0, check=zones)),
    ]  # fmt: skip


def _values() -> list[Case]:
    def rejected(
        name: str, row: int, field_name: str, value: str, reason: str, report_field: str | None = None
    ) -> Case:
        return Case(
            name,
            "values",
            csv_with(row, **{field_name: value}),
            Loaded(4, 1, (Line(row + 1, report_field or field_name, "rejected", reason),)),
        )

    return [
        rejected("district_code_contradicts.csv", 1, "district_code", "310104", "district code 310104 is 徐汇区, but the district is 黄浦区"),
        rejected("district_code_unknown.csv", 1, "district_code", "319999", "unknown district code 319999"),
        rejected("district_unknown.csv", 1, "district", "火星区", "unknown district"),
        rejected("duplicate_record_id.csv", 3, "record_id", "R00001", "duplicate record id (first seen on row 2)"),
        rejected("phone_too_short.csv", 2, "phone", "1380000", "invalid phone"),
        rejected("phone_letters.csv", 2, "phone", "call me", "invalid phone"),
        rejected("rating_unknown.csv", 2, "system_rating", "超级满意", "unknown rating label"),
        rejected("complaint_maybe.csv", 2, "complaint_open", "也许", "not a yes/no value"),
        rejected("domain_missing.csv", 2, "domain", "", "missing value"),
        rejected("name_too_long.csv", 2, "recipient_name", "张" * 600, "longer than 500 characters"),
        rejected("organisation_too_long.csv", 2, "organisation", "机" * 501, "longer than 500 characters"),
        Case(
            "district_old_name_old_code.csv",
            "values",
            csv_with(1, district="闸北区", district_code="310108"),
            Loaded(5, 0, (Line(2, "district", "repaired", "mapped to 静安区"),), check=frame_value("district", "R00001", "静安区")),
        ),
        Case("district_code_empty.csv", "values", csv_with(1, district_code=""), Loaded(5, 0)),
        Case("phone_with_spaces_and_plus86.csv", "values", csv_with(2, phone="+86 138 0000 0002"), Loaded(5, 0, (Line(3, "phone", "repaired", "normalised"),))),
    ]  # fmt: skip


def _limits() -> list[Case]:
    text = csv_text(rows())
    long_line = csv_text(changed(2, recipient_name="长" * (4 << 20)))
    return [
        Case("ten_megabyte_field.csv", "limits", write_text(long_line), Refused(FrameError, r"row 3 is 12.0 MB long, more than the limit of 1.0 MB")),
        Case("file_over_size_limit.csv", "limits", write_text(text), Refused(FrameError, r"more than the limit of 0.0 MB.*max_file_bytes"), {"limits": FrameLimits(max_file_bytes=100)}),
        Case("columns_over_limit.csv", "limits", write_text(text), Refused(FrameError, "15 columns, more than the limit of 10"), {"limits": FrameLimits(max_columns=10)}),
        Case("line_over_limit.csv", "limits", csv_with(2, recipient_name="长" * 400), Refused(FrameError, "row 3 is"), {"limits": FrameLimits(max_line_bytes=1000)}),
        Case("field_over_limit.csv", "limits", csv_with(2, recipient_name="长" * 30), Loaded(4, 1, (Line(3, "recipient_name", "rejected", "longer than 20 characters"),)), {"limits": FrameLimits(max_field_chars=20)}),
        Case("earlier_start_date.csv", "limits", csv_with(2, service_date="2010-05-01", rating_time="2010-05-01 10:00:00"), Loaded(5, 0), {"limits": FrameLimits(earliest_date=dt.date(2008, 1, 1))}),
    ]  # fmt: skip


def _file_kinds() -> list[Case]:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    encrypted = (
        ole
        + "EncryptedInfo".encode("utf-16-le")
        + bytes(100)
        + "EncryptedPackage".encode("utf-16-le")
        + bytes(400)
    )
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return [
        Case("named_pipe.csv", "file kinds", fifo, Refused(FrameError, "a named pipe, not a regular file")),
        Case("a_folder.csv", "file kinds", folder, Refused(FrameError, "a folder, not a file")),
        Case("link_to_dev_zero.csv", "file kinds", symlink_to("/dev/zero"), Refused(FrameError, "a device or socket")),
        Case("dangling_link.csv", "file kinds", symlink_to("/nonexistent/nowhere.csv"), Refused(FrameError, "cannot open the file")),
        Case("old_workbook.xls", "file kinds", write_bytes(ole), Refused(UnsupportedFileError, r"old Excel \.xls")),
        Case("encrypted.xlsx", "file kinds", write_bytes(encrypted), Refused(UnsupportedFileError, "protected by a password")),
        Case("zip_not_workbook.xlsx", "file kinds", write_bytes(plain_zip.getvalue()), Refused(UnsupportedFileError, "not an Excel workbook")),
        Case("truncated_zip.xlsx", "file kinds", write_bytes(b"PK\x03\x04" + bytes(60)), Refused(FrameError, "workbook is damaged")),
        Case("parquet_magic_only.parquet", "file kinds", write_bytes(b"PAR1"), Refused(FrameError, "Parquet file cannot be read")),
    ]  # fmt: skip


def _xlsx() -> list[Case]:
    records = rows()
    good = table_rows(records)
    with_blank = [*good[:3], [], [], *good[3:]]
    beyond = [list(r) for r in good]
    beyond[2] = [*beyond[2], "多出来的值"]
    numbers = [list(r) for r in good]
    numbers[1][FIELDS.index("record_id")] = 12345678901234567
    numbers[2][FIELDS.index("record_id")] = 12345.0
    numbers[3][FIELDS.index("phone")] = 13800000004
    dates = [list(r) for r in good]
    dates[1][FIELDS.index("service_date")] = dt.datetime(2024, 3, 1)
    dates[1][FIELDS.index("rating_time")] = dt.datetime(2024, 3, 1, 10, 0, 0)
    formula = [list(r) for r in good]
    formula[2][FIELDS.index("organisation")] = '=CONCATENATE("机构","1")'
    wide = [HEADERS + [f"c{i}" for i in range(600)]]

    def bomb(path: Path) -> None:
        xlsx({"frame": good})(path)
        with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("xl/padding.bin", bytes(3 << 20))

    def warns(frame) -> None:
        assert frame.warnings == [
            "sheet '续表' (3 filled rows) was not read: only the first sheet 'frame' is the frame; move the rows "
            "there (or export one CSV) if they belong to it"
        ], frame.warnings

    return [
        Case("clean.xlsx", "xlsx", xlsx({"frame": good}), Loaded(5, 0)),
        Case("duplicate_phone_header.xlsx", "xlsx", xlsx({"frame": [[h if h != "服务对象姓名" else "联系电话" for h in HEADERS], *good[1:]]}), Refused(FrameError, "'联系电话' appears twice")),
        Case("second_sheet.xlsx", "xlsx", xlsx({"frame": good[:3], "续表": good[3:]}), Loaded(2, 0, (Line(1, "(file)", "warning", "sheet '续表' (3 filled rows) was not read"),), check=warns)),
        Case("empty_second_sheet.xlsx", "xlsx", xlsx({"frame": good, "Sheet2": []}), Loaded(5, 0, check=lambda f: _no_warnings(f))),
        Case("blank_rows.xlsx", "xlsx", xlsx({"frame": with_blank}), Loaded(5, 0, (Line(1, "(file)", "note", "8 rows in the file: the header and 5 records, 2 blank rows skipped"),), check=lambda f: _blank(f, 2))),
        Case("value_beyond_header.xlsx", "xlsx", xlsx({"frame": beyond}), Loaded(4, 1, (Line(3, "(no header)", "rejected", "column without a header"),))),
        Case(
            "numbers_as_ids.xlsx",
            "xlsx",
            xlsx({"frame": numbers}),
            Loaded(4, 1, (Line(2, "record_id", "rejected", "Excel cannot hold exactly"),), check=frame_value("phone", "R00004", "13800000004")),
        ),
        Case("date_cells.xlsx", "xlsx", xlsx({"frame": dates}), Loaded(5, 0, check=frame_value("service_date", "R00001", pd.Timestamp("2024-03-01")))),
        Case("formula_without_value.xlsx", "xlsx", xlsx({"frame": formula}), Loaded(
                4,
                1,
                (
                    Line(3, "organisation", "rejected", "formula without a saved result"),
                    Line(3, "organisation", "rejected", "missing value"),
                ),
            )),
        Case("unpacks_too_large.xlsx", "xlsx", bomb, Refused(FrameError, "unpacks to 3.0 MB, more than the limit of 1.0 MB"), {"limits": FrameLimits(max_xlsx_unpacked_bytes=1 << 20)}),
        Case("empty_header_row.xlsx", "xlsx", xlsx({"frame": [[], *good[1:]]}), Refused(FrameError, "header row")),
        Case("too_many_columns.xlsx", "xlsx", xlsx({"frame": wide}), Refused(FrameError, "615 columns, more than the limit of 500")),
        Case("placeholder_cell.xlsx", "xlsx", xlsx({"frame": [*good[:2], [*good[2][:12], "#N/A", *good[2][13:]], *good[3:]]}), Loaded(5, 0, (Line(3, "recipient_name", "repaired", "read as a missing value"),))),
    ]  # fmt: skip


def _no_warnings(frame) -> None:
    assert frame.warnings == [], frame.warnings


def _parquet() -> list[Case]:
    records = rows()
    zoned = pa.array(
        [pd.Timestamp(f"2024-03-0{i + 1} 02:00:00", tz="UTC") for i in range(5)],
        type=pa.timestamp("us", tz="UTC"),
    )
    ancient = pa.array(
        [dt.datetime(1, 1, 1)] + [dt.datetime(2024, 3, i + 2) for i in range(4)], type=pa.timestamp("us")
    )
    floats = pa.array([12345678901234567.0, 2.0, 3.0, 4.0, 5.0])
    lists = pa.array([[1], [2], [3], [4], [5]])
    dates = pa.array([dt.date(2024, 3, i + 1) for i in range(5)], type=pa.date32())
    phones = pa.array([13800000001 + i for i in range(5)], type=pa.int64())
    wide = {f"c{i}": pa.array([1] * 5) for i in range(600)}

    def truncated(path: Path) -> None:
        pq.write_table(arrow_table(records), path)
        path.write_bytes(path.read_bytes()[:-40])

    def shanghai(frame) -> None:
        assert frame.data["rating_time"].iloc[0] == pd.Timestamp("2024-03-01 10:00:00")

    return [
        Case("clean.parquet", "parquet", parquet(arrow_table(records)), Loaded(5, 0)),
        Case("zoned_timestamps.parquet", "parquet", parquet(arrow_table(records, rating_time=zoned)), Loaded(5, 0, check=shanghai)),
        Case("year_one.parquet", "parquet", parquet(arrow_table(records, service_date=ancient)), Loaded(4, 1, (Line(2, "service_date", "rejected", "before 2015-01-01"),))),
        Case("float_ids.parquet", "parquet", parquet(arrow_table(records, record_id=floats)), Loaded(4, 1, (Line(2, "record_id", "rejected", "cannot hold this value exactly"),), check=frame_value("phone", "2", "13800000002"))),
        Case("list_column.parquet", "parquet", parquet(arrow_table(records, recipient_name=lists)), Refused(FrameError, "hold lists")),
        Case("date32.parquet", "parquet", parquet(arrow_table(records, service_date=dates)), Loaded(5, 0)),
        Case("integer_phones.parquet", "parquet", parquet(arrow_table(records, phone=phones)), Loaded(5, 0)),
        Case("truncated.parquet", "parquet", truncated, Refused(FrameError, "Parquet file cannot be read")),
        Case("too_many_columns.parquet", "parquet", parquet(pa.table({**arrow_table(records).to_pydict(), **wide})), Refused(FrameError, "615 columns, more than the limit of 500")),
    ]  # fmt: skip


def frame_cases() -> list[Case]:
    """Every hostile frame file, with its exact outcome."""
    cases = [
        *_encodings(),
        *_structure(),
        *_headers(),
        *_placeholders(),
        *_unicode(),
        *_dates(),
        *_values(),
        *_limits(),
        *_file_kinds(),
        *_xlsx(),
        *_parquet(),
    ]
    names = [case.name for case in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    return cases


# --- the questionnaire corpus -----------------------------------------------------------------------


def _form() -> dict[str, Any]:
    """A small valid questionnaire as data (one of each kind of bound and expression)."""
    return {
        "id": "hostile",
        "version": 1,
        "title": {"zh": "测试"},
        "sections": [
            {
                "name": "main",
                "items": [
                    {"name": "age", "type": "integer", "label": {"zh": "年龄"}, "minimum": 0, "maximum": 120},
                    {
                        "name": "score",
                        "type": "decimal",
                        "label": {"zh": "分"},
                        "minimum": 0.5,
                        "maximum": 9.5,
                    },
                    {
                        "name": "why",
                        "type": "text",
                        "label": {"zh": "原因"},
                        "relevant": "${age} > 17",
                    },
                ],
            }
        ],
    }


def _with(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    form = _form()
    target: Any = form
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return form


def _json(data: Any, **kwargs: Any) -> Callable[[Path], None]:
    return lambda path: path.write_text(json.dumps(data, ensure_ascii=False, **kwargs), encoding="utf-8")


def _raw(text: str, encoding: str = "utf-8") -> Callable[[Path], None]:
    return lambda path: path.write_bytes(text.encode(encoding))


AGE = ("sections", 0, "items", 0)
WHY = ("sections", 0, "items", 2)


def questionnaire_cases() -> list[Case]:
    """Every hostile questionnaire file, with its exact outcome (Refused types are questionnaire errors)."""
    from questionnaires.errors import FileFormatError

    bad = FileFormatError
    ok = Loaded(0, 0)
    deep = "[" * 100_000 + "]" * 100_000
    lol = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )

    def xlsform(path: Path) -> None:
        import questionnaires

        questionnaires.dump(questionnaires.template("justice-callback"), path)

    def xlsx_bomb(path: Path) -> None:
        xlsform(path)
        with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("xl/padding.bin", bytes(60 << 20))

    def nested(depth: int) -> dict[str, Any]:
        value: Any = "x"
        for _ in range(depth):
            value = {"zh": value}
        return _with((*AGE, "label"), value)

    def relevant(expression: str) -> dict[str, Any]:
        return _with((*WHY, "relevant"), expression)

    cases = [
        Case("good.json", "questionnaire", _json(_form()), ok),
        Case("good.yaml", "questionnaire", _raw(yaml.safe_dump(_form(), allow_unicode=True)), ok),
        Case("good_bom.json", "questionnaire", lambda p: p.write_bytes(codecs.BOM_UTF8 + json.dumps(_form()).encode()), ok),
        Case("template.xlsx", "questionnaire", xlsform, ok),
        Case("deep_100k.json", "nesting", _raw(deep), Refused(bad, "nested more than 20 levels deep")),
        Case("deep_100k.yaml", "nesting", _raw(deep), Refused(bad, "nested more than 20 levels deep")),
        Case("deep_30.json", "nesting", _json(nested(30)), Refused(bad, "nested more than 20 levels deep")),
        Case("deep_objects_100k.json", "nesting", _raw('{"a":' * 100_000 + "1" + "}" * 100_000), Refused(bad, "nested more than 20 levels deep")),
        Case("billion_laughs.yaml", "nesting", _raw(lol), Refused(bad, "more than 200,000 values")),
        Case("min_infinity.json", "numbers", _raw(json.dumps(_form()).replace('"minimum": 0,', '"minimum": Infinity,')), Refused(bad, "minimum inf is not a finite number")),
        Case("min_minus_infinity.json", "numbers", _raw(json.dumps(_form()).replace('"minimum": 0,', '"minimum": -Infinity,')), Refused(bad, "minimum -inf is not a finite number")),
        Case("max_nan.json", "numbers", _raw(json.dumps(_form()).replace('"maximum": 120', '"maximum": NaN')), Refused(bad, "maximum nan is not a finite number")),
        Case("max_1e300.json", "numbers", _json(_with((*AGE, "maximum"), 1e300)), Refused(bad, "maximum 1e\\+300 is not a finite number")),
        Case("max_huge_int.json", "numbers", _json(_with((*AGE, "maximum"), 10**30)), Refused(bad, "is not a finite number of at most")),
        Case("min_yaml_inf.yaml", "numbers", _raw(yaml.safe_dump(_form()).replace("minimum: 0\n", "minimum: .inf\n", 1)), Refused(bad, "minimum inf is not a finite number")),
        Case("integer_min_fraction.json", "numbers", _json(_with((*AGE, "minimum"), 1.5)), Refused(bad, "must be whole")),
        Case("min_above_max.json", "numbers", _json(_with((*AGE, "minimum"), 200)), Refused(bad, "larger than maximum")),
        Case("version_1e400.json", "numbers", _raw(json.dumps(_form()).replace('"version": 1', '"version": 1e400')), Refused(bad, "field version")),
        Case("gbk.json", "encoding", _raw(json.dumps(_form(), ensure_ascii=False), "gbk"), Refused(bad, r"row 1: not UTF-8 text \(byte \d+")),
        Case("gbk.yaml", "encoding", _raw(yaml.safe_dump(_form(), allow_unicode=True), "gbk"), Refused(bad, "not UTF-8 text")),
        Case("utf16.json", "encoding", _raw(json.dumps(_form()), "utf-16"), Refused(bad, "not UTF-8 text")),
        Case("nul_byte.json", "encoding", _raw(json.dumps(_form(), ensure_ascii=False).replace("测试", "测\x00试")), Refused(bad, "not valid JSON")),
        Case("pow_tower.json", "expressions", _json(relevant("pow(9, pow(9, 9))")), Refused(bad, "pow\\(\\) takes exponents between -64 and 64")),
        Case("pow_beside_a_ref.json", "expressions", _json(relevant("${age} > pow(10, 100)")), Refused(bad, "pow\\(\\) takes exponents")),
        Case("pow_too_large.json", "expressions", _json(relevant("${age} > pow(2, 60)")), Refused(bad, "larger than 1e\\+15")),
        Case("unknown_function.json", "expressions", _json(relevant("system('ls')")), Refused(bad, "why")),
        Case("dunder.json", "expressions", _json(relevant("${age}.__class__")), Refused(bad, "why")),
        Case("pow_fine.json", "expressions", _json(relevant("${age} > pow(2, 4)")), ok),
        Case("invalid.json", "syntax", _raw('{"id": "x",'), Refused(bad, "not valid JSON")),
        Case("invalid.yaml", "syntax", _raw("id: [x\n"), Refused(bad, "not valid YAML")),
        Case("python_tag.yaml", "syntax", _raw("!!python/object/apply:os.system ['ls']\n"), Refused(bad, "not valid YAML")),
        Case("top_level_list.json", "syntax", _raw("[1, 2]"), Refused(bad, "found list")),
        Case("empty.json", "syntax", _raw(""), Refused(bad, "not valid JSON")),
        Case("empty.yaml", "syntax", _raw(""), Refused(bad, "found NoneType")),
        Case("unknown_type.json", "model", _json(_with((*AGE, "type"), "slider")), Refused(bad, "field sections.0.items.0.type")),
        Case("extra_field.json", "model", _json({**_form(), "owner": "me"}), Refused(bad, "field owner")),
        Case("duplicate_names.json", "model", _json(_with((*WHY, "name"), "age")), Refused(bad, "age")),
        Case("notes.txt", "files", _raw("x"), Refused(bad, "unknown questionnaire format")),
        Case("named_pipe.json", "files", fifo, Refused(bad, "not a regular file")),
        Case("a_folder.json", "files", folder, Refused(bad, "not a regular file")),
        Case("too_big.json", "files", _raw(" " * (6 << 20) + "{}"), Refused(bad, "at most 5,242,880")),
        Case("not_a_zip.xlsx", "files", _raw("plain text"), Refused(bad, "not an Excel workbook")),
        Case("unpacks_too_large.xlsx", "files", xlsx_bomb, Refused(bad, "unpacks to")),
    ]  # fmt: skip
    names = [case.name for case in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    return cases


def main(out: str) -> None:
    """Write every case's file into ``out`` (frames/ and questionnaires/) to look at them."""
    for sub, cases in (("frames", frame_cases()), ("questionnaires", questionnaire_cases())):
        target = Path(out) / sub
        target.mkdir(parents=True, exist_ok=True)
        for case in cases:
            if not (target / case.name).exists() and not (target / case.name).is_symlink():
                case.write(target / case.name)
    print(f"wrote {len(frame_cases())} frame and {len(questionnaire_cases())} questionnaire cases to {out}")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1])
