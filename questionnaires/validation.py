"""Checks that make a questionnaire consistent, each error naming the item and field to fix.

Run whenever a Questionnaire is built. `check_expression` is the same check for one expression,
so that a designer can validate what a researcher types before it becomes part of an item.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from questionnaires.errors import DefinitionError, ExpressionError
from questionnaires.expressions import MAX_MAGNITUDE, Expression, parse
from sampling.vocabulary import DONT_KNOW, REFUSED, SCALES

if TYPE_CHECKING:
    from questionnaires.model import Item, Questionnaire

NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z")
CODE_PATTERN = re.compile(r"[A-Za-z0-9_.\-]+\Z")

EXPRESSION_FIELDS: tuple[str, ...] = ("relevant", "constraint", "required", "calculate")


def check_questionnaire(questionnaire: Questionnaire) -> None:
    """Raise DefinitionError or ExpressionError for the first inconsistency found."""
    from questionnaires.model import NUMBER_TYPES

    if not questionnaire.id or not questionnaire.id.strip():
        raise DefinitionError("the questionnaire needs an id (form_id)")
    if questionnaire.version < 1:
        raise DefinitionError(f"version must be 1 or more, not {questionnaire.version}")
    if questionnaire.settings.rating_scale not in SCALES:
        raise DefinitionError(
            f"unknown rating scale {questionnaire.settings.rating_scale!r}; known: {', '.join(SCALES)}",
            field="settings.rating_scale",
        )
    seen: set[str] = set()
    earlier: set[str] = set()
    for section in questionnaire.sections:
        if section.name:
            _check_name(section.name, seen, what="section")
        elif section.label or section.relevant is not None:
            raise DefinitionError(
                "an ungrouped section (name '') has no label or relevant: give it a name", field="sections"
            )
        if section.relevant is not None:
            check_expression(
                questionnaire, section.relevant, item=section.name or None, field="relevant", earlier=earlier
            )
        for item in section.items:
            _check_name(item.name, seen, what="item")
            _check_item_shape(questionnaire, item, NUMBER_TYPES)
            _check_modes(item)
            for field in EXPRESSION_FIELDS:
                source = getattr(item, field)
                if isinstance(source, str):
                    check_expression(questionnaire, source, item=item.name, field=field, earlier=earlier)
            earlier.add(item.name)


def check_expression(
    questionnaire: Questionnaire,
    source: str,
    *,
    item: str | None,
    field: str,
    earlier: set[str] | None = None,
) -> Expression:
    """Parse an expression for an item's field and check the names it reads.

    Names must be case fields or items that come before `item` (`earlier`; by default computed
    from the questionnaire). `.` may only be used in constraints.
    """
    try:
        expression = parse(source)
    except ExpressionError as error:
        raise error.at(item, field) from None
    if earlier is None:
        earlier = set()
        for name in questionnaire.item_names:
            if name == item:
                break
            earlier.add(name)
    if expression.uses_current and field != "constraint":
        raise ExpressionError(
            "'.' (the current answer) can only be used in a constraint",
            source=source,
            position=(expression.current_pos or 0) + 1,
            item=item,
            field=field,
        )
    case_fields = questionnaire.case_fields
    names = set(questionnaire.item_names)
    for name, position in expression.refs:
        if name in earlier or name in case_fields:
            continue
        if name == item:
            hint = (
                "use '.' for the item's own answer"
                if field == "constraint"
                else "an item cannot depend on itself"
            )
            message = f"${{{name}}} is this item itself: {hint}"
        elif name in names:
            message = (
                f"${{{name}}} comes later in the questionnaire; expressions can only use earlier answers"
            )
        else:
            known = ", ".join(case_fields)
            message = f"${{{name}}} is neither an earlier item nor a case field ({known})"
        raise ExpressionError(message, source=source, position=position, item=item, field=field)
    return expression


def _check_name(name: str, seen: set[str], *, what: str) -> None:
    if not NAME_PATTERN.match(name or "") or "__" in name:
        raise DefinitionError(
            f"{what} name {name!r} is not valid: use letters, digits, '_', '-' or '.', starting with a "
            "letter, and no double underscores",
            item=name or None,
            field="name",
        )
    if name in seen:
        raise DefinitionError(
            f"the name {name!r} is used twice; names must be unique", item=name, field="name"
        )
    seen.add(name)


def _check_modes(item: Item) -> None:
    from questionnaires.model import MODES

    for mode in item.modes:
        if mode not in MODES:
            raise DefinitionError(
                f"unknown interview mode {mode!r} in the item's wording; known: {', '.join(MODES)}",
                item=item.name,
                field="modes",
            )


def _check_item_shape(questionnaire: Questionnaire, item: Item, number_types: frozenset[str]) -> None:
    name = item.name
    if item.type in ("single", "multiple"):
        if not item.choices:
            raise DefinitionError(
                f"a {item.type} choice item needs at least one choice", item=name, field="choices"
            )
        codes: set[str] = set()
        for choice in item.choices:
            if choice.code in (DONT_KNOW, REFUSED):
                flag = "allow_dk" if choice.code == DONT_KNOW else "allow_refused"
                raise DefinitionError(
                    f"{choice.code!r} is a special answer, not a choice: set {flag} instead",
                    item=name,
                    field="choices",
                )
            if not CODE_PATTERN.match(choice.code):
                raise DefinitionError(
                    f"choice code {choice.code!r} is not valid: use letters, digits, '_', '-' or '.' (no spaces)",
                    item=name,
                    field="choices",
                )
            if choice.code in codes:
                raise DefinitionError(
                    f"choice code {choice.code!r} is used twice", item=name, field="choices"
                )
            codes.add(choice.code)
    elif item.choices:
        raise DefinitionError(f"a {item.type} item has no choices of its own", item=name, field="choices")
    if item.type == "rating":
        scale = questionnaire.scale_of(item)
        if scale not in SCALES:
            raise DefinitionError(
                f"unknown rating scale {scale!r}; known: {', '.join(SCALES)}", item=name, field="scale"
            )
    elif item.scale is not None:
        raise DefinitionError("only rating items have a scale", item=name, field="scale")
    if item.type in number_types:
        low, high = item.minimum, item.maximum
        for field, bound in (("minimum", low), ("maximum", high)):
            if bound is not None and (not math.isfinite(bound) or abs(bound) > MAX_MAGNITUDE):
                raise DefinitionError(
                    f"{field} {bound} is not a finite number of at most {MAX_MAGNITUDE:.0e} in size",
                    item=name,
                    field=field,
                )
        if low is not None and high is not None and low > high:
            raise DefinitionError(f"minimum {low} is larger than maximum {high}", item=name, field="minimum")
        if item.type == "integer":
            for field, bound in (("minimum", low), ("maximum", high)):
                if bound is not None and float(bound) != int(bound):
                    raise DefinitionError(
                        f"{field} of an integer item must be whole, not {bound}", item=name, field=field
                    )
    elif item.minimum is not None or item.maximum is not None:
        raise DefinitionError(
            "only integer and decimal items have a minimum and maximum", item=name, field="minimum"
        )
    if item.type == "calculate":
        if not item.calculate:
            raise DefinitionError(
                "a calculate item needs a calculate expression", item=name, field="calculate"
            )
    elif item.calculate is not None:
        raise DefinitionError(
            "only calculate items have a calculate expression", item=name, field="calculate"
        )
    if item.type in ("note", "calculate"):
        if item.allow_dk or item.allow_refused:
            raise DefinitionError(
                f"a {item.type} is not answered, so it takes no special answers", item=name, field="allow_dk"
            )
        if item.required is not False or item.constraint is not None:
            raise DefinitionError(
                f"a {item.type} is not answered: it has no required or constraint",
                item=name,
                field="required",
            )
