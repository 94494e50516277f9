"""The one-pass search of the personal-data tests answers exactly as `value in blob` would, wherever
the value lies: at the start, across the boundary of two chunks, at the very end."""

from __future__ import annotations

import numpy as np

from tests.security.bytesearch import CHUNK, occurring


def _noise(size: int) -> bytearray:
    return bytearray(np.random.default_rng(7).integers(0, 256, size, dtype=np.uint8).tobytes())


def test_values_planted_at_the_start_across_a_chunk_boundary_and_at_the_end_are_found():
    blob = _noise(CHUNK + 4096)
    values = ["13912345678", "张三丰", "15800001111", "18600002222"]
    for position, value in ((0, values[0]), (CHUNK - 3, values[1]), (len(blob) - 11, values[2])):
        raw = value.encode("utf-8")
        blob[position : position + len(raw)] = raw
    assert occurring(bytes(blob), values) == values[:3]


def test_the_answer_is_that_of_a_plain_substring_search_in_the_order_given():
    blob = bytes(_noise(50_000)) + "王五 1380013 李四".encode()
    values = ["李四", "1380013", "13800138000", "王", "王五 ", "赵六"]
    assert occurring(blob, values) == [v for v in values if v.encode("utf-8") in blob]


def test_an_empty_blob_holds_nothing_but_the_empty_string():
    assert occurring(b"", ["", "1380013"]) == [""]
