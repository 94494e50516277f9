"""Copies of an engine: what an app keeps between actions instead of rebuilding from the answers.

`copy()` is independent of its original; `resumed()` is the engine a rebuild from the stored answers
would give now — same item, answers, relevance and calculations, no events, default language — even
when the clock moved on since the original was made.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from questionnaires import Interview, Questionnaire, template

CASE = {"surveyor_no": "S1", "domain": "律师", "channel": "网络平台", "service_date": date(2025, 2, 3)}

#: The callback template answered to the end (as in tests/fieldwork/test_interview_flow).
ANSWERS = [None, "yes", "yes", "self", "no", "satisfied", "basically_satisfied", "satisfied", "dk"]
ANSWERS += ["satisfied", "satisfied", "satisfied", "yes", "no", "public_legal", None, None]


def state(engine: Interview) -> tuple[Any, ...]:
    """Everything an action reads from an engine."""
    question = engine.current()
    relevant = {item.name: engine.is_relevant(item.name) for item in engine.questionnaire.items}
    return (
        engine.answers,
        engine.computed,
        relevant,
        question and (question.name, question.label),
        engine.complete,
        engine.events,
        engine.language,
    )


def test_a_resumed_copy_is_the_engine_a_rebuild_from_the_stored_answers_gives_at_every_step() -> None:
    questionnaire = template("justice-callback")
    engine = Interview(questionnaire, CASE)
    for value in ANSWERS:
        engine.answer(value)
        rebuilt = Interview(questionnaire, CASE, answers=engine.stored_answers())
        assert state(engine.resumed()) == state(rebuilt)


def test_answering_a_copy_leaves_the_original_as_it_was() -> None:
    engine = Interview(template("justice-callback"), CASE)
    for value in ANSWERS[:6]:
        engine.answer(value)
    before = state(engine)
    twin = engine.copy()
    twin.go_to("identity")
    twin.answer("no")  # ends the interview early and clears the later answers, in the copy only
    twin.language = "en"
    assert state(engine) == before
    assert state(twin) != before


def test_a_copy_made_yesterday_is_resumed_with_todays_relevance() -> None:
    questionnaire = Questionnaire.model_validate(
        {
            "id": "clock",
            "sections": [
                {
                    "name": "s",
                    "items": [
                        {"name": "due", "type": "date", "label": {"zh": "日期"}},
                        {
                            "name": "late",
                            "type": "yesno",
                            "label": {"zh": "逾期？"},
                            "relevant": "${due} < today()",
                        },
                    ],
                }
            ],
        }
    )
    engine = Interview(questionnaire, today=date(2025, 3, 1))
    engine.answer("2025-03-02")
    assert engine.complete  # not late yet: nothing more to ask
    engine.today = date(2025, 3, 3)  # the kept engine is used two days later
    resumed = engine.resumed()
    assert not resumed.complete and resumed.current().name == "late"
    rebuilt = Interview(questionnaire, answers=engine.stored_answers(), today=date(2025, 3, 3))
    assert state(resumed) == state(rebuilt)
