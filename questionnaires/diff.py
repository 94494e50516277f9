"""What changed between two questionnaire versions, as a list a researcher can read.

Items and choices are matched by name and code (the stable parts), so a reworded label shows as a
changed label, not as a removed and an added item.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from questionnaires.model import Item, Questionnaire


@dataclass(frozen=True)
class Change:
    """One difference. `where` is "questionnaire", "section <name>" or "item <name>"."""

    where: str
    field: str | None
    kind: str  # added, removed, changed, moved
    old: Any = None
    new: Any = None

    def __str__(self) -> str:
        subject = self.where if self.field is None else f"{self.where}: {self.field}"
        if self.kind == "changed":
            return f"{subject} changed from {_show(self.old)} to {_show(self.new)}"
        if self.kind == "moved":
            return f"{subject} moved from {self.old} to {self.new}"
        if self.kind == "added":
            return f"{subject} added" + (f" ({self.new})" if self.new else "")
        return f"{subject} removed" + (f" ({self.old})" if self.old else "")


def _show(value: Any) -> str:
    if value is None:
        return "(none)"
    return repr(value)


def _flatten(prefix: str, value: Any) -> dict[str, Any]:
    """Texts and settings by leaf: {"label.zh": …, "label.en": …}; other values as they are."""
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, inner in value.items():
            flat.update(_flatten(f"{prefix}.{key}", inner))
        return flat
    return {prefix: value}


def _field_changes(where: str, old: dict[str, Any], new: dict[str, Any], skip: set[str]) -> list[Change]:
    changes = []
    for key in [k for k in old if k not in skip] + [k for k in new if k not in old and k not in skip]:
        a, b = _flatten(key, old.get(key)), _flatten(key, new.get(key))
        for leaf in list(a) + [leaf for leaf in b if leaf not in a]:
            if a.get(leaf) != b.get(leaf):
                changes.append(Change(where, leaf, "changed", a.get(leaf), b.get(leaf)))
    return changes


def _moved(old_order: list[str], new_order: list[str]) -> set[str]:
    """Names that left the longest common order: the ones a reader would say were moved."""
    common_old = [name for name in old_order if name in new_order]
    common_new = [name for name in new_order if name in old_order]
    kept: set[str] = set()
    for block in SequenceMatcher(a=common_old, b=common_new, autojunk=False).get_matching_blocks():
        kept.update(common_old[block.a : block.a + block.size])
    return set(common_old) - kept


def _choice_changes(where: str, old: Item, new: Item) -> list[Change]:
    changes: list[Change] = []
    old_choices = {choice.code: choice for choice in old.choices}
    new_choices = {choice.code: choice for choice in new.choices}
    for code, choice in old_choices.items():
        if code not in new_choices:
            changes.append(Change(where, f"choice '{code}'", "removed", choice.label.get("zh") or None))
        elif choice != new_choices[code]:
            changes += _field_changes(
                where,
                {f"choice '{code}' label": choice.label},
                {f"choice '{code}' label": new_choices[code].label},
                set(),
            )
    for code, choice in new_choices.items():
        if code not in old_choices:
            changes.append(Change(where, f"choice '{code}'", "added", None, choice.label.get("zh") or None))
    old_codes, new_codes = list(old_choices), list(new_choices)
    for code in sorted(_moved(old_codes, new_codes), key=new_codes.index):
        changes.append(
            Change(
                where,
                f"choice '{code}'",
                "moved",
                f"position {old_codes.index(code) + 1}",
                f"position {new_codes.index(code) + 1}",
            )
        )
    return changes


def diff(old: Questionnaire, new: Questionnaire) -> list[Change]:
    """Every difference from `old` to `new`: questionnaire fields, sections, items, choices."""
    changes = _field_changes(
        "questionnaire",
        old.model_dump(include={"id", "title", "settings"}),
        new.model_dump(include={"id", "title", "settings"}),
        set(),
    )
    if old.version != new.version:
        changes.append(Change("questionnaire", "version", "changed", old.version, new.version))
    old_sections = {section.name: section for section in old.sections}
    new_sections = {section.name: section for section in new.sections}
    for name, section in old_sections.items():
        if name not in new_sections:
            changes.append(Change(f"section {name or '(ungrouped)'}", None, "removed"))
        else:
            changes += _field_changes(
                f"section {name or '(ungrouped)'}",
                section.model_dump(exclude={"items", "name"}),
                new_sections[name].model_dump(exclude={"items", "name"}),
                set(),
            )
    for name in new_sections:
        if name not in old_sections:
            changes.append(Change(f"section {name or '(ungrouped)'}", None, "added"))
    old_section_order, new_section_order = list(old_sections), list(new_sections)
    for name in _moved(old_section_order, new_section_order):
        changes.append(
            Change(
                f"section {name or '(ungrouped)'}",
                None,
                "moved",
                f"position {old_section_order.index(name) + 1}",
                f"position {new_section_order.index(name) + 1}",
            )
        )

    old_items = {item.name: item for item in old.items}
    new_items = {item.name: item for item in new.items}
    for name, item in old_items.items():
        where = f"item {name}"
        if name not in new_items:
            changes.append(Change(where, None, "removed", item.type))
            continue
        other = new_items[name]
        changes += _field_changes(
            where,
            item.model_dump(exclude={"name", "choices"}),
            other.model_dump(exclude={"name", "choices"}),
            set(),
        )
        changes += _choice_changes(where, item, other)
        old_section, new_section = old.section_of(name).name, new.section_of(name).name
        if old_section != new_section:
            changes.append(
                Change(where, "section", "moved", old_section or "(ungrouped)", new_section or "(ungrouped)")
            )
    for name, item in new_items.items():
        if name not in old_items:
            section = new.section_of(name).name or "(ungrouped)"
            changes.append(Change(f"item {name}", None, "added", None, f"{item.type} in section {section}"))
    old_order, new_order = list(old_items), list(new_items)
    for name in sorted(_moved(old_order, new_order), key=new_order.index):
        changes.append(
            Change(
                f"item {name}",
                None,
                "moved",
                f"position {old_order.index(name) + 1}",
                f"position {new_order.index(name) + 1}",
            )
        )
    return changes
