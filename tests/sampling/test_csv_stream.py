"""A CSV read a block at a time gives the frame the whole-file reader gives, row numbers included.

Block sizes here are a few bytes (decoding) and a few hundred (Arrow's batches), so that a small file
crosses many block boundaries: a character split between two blocks, an error in a later batch, a
line end split from its CR.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sampling
from sampling import reading
from sampling.csvstream import DictionaryColumn, Utf8Feed
from sampling.errors import FrameError
from sampling.limits import FrameLimits

from .conftest import AS_OF, export_frame, good_rows, write_csv

#: Lines are under 400 bytes; Arrow then parses 401 bytes at a time.
SMALL_LINES = FrameLimits(max_line_bytes=400)


@pytest.fixture
def tiny_blocks(monkeypatch):
    """Decode 5 bytes at a time, parse the least Arrow may; the whole-file reader must not be used."""
    monkeypatch.setattr(sampling.csvstream, "BLOCK_BYTES", 5)
    monkeypatch.setattr(reading, "ARROW_BLOCK_BYTES", 1)

    def refuse(*args, **kwargs):
        raise AssertionError("the whole-file reader was used")

    monkeypatch.setattr(reading, "_read_csv", refuse)


def load(path, **kwargs):
    return sampling.load_frame(path, as_of=AS_OF, limits=SMALL_LINES, **kwargs)


def line_of(path: Path, text: str, encoding: str) -> int:
    """The 1-based line of the file that holds ``text``."""
    lines = path.read_bytes().decode(encoding).splitlines()
    return next(number for number, line in enumerate(lines, start=1) if text in line)


def test_an_error_in_a_later_batch_names_its_row_in_the_file(tmp_path, tiny_blocks):
    rows = good_rows(60)
    rows[47]["district"] = "火星区"
    path = write_csv(tmp_path / "late.csv", rows, encoding="gbk")
    frame = load(path)
    issue = frame.report[frame.report["field"] == "district"].iloc[0]
    assert issue["row"] == line_of(path, "火星区", "gbk") and issue["file"] == "late.csv"
    assert frame.rejected["row"].tolist() == [issue["row"]]


def test_rows_after_a_line_that_cannot_be_split_keep_their_numbers_across_batches(tmp_path, tiny_blocks):
    rows = good_rows(60)
    rows[52]["district"] = "火星区"
    path = write_csv(tmp_path / "split.csv", rows, encoding="gbk")
    lines = path.read_bytes().split(b"\n")
    lines[20] = lines[20] + b",extra"  # line 21: one cell too many
    path.write_bytes(b"\n".join(lines))
    frame = load(path)
    district = frame.report[frame.report["field"] == "district"].iloc[0]
    assert district["row"] == line_of(path, "火星区", "gbk")
    unsplit = frame.report[frame.report["field"] == ""].iloc[0]
    assert unsplit["row"] == 21 and "16 columns where the header has 15" in unsplit["reason"]
    assert frame.rows_read == 60 and len(frame.data) + len(frame.rejected) == 60


def test_a_gbk_character_split_between_two_blocks_decodes_whole(tmp_path, monkeypatch):
    rows = good_rows(12)
    rows[5]["recipient_name"] = "欧阳娜娜"
    path = write_csv(tmp_path / "gbk.csv", rows, encoding="gbk")
    expected = load(write_csv(tmp_path / "utf8.csv", rows)).data
    monkeypatch.setattr(reading, "_read_csv", lambda *a, **k: pytest.fail("read whole"))
    for size in (1, 2, 3, 7):  # odd sizes cut two-byte characters at every position
        monkeypatch.setattr(sampling.csvstream, "BLOCK_BYTES", size)
        pd.testing.assert_frame_equal(load(path).data, expected)


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5])
def test_a_four_byte_gb18030_character_decodes_whichever_byte_a_block_ends_on(size):
    text = "姓名\n王𠀀,欧阳\n"
    raw = ("\ufeff" + text).encode("gb18030")  # a BOM too: it is not text
    feed = Utf8Feed(io.BytesIO(raw), "gb18030", block=size)
    assert feed.read() + feed.read() + _rest(feed) == text.encode("utf-8")
    assert feed.finished and feed.sha256() == __import__("hashlib").sha256(raw).hexdigest()


def _rest(feed: Utf8Feed) -> bytes:
    out = b""
    while piece := feed.read(3):
        out += piece
    return out


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('a,b\n1,x"y"\n', "a quote inside a field that is not quoted"),
        ('a,b\n1,"x"y\n', "text after a closing quote"),
        ('a,b\n1,"x\ny"z\n', "text after a closing quote"),
        ('a,b\n1,"x""\n', "a quote not closed"),
        ('a,b\n1,"x', "a quote not closed"),
        ('a,b\n1,"x\ny\n2,3\n', "a quote not closed"),
        ('a,b\n1,"x"\n\n', "a blank line or a bare CR"),
        ('a,b\n1,"x"\r', "line ends after the last line of a file with quotes"),
        ('a,b\n1,"x\ry"\n', "a blank line or a bare CR"),
        ('a,b\n"1\n2",x\n\n3,4\n', "a blank line or a bare CR"),
        ("a,b\n1,2\n\n3,4\n", "a blank line or a bare CR"),
        ("a,b\n1,2\r3,4\n", "a blank line or a bare CR"),
        ("a,b\r\n1,2\r\n\r\n3,4\r\n", "a blank line or a bare CR"),
        ("a,b\n1,\x002\n", "a zero byte"),
    ],
)
@pytest.mark.parametrize("size", [1, 2, 64])
def test_the_feed_stops_where_only_the_whole_file_reader_may_decide(text, why, size):
    feed = Utf8Feed(io.BytesIO(text.encode("utf-8")), "utf-8", block=size)
    _rest(feed)
    assert feed.stopped == why and not feed.finished


@pytest.mark.parametrize(
    "text",
    ['"a","b"\n"1","x"\n', 'a,b\r\n"",""\r\n"x""y","""z"""\r\n', 'a,b\n1,"王,五"', 'a,b\n"1",""""\n2,3\n'],
)
def test_whole_quoted_fields_on_one_line_stream_wherever_the_blocks_cut_their_quotes(text):
    for size in range(1, 9):
        feed = Utf8Feed(io.BytesIO(text.encode("gb18030")), "gb18030", block=size)
        assert _rest(feed) == text.encode() and feed.finished and feed.quotes.seen


@pytest.mark.parametrize(
    ("text", "joins"),
    [
        ('a,b\n1,"x\ny"\n2,3\n', [1]),
        ('a,b\r\n"1\r\n\r\n2","x\ny"\r\n3,4\r\n"5\n"\n', [1, 1, 1, 3]),
        ('a,b\n1,"""\n"""\n2,"\n,""\n"', [1, 2, 2]),
    ],
)
def test_line_breaks_inside_quotes_stream_and_say_which_record_they_join(text, joins):
    for size in range(1, 9):
        feed = Utf8Feed(io.BytesIO(text.encode("gb18030")), "gb18030", block=size)
        assert _rest(feed) == text.encode() and feed.finished
        assert feed.quotes.joins().tolist() == joins


@pytest.mark.parametrize("text", ["a,b\n1,2\n\n\n", "a,b\r\n1,2\r\n\r\n", "a,b\r\n1,2\r"])
def test_line_ends_at_the_end_of_the_file_are_not_blank_lines(text):
    for size in (1, 2, 3, 64):
        feed = Utf8Feed(io.BytesIO(text.encode()), "utf-8", block=size)
        assert _rest(feed) == text.encode() and feed.finished


def test_bytes_the_encoding_refuses_stop_the_feed_even_in_the_last_character():
    feed = Utf8Feed(io.BytesIO("a,b\n1,王".encode("gb18030")[:-1]), "gb18030", block=2)
    _rest(feed)
    assert feed.stopped == "bytes the encoding does not read"


def test_a_line_over_the_limit_stops_the_feed_wherever_the_blocks_cut_it():
    text = b"a,b\n" + b"1," + b"x" * 30 + b"\n2,3\n"
    for size in (1, 4, 7, 100):
        feed = Utf8Feed(io.BytesIO(text), "utf-8", block=size, max_line=20)
        _rest(feed)
        assert feed.stopped == "a line over the limit"
        fits = Utf8Feed(io.BytesIO(text), "utf-8", block=size, max_line=32)
        assert _rest(fits) == text and fits.finished


def test_batches_with_another_dictionary_keep_codes_in_order_of_first_appearance():
    batches = [pa.array(["b", "a", "b"]).dictionary_encode(), pa.array(["c", "a", "d"]).dictionary_encode()]
    column = DictionaryColumn()
    for batch in batches:
        column.add(batch)
    unified = pa.chunked_array(batches).unify_dictionaries()
    assert column.dictionary.to_pylist() == unified.chunk(0).dictionary.to_pylist() == ["b", "a", "c", "d"]
    assert column.codes().tolist() == [0, 1, 0, 2, 1, 3]


# ---- the streamed read against the whole-file read, on small exports with every kind of fault


def _export_rows(faults: list[int], count: int) -> list[dict[str, str]]:
    rows = good_rows(count)
    for i, fault in enumerate(faults[:count]):
        row = rows[i]
        match fault:
            case 1:
                row["district"] = "火星区"
            case 2:
                row["district"] = "闸北区"
            case 3:
                row["phone"] = f"+86 138 0000 {i:04d}"
            case 4:
                row["phone"] = "14012345678"
            case 5:
                row["record_id"] = rows[0]["record_id"]
            case 6:
                row["system_rating"] = "很好"
            case 7:
                row["recipient_name"] = "王𠀀" if i % 2 else "ＡＢＣ"
            case 8:
                row["rating_time"] = "2024-02-30 10:00:00"
            case 9:
                row["service_date"] = "2024年3月5日"
            case 10:
                row["recipient_name"] = "NULL"
            case 11:  # a doubled quote once quoted
                row["recipient_name"] = '张"三' if i % 2 else '"王五"'
            case 12:  # a comma: quoted even where the export quotes only what it must
                row["organisation"] = "机构,一"
            case 13:  # a line break inside a value (LF, CRLF or a blank line): one record on several lines
                row["recipient_name"] = ("张\n三", "张\r\n三", "张\n\n三", '"张"\n')[i % 4]
            case 14:  # a bad row on several lines
                row["organisation"] = "机构\n一"
                row["district"] = "火星区"
            case 15 | 16:  # broken quotes, written by ``_break_quotes``
                row["recipient_name"] = f"BROKEN{fault}"
    return rows


#: Text after a closing quote; a quote never closed (which may also close at a later quote).
_BROKEN = {b"BROKEN15": b'"Wang"x', b"BROKEN16": b'"Wang'}


def _break_quotes(path: Path) -> bool:
    """Write the broken quotes of faults 15 and 16 into the export; whether there were any."""
    data = path.read_bytes()
    broken = re.sub(rb'"?(BROKEN1[56])"?', lambda m: _BROKEN[m.group(1)], data)
    path.write_bytes(broken)
    return broken != data


def _whole_records(lines: list[bytes]) -> list[int]:
    """The lines that are whole records (no line end inside quotes before or after them)."""
    whole, quotes = [], 0
    for number, line in enumerate(lines):
        if quotes % 2 == 0 and (quotes + line.count(b'"')) % 2 == 0:
            whole.append(number)
        quotes += line.count(b'"')
    return whole


def _whole(monkeypatch, path: Path, **kwargs) -> sampling.Frame:
    with monkeypatch.context() as patch:
        patch.setattr(reading, "_read_csv_streamed", lambda *a, **k: None)
        return load(path, **kwargs)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    faults=st.lists(st.integers(0, 16), min_size=1, max_size=40),
    count=st.integers(1, 40),
    unsplit=st.lists(st.integers(0, 40), max_size=3),
    block=st.integers(1, 9),
    encoding=st.sampled_from(["gb18030", "utf-8", "utf-8-sig"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
)
def test_the_streamed_read_gives_the_frame_report_and_fingerprint_of_the_whole_file_read(
    monkeypatch, faults, count, unsplit, block, encoding, quoting
):
    """Every field quoted, or only those with a comma, a quote or a line break; values on several lines;
    broken quotes (read whole, or refused, alike); cut into blocks of 1 to 9 bytes."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.csv"
        export_frame(_export_rows(faults, count)).to_csv(
            path, index=False, encoding=encoding, quoting=quoting
        )
        broken = _break_quotes(path)
        if unsplit:  # lines with a cell too many or too few
            lines = path.read_bytes().split(b"\n")
            whole = set(_whole_records(lines))
            for number in unsplit:
                if 0 < number < len(lines) - 1 and number in whole:
                    # the last field never holds a comma: cutting it off leaves the quotes whole; a cell
                    # too many may itself be on two lines
                    extra = b',"x"' if number % 4 == 1 else b',"x\r\ny"'
                    lines[number] = lines[number] + extra if number % 2 else lines[number].rsplit(b",", 1)[0]
            path.write_bytes(b"\n".join(lines))
        try:
            expected = _whole(monkeypatch, path)
        except FrameError as refused:
            assert broken
            with monkeypatch.context() as patch:
                patch.setattr(sampling.csvstream, "BLOCK_BYTES", block)
                patch.setattr(reading, "ARROW_BLOCK_BYTES", 1)
                with pytest.raises(FrameError) as again:
                    load(path)
            assert str(again.value) == str(refused)
            return
        unsplittable = expected.rejected["reasons"].str.startswith("row cannot be split").sum()
        with monkeypatch.context() as patch:
            patch.setattr(sampling.csvstream, "BLOCK_BYTES", block)
            patch.setattr(reading, "ARROW_BLOCK_BYTES", 1)
            if expected.rows_read > unsplittable and not broken:  # a file without one good line is read whole
                patch.setattr(reading, "_read_csv", lambda *a, **k: pytest.fail("read whole"))
            streamed = load(path)
    pd.testing.assert_frame_equal(streamed.data, expected.data)
    pd.testing.assert_frame_equal(streamed.report, expected.report)
    pd.testing.assert_frame_equal(streamed.rejected, expected.rejected)
    assert streamed.frame_sha256 == expected.frame_sha256
    assert streamed.source_sha256 == expected.source_sha256
    assert streamed.summary == expected.summary


def test_a_quoted_line_break_is_streamed_and_later_rows_keep_their_line_numbers(tmp_path, tiny_blocks):
    rows = good_rows(8)
    rows[3]["recipient_name"] = "张\n三"  # one record on two lines
    rows[6]["district"] = "火星区"
    path = write_csv(tmp_path / "quoted.csv", rows, encoding="gbk")
    frame = load(path)
    assert frame.rejected["row"].tolist() == [5, line_of(path, "火星区", "gbk")] == [5, 9]
    assert "a line break" in frame.rejected["reasons"].iloc[0] and frame.file_lines == 10


def test_a_line_that_does_not_split_after_a_quoted_line_break_is_named_by_its_line(tmp_path, tiny_blocks):
    rows = good_rows(8)
    rows[2]["organisation"] = "机构\r\n\r\n一"  # a blank line inside a value
    path = write_csv(tmp_path / "quoted.csv", rows, encoding="gbk")
    lines = path.read_bytes().split(b"\n")
    lines[7] += b',"x\ny"'  # line 8: a cell too many, itself on two lines
    path.write_bytes(b"\n".join(lines))
    frame = load(path)
    unsplit = frame.report[frame.report["field"] == ""].iloc[0]
    assert unsplit["row"] == 8 and "rows 8–9 were read as one row" in unsplit["reason"]
    assert frame.file_lines == 12 and frame.rows_read == 8


def test_a_line_of_one_empty_quoted_field_is_left_to_the_whole_file_reader(tmp_path):
    """Python's csv module reads ``""`` as a blank line, Arrow as a row of one empty value."""
    path = write_csv(tmp_path / "f.csv", good_rows(4))
    path.write_bytes(path.read_bytes() + b'""\n' + b"R9," * 14 + b'"x"\n')
    assert reading._read_csv_streamed(path, None, set(), SMALL_LINES) is None
    assert load(path).blank_lines == 1


def test_a_header_on_two_lines_is_left_to_the_whole_file_reader(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text('"a\nb",c\n1,2\n', encoding="utf-8")
    assert reading._read_csv_streamed(path, None, set(), SMALL_LINES) is None


def test_a_quoted_field_over_the_csv_modules_limit_is_left_to_the_whole_file_reader(tmp_path):
    rows = good_rows(4)
    rows[2]["recipient_name"] = "王" * 60
    path = Path(tmp_path / "f.csv")
    export_frame(rows).to_csv(path, index=False, quoting=csv.QUOTE_ALL)
    previous = csv.field_size_limit(50)
    try:
        assert reading._read_csv_streamed(path, None, set(), SMALL_LINES) is None
    finally:
        csv.field_size_limit(previous)
    assert reading._read_csv_streamed(path, None, set(), SMALL_LINES) is not None


def test_the_file_fingerprint_of_a_streamed_read_is_the_sha256_of_the_file(tmp_path, tiny_blocks):
    path = write_csv(tmp_path / "f.csv", good_rows(30), encoding="gbk")
    assert load(path).source_sha256 == __import__("hashlib").sha256(path.read_bytes()).hexdigest()


def test_a_bom_decided_encoding_is_streamed_without_the_bom(tmp_path, tiny_blocks):
    path = write_csv(tmp_path / "bom.csv", good_rows(10), encoding="utf-8-sig")
    assert path.read_bytes().startswith(codecs.BOM_UTF8)
    frame = load(path)
    assert frame.encoding == "utf-8-sig" and "记录编号" in frame.mapping


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="a\n\r", max_size=60), limit=st.integers(0, 12), block=st.integers(1, 16))
def test_the_feed_stops_exactly_at_a_line_over_the_limit_or_a_blank_line_or_bare_cr(text, limit, block):
    """Against the whole-file checks, whatever the blocks cut."""
    data = ("h\n" + text).encode()
    feed = Utf8Feed(io.BytesIO(data), "utf-8", block=block, max_line=limit)
    out = _rest(feed)
    reasons = set()
    if max(len(line) for line in data.split(b"\n")) > limit:
        reasons.add("a line over the limit")
    if reading._irregular(data):
        reasons.add("a blank line or a bare CR")
    if reasons:  # whichever the feed meets first
        assert feed.stopped in reasons
    else:
        assert feed.finished and out == data


_PLAIN = st.sampled_from(["", "a", "王"])
_QUOTED = st.lists(st.sampled_from(["a", "王", ",", '""', "\n", "\r\n"]), max_size=4).map(
    lambda parts: '"' + "".join(parts) + '"'
)
_RECORDS = st.lists(st.lists(st.one_of(_PLAIN, _QUOTED), min_size=1, max_size=3), max_size=6)


@settings(max_examples=300, deadline=None)
@given(
    records=_RECORDS,
    line_end=st.sampled_from(["\n", "\r\n"]),
    damage=st.lists(st.tuples(st.integers(0, 200), st.sampled_from(['"', "\r", "\n", "a"])), max_size=2),
    block=st.integers(1, 9),
)
def test_whatever_the_feed_lets_through_arrow_splits_as_the_strict_csv_module_numbered_by_first_line(
    records, line_end, damage, block
):
    """Records of plain and quoted cells (quotes, commas and line breaks inside), some damaged by a stray
    quote or line end: when the feed finishes, Arrow's records (numbered through ``QuoteCheck.joins``)
    are the csv module's, and the module reads the text without complaint."""
    body = "".join(",".join(cells) + line_end for cells in records)
    for at, char in damage:
        body = body[:at] + char + body[at:]
    text = "h1,h2\n" + body
    feed = Utf8Feed(io.BytesIO(text.encode("gb18030")), "gb18030", block=block)
    bad: list[tuple[int | None, str, str]] = []
    options = reading._arrow_options(["h1", "h2"], set(), 1 << 16, False, bad)
    try:
        table = pacsv.open_csv(feed, **options).read_all()
    except pa.ArrowInvalid:
        table = None
    if not feed.finished:
        return
    assert table is not None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    expected, previous = [], 0
    for record in reader:
        first, previous = previous + 1, reader.line_num
        if first > 1 and len(record) == 2:
            expected.append((first, record))
    numbers = reading._row_numbers(table.num_rows, bad)
    firsts = reading._first_lines(np.asarray(numbers), feed.quotes.joins()).tolist()
    assert list(zip(firsts, [list(r.values()) for r in table.to_pylist()], strict=True)) == expected
