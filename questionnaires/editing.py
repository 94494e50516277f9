"""Edits a designer makes, as functions from a questionnaire to a new questionnaire.

Each function refuses a frozen version (FrozenError: call `new_version()` first) and returns a
questionnaire that has passed every check, so an edit that would break it — a relevant that names
a deleted item, a duplicate name — raises and leaves the original untouched. Positions are
0-based; None means "at the end".
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from questionnaires.errors import DefinitionError, FrozenError
from questionnaires.model import Choice, Item, Questionnaire, Section


def _editable(questionnaire: Questionnaire) -> dict[str, Any]:
    if questionnaire.frozen:
        raise FrozenError(
            f"questionnaire '{questionnaire.id}' version {questionnaire.version} is frozen because fieldwork "
            "started with it; edit a new version (new_version()) instead"
        )
    return questionnaire.model_dump(mode="json")


def _rebuild(data: dict[str, Any]) -> Questionnaire:
    try:
        return Questionnaire.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise DefinitionError(f"{first['msg']}", field=field) from None


def _as_dict(value: Any) -> dict[str, Any]:
    return value.model_dump(mode="json") if hasattr(value, "model_dump") else dict(value)


def _find_item(data: dict[str, Any], name: str) -> tuple[int, int]:
    for s, section in enumerate(data["sections"]):
        for i, item in enumerate(section["items"]):
            if item["name"] == name:
                return s, i
    raise DefinitionError("no such item", item=name)


def _find_section(data: dict[str, Any], name: str) -> int:
    for s, section in enumerate(data["sections"]):
        if section["name"] == name:
            return s
    raise DefinitionError(f"no section named {name!r}", field="sections")


def _insert(sequence: list, value: Any, position: int | None) -> None:
    sequence.insert(len(sequence) if position is None else max(0, min(position, len(sequence))), value)


# --- questionnaire-level ----------------------------------------------------------------------


def update_questionnaire(questionnaire: Questionnaire, **changes: Any) -> Questionnaire:
    """Change the id, title or settings (a dict of setting changes merges with the current ones)."""
    data = _editable(questionnaire)
    for key, value in changes.items():
        if key in ("version", "frozen", "sections"):
            raise DefinitionError(f"{key} is not edited directly", field=key)
        if key == "settings":
            data["settings"] = {**data["settings"], **_as_dict(value)}
        else:
            data[key] = value
    return _rebuild(data)


# --- sections ---------------------------------------------------------------------------------


def add_section(
    questionnaire: Questionnaire, section: Section | dict, position: int | None = None
) -> Questionnaire:
    data = _editable(questionnaire)
    _insert(data["sections"], _as_dict(section), position)
    return _rebuild(data)


def update_section(questionnaire: Questionnaire, name: str, **changes: Any) -> Questionnaire:
    """Change a section's name, label or relevant (its items are edited item by item)."""
    data = _editable(questionnaire)
    section = data["sections"][_find_section(data, name)]
    if "items" in changes:
        raise DefinitionError(
            "items are edited with add_item/move_item/delete_item", item=name, field="items"
        )
    section.update(changes)
    return _rebuild(data)


def move_section(questionnaire: Questionnaire, name: str, position: int) -> Questionnaire:
    data = _editable(questionnaire)
    section = data["sections"].pop(_find_section(data, name))
    _insert(data["sections"], section, position)
    return _rebuild(data)


def delete_section(questionnaire: Questionnaire, name: str) -> Questionnaire:
    """Remove a section with all its items."""
    data = _editable(questionnaire)
    del data["sections"][_find_section(data, name)]
    return _rebuild(data)


# --- items ------------------------------------------------------------------------------------


def add_item(
    questionnaire: Questionnaire,
    item: Item | dict,
    *,
    section: str | None = None,
    position: int | None = None,
) -> Questionnaire:
    """Add an item to a section (by default the last one; an ungrouped one is made if there is none)."""
    data = _editable(questionnaire)
    if section is None:
        if not data["sections"]:
            data["sections"].append({"name": "", "label": {}, "relevant": None, "items": []})
        target = data["sections"][-1]
    else:
        target = data["sections"][_find_section(data, section)]
    _insert(target["items"], _as_dict(item), position)
    return _rebuild(data)


def update_item(questionnaire: Questionnaire, name: str, **changes: Any) -> Questionnaire:
    """Change fields of an item, e.g. update_item(q, "age", maximum=120, label={"zh": …, "en": …})."""
    data = _editable(questionnaire)
    s, i = _find_item(data, name)
    item = data["sections"][s]["items"][i]
    for key, value in changes.items():
        if key not in Item.model_fields:
            raise DefinitionError(f"items have no field {key!r}", item=name, field=key)
        item[key] = [_as_dict(choice) for choice in value] if key == "choices" else value
    return _rebuild(data)


def move_item(
    questionnaire: Questionnaire, name: str, position: int, *, section: str | None = None
) -> Questionnaire:
    """Move an item to a position in its section, or in another section when one is named."""
    data = _editable(questionnaire)
    s, i = _find_item(data, name)
    item = data["sections"][s]["items"].pop(i)
    target = data["sections"][s if section is None else _find_section(data, section)]
    _insert(target["items"], item, position)
    return _rebuild(data)


def delete_item(questionnaire: Questionnaire, name: str) -> Questionnaire:
    data = _editable(questionnaire)
    s, i = _find_item(data, name)
    del data["sections"][s]["items"][i]
    return _rebuild(data)


# --- choices ----------------------------------------------------------------------------------


def _choices_of(data: dict[str, Any], item: str) -> list[dict[str, Any]]:
    s, i = _find_item(data, item)
    return data["sections"][s]["items"][i]["choices"]


def _choice_index(choices: list[dict[str, Any]], item: str, code: str) -> int:
    for index, choice in enumerate(choices):
        if choice["code"] == code:
            return index
    raise DefinitionError(f"no choice with code {code!r}", item=item, field="choices")


def add_choice(
    questionnaire: Questionnaire, item: str, choice: Choice | dict, position: int | None = None
) -> Questionnaire:
    data = _editable(questionnaire)
    _insert(_choices_of(data, item), _as_dict(choice), position)
    return _rebuild(data)


def update_choice(questionnaire: Questionnaire, item: str, code: str, **changes: Any) -> Questionnaire:
    """Change a choice's label (or code: only before any fieldwork, as codes must stay stable)."""
    data = _editable(questionnaire)
    choices = _choices_of(data, item)
    choices[_choice_index(choices, item, code)].update(changes)
    return _rebuild(data)


def move_choice(questionnaire: Questionnaire, item: str, code: str, position: int) -> Questionnaire:
    data = _editable(questionnaire)
    choices = _choices_of(data, item)
    choice = choices.pop(_choice_index(choices, item, code))
    _insert(choices, choice, position)
    return _rebuild(data)


def delete_choice(questionnaire: Questionnaire, item: str, code: str) -> Questionnaire:
    data = _editable(questionnaire)
    choices = _choices_of(data, item)
    del choices[_choice_index(choices, item, code)]
    return _rebuild(data)
