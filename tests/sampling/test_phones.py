"""Phone numbers: one spelling, validity decided by phonenumbers' own metadata."""

from __future__ import annotations

import itertools
import re
import re._parser as re_parser

import pandas as pd
import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sampling import normalise_phones
from sampling.phones import _digit_classes, _matched_prefixes, mobile_prefixes


def one(value: str) -> tuple[object, object]:
    numbers, reasons = normalise_phones(pd.Series([value], dtype="str"))
    return numbers.iloc[0], reasons.iloc[0]


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("13812345678.0", "13812345678"),
        ("02162123456", "02162123456"),
        ("021-6212 3456", "02162123456"),
        ("(021) 62123456", "02162123456"),
        ("010-12345678", "01012345678"),
    ],
)
def test_common_spellings_normalise_to_eleven_digit_mobiles_or_zero_prefixed_lines(written, normalised):
    number, reason = one(written)
    assert number == normalised and pd.isna(reason)


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("14012345678", "not a valid mainland China number"),
        ("1381234567", "not a valid mainland China number"),
        ("02102345678", "not a valid mainland China number"),
        ("abc", "not a phone number"),
        ("+1 650 253 0000", "not a mainland China number (+1)"),
        ("4008123123", "not a mobile or fixed-line number"),
    ],
)
def test_invalid_numbers_get_a_reason(written, reason):
    number, why = one(written)
    assert pd.isna(number) and why.startswith(reason)


def test_an_empty_value_gets_neither_a_number_nor_a_reason():
    numbers, reasons = normalise_phones(pd.Series(["", None], dtype="str"))
    assert numbers.isna().all() and reasons.isna().all()


def is_valid_by_phonenumbers(digits: str) -> bool:
    try:
        parsed = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException:  # e.g. 11000008000: "too short" once "1" is read as a prefix
        return False
    kind = phonenumbers.number_type(parsed)
    return phonenumbers.is_valid_number(parsed) and kind in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


@settings(max_examples=150, deadline=None)
@given(st.from_regex(r"1[0-9]{10}", fullmatch=True) | st.from_regex(r"021[0-9]{8}", fullmatch=True))
def test_the_vectorised_fast_path_agrees_with_phonenumbers(digits):
    number, _ = one(digits)
    assert (not pd.isna(number)) == is_valid_by_phonenumbers(digits)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), min_size=1, max_size=40))
def test_a_column_gives_the_same_answers_as_one_value_at_a_time(values):
    numbers, _ = normalise_phones(pd.Series(values, dtype="str"))
    assert [None if pd.isna(n) else n for n in numbers] == [
        None if pd.isna(one(v)[0]) else one(v)[0] for v in values
    ]


def test_the_mobile_prefix_table_spelled_from_the_pattern_is_the_table_the_regex_gives():
    """Spelled out from the pattern's digit classes (no 100,000 regex matches per process), and exact."""
    assert (mobile_prefixes() == _matched_prefixes()).all()


@pytest.mark.parametrize(
    "pattern",
    [r"1(?:3\d|4[57]|5[0-35-9])", r"1(?:610\d|740[0-5])", r"(?:13|14)[2-4]\d{2}", r"9[^0-8]", r"1(?:a|2)"],
)
def test_digit_classes_spell_exactly_the_digit_strings_a_pattern_matches(pattern):
    """Each spelling is one set of digits per place; together they match what the regex matches."""
    spellings = _digit_classes(list(re_parser.parse(pattern)))
    width = re_parser.parse(pattern).getwidth()[0]
    by_regex = {f"{n:0{width}d}" for n in range(10**width) if re.fullmatch(pattern, f"{n:0{width}d}")}
    if spellings is None:  # a negated class: left to the regex
        assert "^" in pattern
        return
    spelled = {"".join(map(str, digits)) for places in spellings for digits in itertools.product(*places)}
    assert spelled == by_regex
