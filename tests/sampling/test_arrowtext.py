"""The byte-level shortcuts give exactly the answers of the string functions they stand in for."""

from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from sampling.arrowtext import digit_prefixes, needs_strip
from sampling.phones import MOBILE_PATTERN, _mobiles, mobile_prefixes
from sampling.reading import _to_pandas
from sampling.validation import _parse_text, as_text, parse_datetimes

# ASCII, digits, CJK, full-width digits and every kind of white space the strip may meet
CHARACTERS = st.sampled_from(
    list("aZ09 \t\n\r\x0b\x0c\x1c\x1f\x7f")
    + list("张王𠀀１\u0085\u00a0\u1680\u180e\u2000\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\u4e80\u3400")
)
VALUES = st.one_of(st.none(), st.text(CHARACTERS, max_size=5))


def chunked(values: list[str | None], cut: int) -> pd.Series:
    """An Arrow-backed text column in two chunks, as a Parquet or CSV read gives them."""
    chunks = [pa.array(values[:cut], pa.string()), pa.array(values[cut:], pa.string())]
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(chunks, pa.string())))


@settings(max_examples=300)
@given(st.lists(VALUES, max_size=8), st.integers(0, 8))
def test_needs_strip_says_whether_strip_changes_anything_or_a_value_is_empty(values, cut):
    column = chunked(values, cut)
    stripped = column.str.strip()
    expected = bool(((stripped != column) | (column == "")).fillna(False).any())
    assert needs_strip(column) == expected


@settings(max_examples=300)
@given(
    st.lists(st.one_of(VALUES, st.from_regex(r"1[0-9]{10}", fullmatch=True)), max_size=8), st.integers(0, 8)
)
def test_digit_prefixes_spell_the_first_digits_of_11_ascii_digit_values_only(values, cut):
    expected = [
        int(v[:5]) if v is not None and re.fullmatch(r"[0-9]{11}", v, re.ASCII) else -1 for v in values
    ]
    assert digit_prefixes(chunked(values, cut), 11, 5).tolist() == expected


def test_the_mobile_prefix_table_is_derived_from_the_metadata_pattern():
    assert mobile_prefixes() is not None  # phonenumbers' CN pattern has the shape the table needs


@settings(max_examples=500)
@given(st.integers(0, 10**11 - 1))
def test_every_11_digit_number_is_a_mobile_by_the_table_exactly_when_the_pattern_says_so(number):
    text = f"{number:011d}"
    assert bool(mobile_prefixes()[int(text[:5])]) == (re.fullmatch(MOBILE_PATTERN, text) is not None)


@given(
    st.lists(
        st.one_of(
            VALUES, st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.just("１３８００１３８０００")
        ),
        max_size=8,
    )
)
def test_the_mobile_check_agrees_with_the_regex_on_any_text(values):
    column = chunked(values, len(values) // 2)
    expected = column.str.fullmatch(MOBILE_PATTERN).fillna(False).to_numpy(dtype=bool)
    assert _mobiles(column).tolist() == expected.tolist()


@given(
    st.lists(
        st.lists(st.one_of(st.none(), st.sampled_from(["律师", "公证", "调解", "", " 黄浦区"])), max_size=6),
        min_size=1,
        max_size=4,
    )
)
def test_dictionary_columns_convert_as_to_pandas_converts_them(chunks):
    """Same categories in the same order, same codes, whatever each chunk's own dictionary holds."""
    kind = pa.dictionary(pa.int32(), pa.string())
    column = pa.chunked_array([pa.array(c, pa.string()).dictionary_encode() for c in chunks], kind)
    ids = pa.array([str(i) for i in range(len(column))], pa.string())
    table = pa.table({"业务领域": column, "记录编号": ids})
    expected = table.to_pandas()  # first: _to_pandas frees the table's buffers as it converts them
    pd.testing.assert_frame_equal(_to_pandas(table), expected, check_exact=True)


def _stamp(digits: list[int]) -> str:
    text = "".join(map(str, digits))
    return f"{text[:4]}-{text[4:6]}-{text[6:8]} {text[8:10]}:{text[10:12]}:{text[12:14]}"


# times as the rating system writes them (any digits: Feb 30, hour 24, year 0000 …) and other spellings
TIMES = st.one_of(
    st.lists(st.integers(0, 9), min_size=14, max_size=14).map(_stamp),
    st.sampled_from(
        [
            "2024-02-29 23:59:59",
            "2023-02-29 10:00:00",
            "2024-03-01 24:00:00",
            "1899-12-31 23:59:59",
            "2199-12-31 23:59:59",
            "2024-03-01T10:00:00",
            "2024-03-01 10:00:00+08:00",
            "2024-03-01 10:00:00Z",
            "2024/03/01 10:00:00",
            "2024年3月1日",
            "2024-03-01 10:00",
            "２０２４-03-01 10:00:00",
            "",
        ]
    ),
    st.none(),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(TIMES, max_size=8), st.integers(0, 8))
def test_times_read_from_their_bytes_are_the_times_the_general_parser_reads(values, cut):
    column = chunked(values, cut)
    parsed, bad = parse_datetimes(column)
    text = as_text(column)
    expected = _parse_text(text)
    pd.testing.assert_series_equal(parsed, expected, check_names=False)
    assert bad.tolist() == (expected.isna() & text.notna()).tolist()
