"""The expression language: what it means, over answers, case fields and the current value."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from questionnaires import Context, ExpressionError, evaluate, parse


def value(source: str, **values: object) -> object:
    return evaluate(parse(source), Context(values=values, today=date(2025, 3, 1)))


def test_equality_accepts_single_and_double_equals() -> None:
    assert value("${a} = 'yes'", a="yes") is True
    assert value("${a} == 'yes'", a="no") is False


def test_not_equal() -> None:
    assert value("${a} != 'yes'", a="no") is True


def test_and_or_not_follow_the_usual_precedence() -> None:
    # and binds tighter than or: true or (false and false)
    assert value("${a} = 1 or ${a} = 2 and ${a} = 3", a=1) is True
    assert value("not (${a} = 1) and ${a} = 2", a=2) is True
    assert value("not ${a} = 1", a=1) is False


def test_arithmetic_precedence_and_unary_minus() -> None:
    assert value("1 + 2 * 3 - -4") == 1 + 2 * 3 + 4
    assert value("(1 + 2) * 3") == 9


def test_xlsform_div_and_mod() -> None:
    assert value("7 div 2") == 3.5
    assert value("7 mod 3") == 1


def test_division_by_zero_is_missing_not_a_crash() -> None:
    assert value("${a} / 0", a=3) is None
    assert value("${a} / 0 > 1", a=3) is False


def test_comparisons_of_numbers() -> None:
    assert value("${age} >= 18 and ${age} < 65", age=40) is True
    assert value("${age} <= 17", age=40) is False


def test_numeric_text_compares_as_a_number() -> None:
    assert value("${n} > 9", n="10") is True


def test_membership_and_its_negation() -> None:
    assert value("${r} in ('yes', 'dk')", r="dk") is True
    assert value("${r} in ('yes', 'dk')", r="no") is False
    assert value("${r} not in ('yes', 'dk')", r="no") is True


def test_selected_and_count_selected_on_a_multiple_answer() -> None:
    assert value("selected(${m}, 'b')", m=["a", "b"]) is True
    assert value("selected(${m}, 'c')", m=["a", "b"]) is False
    assert value("count-selected(${m})", m=["a", "b"]) == 2


def test_selected_on_xlsform_space_separated_text() -> None:
    assert value("selected(${m}, 'b')", m="a b") is True


def test_missing_answer_equals_empty_text_and_fails_comparisons() -> None:
    assert value("${x} = ''") is True
    assert value("${x} = 'yes'") is False
    assert value("${x} > 3") is False
    assert value("count-selected(${x})") == 0
    assert value("${x} + 1") is None


def test_current_value_dot_in_constraints() -> None:
    expression = parse(". >= 0 and . <= 120")
    assert evaluate(expression, Context(values={}, current=30)) is True
    assert evaluate(expression, Context(values={}, current=121)) is False


def test_dates_compare_with_iso_text_and_subtract_to_days() -> None:
    assert value("${d} >= '2024-01-01'", d=date(2024, 6, 1)) is True
    assert value("today() - ${d}", d=date(2025, 2, 1)) == (date(2025, 3, 1) - date(2025, 2, 1)).days
    assert value("${d} + 1", d=date(2024, 2, 28)) == date(2024, 2, 29)


def test_date_function_reads_iso_text() -> None:
    assert value("date('2024-05-06') < today()") is True


def test_if_round_int_pow_min_max_coalesce_string_length() -> None:
    assert value("if(${a} > 1, 'big', 'small')", a=2) == "big"
    assert value("round(2.567, 2)") == 2.57
    assert value("int(7.9)") == 7
    assert value("pow(2, 10)") == 1024
    assert value("min(3, ${x}, 1)") == 1
    assert value("max(3, 1)") == 3
    assert value("coalesce(${x}, 'none')") == "none"
    assert value("string-length('说不清')") == 3


def test_chinese_text_literals_compare_with_case_fields() -> None:
    assert value("${domain} = '公证'", domain="公证") is True


def test_references_are_listed_with_their_positions() -> None:
    expression = parse("${a} = 1 and ${bb} = 2")
    assert expression.refs == (("a", 1), ("bb", 14))
    assert expression.names == {"a", "bb"}


def test_parsing_is_cached_for_identical_text() -> None:
    assert parse("${a} = 1") is parse("${a} = 1")


def test_comparisons_do_not_chain() -> None:
    with pytest.raises(ExpressionError) as error:
        parse("1 < ${a} < 3")
    assert error.value.position == len("1 < ${a} ") + 1


def test_wrong_number_of_arguments_names_the_function() -> None:
    with pytest.raises(ExpressionError, match=r"selected\(\) takes 2 argument"):
        parse("selected(${a})")


def test_unclosed_parenthesis_points_past_the_end() -> None:
    with pytest.raises(ExpressionError) as error:
        parse("(${a} = 1")
    assert error.value.position == len("(${a} = 1") + 1


def test_empty_expression_is_an_error() -> None:
    with pytest.raises(ExpressionError, match="empty"):
        parse("   ")


@given(st.integers(-(10**6), 10**6), st.integers(-(10**6), 10**6))
def test_arithmetic_agrees_with_python_integers(a: int, b: int) -> None:
    assert value("${a} + ${b}", a=a, b=b) == a + b
    assert value("${a} * ${b}", a=a, b=b) == a * b
    assert value("${a} - ${b}", a=a, b=b) == a - b


@given(st.integers(-1000, 1000), st.integers(-1000, 1000))
def test_comparisons_agree_with_python(a: int, b: int) -> None:
    assert value("${a} < ${b}", a=a, b=b) is (a < b)
    assert value("${a} = ${b}", a=a, b=b) is (a == b)
    assert value("${a} >= ${b}", a=a, b=b) is (a >= b)


def test_long_chains_of_alternatives_are_not_mistaken_for_deep_nesting() -> None:
    source = " or ".join(f"${{a}} = {i}" for i in range(40))
    assert value(source, a=39) is True
