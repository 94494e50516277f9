"""A CSV file fed to Arrow's streaming reader as UTF-8, a block at a time, and its batches gathered.

Reading ten million rows whole held the file's bytes, its decoded text and a UTF-8 copy at once
(7 GB for a 1.5 GB GBK export). ``Utf8Feed`` decodes one block at a time instead (an incremental
decoder: a character split between two blocks is completed by the next), hashes the raw bytes as
they pass, and watches for what only the whole-file reader may decide: bytes the codec refuses, a
zero byte, a blank line or a bare CR (which Arrow would number wrongly), a line over the limit, a
quote that is not part of a whole quoted field (``QuoteCheck``), a quote still open at the end. At the
first of these it stops, reading as the end of the file, and says why (``stopped``); the caller then
reads the file whole, which names the row and byte as before.

Quoted fields are streamed when every quote opens a field (after a comma or a line start), closes one
(before a comma or a line end) or is doubled inside one: then Arrow's reader splits the records as
Python's csv module does (the whole-file reader's splitter for any file with a quote). A line break
inside quotes (LF or CRLF, blank lines included) is a value's text: ``QuoteCheck.joins`` records which
record it belongs to, so that the caller numbers each record by the line it begins on, as the csv
module does. Anything else (a stray quote in a field, text after a closing quote, a bare CR anywhere,
a blank line outside quotes) stops the feed.

``DictionaryColumn`` keeps the batches of a few-valued column as narrow codes into one dictionary
in order of first appearance, as ``unify_dictionaries`` would, without holding every batch's copy
of the dictionary.
"""

from __future__ import annotations

import codecs
import hashlib
import io
from collections import deque
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: Raw bytes decoded at a time.
BLOCK_BYTES = 4 << 20
_LINE_ENDS = b"\r\n"
#: Pairs that only appear inside a run of line ends other than one LF or CRLF (a blank line or a
#: bare CR); a lone CR is found by counting.
_IRREGULAR_PAIRS = (b"\n\n", b"\n\r", b"\r\r")


def codes_dtype(size: int) -> type:
    """The narrowest signed integer holding codes 0 … size - 1 and -1 (missing)."""
    return np.int8 if size < 127 else np.int16 if size < 32767 else np.int32


class Utf8Feed(io.RawIOBase):
    """The file's text as UTF-8 bytes for Arrow, decoded a block at a time (see the module docstring)."""

    def __init__(
        self, fh: BinaryIO, codec: str, *, block: int = BLOCK_BYTES, max_line: int | None = None
    ) -> None:
        super().__init__()
        self._fh = fh
        self._plain_utf8 = codecs.lookup(codec).name == "utf-8"  # valid UTF-8 passes as it is
        self._decoder = codecs.getincrementaldecoder(codec)()
        self._block = block
        self._max_line = max_line
        self._queue: deque[bytes] = deque()
        self._offset = 0  # bytes of the queue's first piece already handed out
        self._started = False
        self._eof = False
        #: line ends not yet followed by text: blank lines only if text follows (None once quotes are seen)
        self._pending: bytes | None = b""
        self._after_lf = False  # (once quotes are seen) the last piece ended on an LF outside quotes
        self._after_cr = False  # (once quotes are seen) the last piece ended on a CR
        self._line = 0  # length of the line not yet ended (when lines are measured)
        self._digest = hashlib.sha256()
        self.quotes = QuoteCheck()
        #: Why the feed stopped before the end of the file (None while it has not).
        self.stopped: str | None = None

    def readable(self) -> bool:
        return True

    @property
    def finished(self) -> bool:
        """Every byte of the file read and handed out, nothing stopped."""
        return self._eof and not self._queue and self.stopped is None

    def sha256(self) -> str:
        """SHA-256 of the file's bytes (once ``finished``)."""
        return self._digest.hexdigest()

    def first_line(self, limit: int) -> str | None:
        """The text up to the first line end (decoding blocks as needed, none handed out yet); None when
        the feed stopped first or no line end came within ``limit`` bytes."""
        while True:
            head = b"".join(self._queue)
            cut = min((i for i in (head.find(b"\n"), head.find(b"\r")) if i >= 0), default=-1)
            if cut >= 0:
                return head[:cut].decode("utf-8")
            if self.stopped or len(head) > limit:
                return None
            if self._eof:
                return head.decode("utf-8")
            self._more()

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes, fewer only at the end (Arrow takes its first read as the first block)."""
        if size is None or size < 0:
            size = 1 << 62
        parts: list[bytes] = []
        wanted = size
        while wanted > 0:
            while not self._queue and not self._eof:
                self._more()
            if not self._queue:
                break
            piece = self._queue[0]
            left = len(piece) - self._offset
            if wanted >= left:
                self._queue.popleft()
                parts.append(piece[self._offset :] if self._offset else piece)
                self._offset = 0
                wanted -= left
            else:
                parts.append(piece[self._offset : self._offset + wanted])
                self._offset += wanted
                wanted = 0
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        out = self.read(len(buffer))
        buffer[: len(out)] = out
        return len(out)

    def _stop(self, why: str) -> None:
        self.stopped = why
        self._eof = True
        self._queue.clear()
        self._offset = 0

    def _more(self) -> None:
        """Decode the next block into the queue (or reach the end, or stop)."""
        raw = self._fh.read(self._block)
        self._digest.update(raw)
        try:
            text = self._decoder.decode(raw, final=not raw)
        except UnicodeDecodeError:
            self._stop("bytes the encoding does not read")
            return
        if not raw:
            self._eof = True
            if text:  # never for these codecs; an incomplete character raises above
                self._stop("text left in the decoder")
            elif self.quotes.open:
                self._stop("a quote not closed")
            elif self.quotes.seen and (self._after_cr or self._pending not in (None, b"", b"\n", b"\r\n")):
                self._stop("line ends after the last line of a file with quotes")  # csv counts blank lines
            return
        if not self._started and text:
            self._started = True
            if text.startswith("\ufeff"):  # a BOM the codec kept (or a second one) is not text
                text = text[1:]
                self._plain_utf8 = False
        try:
            out = raw if self._plain_utf8 else text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate
            self._stop("a character UTF-8 cannot hold")
            return
        if not out:
            return
        why = self._watch(out)
        if why:
            self._stop(why)
            return
        self._queue.append(out)

    def _watch(self, out: bytes) -> str | None:
        """Why the whole-file reader must take over, from this piece of UTF-8 (None: read on).

        Every run of line ends followed by text must be one LF or CRLF; the runs that end the file are
        not blank lines, so a piece's trailing run waits for the next piece. No copy of the piece.
        """
        if b"\x00" in out:
            return "a zero byte"
        why = self.quotes.check(out)
        if why:
            return why
        if self._max_line is not None and self._line_too_long(out):
            return "a line over the limit"
        if self.quotes.seen:
            return self._watch_quoted(out)
        body = len(out)
        while body and out[body - 1] in _LINE_ENDS:
            body -= 1
        if not body:
            self._pending = (self._pending + out)[:3]  # three line ends are irregular whatever follows
            return None
        lead = 0
        while lead < 3 and out[lead] in _LINE_ENDS:
            lead += 1
        joined = self._pending + out[:lead]
        if joined not in (b"", b"\n", b"\r\n") or out.find(b"\n\n", 0, body) >= 0:
            return "a blank line or a bare CR"
        if out.find(b"\r", 0, body) >= 0 and (
            any(out.find(pair, 0, body) >= 0 for pair in _IRREGULAR_PAIRS)
            or out.count(b"\r", 0, body) != out.count(b"\r\n", 0, body)
        ):
            return "a blank line or a bare CR"
        self._pending = out[body:][:3]
        return None

    def _watch_quoted(self, out: bytes) -> str | None:
        """``_watch`` once the file has shown a quote: line ends inside quotes are a value's text (any
        run of them), those outside must each be one LF or CRLF, and a CR anywhere must begin a CRLF
        (Python's csv module counts a bare CR as a line, Arrow's reader does not inside quotes)."""
        if self._pending is not None:  # the first piece with a quote: the line ends before it
            if self._pending not in (b"", b"\n", b"\r\n", b"\r"):
                return "a blank line or a bare CR"
            self._after_lf, self._after_cr = self._pending.endswith(b"\n"), self._pending == b"\r"
            self._pending = None
        first = out[0]
        if (self._after_cr and first != _LF) or (self._after_lf and first in (_LF, _CR)):
            return "a blank line or a bare CR"
        crs = out.count(b"\r")
        if crs and crs != out.count(b"\r\n") + (out[-1] == _CR):
            return "a blank line or a bare CR"
        outside = self.quotes.outside
        if outside is None:  # no quote in the piece: every LF is outside quotes
            if out.find(b"\n\n") >= 0 or out.find(b"\n\r") >= 0:
                return "a blank line or a bare CR"
            self._after_lf = out[-1] == _LF
        else:
            inner = outside[outside < len(out) - 1]
            if inner.size and np.isin(np.frombuffer(out, dtype=np.uint8)[inner + 1], (_LF, _CR)).any():
                return "a blank line or a bare CR"
            self._after_lf = bool(outside.size) and int(outside[-1]) == len(out) - 1
        self._after_cr = out[-1] == _CR
        return None

    def _line_too_long(self, out: bytes) -> bool:
        """Whether a line (bytes between two LFs) in this piece, or one it continues, is over the limit.

        A few searches per limit's worth of bytes, not one per line: from the start of a line, the last
        LF within the next ``limit`` + 1 bytes starts a line again; none there means a line too long.
        """
        limit = self._max_line
        size = len(out)
        end = out.find(b"\n", 0, limit - self._line + 1)  # the line carried over must end in time
        if end < 0:
            if size > limit - self._line:
                return True
            self._line += size
            return False
        start = end + 1
        while size - start > limit:
            end = out.rfind(b"\n", start, start + limit + 1)
            if end < 0:
                return True
            start = end + 1
        last = out.rfind(b"\n", start)
        self._line = size - (last + 1 if last >= 0 else start)
        return False


_QUOTE, _COMMA, _CR, _LF = 0x22, 0x2C, 0x0D, 0x0A


class QuoteCheck:
    """Whether the quotes of a file, seen a piece at a time, are whole quoted fields, and which records
    span several lines (a line break inside quotes).

    Counting quotes from the start of the file, an odd count means inside quotes. A quote that makes the
    count odd must open a field (after a comma, a line start or the quote it doubles); one that makes it
    even must close it (before a comma, a line end or the quote that doubles it). An LF at an even count
    ends a record; one at an odd count joins the next line to the record (``joins``). Numpy over the
    piece, not a loop over its bytes; the count's parity, the last byte and a closing quote at the
    piece's end carry over to the next piece.
    """

    def __init__(self) -> None:
        self.seen = False  #: a quote met (the whole-file reader then splits with Python's csv module)
        self.open = False  #: inside quotes at the end of the last piece
        self.records = 0  #: LFs outside quotes so far: the records ended (the header is record 0)
        #: LFs outside quotes in the last piece checked; None when it held no quote (every LF is outside)
        self.outside: np.ndarray | None = None
        self._joins: list[np.ndarray] = []  # for each LF inside quotes, the record it belongs to
        self._closing = False  # the last piece ended on a closing quote: the next byte must allow it
        self._last = _LF  # the byte before the piece (the start of the file starts a line)

    def joins(self) -> np.ndarray:
        """The record (0 = the header) of every line end inside quotes so far, in order."""
        return np.concatenate(self._joins) if self._joins else np.empty(0, dtype=np.int64)

    def check(self, out: bytes) -> str | None:
        """Why this piece of UTF-8 (after the pieces before it) cannot be streamed; None: read on."""
        last, self._last = self._last, out[-1]
        self.outside = None
        if not (self.open or self._closing or b'"' in out):
            self.records += out.count(b"\n")
            return None
        self.seen = True
        data = np.frombuffer(out, dtype=np.uint8)
        if self._closing and data[0] not in (_COMMA, _QUOTE, _CR, _LF):
            return "text after a closing quote"
        quotes = np.flatnonzero(data == _QUOTE)
        start = int(self.open)
        openers, closers = quotes[start::2], quotes[1 - start :: 2]
        before = data[openers[openers > 0] - 1]
        if (openers.size and openers[0] == 0 and last not in (_COMMA, _QUOTE, _LF)) or not np.isin(
            before, (_COMMA, _QUOTE, _LF)
        ).all():
            return "a quote inside a field that is not quoted"
        inside = closers[closers < len(out) - 1]
        if not np.isin(data[inside + 1], (_COMMA, _QUOTE, _CR, _LF)).all():
            return "text after a closing quote"
        ends = np.flatnonzero(data == _LF)
        if ends.size:
            quoted = ((np.searchsorted(quotes, ends) + start) & 1).astype(bool)
            self.outside = ends[~quoted]
            if quoted.any():
                self._joins.append(self.records + np.cumsum(~quoted)[quoted])
            self.records += int(self.outside.size)
        else:
            self.outside = ends
        self.open = bool((start + quotes.size) & 1)
        self._closing = bool(closers.size) and int(closers[-1]) == len(out) - 1
        return None


class DictionaryColumn:
    """One dictionary-encoded column gathered batch by batch: narrow codes into one dictionary."""

    def __init__(self) -> None:
        self.dictionary: pa.Array | None = None
        self._codes: list[np.ndarray] = []

    def add(self, chunk: pa.DictionaryArray) -> None:
        indices = chunk.indices if chunk.null_count == 0 else pc.fill_null(chunk.indices, -1)
        known = self.dictionary
        batch = chunk.dictionary
        if known is None or (len(batch) >= len(known) and batch.slice(0, len(known)).equals(known)):
            self.dictionary = batch  # the reader's dictionary only grew: its indices are the codes
        else:  # another dictionary: each of its values to the running one's code, new values appended
            found = pc.index_in(batch, value_set=known)
            new = pc.is_null(found).to_numpy(zero_copy_only=False)
            mapping = pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)
            mapping[new] = len(known) + np.arange(int(new.sum()))
            self.dictionary = pa.concat_arrays([known, batch.filter(pa.array(new))])
            indices = pa.array(np.append(mapping, -1)[indices.to_numpy(zero_copy_only=False)])
        width = codes_dtype(len(self.dictionary))
        self._codes.append(indices.to_numpy(zero_copy_only=False).astype(width))

    def __len__(self) -> int:
        return sum(len(c) for c in self._codes)

    def codes(self) -> np.ndarray:
        """Every row's code, at the width the whole dictionary needs (the batches are let go)."""
        size = len(self.dictionary) if self.dictionary is not None else 0
        out = np.empty(len(self), dtype=codes_dtype(size))
        position = 0
        while self._codes:
            part = self._codes.pop(0)
            out[position : position + len(part)] = part
            position += len(part)
        return out
