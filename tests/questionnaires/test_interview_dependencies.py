"""The engine's incremental refresh: an answer re-evaluates only the expressions that read it.

An expression (relevance or calculation) is re-evaluated when a value it reads changed — the
answer just given, or a calculation that answer changed — and nowhere else. The outcome must be
exactly that of re-evaluating everything, which the reference engine (`_memoise = False`) does.
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest

import questionnaires.interview as engine_module
from questionnaires import Interview, Questionnaire, parse, template

CASE = {"surveyor_no": "S1", "domain": "律师", "channel": "网络平台", "service_date": date(2025, 2, 3)}


class FullRefresh(Interview):
    """The reference: every expression re-evaluated after every answer."""

    _memoise = False


def integer(name: str, relevant: str | None = None) -> dict[str, Any]:
    return {"name": name, "type": "integer", "label": {"zh": name}, "relevant": relevant}


def single(name: str, relevant: str | None = None) -> dict[str, Any]:
    choices = [{"code": "a", "label": {"zh": "甲"}}, {"code": "b", "label": {"zh": "乙"}}]
    return {"name": name, "type": "single", "label": {"zh": name}, "choices": choices, "relevant": relevant}


def calculate(name: str, formula: str) -> dict[str, Any]:
    return {"name": name, "type": "calculate", "calculate": formula}


def form(*items: dict[str, Any]) -> Questionnaire:
    return Questionnaire.model_validate({"id": "deps", "sections": [{"name": "s", "items": list(items)}]})


CHAIN = form(
    integer("q1"),
    single("q2", "${q1} > 1"),
    single("q3", "${q2} = 'a'"),
    calculate("total", "${q1} * 2"),
    integer("q4", "${total} > 10"),
    single("q5", "${domain} = '律师'"),
)


@pytest.fixture
def evaluated(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sources of the expressions the engine evaluates, in order."""
    seen: list[str] = []
    real = engine_module.evaluate

    def recording(expression, context):
        seen.append(expression.source)
        return real(expression, context)

    monkeypatch.setattr(engine_module, "evaluate", recording)
    return seen


def test_an_expression_reads_each_name_once_in_order_and_knows_when_it_reads_the_clock() -> None:
    assert parse("${b} + ${a} * ${b} > 0 and selected(${m}, 'x')").reads == ("b", "a", "m")
    assert parse("if(${due} < today(), 1, 0)").volatile
    assert not parse("${due} < date('2025-01-01')").volatile


def test_an_answer_re_evaluates_the_expressions_that_read_it_and_their_dependents(evaluated) -> None:
    interview = Interview(CHAIN, CASE)
    evaluated.clear()
    interview.answer(6)
    # q2 and total read q1; q4 reads total, which changed; q3 (reads q2) and q5 (a case field) do not
    assert evaluated == ["${q1} > 1", "${q1} * 2", "${total} > 10"]


def test_an_answer_read_by_one_item_re_evaluates_only_that_item(evaluated) -> None:
    interview = Interview(CHAIN, CASE)
    interview.answer(6)
    evaluated.clear()
    interview.answer("a")
    assert evaluated == ["${q2} = 'a'"]


def test_a_changed_answer_that_leaves_a_calculation_equal_stops_there(evaluated) -> None:
    questionnaire = form(integer("q1"), calculate("big", "${q1} > 5"), single("q2", "${big}"))
    interview = Interview(questionnaire, CASE)
    interview.answer(7)
    interview.go_to("q1")
    evaluated.clear()
    interview.answer(8)
    assert evaluated == ["${q1} > 5"]  # big stays true: q2's relevance is not re-evaluated


def test_the_first_refresh_evaluates_every_reachable_expression(evaluated) -> None:
    Interview(CHAIN, CASE)
    assert evaluated == ["${q1} > 1", "${q2} = 'a'", "${q1} * 2", "${total} > 10", "${domain} = '律师'"]


def test_values_equal_under_equality_but_of_another_type_count_as_a_change() -> None:
    questionnaire = form(
        integer("q1"),
        calculate("unit", "if(${q1} > 5, 1, 1.0)"),
        calculate("width", "string-length(${unit})"),
        integer("q2"),
    )
    interview = Interview(questionnaire, CASE)
    interview.answer(6)
    assert interview.computed["width"] == 1
    interview.go_to("q1")
    interview.answer(3)  # unit becomes 1.0, which == 1 but reads as '1.0'
    assert interview.computed["width"] == FullRefresh(questionnaire, CASE, {"q1": 3}).computed["width"] == 3


def test_an_expression_reading_the_clock_is_re_evaluated_on_every_refresh(evaluated) -> None:
    questionnaire = form(integer("q1"), single("q2", "today() > date('2000-01-01')"))
    interview = Interview(questionnaire, CASE)
    evaluated.clear()
    interview.answer(1)
    assert evaluated == ["today() > date('2000-01-01')"]


def test_with_a_fixed_today_an_expression_reading_the_clock_is_evaluated_once(evaluated) -> None:
    questionnaire = form(integer("q1"), single("q2", "today() > date('2000-01-01')"))
    interview = Interview(questionnaire, CASE, today=date(2025, 3, 1))
    evaluated.clear()
    interview.answer(1)
    assert evaluated == []


def snapshot(interview: Interview) -> tuple[Any, ...]:
    """Everything an interview shows, with types, so that 1, 1.0 and True differ."""
    question = interview.current()

    def typed(values: dict[str, Any]) -> list[tuple[str, type, Any]]:
        return [(name, type(value), value) for name, value in values.items()]

    return (
        typed(interview.answers),
        typed(interview.computed),
        {item.name: interview.is_relevant(item.name) for item in interview.questionnaire.items},
        list(interview.events),
        question and (question.name, question.label, question.required, question.value),
        interview.complete,
    )


def random_value(question: Any, rng: random.Random) -> Any:
    if question.type == "note":
        return None
    if question.type == "text":
        return rng.choice([None, "意见"])
    if question.type == "integer":
        return rng.randint(0, 12)
    if question.type == "decimal":
        return rng.choice([0.0, -0.0, 1.0, 2.5])
    if question.type == "date":
        return date(2025, 1, rng.randint(1, 28))
    if question.type == "multiple":
        return rng.sample([option.code for option in question.options], rng.randint(1, 2))
    return rng.choice(question.options).code


#: Calculations feeding calculations, a section's relevance, multiple choice, decimals and dates.
RICH = Questionnaire.model_validate(
    {
        "id": "rich",
        "sections": [
            {
                "name": "first",
                "items": [
                    integer("n"),
                    {**single("pick"), "choices": [{"code": c, "label": {"zh": c}} for c in "abc"]},
                    {
                        "name": "many",
                        "type": "multiple",
                        "label": {"zh": "many"},
                        "choices": [{"code": c, "label": {"zh": c}} for c in "xyz"],
                        "relevant": "${pick} != 'c'",
                    },
                    calculate("picked", "count-selected(${many}) + ${n}"),
                    calculate("ratio", "${picked} div 2"),
                    {"name": "amount", "type": "decimal", "label": {"zh": "额"}, "relevant": "${ratio} >= 1"},
                    calculate("signed", "string-length(${amount})"),
                    {"name": "when", "type": "date", "label": {"zh": "日"}},
                    calculate("later", "${when} + ${n}"),
                ],
            },
            {
                "name": "second",
                "relevant": "${later} > date('2025-01-10') or ${signed} = 4",
                "items": [single("s1", "selected(${many}, 'x')"), integer("s2", "${ratio} != ${n}")],
            },
        ],
    }
)


@pytest.mark.parametrize("questionnaire", [template("justice-callback"), RICH], ids=["template", "rich"])
@pytest.mark.parametrize("seed", range(30))
def test_random_sessions_match_the_full_refresh_step_by_step(questionnaire, seed: int) -> None:
    rng = random.Random(seed)
    fast, full = Interview(questionnaire, CASE), FullRefresh(questionnaire, CASE)
    for _ in range(60):
        assert snapshot(fast) == snapshot(full)
        question = fast.current()
        answered = list(fast.answers)
        if answered and rng.random() < 0.25:
            name = rng.choice(answered)
            fast.go_to(name)
            full.go_to(name)
        elif question is not None:
            value = random_value(question, rng)
            fast.answer(value)
            full.answer(value)
        else:
            break
    assert snapshot(fast) == snapshot(full)
