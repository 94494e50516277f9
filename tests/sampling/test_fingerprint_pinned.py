"""The frame fingerprint of a fixed export never changes (it is stored in databases and audit logs).

The pinned value was computed by the loader as it stood before the loader was made faster
(commit 10326e3's fingerprint code); any change to how frames are read, validated or hashed must
keep it. The export has a repaired district and phones, a rejected row of each kind, missing values.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import sampling
from sampling.vocabulary import EXPORT_HEADERS

from .conftest import AS_OF, export_frame, good_rows, write_csv

PINNED = "a5fe7f824ccd39afe2d808bf9a3ac7964d086ca2ba175631b12961fa78e1742b"


def fixed_rows() -> list[dict[str, str]]:
    rows = good_rows(10)
    rows[1]["district"] = "闸北区"  # old name: repaired
    rows[2]["phone"] = "+86 138 0000 0002"  # repaired
    rows[3]["district"] = "火星区"  # rejected
    rows[4]["rating_time"] = ""
    rows[5]["recipient_name"] = ""
    rows[6]["complaint_open"] = "是"
    rows[7]["record_id"] = rows[0]["record_id"]  # duplicate: rejected
    rows[8]["phone"] = "021-6212 3456"  # repaired
    rows[9]["system_rating"] = "很好"  # unknown label: rejected
    return rows


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_a_csv_export_keeps_its_pinned_fingerprint(tmp_path, encoding):
    path = write_csv(tmp_path / "export.csv", fixed_rows(), encoding=encoding)
    assert sampling.load_frame(path, as_of=AS_OF).frame_sha256 == PINNED


def test_a_parquet_export_of_text_keeps_its_pinned_fingerprint(tmp_path):
    path = tmp_path / "export.parquet"
    pq.write_table(pa.Table.from_pandas(export_frame(fixed_rows()), preserve_index=False), path)
    assert sampling.load_frame(path, as_of=AS_OF).frame_sha256 == PINNED


def test_a_parquet_export_with_typed_columns_keeps_its_pinned_fingerprint(tmp_path):
    """Dictionary-encoded text and a timestamp column, as a database export writes them."""
    table = pa.Table.from_pandas(export_frame(fixed_rows()), preserve_index=False)
    for name in ("事项类型", "业务领域", "所属区", "评价结果", "服务对象姓名"):
        table = table.set_column(table.schema.get_field_index(name), name, pc.dictionary_encode(table[name]))
    index = table.schema.get_field_index(EXPORT_HEADERS["rating_time"])
    times = pc.strptime(
        pc.if_else(
            pc.equal(table[EXPORT_HEADERS["rating_time"]], ""), None, table[EXPORT_HEADERS["rating_time"]]
        ),
        "%Y-%m-%d %H:%M:%S",
        "s",
    )
    table = table.set_column(index, EXPORT_HEADERS["rating_time"], times)
    path = tmp_path / "typed.parquet"
    pq.write_table(table, path)
    assert sampling.load_frame(path, as_of=AS_OF).frame_sha256 == PINNED
