"""Questions about a whole text column answered on its UTF-8 bytes, without a string per row.

Ten million record ids, names or phones are held by pandas as Arrow string chunks; looking at their
offset and data buffers with numpy answers "does any value need stripping?" or "which values are
11 ASCII digits?" several times faster than a string function over every row. Each answer is exact:
a byte test only rules values out, and the values it cannot rule out go the usual way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_BLOCK = 1 << 20  # rows gathered at a time (bounds the index arrays' memory)


def _byte_table(values: list[int]) -> np.ndarray:
    table = np.zeros(256, dtype=bool)
    table[values] = True
    return table


#: Bytes a white-space character can begin or end with in UTF-8: ASCII blanks and controls, and the
#: lead and last bytes of U+0085, U+00A0, U+1680, U+180E, U+2000–U+200A, U+2028, U+2029, U+202F,
#: U+205F, U+3000 and U+FEFF (every character Python's ``str.isspace`` or Unicode's Z* categories name).
_MAY_START_SPACE = _byte_table([*range(0x21), 0x7F, 0xC2, 0xE1, 0xE2, 0xE3, 0xEF])
_MAY_END_SPACE = _byte_table(
    [*range(0x21), 0x7F, *range(0x80, 0x8B), 0x8E, 0x9F, 0xA0, 0xA8, 0xA9, 0xAF, 0xBF]
)


def string_chunks(column: pd.Series) -> list[pa.Array]:
    """The column as Arrow string chunks (no copy for pandas' Arrow-backed ``str``)."""
    return pa.chunked_array(pa.array(column.astype("str"))).chunks


def _buffers(chunk: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(the chunk's len + 1 offsets into its data, the data bytes)."""
    wide = "<i8" if pa.types.is_large_string(chunk.type) else "<i4"
    offsets = np.frombuffer(chunk.buffers()[1], dtype=wide)[chunk.offset : chunk.offset + len(chunk) + 1]
    data = chunk.buffers()[2]
    return offsets, np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)


def _valid(chunk: pa.Array) -> np.ndarray:
    if chunk.null_count == 0:
        return np.ones(len(chunk), dtype=bool)
    return chunk.is_valid().to_numpy(zero_copy_only=False)


def needs_strip(column: pd.Series) -> bool:
    """Whether any value is empty or would change under ``.str.strip()`` (False: stripping is a no-op).

    A value's first and last byte rule most values out at once; the few that might start or end with
    white space are stripped by the Arrow function pandas' ``.str.strip()`` uses, and compared.
    """
    for chunk in string_chunks(column):
        offsets, data = _buffers(chunk)
        start, end = offsets[:-1], offsets[1:]
        valid = _valid(chunk)
        present = valid & (end > start)
        if (valid & ~present).any():
            return True
        if not present.any():
            continue
        maybe = np.zeros(len(chunk), dtype=bool)
        maybe[present] = _MAY_START_SPACE[data[start[present]]] | _MAY_END_SPACE[data[end[present] - 1]]
        if maybe.any():
            suspects = chunk.filter(pa.array(maybe))
            if not pc.all(pc.equal(pc.utf8_trim_whitespace(suspects), suspects)).as_py():
                return True
    return False


def digit_prefixes(column: pd.Series, length: int, width: int) -> np.ndarray:
    """Per row, the number its first ``width`` digits spell when the value is exactly ``length`` ASCII
    digits; -1 for any other value (or a missing one)."""
    prefix = np.full(len(column), -1, dtype=np.int32)
    position = 0
    for chunk in string_chunks(column):
        offsets, data = _buffers(chunk)
        start = offsets[:-1]
        fits = (offsets[1:] - start == length) & _valid(chunk)
        out = prefix[position : position + len(chunk)]
        if len(chunk) and fits.all():  # the usual chunk: its bytes are one matrix, no gather
            _spell(data[offsets[0] : offsets[-1]].reshape(-1, length), np.arange(len(chunk)), out, width)
        else:
            rows = np.flatnonzero(fits)
            for block in range(0, rows.size, _BLOCK):
                some = rows[block : block + _BLOCK]
                _spell(data[start[some, None] + np.arange(length)], some, out, width)
        position += len(chunk)
    return prefix


def _spell(matrix: np.ndarray, rows: np.ndarray, prefix: np.ndarray, width: int) -> None:
    if matrix.size and matrix.min() >= ord("0") and matrix.max() <= ord("9"):  # the usual all-digit case
        ok, kept = slice(None), matrix
    else:
        ok = ((matrix >= ord("0")) & (matrix <= ord("9"))).all(axis=1)
        kept = matrix[ok]
    spelled = np.zeros(len(kept), dtype=np.int32)
    for place in range(width):
        spelled *= 10
        spelled += kept[:, place]
        spelled -= ord("0")
    prefix[rows[ok]] = spelled


_STAMP = b"0000-00-00 00:00:00"  # YYYY-MM-DD HH:MM:SS, as the rating system writes times
_STAMP_DIGITS = np.array([i for i, byte in enumerate(_STAMP) if byte == ord("0")])
_STAMP_MARKS = np.array([i for i, byte in enumerate(_STAMP) if byte != ord("0")])
_STAMP_MARK_BYTES = np.frombuffer(_STAMP, dtype=np.uint8)[_STAMP_MARKS]


def plain_timestamps(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(datetime64[us] per row, which rows those are): the values spelled exactly YYYY-MM-DD HH:MM:SS
    that name a real time in 1900–2199, read from their bytes; every other row NaT and False, for the
    general parser. Exact for those rows: the time any ISO 8601 parser reads there."""
    stamps = np.full(len(column), np.datetime64("NaT", "us"))
    ok = np.zeros(len(column), dtype=bool)
    width = len(_STAMP)
    position = 0
    for chunk in string_chunks(column):
        offsets, data = _buffers(chunk)
        start = offsets[:-1]
        fits = (offsets[1:] - start == width) & _valid(chunk)
        if len(chunk) and fits.all():  # the usual chunk: its bytes are one matrix, no gather
            matrix = data[offsets[0] : offsets[-1]].reshape(-1, width)
            for block in range(0, len(chunk), _BLOCK):
                rows = np.arange(block, min(block + _BLOCK, len(chunk)))
                _read_stamps(matrix[block : block + _BLOCK], rows + position, stamps, ok)
        else:
            rows = np.flatnonzero(fits)
            for block in range(0, rows.size, _BLOCK):
                some = rows[block : block + _BLOCK]
                _read_stamps(data[start[some, None] + np.arange(width)], some + position, stamps, ok)
        position += len(chunk)
    return stamps, ok


def _read_stamps(matrix: np.ndarray, rows: np.ndarray, stamps: np.ndarray, ok: np.ndarray) -> None:
    digits = matrix[:, _STAMP_DIGITS] - np.uint8(ord("0"))  # a byte below "0" wraps above 9
    good = (digits <= 9).all(axis=1) & (matrix[:, _STAMP_MARKS] == _STAMP_MARK_BYTES).all(axis=1)
    pairs = digits[:, 0::2].astype(np.int32) * 10 + digits[:, 1::2]  # YY YY MM DD hh mm ss
    year = pairs[:, 0] * 100 + pairs[:, 1]
    month, day, hour, minute, second = (pairs[:, i] for i in range(2, 7))
    good &= (year >= 1900) & (year < 2200) & (month >= 1) & (month <= 12) & (day >= 1)
    good &= (hour < 24) & (minute < 60) & (second < 60)
    first = ((np.where(good, year, 1970) - 1970) * 12 + np.where(good, month, 1) - 1).astype("datetime64[M]")
    first_day = first.astype("datetime64[D]")
    good &= day <= ((first + 1).astype("datetime64[D]") - first_day).astype(np.int32)
    seconds = ((day.astype(np.int64) - 1) * 24 + hour) * 3600 + minute * 60 + second
    when = first_day.astype("datetime64[us]") + seconds * 1_000_000
    stamps[rows[good]] = when[good]
    ok[rows[good]] = True
