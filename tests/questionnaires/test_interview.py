"""The interview engine on a small questionnaire that uses every item type."""

from __future__ import annotations

from datetime import date

import pytest

from questionnaires import AnswerError, Event, Interview, InterviewError, Questionnaire

FORM = Questionnaire.model_validate(
    {
        "id": "demo",
        "title": {"zh": "演示", "en": "Demo"},
        "sections": [
            {
                "name": "main",
                "items": [
                    {
                        "name": "intro",
                        "type": "note",
                        "label": {
                            "zh": "您于${service_date}办理了${domain}业务。",
                            "en": "You used ${domain} on ${service_date}.",
                        },
                    },
                    {
                        "name": "fruit",
                        "type": "single",
                        "label": {"zh": "水果？", "en": "Fruit?"},
                        "choices": [
                            {"code": "apple", "label": {"zh": "苹果", "en": "Apple"}},
                            {"code": "pear", "label": {"zh": "梨", "en": "Pear"}},
                        ],
                        "allow_dk": True,
                        "required": True,
                    },
                    {
                        "name": "colours",
                        "type": "multiple",
                        "label": {"zh": "您选了${fruit}，颜色？", "en": "You chose ${fruit}; colours?"},
                        "choices": [{"code": "red"}, {"code": "green"}, {"code": "yellow"}],
                        "relevant": "${fruit} = 'apple'",
                        "required": True,
                        "allow_dk": True,
                    },
                    {"name": "double", "type": "calculate", "calculate": "count-selected(${colours}) * 2"},
                    {
                        "name": "age",
                        "type": "integer",
                        "minimum": 0,
                        "maximum": 120,
                        "constraint": ". != 99",
                        "constraint_message": {"zh": "99不是有效年龄", "en": "99 is not an age"},
                        "allow_refused": True,
                        "required": True,
                    },
                    {"name": "weight", "type": "decimal", "minimum": 0.5, "required": "${age} >= 18"},
                    {"name": "visited", "type": "date", "constraint": ". <= today()"},
                    {"name": "ok", "type": "yesno", "required": True},
                    {"name": "mood", "type": "rating", "allow_dk": True, "relevant": "${ok} = 'yes'"},
                    {"name": "remark", "type": "text"},
                ],
            }
        ],
    }
)
CASE = {"service_date": date(2025, 1, 6), "domain": "公证"}
TODAY = date(2025, 3, 1)


def interview(**answers: object) -> Interview:
    return Interview(FORM, CASE, answers or None, today=TODAY)


def run(iv: Interview, *values: object) -> Interview:
    for value in values:
        iv.answer(value)
    return iv


def test_first_item_is_the_note_with_case_fields_filled_in() -> None:
    question = interview().current()
    assert question is not None
    assert (question.name, question.label) == ("intro", "您于2025年1月6日办理了公证业务。")


def test_english_texts_translate_vocabulary_case_fields() -> None:
    question = Interview(FORM, CASE, language="en").current()
    assert question is not None and question.label == "You used Notary on 2025-01-06."


def test_a_note_is_acknowledged_with_none() -> None:
    iv = run(interview(), None)
    assert iv.answers == {"intro": None}
    assert iv.current().name == "fruit"


def test_a_note_refuses_a_value() -> None:
    with pytest.raises(AnswerError, match="answer\\(None\\)"):
        interview().answer("yes")


def test_an_unknown_choice_is_refused_and_nothing_is_stored() -> None:
    iv = run(interview(), None)
    with pytest.raises(AnswerError) as error:
        iv.answer("banana")
    assert error.value.item == "fruit" and "apple, pear, dk" in error.value.message
    assert iv.answers == {"intro": None} and iv.current().name == "fruit"


def test_options_include_dk_with_its_label() -> None:
    options = run(interview(), None).current().options
    assert [(option.code, option.label) for option in options] == [
        ("apple", "苹果"),
        ("pear", "梨"),
        ("dk", "说不清"),
    ]


def test_answers_fill_later_texts_with_choice_labels() -> None:
    question = run(interview(), None, "apple").current()
    assert question.label == "您选了苹果，颜色？"


def test_skip_logic_skips_irrelevant_items() -> None:
    iv = run(interview(), None, "pear")
    assert iv.current().name == "age"
    assert not iv.is_relevant("colours")


def test_multiple_answers_are_kept_in_choice_order() -> None:
    iv = run(interview(), None, "apple", ["yellow", "red"])
    assert iv.answers["colours"] == ["red", "yellow"]


def test_multiple_refuses_duplicates_and_mixed_specials() -> None:
    iv = run(interview(), None, "apple")
    with pytest.raises(AnswerError, match="twice"):
        iv.answer(["red", "red"])
    with pytest.raises(AnswerError, match="on its own"):
        iv.answer(["red", "dk"])
    iv.answer("dk")
    assert iv.answers["colours"] == "dk"


def test_required_item_refuses_an_empty_answer() -> None:
    iv = run(interview(), None, "apple")
    with pytest.raises(AnswerError, match="required"):
        iv.answer([])


def test_calculations_follow_the_answers() -> None:
    iv = run(interview(), None, "apple", ["red", "green"])
    assert iv.computed["double"] == 4
    iv.back()
    iv.answer(["red"])
    assert iv.computed["double"] == 2


def test_integer_range_and_constraint_message() -> None:
    iv = run(interview(), None, "pear")
    with pytest.raises(AnswerError, match="above the maximum 120"):
        iv.answer(121)
    with pytest.raises(AnswerError, match="99不是有效年龄"):
        iv.answer(99)
    with pytest.raises(AnswerError, match="whole number"):
        iv.answer("forty")
    with pytest.raises(AnswerError, match="true/false"):
        iv.answer(True)
    iv.answer("40")
    assert iv.answers["age"] == 40


def test_refused_is_an_answer_where_allowed_and_skips_the_constraint() -> None:
    iv = run(interview(), None, "pear", "refused")
    assert iv.answers["age"] == "refused"


def test_dk_is_refused_where_not_allowed() -> None:
    iv = run(interview(), None, "pear")
    with pytest.raises(AnswerError):
        iv.answer("dk")


def test_required_expression_depends_on_earlier_answers() -> None:
    adult = run(interview(), None, "pear", 40)
    assert adult.current().required is True
    with pytest.raises(AnswerError, match="required"):
        adult.answer(None)
    child = run(interview(), None, "pear", 10)
    assert child.current().required is False
    child.answer(None)
    assert child.answers["weight"] is None and child.current().name == "visited"


def test_dates_accept_iso_text_and_respect_today() -> None:
    iv = run(interview(), None, "pear", 40, 70.5)
    with pytest.raises(AnswerError, match="constraint"):
        iv.answer(date(2025, 3, 2))
    with pytest.raises(AnswerError, match="YYYY-MM-DD"):
        iv.answer("yesterday")
    iv.answer("2025-02-28")
    assert iv.answers["visited"] == date(2025, 2, 28)


def test_a_complete_interview_has_no_current_item_and_refuses_answers() -> None:
    iv = run(interview(), None, "pear", 40, 70.5, None, "no", None)
    assert iv.complete and iv.current() is None
    with pytest.raises(InterviewError, match="complete"):
        iv.answer("x")


def test_back_shows_the_previous_answer() -> None:
    iv = run(interview(), None, "pear", 40)
    question = iv.back()
    assert (question.name, question.value, question.answered) == ("age", 40, True)


def test_back_at_the_first_item_is_an_error() -> None:
    iv = interview()
    assert not iv.can_go_back
    with pytest.raises(InterviewError, match="first item"):
        iv.back()


def test_changing_an_earlier_answer_clears_answers_that_became_irrelevant() -> None:
    iv = run(interview(), None, "apple", ["red"], 40)
    iv.go_to("fruit")
    iv.answer("pear")
    assert "colours" not in iv.answers
    assert iv.events[-2:] == [
        Event("fruit", "changed", "apple", "pear"),
        Event("colours", "cleared", ["red"], None),
    ]
    assert iv.computed["double"] == 0
    assert iv.answers["age"] == 40


def test_after_a_change_the_interview_continues_at_the_first_unanswered_item() -> None:
    iv = run(interview(), None, "pear", 40)
    iv.back()
    iv.back()
    assert iv.answer("apple").name == "colours"


def test_answering_again_with_the_same_value_records_no_change() -> None:
    iv = run(interview(), None, "pear")
    iv.back()
    iv.answer("pear")
    assert [event.action for event in iv.events] == ["answered", "answered"]


def test_forward_walks_over_answered_items_to_the_first_unanswered() -> None:
    iv = run(interview(), None, "pear", 40)
    iv.back()
    iv.back()
    assert iv.forward().name == "age"
    assert iv.forward().name == "weight"


def test_go_to_jumps_to_an_answered_item() -> None:
    iv = run(interview(), None, "pear", 40)
    assert iv.go_to("fruit").value == "pear"
    with pytest.raises(InterviewError, match="not been reached"):
        iv.go_to("remark")


@pytest.mark.parametrize("steps", range(0, 9))
def test_rebuilding_from_stored_answers_lands_on_the_same_item(steps: int) -> None:
    values = [None, "apple", ["red"], 40, 70.5, "2025-01-31", "yes", "dk", "fine"]
    original = run(interview(), *values[:steps])
    rebuilt = Interview(FORM, CASE, original.stored_answers(), today=TODAY)
    assert rebuilt.answers == original.answers
    assert (rebuilt.current() and rebuilt.current().name) == (original.current() and original.current().name)
    assert rebuilt.computed == original.computed


def test_stored_answers_for_an_unknown_item_are_refused() -> None:
    with pytest.raises(AnswerError, match="no such item"):
        interview(nope="x")


def test_stored_answers_of_the_wrong_shape_are_refused() -> None:
    with pytest.raises(AnswerError) as error:
        interview(intro=None, fruit="banana")
    assert error.value.item == "fruit"


def test_stored_irrelevant_answers_are_cleared_and_recorded() -> None:
    iv = interview(intro=None, fruit="pear", colours=["red"])
    assert "colours" not in iv.answers
    assert iv.events == [Event("colours", "cleared", ["red"], None)]


def test_stored_answers_round_trip_through_json_text() -> None:
    import json

    iv = run(interview(), None, "apple", ["red"], 40, 70.5, "2025-01-31")
    stored = json.loads(json.dumps(iv.stored_answers()))
    assert Interview(FORM, CASE, stored, today=TODAY).answers == iv.answers


def test_an_answer_that_breaks_a_later_calculation_is_refused_and_rolled_back() -> None:
    form = Questionnaire.model_validate(
        {
            "id": "o",
            "sections": [
                {
                    "name": "",
                    "items": [
                        {"name": "n", "type": "integer"},
                        {"name": "big", "type": "calculate", "calculate": "${n} * ${n}"},
                        {"name": "t", "type": "text"},
                    ],
                }
            ],
        }
    )
    iv = Interview(form)
    with pytest.raises(AnswerError, match="item 'big' fail"):
        iv.answer(10**12)
    assert iv.answers == {} and iv.events == [] and iv.current().name == "n"
    iv.answer(1000)
    assert iv.computed["big"] == 1000 * 1000


def test_a_missing_case_field_stays_visible_as_its_placeholder() -> None:
    question = Interview(FORM, {"domain": "公证"}).current()
    assert question.label == "您于${service_date}办理了公证业务。"


def test_pandas_timestamps_and_missing_values_in_the_case_are_understood() -> None:
    pandas = pytest.importorskip("pandas")
    iv = Interview(
        FORM, {"service_date": pandas.Timestamp("2025-01-06"), "domain": pandas.NA if False else float("nan")}
    )
    assert iv.case == {"service_date": date(2025, 1, 6), "domain": None}
    assert Interview(FORM, {"service_date": pandas.NaT}).case == {"service_date": None}
