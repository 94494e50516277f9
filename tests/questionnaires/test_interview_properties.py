"""Properties of the engine under random answering, going back and changing answers."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from questionnaires import Interview, template

QUESTIONNAIRE = template("justice-callback")
CASE = {"surveyor_no": "S1", "domain": "律师", "channel": "网络平台", "service_date": date(2025, 2, 3)}


def valid_value(question, pick: int) -> object:
    if question.type == "note":
        return None
    if question.type == "text":
        return None if pick % 2 else "意见"
    return question.options[pick % len(question.options)].code


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["answer", "answer", "answer", "back"]), st.integers(0, 50)), max_size=60
    )
)
def test_random_sessions_keep_only_relevant_answers_and_can_be_rebuilt(moves) -> None:
    interview = Interview(QUESTIONNAIRE, CASE)
    for move, pick in moves:
        question = interview.current()
        if move == "back" and interview.can_go_back:
            interview.back()
        elif question is not None:
            interview.answer(valid_value(question, pick))
        for name in interview.answers:
            assert interview.is_relevant(name), name
        rebuilt = Interview(QUESTIONNAIRE, CASE, interview.stored_answers())
        assert rebuilt.answers == interview.answers
        assert rebuilt.events == []  # stored answers are always consistent
        frontier = rebuilt.current()
        if not interview.reviewing:  # both are at the first unanswered item
            current = interview.current()
            assert (frontier and frontier.name) == (current and current.name)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 50), max_size=30))
def test_every_clearing_is_recorded_as_an_event(picks) -> None:
    interview = Interview(QUESTIONNAIRE, CASE)
    for pick in picks:
        question = interview.current()
        if question is None:
            break
        interview.answer(valid_value(question, pick))
    before = interview.answers
    if "identity" in before:
        interview.go_to("identity")
        interview.answer("no")
        cleared = {event.item: event.old for event in interview.events if event.action == "cleared"}
        removed = {name: value for name, value in before.items() if name not in interview.answers}
        assert cleared == removed
