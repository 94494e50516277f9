"""Turn a frame file (CSV, XLSX or Parquet) into a table of the export's own columns.

The file type is recognised from its first bytes, not its name. A CSV's encoding is detected by
charset-normalizer among the encodings Chinese exports use (UTF-8 with or without BOM, the GB family,
Big5, UTF-16); a GB-family result is decoded as GB18030, the superset of GB2312 and GBK, so that a
rare character outside GBK (for example in a name) still decodes. Nothing is guessed silently: an
undecodable byte is an error naming the row and byte offset.

Hostile files are refused before they cost anything (see ``limits.FrameLimits``): only regular files
are opened (a named pipe would block), the file size, an .xlsx's declared unpacked size, the column
count and the CSV line length are bounded. A CSV with quotes, blank lines or bare CR line ends is
split by Python's csv module instead of Arrow's, so that every record keeps its true line number and
a quote left open (which joins the following lines into one record) is named with the lines it joined.
The module reads strictly (``quotes``): a record with text after a closing quote is rejected with its
field named, and a quote never closed refuses the file, instead of ``"x"y`` silently read as ``xy``
and the rest of the file swallowed into one value.

Any other CSV is read a block at a time (``_read_csv_streamed``, ``csvstream``): the same table as the
whole-file read, without the file, its text and a UTF-8 copy in memory at once. Whatever that read
cannot decide alone (an odd byte, a stray or broken quote, a long line, …) sends the file to the
whole-file read. Whole quoted fields are streamed, line breaks inside them included, and read as the
csv module reads them (``_as_python_csv``; a record on several lines is numbered by its first line).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import hashlib
import io
import os
import re
import stat
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import charset_normalizer
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from sampling import csvstream, quotes
from sampling.csvstream import DictionaryColumn, Utf8Feed, codes_dtype
from sampling.errors import EmptyFileError, EncodingError, FrameError, UnsupportedFileError
from sampling.limits import DEFAULT_LIMITS, FrameLimits, megabytes

#: Encodings charset-normalizer may choose between; a detector free to pick any code page calls short
#: GBK files cp949 (Korean).
CANDIDATE_ENCODINGS: tuple[str, ...] = ("utf_8", "gb18030", "big5", "utf_16")
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "cp936", "hz", "euc_cn", "ms936"}
DETECTION_SAMPLE_BYTES = 256 * 1024
#: Least bytes Arrow's CSV reader parses at a time when it streams (a block holds at least one whole
#: line); each block is a batch with a dictionary of its own, so few large blocks cost less.
ARROW_BLOCK_BYTES = 16 << 20


@dataclass
class RawTable:
    """The export as read: its own headers, values as text (or typed, from Parquet), spreadsheet rows."""

    data: pd.DataFrame
    rows: pd.Index  # spreadsheet row number of each data row (header = row 1); a lazy range when regular
    kind: str  # "csv", "xlsx" or "parquet"
    encoding: str | None
    detected_encoding: str | None
    source_sha256: str
    unparsable: list[tuple[int | None, str, str]] = field(default_factory=list)  # (row, text, reason)
    lines: int | None = None  # CSV: lines in the file (header included); xlsx: rows of the sheet
    blank: int = 0  # blank lines or rows, skipped
    warnings: list[str] = field(default_factory=list)  # e.g. sheets not read
    headers: list[str] = field(default_factory=list)  # as written (xlsx; before renaming repeats)
    cell_issues: list[tuple[int, str, str, str]] = field(
        default_factory=list
    )  # (position, header, value, why)


def sniff_kind(head: bytes, path: Path) -> str:
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        if _is_encrypted_ooxml(path):
            raise UnsupportedFileError(
                path,
                "this workbook is protected by a password (encrypted)",
                "Open it in Excel or WPS, remove the password (File › Info › Protect Workbook) and save it "
                "as .xlsx or CSV.",
            )
        raise UnsupportedFileError(
            path, "this is an old Excel .xls workbook", "Open it in Excel or WPS and save it as .xlsx or CSV."
        )
    return "csv"


_ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")


def _is_encrypted_ooxml(path: Path) -> bool:
    """An OLE file holding an ``EncryptedPackage`` stream is a password-protected .xlsx, not an .xls."""
    tail = b""
    try:
        with path.open("rb") as fh:
            while piece := fh.read(1 << 20):
                if _ENCRYPTED_MARK in tail + piece:
                    return True
                tail = piece[-len(_ENCRYPTED_MARK) :]
    except OSError:
        return False
    return False


def check_file(path: Path, limits: FrameLimits = DEFAULT_LIMITS) -> int:
    """The file's size, after making sure it is a regular file within the size limit.

    ``os.stat`` first: opening a named pipe or a device to read it could wait forever.
    """
    try:
        info = os.stat(path)
    except OSError as exc:
        raise FrameError(path, f"cannot open the file ({exc.strerror})", "Check the path.") from exc
    if stat.S_ISDIR(info.st_mode):
        raise FrameError(path, "this is a folder, not a file", "Give the path of the export file.")
    if not stat.S_ISREG(info.st_mode):
        kind = "a named pipe" if stat.S_ISFIFO(info.st_mode) else "a device or socket"
        raise FrameError(
            path,
            f"this is {kind}, not a regular file (reading it could wait forever)",
            "Save the export as a file and give its path.",
        )
    if info.st_size > limits.max_file_bytes:
        raise FrameError(
            path,
            f"the file is {megabytes(info.st_size)}, more than the limit of {megabytes(limits.max_file_bytes)}",
            "Split the export, or raise FrameLimits.max_file_bytes if the file is genuine.",
        )
    return info.st_size


def codec_name(encoding: str) -> str:
    """The Python codec Huifang decodes with: the whole GB family as GB18030."""
    name = codecs.lookup(encoding).name
    if name in _GB_FAMILY or encoding.lower().replace("-", "") in _GB_FAMILY:
        return "gb18030"
    return name


def detect_encoding(raw: bytes, path: Path, whole: bool = False) -> str:
    """Ask charset-normalizer which supported encoding the bytes are in (a BOM decides at once).

    Detection looks at the first 256 KiB (cut at a line end) unless ``whole`` is set.
    """
    found = _detect(raw, whole=whole, complete=True)
    return found if found is not None else _plain_utf8_or_refuse(raw, path)


def encoding_from_head(head: bytes, complete: bool) -> str | None:
    """``detect_encoding``'s answer for a file that begins with ``head`` (at least its first 256 KiB,
    or all of it: ``complete``) when the head decides it; None when the whole file would be looked at."""
    return _detect(head, whole=False, complete=complete)


def _detect(raw: bytes, whole: bool, complete: bool) -> str | None:
    """The encoding, or None where the whole file (``raw`` when ``complete``) must decide."""
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = raw
    if (
        len(raw) >= DETECTION_SAMPLE_BYTES and not whole
    ):  # a read of exactly the sample size may end mid-character
        cut = raw.rfind(b"\n", 0, DETECTION_SAMPLE_BYTES)
        sample = raw[: cut + 1] if cut > 0 else raw[:DETECTION_SAMPLE_BYTES]
    unmarked = _utf16_without_bom(sample)
    if unmarked:
        return unmarked
    if b"\x00" in sample:
        return None
    best = charset_normalizer.from_bytes(sample, cp_isolation=list(CANDIDATE_ENCODINGS)).best()
    if best is None and sample is not raw:
        if not complete:
            return None
        best = charset_normalizer.from_bytes(raw, cp_isolation=list(CANDIDATE_ENCODINGS)).best()
    if best is None:
        return None
    return codec_name(best.encoding)


def _utf16_without_bom(sample: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when the text is plainly UTF-16 without a byte-order mark.

    Text in UTF-16 has a zero byte beside nearly every ASCII character (digits, commas, line ends),
    always on the same side; a binary file's zero bytes fall anywhere.
    """
    probe = sample[:4096]
    if len(probe) < 8 or len(probe) % 2:
        probe = probe[: len(probe) - len(probe) % 2]
    if len(probe) < 8:
        return None
    even, odd = probe[0::2], probe[1::2]
    pairs = len(probe) // 2
    for zeros, other, codec in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if zeros.count(0) >= 0.3 * pairs and other.count(0) == 0 and b"\n" in other:
            try:
                probe.decode(codec)
            except UnicodeDecodeError:
                continue
            return codec
    return None


def _plain_utf8_or_refuse(raw: bytes, path: Path) -> str:
    """'utf-8' for valid UTF-8 text the detector gave up on; else the most useful error: where, and what.

    GB18030 is never assumed without the detector: it decodes most byte soup (UTF-8 Chinese included)
    into wrong characters instead of failing.
    """
    nul = raw.find(b"\x00")
    if nul >= 0:
        row = raw.count(b"\n", 0, nul) + 1
        probe = raw[:4096]
        controls = sum(probe.count(bytes([c])) for c in (*range(9), *range(14, 32)))
        if controls > max(4, len(probe) // 100):  # a text file has (almost) no control bytes
            raise UnsupportedFileError(
                path,
                "this is neither text (CSV) nor an XLSX or Parquet file (it holds binary zero bytes)",
                "Export the frame as CSV (UTF-8 or GBK), XLSX or Parquet.",
            )
        raise EncodingError(
            path,
            f"row {row} (byte {nul}): a zero byte (\\x00), which a text file does not contain",
            "The file is damaged or not a CSV; export it again as UTF-8 CSV.",
        )
    failures = []
    for codec in ("utf-8", "gb18030"):
        try:
            raw.decode(codec)
        except UnicodeDecodeError as exc:
            failures.append((exc.start, codec, exc))
        else:
            if codec == "utf-8":
                return "utf-8"
    start, codec, exc = max(failures, key=lambda f: f[0])
    row = raw.count(b"\n", 0, start) + 1
    ends = " (the file ends in the middle of a character)" if exc.end >= len(raw) else ""
    raise EncodingError(
        path,
        f"row {row} (byte {start}): the bytes {raw[start : start + 4]!r} are not {codec.upper()} "
        f"text{ends}, and no single encoding reads the whole file (it may mix encodings or be damaged)",
        "Open it in a text editor or Excel and save it again as UTF-8 CSV, or pass its encoding.",
    )


def _decode(raw: bytes, codec: str, path: Path) -> str:
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as exc:
        row = raw.count(b"\n", 0, exc.start) + 1
        ends = " (the file ends in the middle of a character)" if exc.end >= len(raw) else ""
        raise EncodingError(
            path,
            f"row {row} (byte {exc.start}): the bytes {raw[exc.start : exc.end + 1]!r} are not valid "
            f"{codec}{ends}",
            "Pass the file's encoding explicitly (encoding='gb18030' or 'utf-8'), or export it again as UTF-8.",
        ) from exc


def lookup_codec(encoding: str, path: Path) -> str:
    """``codec_name`` for a user-given encoding, refusing an unknown one with a sentence."""
    try:
        return codec_name(encoding)
    except LookupError:
        raise EncodingError(
            path,
            f"{encoding!r} is not an encoding Huifang knows",
            "Use utf-8, gbk, gb18030, big5 or utf-16 (or leave it out to detect it).",
        ) from None


_LINE_END = re.compile(r"\r\n|\r|\n")


def first_line(text: str) -> str:
    """The header line, whatever the line ends (LF, CRLF or a bare CR)."""
    match = _LINE_END.search(text)
    return text[: match.start()] if match else text


def _unique_headers(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    unique = []
    for header in headers:
        count = seen.get(header, 0)
        seen[header] = count + 1
        unique.append(header if count == 0 else f"{header}.{count}")
    return unique


def _headers_of(line: str, path: Path, limits: FrameLimits, complete: bool = True) -> list[str]:
    try:
        headers = [h.strip() for h in next(csv.reader([line]), [])]
    except csv.Error as exc:
        raise FrameError(
            path, f"row 1 (the header row) cannot be split ({exc})", "Check its quotes."
        ) from exc
    if len(headers) > limits.max_columns:
        raise FrameError(
            path,
            f"row 1 has {'' if complete else 'at least '}{len(headers):,} columns, more than the limit of "
            f"{limits.max_columns:,}",
            "Export only the frame's columns, or raise FrameLimits.max_columns.",
        )
    return headers


def _irregular(utf8: bytes) -> bool:
    """Quotes, blank lines or bare CR line ends: Arrow's reader would number such records wrongly."""
    end = len(utf8)
    while end and utf8[end - 1] in b"\r\n":  # trailing line ends are not blank lines
        end -= 1
    if utf8.find(b'"', 0, end) >= 0 or utf8.find(b"\n\n", 0, end) >= 0:
        return True
    if utf8.find(b"\r", 0, end) < 0:
        return False
    return utf8.find(b"\n\r\n", 0, end) >= 0 or utf8.count(b"\r", 0, end) != utf8.count(b"\r\n", 0, end)


def _long_line(utf8: bytes, path: Path, limits: FrameLimits) -> None:
    """Refuse a line longer than the limit, naming it (before a parser chokes on it)."""
    if len(utf8) <= limits.max_line_bytes:
        return
    ends = np.flatnonzero(np.frombuffer(utf8, dtype=np.uint8) == 10)
    bounds = np.concatenate(([-1], ends, [len(utf8)]))
    lengths = np.diff(bounds) - 1
    worst = int(np.argmax(lengths))
    if lengths[worst] > limits.max_line_bytes:
        raise FrameError(
            path,
            f"row {worst + 1} is {megabytes(int(lengths[worst]))} long, more than the limit of "
            f"{megabytes(limits.max_line_bytes)} for one line",
            "A value this long is not a frame field; check the row, or raise FrameLimits.max_line_bytes.",
        )


def _read_csv_python(text: str, headers: list[str], path: Path, codec: str, detected: str | None) -> RawTable:
    """Split an irregular CSV with Python's csv module, keeping each record's first and last line.

    The module's strict rules: text after a closing quote (``"x"y``, which the lenient rules would
    read as ``xy``) rejects the record (its lines as written, the field named), and the reader starts
    again on the next line; a quote still open at the end of the file refuses the file (``quotes``).
    """
    records: list[list[str]] = []
    rows: list[int] = []
    bad: list[tuple[int | None, str, str]] = []
    blank = 0
    pending: list[str] = []  # the lines of the record being read, as written

    def lines() -> Iterator[str]:
        for line in io.StringIO(text, newline=""):
            pending.append(line)
            yield line

    reader = csv.reader(lines(), strict=True)
    previous = 0
    width = len(headers)
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            first, last = previous + 1, reader.line_num
            written = "".join(pending)
            pending.clear()
            too_long = "field larger than field limit" in str(exc)
            fault = quotes.fault(written, csv.field_size_limit() if too_long else None)
            if fault is None:
                raise FrameError(
                    path, f"row {first} cannot be split into columns ({exc})", "Check quoting and delimiters."
                ) from exc
            if fault.kind == quotes.NOT_CLOSED or first == 1:
                raise FrameError(path, *quotes.refusal(fault, first, last, headers, too_long)) from exc
            previous = last
            bad.append((first, written.rstrip("\r\n")[:500], quotes.rejection(fault, first, last, headers)))
            continue
        pending.clear()
        first, last = previous + 1, reader.line_num
        previous = last
        if first == 1:
            continue  # the header
        if not record or record == [""]:
            blank += 1
            continue
        if len(record) != width:
            reason = f"{len(record)} columns where the header has {width}" + _joined(first, last)
            bad.append((first, ",".join(record)[:500], reason))
            continue
        records.append(record)
        rows.append(first)
    columns = list(zip(*records, strict=True)) if records else [() for _ in headers]
    data = pd.DataFrame({h: pd.Series(c, dtype="str") for h, c in zip(headers, columns, strict=True)})
    table = RawTable(data, pd.Index(np.asarray(rows, dtype=np.int64)), "csv", codec, detected, "", bad)
    table.lines = previous
    table.blank = blank
    return table


def _arrow_options(
    headers: list[str],
    dictionary_headers: set[str],
    block: int,
    use_threads: bool,
    bad: list[tuple[int | None, str, str]],
) -> dict[str, object]:
    """Arrow's CSV options for an export: every value text (few-valued fields as dictionaries), the
    header line skipped for ``headers``, each line that does not split into them appended to ``bad``."""

    def on_invalid(row: pacsv.InvalidRow) -> str:
        reason = f"{row.actual_columns} columns where the header has {row.expected_columns}"
        bad.append((row.number, row.text, reason))
        return "skip"

    types = {
        h: pa.dictionary(pa.int32(), pa.string()) if h in dictionary_headers else pa.string() for h in headers
    }
    return {
        "read_options": pacsv.ReadOptions(
            column_names=headers, skip_rows=1, use_threads=use_threads, block_size=block
        ),
        "parse_options": pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid),
        "convert_options": pacsv.ConvertOptions(
            column_types=types, strings_can_be_null=False, quoted_strings_can_be_null=False
        ),
    }


def _read_csv_streamed(
    path: Path,
    encoding: str | None,
    dictionary_headers: set[str],
    limits: FrameLimits = DEFAULT_LIMITS,
) -> RawTable | None:
    """``_read_csv`` a block at a time (``csvstream``): the same table, without the file's bytes, text
    and a UTF-8 copy in memory at once. None where the whole-file reader must decide, so that it names
    the row and byte as always: an encoding not told by the first 256 KiB, bytes the codec refuses, a
    zero byte, a quote that is not a whole quoted field (``csvstream.QuoteCheck``) or is never closed, a
    blank line outside quotes, a bare CR, a line over the limit, a header on several lines, a file
    without records."""
    with path.open("rb") as fh:
        head = fh.read(DETECTION_SAMPLE_BYTES + 1)
    if encoding is None:
        codec = encoding_from_head(head, complete=len(head) <= DETECTION_SAMPLE_BYTES)
        if codec is None:
            return None
        detected: str | None = codec
    else:
        codec = lookup_codec(encoding, path)
        codec = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) and codec == "utf-8" else codec
        detected = None
    table = _stream_csv(path, codec, dictionary_headers, limits, use_threads=True)
    if table is not None and any(row is None for row, _, _ in table.unparsable):
        # the parallel reader cannot number rows; re-read serially to tell the user where
        table = _stream_csv(path, codec, dictionary_headers, limits, use_threads=False)
    if table is not None:
        table.detected_encoding = detected
    return table


def _stream_csv(
    path: Path, codec: str, dictionary_headers: set[str], limits: FrameLimits, use_threads: bool
) -> RawTable | None:
    # Arrow refuses a row longer than its block
    arrow_block = max(ARROW_BLOCK_BYTES, limits.max_line_bytes + 1)
    bad: list[tuple[int | None, str, str]] = []
    with path.open("rb") as fh:
        feed = Utf8Feed(fh, codec, block=csvstream.BLOCK_BYTES, max_line=limits.max_line_bytes)
        line = feed.first_line(arrow_block)
        if line is None:
            return None
        try:
            headers = _unique_headers(_headers_of(line, path, limits))
        except FrameError:  # a zero byte further on is named first by the whole-file reader
            return None
        if not any(headers) or line.count('"') % 2:  # a header on more than one line: read whole
            return None
        plain: dict[str, list[pa.Array]] = {h: [] for h in headers if h not in dictionary_headers}
        dictionaries = {h: DictionaryColumn() for h in headers if h in dictionary_headers}
        try:
            with arrow_pool():
                reader = pacsv.open_csv(
                    feed, **_arrow_options(headers, dictionary_headers, arrow_block, use_threads, bad)
                )
                for batch in reader:
                    for header, column in zip(headers, batch.columns, strict=True):
                        if header in dictionaries:
                            dictionaries[header].add(column)
                        else:
                            plain[header].append(column)
        except pa.ArrowInvalid:
            return None
    if not feed.finished or not plain:
        return None
    if feed.quotes.seen and not _as_python_csv(bad, headers, plain, dictionaries, limits):
        return None
    converted = {}
    for header, column in dictionaries.items():
        if column.dictionary is None or not _plain_dictionary(column.dictionary):
            return None  # no records (or a dictionary pandas cannot hold): read whole
        series = _categorical_series(column.dictionary, column.codes())
        if feed.quotes.seen:  # the csv module's text columns become categoricals of sorted categories
            series = series.cat.reorder_categories(series.cat.categories.sort_values())
        converted[header] = series
    with arrow_pool():
        table = pa.table({h: _one_chunk(plain.pop(h)) for h in list(plain)})
    if table.num_rows == 0:
        return None
    data = _with_categoricals(table, converted, headers)
    del table
    records = _row_numbers(len(data), bad)
    joins = feed.quotes.joins()
    if joins.size:  # records on several lines: Arrow numbers records, the report numbers lines
        records = pd.Index(_first_lines(np.asarray(records), joins))
        _number_bad_by_line(bad, joins)
    result = RawTable(data, records, "csv", codec, None, feed.sha256(), bad)
    result.lines = 1 + len(data) + len(bad) + len(joins)  # no blank lines here
    return result


def _first_lines(ordinals: np.ndarray, joins: np.ndarray) -> np.ndarray:
    """The line each record begins on, from its place among the records (the header = 1) and the
    record of every line end inside quotes (``QuoteCheck.joins``, in file order)."""
    return ordinals + np.searchsorted(joins, ordinals - 1, side="left")


def _number_bad_by_line(bad: list[tuple[int | None, str, str]], joins: np.ndarray) -> None:
    """Arrow's record numbers of the lines that do not split, as the lines they begin on; a record on
    several lines says so as ``_read_csv_python`` does. Rewrites ``bad`` in place."""
    for position, (row, text, why) in enumerate(bad):
        if row is None:
            continue
        first = int(_first_lines(np.array([row]), joins)[0])
        last = first + int(np.searchsorted(joins, row, side="left") - np.searchsorted(joins, row - 1))
        bad[position] = (first, text, why + _joined(first, last))


def _joined(first: int, last: int) -> str:
    """What an unsplittable record on lines ``first``–``last`` adds to its reason ("" on one line)."""
    if last == first:
        return ""
    return (
        f'; rows {first}–{last} were read as one row because a quote (") opened on row {first} is not '
        "closed on its own line — fix the quote"
    )


def _as_python_csv(
    bad: list[tuple[int | None, str, str]],
    headers: list[str],
    plain: dict[str, list[pa.Array]],
    dictionaries: dict[str, DictionaryColumn],
    limits: FrameLimits,
) -> bool:
    """Make a streamed file with quotes read as ``_read_csv_python`` reads it; False where it cannot.

    The whole-file reader splits such a file with Python's csv module: a line that splits into one empty
    field (``""``) is a blank line to it, a field over ``csv.field_size_limit()`` characters an error,
    and a line that does not split into the header's columns is reported as its fields joined by commas
    (quotes gone, 500 characters at most). Rewrites ``bad`` in place.
    """
    if len(headers) == 1:
        return False  # a line ``""`` would be a record to Arrow, a blank line to csv
    for position, (row, text, why) in enumerate(bad):
        if text == '""':
            return False
        try:
            fields = next(csv.reader([text]))
        except csv.Error:  # a field over the limit
            return False
        bad[position] = (row, ",".join(fields)[:500], why)
    limit = csv.field_size_limit()
    if limits.max_line_bytes <= limit:
        return True
    columns = [chunk for chunks in plain.values() for chunk in chunks]
    columns += [c.dictionary for c in dictionaries.values() if c.dictionary is not None]
    return all(
        not len(column) or (pc.max(pc.utf8_length(column)).as_py() or 0) <= limit for column in columns
    )


def _one_chunk(chunks: list[pa.Array]) -> pa.Array:
    """A column's batches as one large_string array (what pandas holds; ``take`` on a chunked column
    concatenates every chunk first, a copy of the column for each look-up of a few rows)."""
    combined = pa.concat_arrays([chunk.cast(pa.large_string()) for chunk in chunks])
    chunks.clear()
    return combined


def _row_numbers(records: int, bad: list[tuple[int | None, str, str]]) -> pd.Index:
    """Each record's line (the header is line 1) when the ``bad`` lines were skipped."""
    skipped = np.array(sorted(r for r, _, _ in bad if r is not None), dtype=np.int64)
    if not skipped.size:
        return pd.RangeIndex(2, records + 2)
    numbers = np.arange(2, records + skipped.size + 2, dtype=np.int64)
    return pd.Index(numbers[~np.isin(numbers, skipped)][:records])


def _read_csv(
    raw: bytes,
    path: Path,
    encoding: str | None,
    dictionary_headers: set[str],
    limits: FrameLimits = DEFAULT_LIMITS,
) -> RawTable:
    detected = None
    if encoding is None:
        detected = detect_encoding(raw, path)
        try:
            text = raw.decode(detected)
        except UnicodeDecodeError:  # the sample was plain ASCII, or the file mixes encodings
            detected = detect_encoding(raw, path, whole=True)
            try:
                text = raw.decode(detected)
            except UnicodeDecodeError:
                detected = _plain_utf8_or_refuse(raw, path)
                text = raw.decode(detected)
        codec = detected
    else:
        codec = lookup_codec(encoding, path)
        codec = "utf-8-sig" if raw.startswith(codecs.BOM_UTF8) and codec == "utf-8" else codec
        text = _decode(raw, codec, path)
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise EmptyFileError(path)
    if "\x00" in text:
        at = text.index("\x00")
        raise EncodingError(
            path,
            f"row {text.count(chr(10), 0, at) + 1}: a zero byte (\\x00), which a text file does not contain",
            "The file is damaged or not a CSV; export it again as UTF-8 CSV.",
        )
    headers = _unique_headers(_headers_of(first_line(text), path, limits))
    if not any(headers):
        raise FrameError(path, "row 1 (the header row) is empty", "Put the column names in the first row.")
    utf8 = raw if codec == "utf-8" else text.encode("utf-8")
    irregular = _irregular(utf8)
    if irregular or limits.max_line_bytes < (1 << 20):  # else Arrow's block size finds a long line
        _long_line(utf8, path, limits)
    if irregular:
        return _read_csv_python(text, headers, path, codec, detected)
    block = max(1 << 20, limits.max_line_bytes + 1)  # Arrow refuses a row longer than its block

    def read(use_threads: bool) -> tuple[pa.Table, list[tuple[int | None, str, str]]]:
        bad: list[tuple[int | None, str, str]] = []
        with arrow_pool():
            table = pacsv.read_csv(
                io.BytesIO(utf8), **_arrow_options(headers, dictionary_headers, block, use_threads, bad)
            )
        return table, bad

    try:
        table, bad = read(use_threads=True)
        if bad:  # the parallel reader cannot number rows; re-read serially to tell the user where
            table, bad = read(use_threads=False)
    except pa.ArrowInvalid as exc:
        _long_line(utf8, path, limits)
        raise FrameError(path, f"the CSV cannot be parsed ({exc})", "Check quoting and delimiters.") from exc
    data = _to_pandas(table)
    del table
    result = RawTable(data, _row_numbers(len(data), bad), "csv", codec, detected, "", bad)
    result.lines = 1 + len(data) + len(bad)  # no blank lines or line breaks in values here
    return result


_EXACT_FLOAT = 2**53  # every integer below this is held exactly by a double (Excel's number type)
_FORMULA_CELL = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})([0-9]+)"[^>]*>((?:(?!</c>).){0,4000}?)</c>', re.S)


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + letter - 64
    return index - 1


def _cell_text(value: object) -> tuple[str, bool]:
    """A cell as the text an export means by it, and whether Excel's number could not hold it exactly."""
    if value is None:
        return "", False
    if isinstance(value, str):
        return value, False
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), False
    if isinstance(value, int):
        return str(value), abs(value) >= _EXACT_FLOAT
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value), True
        if value.is_integer():
            return str(int(value)), abs(value) >= _EXACT_FLOAT
        return repr(value), False
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" "), False
    if isinstance(value, dt.date | dt.time):
        return value.isoformat(), False
    return str(value), False


def _open_workbook_zip(path: Path, limits: FrameLimits) -> zipfile.ZipFile:
    """The workbook's zip, refused when its declared unpacked size is over the limit (before parsing)."""
    try:
        archive = zipfile.ZipFile(path)
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FrameError(
            path, f"the workbook is damaged ({exc})", "Open it in Excel and save it again."
        ) from exc
    unpacked = sum(member.file_size for member in members)
    if unpacked > limits.max_xlsx_unpacked_bytes:
        archive.close()
        raise FrameError(
            path,
            f"the workbook unpacks to {megabytes(unpacked)}, more than the limit of "
            f"{megabytes(limits.max_xlsx_unpacked_bytes)}",
            "Export the frame as CSV, or raise FrameLimits.max_xlsx_unpacked_bytes if it is genuine.",
        )
    if "xl/workbook.xml" not in archive.namelist():
        archive.close()
        raise UnsupportedFileError(
            path, "this zip file is not an Excel workbook", "Export the frame as CSV, XLSX or Parquet."
        )
    return archive


def _formulas_without_values(archive: zipfile.ZipFile, part: str) -> list[tuple[int, int, str]]:
    """(row, column index, formula) of every formula cell the workbook holds no computed value for.

    Such a cell reads as empty: a workbook written by a program that does not calculate (or saved
    with calculation off) has formulas but no results.
    """
    try:
        xml = archive.read(part)
    except KeyError:
        return []
    if b"<f" not in xml:
        return []
    found = []
    for match in _FORMULA_CELL.finditer(xml):
        inner = match.group(3)
        if b"<f" in inner and not re.search(rb"<v>[^<]", inner):
            formula = re.search(rb"<f[^>]*>([^<]*)</f>", inner)
            text = formula.group(1).decode("utf-8", "replace") if formula else "(shared formula)"
            found.append((int(match.group(2)), _column_index(match.group(1)), text))
    return found


def _read_xlsx(path: Path, limits: FrameLimits = DEFAULT_LIMITS, *, nrows: int | None = None) -> RawTable:
    """The first worksheet as text; other sheets that hold data are named in a warning, never dropped."""
    import openpyxl

    archive = _open_workbook_zip(path, limits)
    try:
        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a damaged workbook
            raise FrameError(
                path, f"the workbook cannot be read ({exc})", "Open it in Excel and save it again."
            ) from exc
        try:
            sheets = book.worksheets
            if not sheets:
                raise FrameError(path, "the workbook has no worksheet", "Put the frame on the first sheet.")
            sheet = sheets[0]
            rows_iter = sheet.iter_rows(values_only=True)
            header_cells = next(rows_iter, None)
            if header_cells is None or all(c is None or str(c).strip() == "" for c in header_cells):
                raise FrameError(
                    path, "row 1 (the header row) is empty", "Put the column names in the first row."
                )
            if len(header_cells) > limits.max_columns:
                raise FrameError(
                    path,
                    f"row 1 has {len(header_cells):,} columns, more than the limit of {limits.max_columns:,}",
                    "Export only the frame's columns, or raise FrameLimits.max_columns.",
                )
            headers = [_cell_text(c)[0].strip() for c in header_cells]
            while headers and headers[-1] == "":
                headers.pop()
            width = len(headers)
            values: list[list[str]] = [[] for _ in headers]
            rows: list[int] = []
            inexact: list[tuple[int, int, str]] = []
            outside: list[tuple[int, str]] = []
            blank = 0
            number = 1
            for cells in rows_iter:
                number += 1
                if nrows is not None and len(rows) >= nrows:
                    break
                texts = [_cell_text(c) for c in cells[:width]]
                texts += [("", False)] * (width - len(texts))
                extra = [c for c in cells[width:] if c is not None and str(c).strip() != ""]
                if all(t == "" for t, _ in texts) and not extra:
                    blank += 1
                    continue
                position = len(rows)
                rows.append(number)
                if extra:
                    outside.append((position, _cell_text(extra[0])[0]))
                for index, (text, lossy) in enumerate(texts):
                    values[index].append(text)
                    if lossy:
                        inexact.append((position, index, text))
            formulas = [] if nrows is not None else _formulas_without_values(archive, sheet._worksheet_path)
            warnings = []
            for other in sheets[1:] if nrows is None else ():
                filled = sum(
                    1
                    for cells in other.iter_rows(values_only=True)
                    if any(c not in (None, "") for c in cells)
                )
                if filled:
                    warnings.append(
                        f"sheet '{other.title}' ({filled} filled rows) was not read: only the first sheet "
                        f"'{sheet.title}' is the frame; move the rows there (or export one CSV) if they belong "
                        "to it"
                    )
        finally:
            book.close()
    finally:
        archive.close()
    unique = _unique_headers(headers)
    data = pd.DataFrame({h: pd.Series(v, dtype="str") for h, v in zip(unique, values, strict=True)})
    table = RawTable(data, pd.Index(np.asarray(rows, dtype=np.int64)), "xlsx", None, None, "")
    table.lines = number
    table.blank = blank
    table.warnings = warnings
    table.headers = headers
    for position, index, text in inexact:
        table.cell_issues.append(
            (
                position,
                unique[index],
                text,
                "a number Excel cannot hold exactly (more than 15 digits, so it was rounded); format the "
                "column as text in Excel and export again",
            )
        )
    for position, text in outside:
        table.cell_issues.append(
            (position, "", text, f"a value in a column without a header (the header has {width} columns)")
        )
    where = {number: position for position, number in enumerate(rows)}
    for row, index, formula in formulas:
        if row in where and index < width:
            table.cell_issues.append(
                (
                    where[row],
                    unique[index],
                    f"={formula}",
                    "a formula without a saved result (the cell reads as empty); open the workbook in "
                    "Excel, let it calculate and save it",
                )
            )
    return table


@contextlib.contextmanager
def arrow_pool() -> Iterator[None]:
    """Arrow allocates from its jemalloc pool inside the block, where this pyarrow has one.

    Measured on the 10M-row benchmark frame (Linux, pyarrow 26): reading into the default mimalloc pool
    spent about 2 s more CPU, almost all of it in the kernel (pages released and faulted in again).
    ``pq.read_table`` takes no pool argument, hence the (restored) default; buffers remember their pool,
    so another thread allocating meanwhile is merely served by jemalloc.
    """
    try:
        pool = pa.jemalloc_memory_pool()
    except NotImplementedError:
        yield
        return
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pool)
    try:
        yield
    finally:
        pa.set_memory_pool(previous)


def _parquet_schema(path: Path, limits: FrameLimits) -> pa.Schema:
    try:
        schema = pq.read_schema(path)
    except Exception as exc:  # ArrowInvalid, OSError, … for a truncated or damaged file
        raise FrameError(path, f"the Parquet file cannot be read ({exc})", "Write it again.") from exc
    if len(schema) > limits.max_columns:
        raise FrameError(
            path,
            f"the file has {len(schema):,} columns, more than the limit of {limits.max_columns:,}",
            "Write only the frame's columns, or raise FrameLimits.max_columns.",
        )
    return schema


def _read_parquet(path: Path, dictionary_headers: set[str], limits: FrameLimits = DEFAULT_LIMITS) -> RawTable:
    schema = _parquet_schema(path, limits)
    nested = [f.name for f in schema if pa.types.is_nested(f.type) or pa.types.is_binary(f.type)]
    if nested:
        raise FrameError(
            path,
            f"column(s) {', '.join(nested)} hold lists, structures or raw bytes, not values",
            "Write each frame field as text, a number or a date.",
        )
    try:
        wanted = [
            f.name
            for f in schema
            if f.name in dictionary_headers
            and (pa.types.is_string(f.type) or pa.types.is_large_string(f.type))
        ]
        # few-valued fields straight into dictionaries (far cheaper than asking for them through a schema)
        with arrow_pool():
            table = pq.read_table(path, read_dictionary=wanted)
        data = _to_pandas(table)
    except Exception as exc:  # ArrowInvalid, OSError, out-of-range dates, … for a damaged file
        raise FrameError(path, f"the Parquet file cannot be read ({exc})", "Write it again.") from exc
    del table
    data.columns = _unique_headers([str(c).strip() for c in data.columns])
    rows = pd.RangeIndex(2, len(data) + 2)
    result = RawTable(data, rows, "parquet", None, None, "")
    for header in data.columns:
        if pd.api.types.is_float_dtype(data[header].dtype):
            data[header], lossy = float_text(data[header])
            for position in np.flatnonzero(lossy):
                result.cell_issues.append(
                    (
                        int(position),
                        header,
                        repr(float(pd.to_numeric(data[header].iloc[position], errors="coerce"))),
                        "a floating-point number that cannot hold this value exactly (more than 15 digits); "
                        "write the column as text",
                    )
                )
    return result


def float_text(column: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """A float column as text, whole numbers without '.0', and a mask of values not held exactly."""
    values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    finite = np.isfinite(values)
    whole = finite & (np.mod(values, 1) == 0)
    lossy = (finite & (np.abs(values) >= _EXACT_FLOAT)) | (~finite & ~np.isnan(values))
    text = pd.Series(
        [
            str(int(v)) if w else (repr(v) if f else None)
            for v, w, f in zip(values.tolist(), whole.tolist(), finite.tolist(), strict=True)
        ],
        index=column.index,
        dtype="str",
    )
    return text, lossy


def _categorical(column: pa.ChunkedArray) -> pd.Series | None:
    """A dictionary-encoded text column as a pandas categorical, codes written once at their final width.

    The same categories, in the same order, as ``to_pandas`` gives (dictionaries unified in chunk
    order), without its int32 copy of every code. None for a dictionary this does not cover.
    """
    if not (pa.types.is_string(column.type.value_type) or pa.types.is_large_string(column.type.value_type)):
        return None
    unified = column.unify_dictionaries()
    if unified.num_chunks == 0:
        return None
    dictionary = unified.chunk(0).dictionary
    if not _plain_dictionary(dictionary):
        return None
    codes = np.empty(len(unified), dtype=codes_dtype(len(dictionary)))
    position = 0
    for chunk in unified.chunks:
        indices = chunk.indices if chunk.null_count == 0 else pc.fill_null(chunk.indices, -1)
        codes[position : position + len(chunk)] = indices.to_numpy()
        position += len(chunk)
    return _categorical_series(dictionary, codes, column.type.ordered)


def _plain_dictionary(dictionary: pa.Array) -> bool:
    """Distinct values, none missing: what a pandas categorical's categories may be."""
    return (
        bool(len(dictionary)) and not dictionary.null_count and len(pc.unique(dictionary)) == len(dictionary)
    )


def _categorical_series(dictionary: pa.Array, codes: np.ndarray, ordered: bool = False) -> pd.Series:
    categories = pd.Index(dictionary.to_pandas())
    return pd.Series(
        pd.Categorical.from_codes(
            codes, dtype=pd.CategoricalDtype(categories, ordered=ordered), validate=False
        ),
        copy=False,
    )


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    """``table.to_pandas()`` with dictionary-encoded text converted by ``_categorical``."""
    names = table.column_names
    converted = {
        name: _categorical(table[name]) for name in names if pa.types.is_dictionary(table[name].type)
    }
    converted = {name: column for name, column in converted.items() if column is not None}
    if not converted or len(set(names)) != len(names):
        return table.to_pandas(split_blocks=True, self_destruct=True)  # no consolidation copy
    return _with_categoricals(table.drop_columns(list(converted)), converted, names)


def _with_categoricals(plain: pa.Table, converted: dict[str, pd.Series], names: list[str]) -> pd.DataFrame:
    """The plain columns converted by pandas, and the categoricals, in the order of ``names``."""
    data = plain.to_pandas(split_blocks=True, self_destruct=True)  # no consolidation copy
    if not converted:
        return data
    order = [name for name in names if name in converted or name in data.columns]  # index columns left out
    columns = {
        name: converted[name].set_axis(data.index) if name in converted else data[name] for name in order
    }
    return pd.DataFrame(columns, index=data.index, copy=False)


def read_headers(
    path: str | Path, encoding: str | None = None, limits: FrameLimits = DEFAULT_LIMITS
) -> list[str]:
    """The export's headers, cheaply (used to build the mapping before the full read)."""
    path = Path(path)
    check_file(path, limits)
    with path.open("rb") as fh:
        head = fh.read(DETECTION_SAMPLE_BYTES)
    if not head:
        raise EmptyFileError(path)
    kind = sniff_kind(head[:8], path)
    if kind == "parquet":
        return [f.name for f in _parquet_schema(path, limits)]
    if kind == "xlsx":
        return _read_xlsx(path, limits, nrows=0).headers
    codec = lookup_codec(encoding, path) if encoding else detect_encoding(head, path)
    if codec.startswith("utf-16"):
        text = head[: len(head) - len(head) % 2].decode(codec, errors="replace")
    else:
        line = re.split(rb"\r\n|\r|\n", head, maxsplit=1)[0]
        text = _decode(line, codec, path)
    text = text.removeprefix("\ufeff")
    if not text.strip() and not head.strip(b" \t\r\n\x00"):
        raise EmptyFileError(path)
    complete = len(head) < DETECTION_SAMPLE_BYTES or re.search(rb"[\r\n]", head) is not None
    headers = _headers_of(first_line(text), path, limits, complete)
    if not any(headers):
        raise FrameError(path, "row 1 (the header row) is empty", "Put the column names in the first row.")
    return headers


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB pieces (the file is never held in memory whole)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while piece := fh.read(1 << 20):
            digest.update(piece)
    return digest.hexdigest()


def read_table(
    path: str | Path,
    encoding: str | None = None,
    dictionary_headers: set[str] | None = None,
    limits: FrameLimits = DEFAULT_LIMITS,
) -> RawTable:
    """Read the whole file; ``dictionary_headers`` are read as categoricals (few distinct values)."""
    path = Path(path)
    check_file(path, limits)
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise FrameError(path, f"cannot open the file ({exc.strerror})", "Check the path.") from exc
    if not head:
        raise EmptyFileError(path)
    kind = sniff_kind(head, path)
    if kind == "csv":
        table = _read_csv_streamed(path, encoding, dictionary_headers or set(), limits)
        if table is not None:
            return table
    with ThreadPoolExecutor(max_workers=1) as pool:  # hashlib lets go of the GIL: hash while parsing
        if kind == "csv":  # irregular, or a problem to name by row and byte: read whole
            raw = path.read_bytes()
            digest = pool.submit(lambda: hashlib.sha256(raw).hexdigest())
            table = _read_csv(raw, path, encoding, dictionary_headers or set(), limits)
        else:
            digest = pool.submit(file_sha256, path)
            table = (
                _read_parquet(path, dictionary_headers or set(), limits)
                if kind == "parquet"
                else _read_xlsx(path, limits)
            )
        table.source_sha256 = digest.result()
    return table


def preview(path: str | Path, rows: int = 20, encoding: str | None = None) -> tuple[pd.DataFrame, str | None]:
    """The first ``rows`` rows as text with the export's own headers, and the encoding (for CSV).

    Cheap on any file size: for the column-mapping step, before the whole file is read. A CSV is read
    by the import's own rules (``_read_csv`` on its first 256 KiB, cut at a line end outside quotes,
    ``_preview_text``): a file the import refuses is refused with the same sentence, and a row the
    import rejects is not silently dropped or mangled but listed in ``table.attrs["unparsable"]`` as
    (row, text, reason), the reason the import's report gives it. The CSV table's index holds each
    row's number in the file (the header is row 1).
    """
    path = Path(path)
    size = check_file(path)
    with path.open("rb") as fh:
        head = fh.read(DETECTION_SAMPLE_BYTES)
    if not head:
        raise EmptyFileError(path)
    kind = sniff_kind(head[:8], path)
    if kind == "parquet":
        _parquet_schema(path, DEFAULT_LIMITS)
        try:
            batch = next(pq.ParquetFile(path).iter_batches(batch_size=rows), None)
            table = batch.to_pandas() if batch is not None else pd.DataFrame(columns=read_headers(path))
        except Exception as exc:  # a damaged file
            raise FrameError(path, f"the Parquet file cannot be read ({exc})", "Write it again.") from exc
        return table.astype("str"), None
    if kind == "xlsx":
        return _read_xlsx(path, nrows=rows).data, None
    codec = lookup_codec(encoding, path) if encoding else detect_encoding(head, path)
    text = _preview_text(head, codec, path, complete=size <= len(head))
    raw = _read_csv(text.encode("utf-8"), path, "utf-8", set())
    shown = raw.data.iloc[:rows].set_axis(raw.rows[:rows])
    last = int(raw.rows[rows - 1]) if len(raw.rows) > rows else None
    shown.attrs["unparsable"] = [
        (row, line, why) for row, line, why in raw.unparsable if last is None or (row or 0) <= last
    ]
    return shown, codec


def _preview_text(head: bytes, codec: str, path: Path, complete: bool) -> str:
    """The decoded text of a CSV's first bytes, for the preview: all of it when it is the whole file,
    else up to the last line end outside quotes, so that no record is cut short and no quote left open
    by the cut. A quote open longer than the csv module's field limit is left open: the import refuses
    that file, and so does the preview."""
    if complete:
        return _decode(head, codec, path).removeprefix("\ufeff")
    try:
        text = codecs.getincrementaldecoder(codec)().decode(head, final=False)
    except UnicodeDecodeError:
        _decode(head, codec, path)  # raises the error naming the row and byte
        raise
    text = text.removeprefix("\ufeff")
    last = cut = -1
    quoted = False
    for match in re.finditer(r'"|\r\n|\r|\n', text):
        if match.group() == '"':
            quoted = not quoted
            continue
        last = match.end()
        if not quoted:
            cut = last
    if cut < 0 or (last > cut and len(text) - cut > csv.field_size_limit()):
        cut = last
    return text[:cut] if cut > 0 else text
