"""Where a CSV record's quoting is broken, and the sentence that says so.

Python's csv module, read leniently, takes ``"x"y`` as ``xy`` and closes a quote left open at the end
of the file, so that one stray quote silently swallows every line after it into one value. The frame
reader reads strictly instead (``csv.reader(..., strict=True)``); the module then says only *that* a
record is broken (``',' expected after '"'``, ``unexpected end of data``), not in which field or on
which of its lines. ``fault`` finds that by walking the record as written, with the module's rules:
a quote opens a quoted value only at the start of a field; inside one, ``""`` is a quote; a closing
quote must be followed by a comma or the end of the line.

Two outcomes (``reading._read_csv_python``): text after a closing quote (or a value over the module's
field size limit) rejects that record and the reader starts again on the next line (nothing else is
lost); a quote never closed refuses the file, since every line after it would otherwise be one value.
In a large file the module meets its field size limit before the end of the file: a quoted value that
has run over a line end to that limit is taken for a quote never closed.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass

#: A closing quote followed by text (``"x"y``).
TEXT_AFTER_QUOTE = "text after a closing quote"
#: A quote that opens a value which the file never closes (or not within the csv module's field limit).
NOT_CLOSED = "a quote not closed"
#: A value longer than the csv module's field limit.
TOO_LONG = "a value too long"
_LINE_END = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Fault:
    """The first broken quote of a record: what is wrong, in which field (0-based) and on which of the
    record's lines (0 = its first)."""

    kind: str
    field: int
    line: int


def fault(record: str, limit: int | None = None) -> Fault | None:
    """The first broken quote of ``record`` (its lines as written), or None when its quoting is whole.

    With ``limit`` (the csv module's field size limit, which it reported exceeded), the first field
    longer than that instead: a quote never closed when the field is quoted and runs over a line end
    (the quote swallowed the lines after it), a value too long otherwise.
    """
    field = 0
    at_start = True  # at the start of a field: a quote there opens a quoted value
    opened = -1  # position of the quote that opened the quoted value being read (-1: none)
    started = 0  # position where the field began
    length = 0  # characters of the field's value so far
    position = 0
    size = len(record)
    while position < size:
        char = record[position]
        if limit is not None and length > limit:
            if opened >= 0 and _LINE_END.search(record, opened, position):
                return Fault(NOT_CLOSED, field, _lines_before(record, opened))
            return Fault(TOO_LONG, field, _lines_before(record, started))
        if opened >= 0:
            if char == '"':
                after = record[position + 1] if position + 1 < size else ""
                if after == '"':
                    length += 1
                    position += 2
                    continue
                if after not in (",", "\r", "\n", "") and limit is None:
                    return Fault(TEXT_AFTER_QUOTE, field, _lines_before(record, position))
                opened = -1
            else:
                length += 1
        elif char == '"' and at_start:
            opened = position
        elif char == ",":
            field += 1
            at_start = True
            started = position + 1
            length = 0
            position += 1
            continue
        else:
            length += 1
        at_start = False
        position += 1
    if opened >= 0 and limit is None:
        return Fault(NOT_CLOSED, field, _lines_before(record, opened))
    return None


def _lines_before(text: str, position: int) -> int:
    return len(_LINE_END.findall(text, 0, position))


def field_name(index: int, headers: list[str]) -> str:
    """A field as the user knows it: its header and column number."""
    if index < len(headers):
        return f"field '{headers[index]}' (column {index + 1})"
    return f"column {index + 1} (beyond the header's {len(headers)} columns)"


def rejection(found: Fault, first: int, last: int, headers: list[str]) -> str:
    """The reason a record with text after a closing quote, or a value over the csv module's field
    limit, is rejected (row ``first``–``last``)."""
    if found.kind == TOO_LONG:
        return (
            f"{field_name(found.field, headers)} has a value longer than {csv.field_size_limit():,} "
            "characters, which no frame field holds"
        )
    reason = (
        f"{field_name(found.field, headers)} has text after its closing quote on row {first + found.line}; "
        f'a quote inside a value must be doubled ("") and the whole value quoted'
    )
    if last > first:
        reason += f"; rows {first}–{last} were read as one row because of that quote — fix the quote"
    return reason


def refusal(
    found: Fault, first: int, last: int, headers: list[str], limit_reached: bool = False
) -> tuple[str, str]:
    """(problem, fix) for a file refused for its quotes: a quote never closed (or not within the csv
    module's field limit: ``limit_reached``), or a broken header."""
    row = first + found.line
    if found.kind == NOT_CLOSED and limit_reached:
        return (
            f'row {row}, {field_name(found.field, headers)}: a quote (") opens a value that is still open '
            f"after {csv.field_size_limit():,} characters (rows {row}–{last}), so the lines after it would be "
            "read as one value",
            'Close the quote, or double it ("") if it is part of the value, and export again.',
        )
    if found.kind == NOT_CLOSED:
        swallowed = f"rows {row}–{last} (the rest of the file)" if last > row else "the rest of the line"
        return (
            f'row {row}, {field_name(found.field, headers)}: a quote (") opens a value that is never closed, '
            f"so {swallowed} would be read as one value",
            'Close the quote, or double it ("") if it is part of the value, and export again.',
        )
    return (
        f"row {row} (the header row), {field_name(found.field, headers)}: {found.kind}",
        'Fix the header\'s quotes (a quote inside a name is doubled: "").',
    )
