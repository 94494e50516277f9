"""A questionnaire is checked when it is built: every error names the item and field to fix."""

from __future__ import annotations

from typing import Any

import pytest

from questionnaires import (
    Choice,
    DefinitionError,
    ExpressionError,
    Item,
    Questionnaire,
    Section,
    check_expression,
    template,
)


def build(*items: dict[str, Any], **settings: Any) -> Questionnaire:
    return Questionnaire.model_validate(
        {"id": "t", "settings": settings, "sections": [{"name": "", "items": list(items)}]}
    )


YES_NO = [{"code": "yes", "label": {"zh": "是"}}, {"code": "no", "label": {"zh": "否"}}]


def test_duplicate_item_names_are_refused() -> None:
    with pytest.raises(DefinitionError) as error:
        build({"name": "a", "type": "text"}, {"name": "a", "type": "integer"})
    assert error.value.item == "a" and "twice" in str(error.value)


def test_section_and_item_names_share_one_namespace() -> None:
    with pytest.raises(DefinitionError, match="twice"):
        Questionnaire(id="t", sections=(Section(name="x", items=(Item(name="x", type="text"),)),))


@pytest.mark.parametrize("name", ["1abc", "has space", "__class__", "a__b", ""])
def test_invalid_names_are_refused(name: str) -> None:
    with pytest.raises(DefinitionError, match="not valid"):
        build({"name": name, "type": "text"})


def test_choice_item_without_choices_is_refused() -> None:
    with pytest.raises(DefinitionError) as error:
        build({"name": "a", "type": "single"})
    assert error.value.field == "choices"


def test_dk_is_a_flag_not_a_choice() -> None:
    with pytest.raises(DefinitionError, match="allow_dk"):
        build({"name": "a", "type": "single", "choices": [*YES_NO, {"code": "dk"}]})


def test_duplicate_choice_codes_are_refused() -> None:
    with pytest.raises(DefinitionError, match="twice"):
        build({"name": "a", "type": "single", "choices": [*YES_NO, {"code": "yes"}]})


def test_choice_codes_cannot_contain_spaces() -> None:
    with pytest.raises(DefinitionError, match="no spaces"):
        build({"name": "a", "type": "multiple", "choices": [{"code": "a b"}]})


def test_minimum_above_maximum_is_refused() -> None:
    with pytest.raises(DefinitionError, match="larger than maximum"):
        build({"name": "age", "type": "integer", "minimum": 10, "maximum": 5})


def test_integer_bounds_must_be_whole() -> None:
    with pytest.raises(DefinitionError, match="whole"):
        build({"name": "age", "type": "integer", "minimum": 1.5})


def test_range_only_on_numbers() -> None:
    with pytest.raises(DefinitionError, match="only integer and decimal"):
        build({"name": "t", "type": "text", "maximum": 5})


def test_unknown_rating_scale_is_refused() -> None:
    with pytest.raises(DefinitionError, match="unknown rating scale"):
        build({"name": "r", "type": "rating", "scale": "stars10"})


def test_calculate_needs_an_expression() -> None:
    with pytest.raises(DefinitionError, match="calculate expression"):
        build({"name": "c", "type": "calculate"})


def test_broken_relevant_names_item_field_and_character() -> None:
    with pytest.raises(ExpressionError) as error:
        build({"name": "a", "type": "text"}, {"name": "b", "type": "text", "relevant": "${a} = = 'x'"})
    assert (error.value.item, error.value.field, error.value.position) == ("b", "relevant", 8)


def test_reference_to_a_later_item_is_refused() -> None:
    with pytest.raises(ExpressionError, match="comes later") as error:
        build({"name": "a", "type": "text", "relevant": "${b} = 'x'"}, {"name": "b", "type": "text"})
    assert error.value.position == 1


def test_reference_to_an_unknown_name_lists_the_case_fields() -> None:
    with pytest.raises(ExpressionError, match="service_date"):
        build({"name": "a", "type": "text", "relevant": "${nope} = 1"})


def test_case_fields_can_be_used_in_expressions() -> None:
    questionnaire = build({"name": "a", "type": "text", "relevant": "${domain} = '公证'"})
    assert questionnaire.item("a").relevant == "${domain} = '公证'"


def test_extra_case_fields_are_declared_in_settings() -> None:
    questionnaire = build(
        {"name": "a", "type": "text", "relevant": "${hotline} = 1"}, case_fields=["hotline"]
    )
    assert "hotline" in questionnaire.case_fields


def test_dot_is_only_for_constraints() -> None:
    with pytest.raises(ExpressionError, match="only be used in a constraint") as error:
        build({"name": "a", "type": "integer", "relevant": ". > 1"})
    assert error.value.position == 1


def test_a_constraint_uses_dot_not_its_own_name() -> None:
    with pytest.raises(ExpressionError, match=r"use '\.'"):
        build({"name": "a", "type": "integer", "constraint": "${a} > 1"})


def test_questionnaires_are_immutable() -> None:
    questionnaire = template("justice-callback")
    with pytest.raises(Exception, match="frozen"):
        questionnaire.version = 2  # type: ignore[misc]


def test_rating_options_come_from_the_scale_with_dk_last() -> None:
    questionnaire = template("justice-callback", scale="haochaping5")
    codes = [choice.code for choice in questionnaire.options(questionnaire.item("sat_overall"))]
    assert codes == [
        "very_satisfied",
        "satisfied",
        "basically_satisfied",
        "dissatisfied",
        "very_dissatisfied",
        "dk",
    ]


def test_empty_translations_are_dropped() -> None:
    assert Choice(code="a", label={"zh": "甲", "en": ""}).label == {"zh": "甲"}


def test_check_expression_validates_a_draft_against_the_items_before() -> None:
    questionnaire = template("justice-callback")
    check_expression(questionnaire, "${sat_overall} = 'dissatisfied'", item="aware_12348", field="relevant")
    with pytest.raises(ExpressionError) as error:
        check_expression(questionnaire, "${sat_overal} = 'x'", item="aware_12348", field="relevant")
    assert (error.value.item, error.value.position) == ("aware_12348", 1)


def test_wording_for_an_unknown_interview_mode_is_refused() -> None:
    from questionnaires import DefinitionError, template, update_item

    with pytest.raises(DefinitionError, match="unknown interview mode 'sms'") as error:
        update_item(template("justice-callback"), "intro", modes={"sms": {"label": {"zh": "短信"}}})
    assert (error.value.item, error.value.field) == ("intro", "modes")


def test_an_interview_in_an_unknown_mode_is_refused() -> None:
    from questionnaires import Interview, InterviewError, template

    with pytest.raises(InterviewError, match="unknown interview mode 'fax'"):
        Interview(template("justice-callback"), mode="fax")


def test_a_mode_without_wording_shows_the_items_own_texts() -> None:
    from questionnaires import Interview, template, update_item

    plain = update_item(template("justice-callback"), "intro", modes={})
    case = {"surveyor_no": "S017"}
    assert Interview(plain, case, mode="web").current().label == Interview(plain, case).current().label


def test_mode_wording_survives_json() -> None:
    from questionnaires import from_dict, template, to_dict

    questionnaire = template("justice-callback")
    assert from_dict(to_dict(questionnaire)) == questionnaire
    assert from_dict(to_dict(questionnaire)).item("intro").modes["web"].label
