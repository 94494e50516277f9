"""Text as typed is not always text as meant: placeholders for "nothing", invisible and look-alike
characters. Cleaned before any check, each change reported as a repair.

* Placeholders an export writes for an empty cell (``NULL``, ``nan``, ``None``, ``#N/A``, ``N/A``,
  ``-``, ``空``, Excel's error values) are missing values, never names or phone numbers.
* NFKC folds full-width letters and digits to ASCII; every other decimal digit (Arabic-Indic, …)
  becomes its ASCII digit; bidirectional controls, zero-width characters and soft hyphens are
  removed (they make two equal names differ, or show a name reversed).

Most values need none of this: a byte test on the UTF-8 data rules them out without a string per row
(Chinese characters are three bytes led by E3–E9, which no character cleaned here begins with).
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sampling.arrowtext import string_chunks

PLACEHOLDERS: frozenset[str] = frozenset(
    {
        "null", "nul", "(null)", "nil", "none", "nan", "na", "n/a", "#n/a", "#na", "-", "--", "---", "—",
        "空", "无数据", "#null!", "#value!", "#ref!", "#div/0!", "#name?", "#num!", "undefined",
    }
)  # fmt: skip
_PLACEHOLDER_BYTES = max(len(p.encode("utf-8")) for p in PLACEHOLDERS)


def _first_pairs() -> np.ndarray:
    """(first byte, second byte or 0) of every placeholder in any letter case: a cheap first test."""
    table = np.zeros((256, 256), dtype=bool)
    for placeholder in PLACEHOLDERS:
        head = placeholder[:2]
        for variant in {head, head.upper(), head.capitalize(), head.swapcase(), head.title()}:
            data = variant.encode("utf-8")
            table[data[0], data[1] if len(data) > 1 else 0] = True
    return table


_PAIRS = _first_pairs()

#: Characters removed outright: zero-width, bidirectional controls, soft hyphen, word joiners, BOM.
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")

#: Control bytes and the lead bytes of every character ``clean`` may change (2-byte sequences,
#: U+0800–U+2FFF, U+A000–U+FFFF, 4-byte sequences); E3–E9 (kana, CJK) are absent, so Chinese text is
#: ruled out on its bytes.
_SUSPECT_BYTE = np.zeros(256, dtype=bool)
_SUSPECT_BYTE[[*range(0x20), 0x7F, *range(0xC2, 0xE3), *range(0xEA, 0xF5)]] = True
#: Control characters left after cleaning: a line break inside a value comes from a quote left open.
CONTROL = re.compile("[\x00-\x1f\x7f]")


def _ascii_digits(text: str) -> str:
    return "".join(
        str(unicodedata.decimal(ch)) if not ch.isascii() and unicodedata.category(ch) == "Nd" else ch
        for ch in text
    )


def clean(text: str) -> str:
    """One value cleaned: invisible characters removed, NFKC, every decimal digit ASCII."""
    return _ascii_digits(unicodedata.normalize("NFKC", _INVISIBLE.sub("", text)))


def is_placeholder(text: str) -> bool:
    return text.strip().lower() in PLACEHOLDERS


def suspects(column: pd.Series) -> np.ndarray:
    """Positions of values that ``clean`` might change (a superset; missing values never)."""
    found = []
    position = 0
    for chunk in string_chunks(column):
        data = chunk.buffers()[2]
        if data is not None and len(chunk):
            wide = "<i8" if pa.types.is_large_string(chunk.type) else "<i4"
            offsets = np.frombuffer(chunk.buffers()[1], dtype=wide)[
                chunk.offset : chunk.offset + len(chunk) + 1
            ]
            raw = np.frombuffer(data, dtype=np.uint8)[offsets[0] : offsets[-1]]
            if not raw.size or _plain_bytes(raw):
                position += len(chunk)
                continue
            flagged = _SUSPECT_BYTE[raw]
            if flagged.any():
                counts = np.concatenate(([0], np.cumsum(flagged, dtype=np.int64)))
                local = offsets - offsets[0]
                hit = counts[local[1:]] - counts[local[:-1]] > 0
                if chunk.null_count:
                    hit &= chunk.is_valid().to_numpy(zero_copy_only=False)
                found.append(np.flatnonzero(hit) + position)
        position += len(chunk)
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


def _plain_bytes(raw: np.ndarray) -> bool:
    """No byte of a character ``clean`` may change: ASCII text, or text of CJK and ASCII only.

    A histogram is one cheap pass; the common ASCII-only column is decided by its smallest and largest
    byte, without it.
    """
    low, high = int(raw.min()), int(raw.max())
    if low >= 0x20 and high < 0x7F:
        return True
    counts = np.bincount(raw, minlength=256)
    return not counts[_SUSPECT_BYTE].any()


def placeholder_positions(column: pd.Series) -> np.ndarray:
    """Positions of placeholder values (short values only are looked at)."""
    found = []
    position = 0
    for chunk in string_chunks(column):
        data = chunk.buffers()[2] if len(chunk) else None
        if data is not None:
            wide = "<i8" if pa.types.is_large_string(chunk.type) else "<i4"
            offsets = np.frombuffer(chunk.buffers()[1], dtype=wide)[
                chunk.offset : chunk.offset + len(chunk) + 1
            ]
            raw = np.frombuffer(data, dtype=np.uint8)
            start, length = offsets[:-1], np.diff(offsets)
            short = np.flatnonzero((length > 0) & (length <= _PLACEHOLDER_BYTES))
            first = raw[start[short]]
            second = np.where(length[short] > 1, raw[np.minimum(start[short] + 1, len(raw) - 1)], 0)
            candidates = short[_PAIRS[first, second]]
            if candidates.size:
                values = pc.utf8_lower(pc.utf8_trim_whitespace(chunk.take(pa.array(candidates))))
                hit = pc.fill_null(pc.is_in(values, value_set=pa.array(sorted(PLACEHOLDERS))), False)
                found.append(candidates[hit.to_numpy(zero_copy_only=False)] + position)
        position += len(chunk)
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)
