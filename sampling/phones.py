"""Phone numbers to one spelling: 11-digit mobiles (13812345678) and 0-prefixed fixed lines (02112345678).

Validity is ``phonenumbers``' own: the common cases (a plain 11-digit mobile, a Shanghai 021 line) are
checked in one vectorised pass against the national-number patterns of phonenumbers' CN metadata,
so a million rows take a second; anything else (+86, spaces, other area codes, mistakes) goes through
``phonenumbers.parse`` row by row.
"""

from __future__ import annotations

import functools
import re
import re._constants as re_constants
import re._parser as re_parser

import numpy as np
import pandas as pd
import phonenumbers
from phonenumbers import PhoneNumberType

from sampling.arrowtext import digit_prefixes

_CN = phonenumbers.PhoneMetadata.metadata_for_region("CN")
MOBILE_PATTERN: str = _CN.mobile.national_number_pattern
FIXED_LINE_PATTERN: str = _CN.fixed_line.national_number_pattern

_PUNCTUATION = r"[\s\-\u2010-\u2015\u2212().（）]"
_ALLOWED = r"\+?[0-9]{5,20}"


def _normalise_one(text: str) -> tuple[str | None, str | None]:
    """(normalised number, None) or (None, reason) for one unusual spelling."""
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return None, "not a phone number"
    if number.country_code != 86:
        return None, f"not a mainland China number (+{number.country_code})"
    if not phonenumbers.is_valid_number(number):
        return None, "not a valid mainland China number (unassigned prefix or wrong length)"
    national = phonenumbers.national_significant_number(number)
    kind = phonenumbers.number_type(number)
    if kind == PhoneNumberType.MOBILE:
        return national, None
    if kind in (PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE):
        return "0" + national, None
    return None, "not a mobile or fixed-line number (a service or toll-free number cannot be called back)"


def _branches(pattern: str) -> list[str]:
    """The top-level alternatives of a regular expression."""
    branches, depth, start, escaped = [], 0, 0, False
    for i, char in enumerate(pattern):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "|" and depth == 0:
            branches.append(pattern[start:i])
            start = i + 1
    return [*branches, pattern[start:]]


@functools.cache
def mobile_prefixes() -> np.ndarray | None:
    """For each 5-digit prefix, whether the 11-digit numbers that start with it are mobiles.

    Exact when every alternative of ``MOBILE_PATTERN`` is a fixed-width head of at most 5 digits
    followed by ``\\d{k}`` (true of phonenumbers' CN metadata): the rest of the number is then free.
    None when the pattern has another shape; the regex then runs on every row. The table is spelled
    out from the heads' digit classes (a few dozen slices), not by matching 100,000 prefixes, so a
    process that loads one frame does not pay for it.
    """
    heads = []
    for branch in _branches(MOBILE_PATTERN):
        shape = re.fullmatch(r"(.*)\\d\{(\d+)\}", branch)
        if shape is None:
            return None
        low, high = re_parser.parse(shape[1]).getwidth()
        if low != high or high > 5 or high + int(shape[2]) != 11:
            return None
        heads.append(shape[1])
    table = np.zeros((10,) * 5, dtype=bool)
    for head in heads:
        spellings = _digit_classes(list(re_parser.parse(head)))
        if spellings is None:  # a construct not spelled out here: ask the regex of every prefix
            return _matched_prefixes()
        for places in spellings:
            table[np.ix_(*places, *([range(10)] * (5 - len(places))))] = True
    return table.reshape(-1)


def _matched_prefixes() -> np.ndarray:
    mobile = re.compile(MOBILE_PATTERN)
    return np.array([mobile.fullmatch(f"{p:05d}000000") is not None for p in range(100_000)], dtype=bool)


_DIGITS = tuple(range(10))
_MAX_SPELLINGS = 10_000


def _digit_classes(items: list) -> list[tuple[tuple[int, ...], ...]] | None:
    """Every way a parsed digits-only regex spells its text, each as the digits allowed in each place
    (``1(?:3\\d|4[57])`` → (1)(3)(0…9) and (1)(4)(5,7)); None for any construct beyond literals,
    classes, groups, alternatives and fixed repeats."""
    spellings: list[tuple[tuple[int, ...], ...]] = [()]
    for op, value in items:
        options = _item_classes(op, value)
        if options is None:
            return None
        spellings = [done + option for done in spellings for option in options]
        if len(spellings) > _MAX_SPELLINGS:
            return None
    return spellings


def _item_classes(op: object, value: object) -> list[tuple[tuple[int, ...], ...]] | None:
    constants = re_constants
    if op is constants.LITERAL:
        char = chr(value)
        return [((int(char),),)] if char in "0123456789" else [((),)]
    if op is constants.IN:
        digits: set[int] = set()
        for kind, item in value:
            if kind is constants.LITERAL and chr(item) in "0123456789":
                digits.add(int(chr(item)))
            elif kind is constants.RANGE:
                digits.update(d for d in _DIGITS if item[0] <= ord(str(d)) <= item[1])
            elif kind is constants.CATEGORY and item is constants.CATEGORY_DIGIT:
                digits.update(_DIGITS)
            elif kind is not constants.LITERAL:
                return None  # a negated class, another category
        return [(tuple(sorted(digits)),)]
    if op is constants.SUBPATTERN:
        return _digit_classes(list(value[-1]))
    if op is constants.BRANCH:
        found = []
        for alternative in value[1]:
            spelled = _digit_classes(list(alternative))
            if spelled is None:
                return None
            found.extend(spelled)
        return found
    if op in (constants.MAX_REPEAT, constants.MIN_REPEAT) and value[0] == value[1]:
        return _digit_classes(list(value[2]) * value[0])
    return None


def _mobiles(cleaned: pd.Series) -> np.ndarray:
    """``cleaned.str.fullmatch(MOBILE_PATTERN)``, answered from the digits for plain 11-digit values."""
    table = mobile_prefixes()
    if table is None:
        return cleaned.str.fullmatch(MOBILE_PATTERN).fillna(False).to_numpy(dtype=bool).copy()
    prefix = digit_prefixes(cleaned, 11, 5)
    fast = table[np.maximum(prefix, 0)] & (prefix >= 0)
    other = np.flatnonzero((prefix < 0) & cleaned.notna().to_numpy(dtype=bool))
    if other.size:  # anything else (full-width digits, stray characters) as the regex says
        fast[other] = cleaned.iloc[other].str.fullmatch(MOBILE_PATTERN).fillna(False).to_numpy(dtype=bool)
    return fast


def _fast(cleaned: pd.Series) -> np.ndarray:
    """Plain mobiles and Shanghai fixed lines that phonenumbers' CN patterns accept."""
    fast = _mobiles(cleaned)
    others = np.flatnonzero(~fast & cleaned.notna().to_numpy(dtype=bool))
    if not others.size:  # the usual export: every number a plain mobile
        return fast
    shanghai = others[cleaned.iloc[others].str.startswith("021").fillna(False).to_numpy(dtype=bool)]
    if shanghai.size:
        local = cleaned.iloc[shanghai]
        ok = local.str.fullmatch(r"021[0-9]{8}") & local.str.slice(1).str.fullmatch(FIXED_LINE_PATTERN)
        fast[shanghai[ok.fillna(False).to_numpy(dtype=bool)]] = True
    return fast


def normalise_phones(values: pd.Series, stripped: bool = False) -> tuple[pd.Series, pd.Series]:
    """Normalised numbers (NA where invalid or empty) and the reason for each invalid one (else NA).

    An empty value gets neither a number nor a reason: missing values are the caller's business.
    ``stripped`` says the values have no surrounding spaces already (saves a pass over them).
    """
    normalised, unusual, why = normalise_unusual(values, stripped)
    reasons = pd.Series(pd.NA, index=values.index, dtype="str")
    if unusual.size:
        reasons.iloc[unusual] = why.to_numpy()
    return normalised, reasons


def normalise_unusual(values: pd.Series, stripped: bool = False) -> tuple[pd.Series, np.ndarray, pd.Series]:
    """``normalise_phones`` for ten million rows: the normalised numbers, the positions of the values
    that were not plain numbers (only these can be invalid or changed), and the reason (or NA) for each."""
    text = values.astype("str")
    if not stripped:
        text = text.str.strip()
    fast = _fast(text)
    normalised = text if fast.all() else text.where(fast)  # the usual export: every number plain
    others = np.flatnonzero(~fast)
    some = text.iloc[others]
    rest = others[some.notna().to_numpy(dtype=bool) & (some != "").fillna(False).to_numpy(dtype=bool)]
    if not rest.size:
        return normalised, rest, pd.Series([], dtype="str")
    odd = text.iloc[rest]
    reasons = pd.Series(pd.NA, index=odd.index, dtype="str")
    cleaned = odd.str.replace(r"^([0-9]+)\.0$", r"\1", regex=True)  # a number that passed through Excel
    cleaned = cleaned.str.replace(_PUNCTUATION, "", regex=True)
    cleaned = cleaned.str.replace(r"^(?:\+86|0086|86)(1[0-9]{10})$", r"\1", regex=True)
    now_fast = _fast(cleaned)
    normalised.loc[odd.index[now_fast]] = cleaned[now_fast].to_numpy()
    slow = odd[~now_fast]
    plausible = cleaned[~now_fast].str.fullmatch(_ALLOWED).fillna(False).to_numpy(dtype=bool)
    results = [
        _normalise_one(v) if ok else (None, "not a phone number")
        for v, ok in zip(slow, plausible, strict=True)
    ]
    normalised.loc[slow.index] = [number for number, _ in results]
    reasons.loc[slow.index] = [reason for _, reason in results]
    return normalised, rest, reasons
