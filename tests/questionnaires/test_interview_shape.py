"""What the engine finds once per questionnaire, and the refresh that starts at the item answered.

Options and the engine's index of a questionnaire are built once per questionnaire object and shared
by its interviews (issue 15: every simulated upload used to rebuild them); an answer's refresh skips
the items before the one answered, which read nothing that changed; `advance` is `answer` without
building the next question. None of it may change what an interview does.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from questionnaires import Interview, Questionnaire, template
from questionnaires.interview import Question

CASE = {"surveyor_no": "S1", "domain": "律师", "channel": "网络平台", "service_date": date(2025, 2, 3)}


def form(*items: dict[str, Any]) -> Questionnaire:
    return Questionnaire.model_validate({"id": "shape", "sections": [{"name": "s", "items": list(items)}]})


def integer(name: str, relevant: str | None = None) -> dict[str, Any]:
    return {"name": name, "type": "integer", "label": {"zh": name}, "relevant": relevant}


@pytest.fixture
def evaluated_slots(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    """The (kind, owner, field) of every expression the refresh looks at, memo hits included."""
    seen: list[tuple[str, str, str]] = []
    real = Interview._eval_memo

    def recording(self, source, env, slot):
        seen.append(slot)
        return real(self, source, env, slot)

    monkeypatch.setattr(Interview, "_eval_memo", recording)
    return seen


def test_options_are_built_once_per_questionnaire_and_shared_by_its_interviews() -> None:
    questionnaire = template("justice-callback")
    first, second = Interview(questionnaire, CASE), Interview(questionnaire, CASE)
    item = questionnaire.item("sat_overall")
    assert first._options(item) is second._options(item)
    assert questionnaire.options(item) is questionnaire.options(item)


def test_an_item_of_an_edited_copy_gets_its_own_options() -> None:
    questionnaire = template("justice-callback")
    item = questionnaire.item("identity")
    questionnaire.options(item)
    reworded = item.model_copy(update={"allow_dk": not item.allow_dk})
    section = questionnaire.sections[0].model_copy(update={"items": (questionnaire.items[0], reworded)})
    edited = questionnaire.model_copy(update={"sections": (section, *questionnaire.sections[1:])})
    codes = [choice.code for choice in edited.options(edited.item("identity"))]
    assert ("dk" in codes) == reworded.allow_dk
    assert edited == edited.model_copy()  # the cache is no part of the model


def test_an_answers_refresh_starts_at_the_item_answered(evaluated_slots) -> None:
    questionnaire = form(integer("q1"), integer("q2", "${q1} > 1"), integer("q3", "${q2} > 1"))
    interview = Interview(questionnaire)
    interview.answer(5)
    interview.answer(5)
    evaluated_slots.clear()
    interview.answer(5)  # q3
    assert ("item", "q2", "relevant") not in evaluated_slots
    assert interview.answers == {"q1": 5, "q2": 5, "q3": 5}


def test_an_answer_given_on_review_still_clears_the_later_items_it_makes_irrelevant() -> None:
    questionnaire = form(integer("q1"), integer("q2", "${q1} > 1"), integer("q3", "${q2} > 1"))
    interview = Interview(questionnaire)
    for _ in range(3):
        interview.answer(5)
    interview.go_to("q1")
    interview.answer(0)
    assert interview.answers == {"q1": 0}
    assert [(event.item, event.action) for event in interview.events[-2:]] == [
        ("q2", "cleared"),
        ("q3", "cleared"),
    ]


def test_with_a_clock_reading_expression_the_refresh_walks_from_the_top(evaluated_slots) -> None:
    questionnaire = form(integer("q1", "today() > date('2000-01-01')"), integer("q2"), integer("q3"))
    interview = Interview(questionnaire)
    interview.answer(1)
    evaluated_slots.clear()
    interview.answer(2)
    assert ("item", "q1", "relevant") in evaluated_slots
    fixed = Interview(questionnaire, today=date(2025, 1, 1))  # a fixed day: the clock cannot move
    fixed.answer(1)
    evaluated_slots.clear()
    fixed.answer(2)
    assert ("item", "q1", "relevant") not in evaluated_slots


def first_choice(item, interview: Interview) -> Any:
    if item.type in ("note", "text"):
        return None if item.type == "note" else "很好"
    if item.type == "integer":
        return 3
    return interview._options(item)[0].code


@pytest.mark.parametrize("pick", [0, 1, -1])
def test_advance_stores_what_answer_stores_and_returns_the_next_item(pick: int) -> None:
    questionnaire = template("justice-callback")
    by_answer, by_advance = Interview(questionnaire, CASE), Interview(questionnaire, CASE)
    question = by_answer.current()
    item = by_advance.current_item()
    while question is not None:
        assert item is question.item
        options = by_answer._options(item)
        value = options[pick].code if options else first_choice(item, by_answer)
        question, item = by_answer.answer(value), by_advance.advance(value)
        assert isinstance(question, Question | None)
    assert item is None
    assert by_advance.answers == by_answer.answers
    assert by_advance.events == by_answer.events


def test_is_required_evaluates_a_required_expression() -> None:
    questionnaire = form(integer("q1"), {**integer("q2"), "required": "${q1} > 2"})
    interview = Interview(questionnaire)
    assert interview.is_required("q1") is False
    interview.answer(3)
    assert interview.is_required("q2") is True
