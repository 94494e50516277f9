"""Turn a frame file (CSV, XLSX or Parquet) into a table of the export's own columns.

The file type is recognised from its first bytes, not its name. A CSV's encoding is detected by
charset-normalizer among the encodings Chinese exports use (UTF-8 with or without BOM, the GB family,
Big5, UTF-16); a GB-family result is decoded as GB18030, the superset of GB2312 and GBK, so that a
rare character outside GBK (for example in a name) still decodes. Nothing is guessed silently: an
undecodable byte is an error naming the row.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
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

from sampling.errors import EmptyFileError, EncodingError, FrameError, UnsupportedFileError

#: Encodings charset-normalizer may choose between; a detector free to pick any code page calls short
#: GBK files cp949 (Korean).
CANDIDATE_ENCODINGS: tuple[str, ...] = ("utf_8", "gb18030", "big5", "utf_16")
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "cp936", "hz", "euc_cn", "ms936"}
_DETECTION_SAMPLE_BYTES = 256 * 1024


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


def sniff_kind(head: bytes, path: Path) -> str:
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnsupportedFileError(
            path, "this is an old Excel .xls workbook", "Open it in Excel or WPS and save it as .xlsx or CSV."
        )
    return "csv"


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
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = raw
    if (
        len(raw) >= _DETECTION_SAMPLE_BYTES and not whole
    ):  # a read of exactly the sample size may end mid-character
        cut = raw.rfind(b"\n", 0, _DETECTION_SAMPLE_BYTES)
        sample = raw[: cut + 1] if cut > 0 else raw[:_DETECTION_SAMPLE_BYTES]
    best = charset_normalizer.from_bytes(sample, cp_isolation=list(CANDIDATE_ENCODINGS)).best()
    if best is None and sample is not raw:
        best = charset_normalizer.from_bytes(raw, cp_isolation=list(CANDIDATE_ENCODINGS)).best()
    if best is None or (b"\x00" in sample[:4096] and not best.encoding.startswith("utf_16")):
        raise UnsupportedFileError(
            path,
            "this is neither text (CSV) nor an XLSX or Parquet file",
            "Export the frame as CSV (UTF-8 or GBK), XLSX or Parquet.",
        )
    return codec_name(best.encoding)


def _decode(raw: bytes, codec: str, path: Path) -> str:
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as exc:
        row = raw.count(b"\n", 0, exc.start) + 1
        raise EncodingError(
            path,
            f"row {row}: the bytes {raw[exc.start : exc.end + 1]!r} are not valid {codec}",
            "Pass the file's encoding explicitly (encoding='gb18030' or 'utf-8'), or export it again as UTF-8.",
        ) from exc


def _unique_headers(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    unique = []
    for header in headers:
        count = seen.get(header, 0)
        seen[header] = count + 1
        unique.append(header if count == 0 else f"{header}.{count}")
    return unique


def _read_csv(raw: bytes, path: Path, encoding: str | None, dictionary_headers: set[str]) -> RawTable:
    detected = None
    if encoding is None:
        detected = detect_encoding(raw, path)
        try:
            text = raw.decode(detected)
        except UnicodeDecodeError:  # the sample was plain ASCII, or the file mixes encodings
            detected = detect_encoding(raw, path, whole=True)
            text = _decode(raw, detected, path)
        codec = detected
    else:
        codec = (
            "utf-8-sig"
            if raw.startswith(codecs.BOM_UTF8) and codec_name(encoding) == "utf-8"
            else codec_name(encoding)
        )
        text = _decode(raw, codec, path)
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise EmptyFileError(path)
    header_line = next(csv.reader(io.StringIO(text[: text.find("\n") + 1] if "\n" in text else text)), [])
    headers = _unique_headers([h.strip() for h in header_line])
    if not any(headers):
        raise FrameError(path, "row 1 (the header row) is empty", "Put the column names in the first row.")
    utf8 = raw if codec == "utf-8" else text.encode("utf-8")
    types = {
        h: pa.dictionary(pa.int32(), pa.string()) if h in dictionary_headers else pa.string() for h in headers
    }

    def read(use_threads: bool) -> tuple[pa.Table, list[tuple[int | None, str, str]]]:
        bad: list[tuple[int | None, str, str]] = []

        def on_invalid(row: pacsv.InvalidRow) -> str:
            reason = f"{row.actual_columns} columns where the header has {row.expected_columns}"
            bad.append((row.number, row.text, reason))
            return "skip"

        with arrow_pool():
            table = pacsv.read_csv(
                io.BytesIO(utf8),
                read_options=pacsv.ReadOptions(column_names=headers, skip_rows=1, use_threads=use_threads),
                parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid),
                convert_options=pacsv.ConvertOptions(
                    column_types=types, strings_can_be_null=False, quoted_strings_can_be_null=False
                ),
            )
        return table, bad

    try:
        table, bad = read(use_threads=True)
        if bad:  # the parallel reader cannot number rows; re-read serially to tell the user where
            table, bad = read(use_threads=False)
    except pa.ArrowInvalid as exc:
        raise FrameError(path, f"the CSV cannot be parsed ({exc})", "Check quoting and delimiters.") from exc
    data = _to_pandas(table)
    del table
    rows: pd.Index = pd.RangeIndex(2, len(data) + 2)
    skipped = sorted(r for r, _, _ in bad if r is not None)
    if skipped:
        numbers = np.arange(2, len(data) + 2, dtype=np.int64)
        shift = np.zeros(len(data), dtype=np.int64)
        for r in skipped:
            shift += (numbers + shift >= r).astype(np.int64)
        rows = pd.Index(numbers + shift)
    return RawTable(data, rows, "csv", codec, detected, "", bad)


def _read_xlsx(path: Path) -> RawTable:
    try:
        data = pd.read_excel(path, dtype=str, engine="openpyxl", keep_default_na=False)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise FrameError(
            path, f"the workbook cannot be read ({exc})", "Open it in Excel and save it again."
        ) from exc
    data.columns = _unique_headers([str(c).strip() for c in data.columns])
    rows = pd.RangeIndex(2, len(data) + 2)
    return RawTable(data, rows, "xlsx", None, None, "")


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


def _read_parquet(path: Path, dictionary_headers: set[str]) -> RawTable:
    try:
        schema = pq.read_schema(path)
        wanted = [
            f.name
            for f in schema
            if f.name in dictionary_headers
            and (pa.types.is_string(f.type) or pa.types.is_large_string(f.type))
        ]
        # few-valued fields straight into dictionaries (far cheaper than asking for them through a schema)
        with arrow_pool():
            table = pq.read_table(path, read_dictionary=wanted)
    except (pa.ArrowInvalid, OSError) as exc:
        raise FrameError(path, f"the Parquet file cannot be read ({exc})", "Write it again.") from exc
    data = _to_pandas(table)
    del table
    data.columns = _unique_headers([str(c).strip() for c in data.columns])
    rows = pd.RangeIndex(2, len(data) + 2)
    return RawTable(data, rows, "parquet", None, None, "")


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
    if len(dictionary) == 0 or dictionary.null_count or len(pc.unique(dictionary)) != len(dictionary):
        return None
    width = np.int8 if len(dictionary) < 127 else np.int16 if len(dictionary) < 32767 else np.int32
    codes = np.empty(len(unified), dtype=width)
    position = 0
    for chunk in unified.chunks:
        indices = chunk.indices if chunk.null_count == 0 else pc.fill_null(chunk.indices, -1)
        codes[position : position + len(chunk)] = indices.to_numpy()
        position += len(chunk)
    categories = pd.Index(dictionary.to_pandas())
    return pd.Series(
        pd.Categorical.from_codes(
            codes, dtype=pd.CategoricalDtype(categories, ordered=column.type.ordered), validate=False
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
    plain = table.drop_columns(list(converted)).to_pandas(split_blocks=True, self_destruct=True)
    order = [name for name in names if name in converted or name in plain.columns]  # index columns left out
    columns = {
        name: converted[name].set_axis(plain.index) if name in converted else plain[name] for name in order
    }
    return pd.DataFrame(columns, index=plain.index, copy=False)


def read_headers(path: str | Path, encoding: str | None = None) -> list[str]:
    """The export's headers, cheaply (used to build the mapping before the full read)."""
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(_DETECTION_SAMPLE_BYTES)
    if not head:
        raise EmptyFileError(path)
    kind = sniff_kind(head[:8], path)
    if kind == "parquet":
        return [f.name for f in pq.read_schema(path)]
    if kind == "xlsx":
        return list(_read_xlsx(path).data.columns)
    codec = codec_name(encoding) if encoding else detect_encoding(head, path)
    if codec.startswith("utf-16"):
        text = head.decode(codec, errors="replace")
    else:
        text = _decode(head.split(b"\n", 1)[0], codec, path)
    text = text.removeprefix("\ufeff")
    return [h.strip() for h in next(csv.reader(io.StringIO(text.split("\n", 1)[0])), [])]


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB pieces (the file is never held in memory whole)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while piece := fh.read(1 << 20):
            digest.update(piece)
    return digest.hexdigest()


def read_table(
    path: str | Path, encoding: str | None = None, dictionary_headers: set[str] | None = None
) -> RawTable:
    """Read the whole file; ``dictionary_headers`` are read as categoricals (few distinct values)."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise FrameError(path, f"cannot open the file ({exc.strerror})", "Check the path.") from exc
    if not head:
        raise EmptyFileError(path)
    kind = sniff_kind(head, path)
    with ThreadPoolExecutor(max_workers=1) as pool:  # hashlib lets go of the GIL: hash while parsing
        if kind == "csv":
            raw = path.read_bytes()  # the CSV is decoded from memory anyway
            digest = pool.submit(lambda: hashlib.sha256(raw).hexdigest())
            table = _read_csv(raw, path, encoding, dictionary_headers or set())
        else:
            digest = pool.submit(file_sha256, path)
            table = (
                _read_parquet(path, dictionary_headers or set()) if kind == "parquet" else _read_xlsx(path)
            )
        table.source_sha256 = digest.result()
    return table


def preview(path: str | Path, rows: int = 20, encoding: str | None = None) -> tuple[pd.DataFrame, str | None]:
    """The first ``rows`` rows as text with the export's own headers, and the encoding (for CSV).

    Cheap on any file size: for the column-mapping step, before the whole file is read.
    """
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(_DETECTION_SAMPLE_BYTES)
    if not head:
        raise EmptyFileError(path)
    kind = sniff_kind(head[:8], path)
    if kind == "parquet":
        batch = next(pq.ParquetFile(path).iter_batches(batch_size=rows), None)
        table = batch.to_pandas() if batch is not None else pd.DataFrame(columns=read_headers(path))
        return table.astype("str"), None
    if kind == "xlsx":
        return pd.read_excel(path, dtype=str, engine="openpyxl", nrows=rows, keep_default_na=False), None
    codec = codec_name(encoding) if encoding else detect_encoding(head, path)
    cut = head.rfind(b"\n") if len(head) == _DETECTION_SAMPLE_BYTES else len(head)
    text = _decode(head[: cut if cut > 0 else len(head)], codec, path).removeprefix("\ufeff")
    table = pd.read_csv(io.StringIO(text), dtype=str, nrows=rows, keep_default_na=False, on_bad_lines="skip")
    return table, codec
