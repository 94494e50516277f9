"""Versions: freezing, editing by new versions, designer edits, and the diff between versions."""

from __future__ import annotations

import pytest

from questionnaires import (
    Choice,
    DefinitionError,
    ExpressionError,
    FrozenError,
    Item,
    Section,
    add_choice,
    add_item,
    add_section,
    delete_choice,
    delete_item,
    delete_section,
    diff,
    freeze,
    move_choice,
    move_item,
    move_section,
    new_version,
    template,
    update_choice,
    update_item,
    update_questionnaire,
    update_section,
)


@pytest.fixture
def base():
    return template("justice-callback")


def test_freeze_marks_the_version_frozen_without_changing_it(base) -> None:
    frozen = freeze(base)
    assert frozen.frozen and not base.frozen
    assert frozen.model_dump(exclude={"frozen"}) == base.model_dump(exclude={"frozen"})


def test_editing_a_frozen_version_is_refused(base) -> None:
    with pytest.raises(FrozenError, match="new_version"):
        update_item(freeze(base), "comment", required=True)


def test_new_version_is_editable_and_numbered_one_up(base) -> None:
    nxt = new_version(freeze(base))
    assert (nxt.version, nxt.frozen) == (base.version + 1, False)
    assert update_item(nxt, "comment", required=True).item("comment").required is True


def test_add_item_at_a_position_in_a_section(base) -> None:
    edited = add_item(
        base, Item(name="age", type="integer", minimum=0, maximum=120), section="opening", position=1
    )
    assert edited.section_of("age").name == "opening"
    assert edited.item_names[:3] == ("intro", "age", "identity")


def test_add_item_with_a_broken_expression_names_item_and_character(base) -> None:
    with pytest.raises(ExpressionError) as error:
        add_item(base, {"name": "x", "type": "text", "relevant": "${identity} = 'yes' and"}, section="ending")
    assert (error.value.item, error.value.field) == ("x", "relevant")
    assert error.value.position == len("${identity} = 'yes' and") + 1


def test_edits_leave_the_original_untouched(base) -> None:
    update_item(base, "comment", label={"zh": "意见？", "en": "Comments?"})
    assert base.item("comment").label["en"].startswith("Do you have")


def test_update_item_refuses_unknown_fields(base) -> None:
    with pytest.raises(DefinitionError, match="no field 'colour'"):
        update_item(base, "comment", colour="red")


def test_deleting_an_item_another_depends_on_is_refused(base) -> None:
    with pytest.raises(ExpressionError) as error:
        delete_item(base, "sat_overall")
    assert error.value.item == "unsatisfied_reason"


def test_delete_an_unreferenced_item(base) -> None:
    assert "comment" not in delete_item(base, "comment").item_names


def test_move_item_within_and_across_sections(base) -> None:
    moved = move_item(base, "sat_integrity", 0)
    assert moved.section_of("sat_attitude").items[0].name == "sat_integrity"
    across = move_item(base, "comment", 0, section="awareness")
    assert across.section_of("comment").name == "awareness"


def test_moving_an_item_before_what_it_depends_on_is_refused(base) -> None:
    with pytest.raises(ExpressionError, match="comes later"):
        move_item(base, "unsatisfied_reason", 0)


def test_choice_edits(base) -> None:
    edited = add_choice(
        base, "first_choice", Choice(code="mediation", label={"zh": "调解", "en": "Mediation"}), position=1
    )
    codes = [choice.code for choice in edited.item("first_choice").choices]
    assert codes == ["public_legal", "mediation", "private_lawyer", "other"]
    edited = move_choice(edited, "first_choice", "mediation", 3)
    assert [choice.code for choice in edited.item("first_choice").choices][-1] == "mediation"
    edited = update_choice(edited, "first_choice", "mediation", label={"zh": "人民调解", "en": "Mediation"})
    assert edited.item("first_choice").choices[-1].label["zh"] == "人民调解"
    edited = delete_choice(edited, "first_choice", "mediation")
    assert edited.item("first_choice").choices == base.item("first_choice").choices


def test_unknown_choice_is_named(base) -> None:
    with pytest.raises(DefinitionError, match="no choice with code 'zzz'"):
        delete_choice(base, "first_choice", "zzz")


def test_section_edits(base) -> None:
    edited = add_section(base, Section(name="extra", label={"zh": "附加", "en": "Extra"}))
    edited = add_item(edited, Item(name="note1", type="note", label={"zh": "谢谢"}), section="extra")
    edited = update_section(edited, "extra", label={"zh": "补充", "en": "More"})
    edited = move_section(edited, "extra", 0)
    assert edited.sections[0].name == "extra" and edited.sections[0].label["zh"] == "补充"
    assert delete_section(edited, "extra").model_dump() == base.model_dump()


def test_update_questionnaire_merges_settings(base) -> None:
    edited = update_questionnaire(base, settings={"rating_scale": "haochaping5"})
    assert edited.settings.rating_scale == "haochaping5" and edited.settings.default_language == "zh"


def test_diff_of_identical_versions_is_empty(base) -> None:
    assert diff(base, base) == []


def test_a_new_version_differs_only_by_its_number(base) -> None:
    assert [str(change) for change in diff(base, new_version(base))] == [
        f"questionnaire: version changed from {base.version} to {base.version + 1}"
    ]


def test_diff_lists_added_removed_changed_and_moved_items(base) -> None:
    edited = new_version(base)
    edited = add_item(edited, Item(name="age", type="integer"), section="opening")
    edited = delete_item(edited, "comment")
    edited = update_item(
        edited, "aware_12348", label={"zh": "您知道12348吗？", "en": "Do you know 12348?"}, required=False
    )
    edited = move_item(edited, "sat_integrity", 0)
    lines = [str(change) for change in diff(base, edited)]
    assert f"questionnaire: version changed from {base.version} to {base.version + 1}" in lines
    assert "item age added (integer in section opening)" in lines
    assert "item comment removed (text)" in lines
    assert "item aware_12348: required changed from True to False" in lines
    assert any(line.startswith("item aware_12348: label.en changed from") for line in lines)
    old, new = base.item_names.index("sat_integrity") + 1, edited.item_names.index("sat_integrity") + 1
    assert f"item sat_integrity moved from position {old} to position {new}" in lines
    assert len(lines) == 7  # the five edits above, with the label changed in both languages


def test_diff_lists_choice_changes_by_code(base) -> None:
    edited = add_choice(base, "first_choice", {"code": "mediation", "label": {"zh": "调解"}})
    edited = update_choice(edited, "first_choice", "other", label={"zh": "别的", "en": "Other"})
    lines = [str(change) for change in diff(base, edited)]
    assert lines == [
        "item first_choice: choice 'other' label.zh changed from '其他途径' to '别的'",
        "item first_choice: choice 'mediation' added (调解)",
    ]


def test_diff_lists_settings_and_title_changes(base) -> None:
    edited = update_questionnaire(
        base, title={"zh": "新标题", "en": base.title["en"]}, settings={"rating_scale": "haochaping5"}
    )
    lines = [str(change) for change in diff(base, edited)]
    assert lines == [
        f"questionnaire: title.zh changed from '{base.title['zh']}' to '新标题'",
        "questionnaire: settings.rating_scale changed from 'justice3' to 'haochaping5'",
    ]
