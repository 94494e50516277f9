"""SHA-256 fingerprints of a normalised frame (and of any table of canonical fields).

The fingerprint is defined on values, not on how pandas happens to hold them, so it stays the same
across pandas, pyarrow and Huifang versions. Rows are taken **in frame order** (the order of the
export; sorting ten million record ids would cost more than the whole draw), so a reordered export
is a different frame — and, since the draw follows frame order, may give a different sample.

Definition: ``sha256`` over, for each field of ``FRAME_FIELDS`` in that order,
``b"field:" + name + b"\\n"`` followed by the column, encoded by kind:

* text fields with few values (``event_type`` … ``staff_id``, ``system_rating``): ``b"dict\n"``, the
  distinct values sorted by code point, each as UTF-8 length (4-byte little-endian) + bytes, then one
  index per row into that sorted list — 1 byte wide when there are fewer than 255 values, 2 bytes
  when fewer than 65,535, else 4 (little-endian; all bits set for missing);
* other text fields: ``b"text\n"``, per row the UTF-8 length (4-byte little-endian, all bits set for
  missing), then all rows' bytes concatenated;
* ``service_date``: ``b"D\n"`` and days since 1970-01-01 (4-byte little-endian signed);
  ``rating_time``: ``b"us\n"`` and microseconds since 1970-01-01T00:00 (8-byte); the minimum
  integer of that width for missing;
* ``complaint_open``: ``b"flag\n"`` and one byte per row, 1 yes, 0 no, 255 missing.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa

from sampling.vocabulary import FRAME_FIELDS

_DICTIONARY_FIELDS = frozenset(
    {
        "event_type",
        "domain",
        "channel",
        "district",
        "district_code",
        "organisation_id",
        "organisation",
        "staff_id",
        "system_rating",
    }
)
_NA_INT64 = np.iinfo(np.int64).min


def _index_dtype(count: int) -> str:
    return "<u1" if count < 255 else "<u2" if count < 65535 else "<u4"


def _update_dictionary(digest: _Pipelined, column: pd.Series) -> None:
    categorical = column if isinstance(column.dtype, pd.CategoricalDtype) else column.astype("category")
    values = [str(v) for v in categorical.cat.categories]
    order = sorted(range(len(values)), key=lambda i: values[i])
    dtype = np.dtype(_index_dtype(len(values)))
    rank = np.empty(len(values) + 1, dtype=dtype)
    rank[order] = np.arange(len(values), dtype=dtype)
    rank[-1] = np.iinfo(dtype).max  # code -1 (missing) picks the last entry
    encoded = [values[i].encode("utf-8") for i in order]
    # one update for the whole sorted dictionary: a hashing task per value costs more than the hashing
    digest.update(b"dict\n" + b"".join(len(e).to_bytes(4, "little") + e for e in encoded))
    digest.update(rank[categorical.array.codes])  # contiguous arrays go to hashlib without a copy


def _update_text(digest: _Pipelined, column: pd.Series) -> None:
    array = pa.chunked_array(pa.array(column.astype("str")))
    pieces = []
    for chunk in array.chunks:  # chunk by chunk: no copy of the whole column into one buffer
        wide = "<i8" if pa.types.is_large_string(chunk.type) else "<i4"
        offsets = np.frombuffer(chunk.buffers()[1], dtype=wide)[chunk.offset : chunk.offset + len(chunk) + 1]
        lengths = np.diff(offsets).astype("<u4")
        if chunk.null_count:
            lengths[chunk.is_null().to_numpy(zero_copy_only=False)] = np.iinfo(np.uint32).max
        pieces.append((lengths, chunk.buffers()[2], int(offsets[0]), int(offsets[-1])))
    digest.update(b"text\n")
    digest.update(np.concatenate([lengths for lengths, _, _, _ in pieces]) if pieces else b"")
    for _, data, start, end in pieces:
        if data is not None and end > start:
            digest.update(memoryview(data)[start:end])


def _update_times(digest: _Pipelined, column: pd.Series, unit: str) -> None:
    values = pd.to_datetime(column).astype("datetime64[us]").to_numpy()
    digest.update(f"{unit}\n".encode())
    if unit == "us":  # NaT is the minimum int64 already: the array's own bytes, no copy
        digest.update(np.ascontiguousarray(values).view("<i8"))
        return
    days = values.astype(f"datetime64[{unit}]")
    ints = days.view("<i8").astype("<i4")
    ints[np.isnat(days)] = np.iinfo("<i4").min
    digest.update(ints)


def _update_flags(digest: _Pipelined, column: pd.Series) -> None:
    flags = column.astype("boolean")
    out = np.where(flags.isna().to_numpy(), 255, flags.fillna(False).to_numpy(dtype=bool).astype(np.uint8))
    digest.update(b"flag\n")
    digest.update(np.ascontiguousarray(out, dtype=np.uint8))


class _Pipelined:
    """A SHA-256 fed by one worker thread, in order, while the caller prepares the next bytes.

    hashlib releases the GIL on large inputs, so hashing a column overlaps encoding the next one.
    """

    def __init__(self) -> None:
        self._digest = hashlib.sha256()
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._pending: list[Future] = []

    def update(self, data: bytes | memoryview) -> None:
        self._pending.append(self._pool.submit(self._digest.update, data))
        if len(self._pending) > 8:  # bound the bytes held in the queue
            self._pending.pop(0).result()

    def hexdigest(self) -> str:
        for future in self._pending:
            future.result()
        self._pool.shutdown()
        return self._digest.hexdigest()


def frame_sha256(data: pd.DataFrame) -> str:
    """The fingerprint of a normalised frame (see the module docstring for the exact definition)."""
    digest = _Pipelined()
    for field in FRAME_FIELDS:
        digest.update(b"field:" + field.encode() + b"\n")
        column = data[field] if field in data.columns else pd.Series(pd.NA, index=data.index, dtype="str")
        if field in _DICTIONARY_FIELDS:
            _update_dictionary(digest, column)
        elif field == "service_date":
            _update_times(digest, column, "D")
        elif field == "rating_time":
            _update_times(digest, column, "us")
        elif field == "complaint_open":
            _update_flags(digest, column)
        else:
            _update_text(digest, column)
    return digest.hexdigest()
