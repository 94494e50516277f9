"""Malicious and absurd expressions get a clear ExpressionError with a position, never execution."""

from __future__ import annotations

import pytest

from questionnaires import ExpressionError, evaluate, parse
from questionnaires.expressions import MAX_DEPTH, MAX_LENGTH


def rejected(source: str) -> ExpressionError:
    with pytest.raises(ExpressionError) as error:
        evaluate(parse(source), {"a": 1})
    return error.value


@pytest.mark.parametrize(
    "source",
    [
        "__import__('os').system('echo hacked')",
        "().__class__.__bases__[0].__subclasses__()",
        "${a}.__class__",
        "${__builtins__}",
        "eval('1')",
        "exec('import os')",
        "open('/etc/passwd')",
        "lambda: 1",
        "[x for x in ()]",
        "${a}[0]",
        "os.system('ls')",
        "getattr(${a}, 'real')",
    ],
)
def test_python_escape_attempts_are_rejected_before_evaluation(source: str) -> None:
    error = rejected(source)
    assert error.position is not None and 1 <= error.position <= len(source) + 1


def test_dunder_names_are_named_in_the_message() -> None:
    assert "double underscores" in rejected("__import__('os')").message
    assert "double underscores" in rejected("${__class__}").message


def test_unknown_functions_are_named_with_the_allowed_list() -> None:
    error = rejected("system('ls')")
    assert "unknown function 'system'" in error.message and "selected" in error.message
    assert error.position == 1


def test_attribute_access_is_a_syntax_error_at_the_dot() -> None:
    assert rejected("().__class__").position == 2
    assert rejected("${a}.real").position == len("${a}") + 1


def test_ten_thousand_nested_parentheses_are_refused_quickly() -> None:
    source = "(" * 10_000 + "1" + ")" * 10_000
    error = rejected(source)
    assert "at most" in error.message


def test_nesting_beyond_the_limit_names_the_parenthesis() -> None:
    source = "(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1)
    error = rejected(source)
    assert error.position == MAX_DEPTH + 1
    assert "nested" in error.message


def test_deep_nesting_without_parentheses_is_refused() -> None:
    for source in ("not " * 200 + "1", "-" * 400 + "1"):
        assert "nested" in rejected(source).message


def test_python_power_operator_is_refused_with_a_hint() -> None:
    error = rejected("9**9**9")
    assert "pow(" in error.message


def test_huge_exponent_in_pow_is_refused() -> None:
    assert "exponent" in rejected("pow(9, 999999)").message


def test_enormous_literal_is_refused_at_its_first_digit() -> None:
    source = "${a} = " + "9" * 5000
    error = rejected(source[:MAX_LENGTH])
    assert error.position == len("${a} = ") + 1


def test_overflowing_arithmetic_is_refused() -> None:
    error = rejected("999999999 * 999999999 * 999999999")
    assert "larger" in error.message


def test_overlong_expression_is_refused() -> None:
    assert "at most" in rejected("1 + " * 400 + "1").message


@pytest.mark.parametrize(
    "source",
    [
        "'; DROP TABLE answers; --",
        "${a} = 1; DROP TABLE answers",
        "${a} = 1 OR 1=1 --",
        '" OR ""="',
    ],
)
def test_sql_injection_like_text_is_a_syntax_error(source: str) -> None:
    assert rejected(source).position is not None


def test_injection_text_inside_a_string_literal_is_only_text() -> None:
    assert evaluate(parse("${a} = 'x; DROP TABLE answers; --'"), {"a": "x"}) is False


@pytest.mark.parametrize(
    ("source", "bad_index"),
    [
        ("${a} = 1\u202e", 8),  # right-to-left override
        ("${a}\u200b= 1", 4),  # zero-width space
        ("${a} = '\u0000'", 8),  # NUL inside a string
    ],
)
def test_invisible_and_control_characters_are_pointed_at(source: str, bad_index: int) -> None:
    error = rejected(source)
    assert error.position == bad_index + 1
    assert "U+" in error.message


def test_lookalike_unicode_operators_are_refused() -> None:
    # FULLWIDTH EQUALS SIGN and a Cyrillic 'а' that looks like Latin 'a'
    assert rejected("${a} ＝ 1").position == 6
    assert rejected("${а} = 1").position == 1


def test_the_error_message_shows_the_expression_and_a_caret() -> None:
    error = ExpressionError("bad", source="${a} = = 1", position=8, item="q1", field="relevant")
    assert str(error).splitlines() == [
        "item 'q1', relevant, character 8: bad",
        "    ${a} = = 1",
        "           ^",
    ]
