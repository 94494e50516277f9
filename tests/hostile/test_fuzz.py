"""Property-based fuzzing: for any input, our error or a correct result — never anything else, and fast.

"Correct" is checked by invariants that hold for every frame: every row read is loaded or rejected,
loaded values are clean (no control, invisible or direction characters; dates inside the plausible
window; phones normalised), and every rejected row has a reason in the report. A questionnaire that
loads evaluates its constant parts; an expression that parses evaluates to a value or our error.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import questionnaires
from questionnaires.errors import QuestionnaireError
from sampling import load_frame, preview
from sampling.errors import SamplingError
from sampling.vocabulary import FRAME_FIELDS

from .make_corpus import AS_OF, FIELDS, HEADERS, rows

#: CI runs the same few examples every time; HUIFANG_FUZZ_EXAMPLES=5000 runs that many fresh ones.
WIDE = int(os.environ.get("HUIFANG_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=WIDE or 40,
    deadline=dt.timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=not WIDE,
    database=None,
)
QUICK = settings(FUZZ, max_examples=WIDE or 200)  # questionnaires and expressions cost milliseconds each
BAD_CHARACTERS = re.compile("[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")

# Pieces hostile exports are made of: real values, placeholders, odd digits, invisible characters.
PIECES = st.sampled_from(
    [
        "R00001", "满意", "不满意", "黄浦区", "闸北区", "310101", "310104", "律师", "网络平台", "服务",
        "2024-03-01", "2024-03-01 10:00:00", "0000-01-01", "1900-01-01", "2024-02-30", "13800000001",
        "１３８", "١٣٨", "\u202e", "\u200b", "\ufeff", "NULL", "#N/A", "-", "空", '"', "'", ",", "\n", "\r",
        "\r\n", "\t", ";", "\x00", "é", "𠀀", " ", "=1+1", "+86", "1.2345678901234568e+16", "",
    ]
)  # fmt: skip
CELL = st.one_of(PIECES, st.lists(PIECES, max_size=4).map("".join), st.text(max_size=12))


def _check_frame(frame) -> None:
    summary = frame.summary
    assert summary["rows_read"] == summary["rows_loaded"] + summary["rows_rejected"]
    assert list(frame.data.columns) == list(FRAME_FIELDS)
    rejected_rows = set(frame.report.loc[frame.report["action"] == "rejected", "row"].dropna().astype(int))
    assert set(frame.rejected["row"].dropna().astype(int)) <= rejected_rows
    for name in ("record_id", "recipient_name", "phone", "organisation", "district", "staff_id"):
        values = frame.data[name].dropna().astype(str)
        assert not values.str.contains(BAD_CHARACTERS).any(), (name, values.tolist())
    assert frame.data["phone"].astype(str).str.fullmatch(r"0?\d{10,11}").all()
    for name in ("service_date", "rating_time"):
        dates = frame.data[name].dropna()
        assert (
            (dates >= pd.Timestamp("2015-01-01")) & (dates < pd.Timestamp(AS_OF) + pd.Timedelta(days=1))
        ).all()
    assert frame.data["record_id"].is_unique


def _load(data: bytes, suffix: str = ".csv"):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz{suffix}"
        path.write_bytes(data)
        try:  # the app's mapping step reads a preview first
            table, _ = preview(path, rows=5)
            assert isinstance(table, pd.DataFrame)
        except SamplingError as error:
            assert str(error), "an error must say something"
        try:
            frame = load_frame(path, as_of=AS_OF)
        except SamplingError as error:
            assert str(error), "an error must say something"
            return None
    _check_frame(frame)
    return frame


@FUZZ
@given(st.binary(max_size=2000))
def test_any_bytes_give_our_error_or_a_valid_frame(data):
    _load(data)


@FUZZ
@given(
    st.lists(st.tuples(st.integers(0, 4), st.sampled_from(FIELDS), CELL), max_size=6),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]),
)
def test_a_mutated_export_gives_our_error_or_a_valid_frame(changes, newline, encoding):
    records = rows()
    for row, name, value in changes:
        records[row][name] = value
    lines = [",".join(HEADERS)] + [",".join(record[f] for f in FIELDS) for record in records]
    try:
        data = newline.join(lines).encode(encoding)
    except UnicodeEncodeError:
        data = newline.join(lines).encode("utf-8")
    frame = _load(data)
    if frame is not None and not changes:
        assert len(frame.data) == 5


@FUZZ
@given(st.lists(st.tuples(st.integers(0, 4), st.sampled_from(FIELDS), CELL), max_size=6))
def test_a_mutated_xlsx_gives_our_error_or_a_valid_frame(changes):
    import io

    import openpyxl
    from openpyxl.utils.exceptions import IllegalCharacterError

    records = rows()
    for row, name, value in changes:
        records[row][name] = value
    book = openpyxl.Workbook()
    for record in [dict(zip(FIELDS, HEADERS, strict=True)), *records]:
        try:
            book.active.append([record[f] for f in FIELDS])
        except IllegalCharacterError:  # control characters cannot be in a cell: no export holds them
            return
    buffer = io.BytesIO()
    book.save(buffer)
    _load(buffer.getvalue(), ".xlsx")


# --- questionnaires -------------------------------------------------------------------------------------

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.sampled_from(["integer", "decimal", "text", "single", "rating", "${age} > 1", "pow(9, pow(9, 9))"]),
)
JSONISH = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.sampled_from(
                ["id", "version", "sections", "items", "name", "type", "label", "minimum", "maximum",
                 "relevant", "constraint", "calculate", "choices", "code", "zh", "x"]
            ),
            children,
            max_size=5,
        ),
    ),
    max_leaves=30,
)  # fmt: skip


def _form_with(item: dict) -> dict:
    return {"id": "fuzz", "version": 1, "sections": [{"name": "s", "items": [item]}]}


@QUICK
@given(st.one_of(JSONISH, JSONISH.map(lambda value: _form_with(value) if isinstance(value, dict) else value)))
def test_any_questionnaire_data_gives_our_error_or_a_questionnaire(data):
    with tempfile.TemporaryDirectory() as folder:
        for suffix, text in (
            (".json", json.dumps(data, allow_nan=True)),
            (".yaml", json.dumps(data, allow_nan=False) if _finite(data) else "x: ["),
        ):
            path = Path(folder) / f"fuzz{suffix}"
            path.write_text(text, encoding="utf-8")
            try:
                loaded = questionnaires.load(path)
            except QuestionnaireError as error:
                assert str(error)
                continue
            assert isinstance(loaded, questionnaires.Questionnaire)
            for item in loaded.items:  # bounds that load are finite, so an interview can use them
                for bound in (item.minimum, item.maximum):
                    assert bound is None or abs(bound) <= 1e15


def _finite(data) -> bool:
    try:
        json.dumps(data, allow_nan=False)
    except ValueError:
        return False
    return True


# --- expressions -------------------------------------------------------------------------------------------

TOKENS = st.sampled_from(
    [
        "${age}", "${name}", ".", "1", "9", "0", "1.5", "-", "+", "*", "div", "mod", "=", "!=", "<", ">=",
        "and", "or", "not", "(", ")", ",", "pow(", "int(", "round(", "today()", "date(", "'2024-01-01'",
        "selected(", "count-selected(", "string-length(", "if(", "min(", "max(", "coalesce(", "'x'", " ",
        "in", "__class__", "import", "${", "}", "'", '"', "99999999999999999", "1e308", "\\", "\x00",
    ]
)  # fmt: skip


@FUZZ
@given(
    st.lists(TOKENS, max_size=25).map("".join),
    st.one_of(st.none(), st.integers(-(10**6), 10**6), st.text(max_size=5)),
)
def test_any_expression_parses_and_evaluates_or_gives_our_error(source, value):
    try:
        expression = questionnaires.parse(source)
    except QuestionnaireError as error:
        assert str(error)
        return
    context = questionnaires.Context(
        values={"age": value, "name": value}, current=value, today=dt.date(2024, 6, 30)
    )
    try:
        questionnaires.evaluate(expression, context)
    except QuestionnaireError as error:
        assert str(error)
