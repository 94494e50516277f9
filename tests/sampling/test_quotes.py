"""``quotes.fault`` names the field and line of a record's broken quote, by the csv module's strict rules."""

from __future__ import annotations

import csv
import io

import pytest

from sampling import quotes


@pytest.mark.parametrize(
    "record",
    ['1,"x",3\n', '1,"x""y",3\r\n', '1,"x\ny",3\n', 'x"y",2\n', '"",""\n', '1,2,""""\n'],
)
def test_a_record_the_strict_csv_module_reads_has_no_fault(record):
    assert list(csv.reader(io.StringIO(record, newline=""), strict=True))
    assert quotes.fault(record) is None


@pytest.mark.parametrize(
    ("record", "field", "line"),
    [('1,"x"y,3\n', 1, 0), ('"a"b\n', 0, 0), ('1,"x\n2,"z"w\n', 1, 1), ('1,"x""y"z\n', 1, 0)],
)
def test_text_after_a_closing_quote_names_its_field_and_line(record, field, line):
    with pytest.raises(csv.Error, match="expected after"):
        list(csv.reader(io.StringIO(record, newline=""), strict=True))
    assert quotes.fault(record) == quotes.Fault(quotes.TEXT_AFTER_QUOTE, field, line)


@pytest.mark.parametrize(
    ("record", "field", "line"),
    [('1,2,"x\n3,4\n', 2, 0), ('1,"a\nb",3,"x\n', 3, 1), ('"', 0, 0), ('1,"x""\n', 1, 0)],
)
def test_a_quote_never_closed_names_the_field_and_line_it_opened_on(record, field, line):
    with pytest.raises(csv.Error, match="unexpected end of data"):
        list(csv.reader(io.StringIO(record, newline=""), strict=True))
    assert quotes.fault(record) == quotes.Fault(quotes.NOT_CLOSED, field, line)


def test_the_refusal_names_the_row_and_header_of_the_open_quote():
    found = quotes.fault('1,"a\nb",3,"x\n5,6\n')
    problem, fix = quotes.refusal(found, 7, 10, ["编号", "姓名", "电话", "机构"])
    assert problem.startswith("row 8, field '机构' (column 4): a quote") and "rows 8–10" in problem
    assert "double it" in fix


def test_past_the_field_limit_a_quoted_value_over_line_ends_is_a_quote_never_closed():
    record = '1,"x\n' + "2,3\n" * 10
    assert quotes.fault(record, limit=12) == quotes.Fault(quotes.NOT_CLOSED, 1, 0)


@pytest.mark.parametrize("record", ['1,"' + "x" * 20 + '",3\n', "1," + "x" * 20 + ",3\n"])
def test_past_the_field_limit_a_value_on_one_line_is_too_long(record):
    assert quotes.fault(record, limit=12) == quotes.Fault(quotes.TOO_LONG, 1, 0)
