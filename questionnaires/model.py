"""The questionnaire as a value: sections of items, bilingual texts, a version and a frozen flag.

Models are immutable (pydantic, frozen): editing returns a new questionnaire (see `editing`), so a
version that fieldwork started with cannot change underneath the answers given under it. Every
questionnaire is checked when it is built (see `validation`): a value of this type is always
consistent — unique names, known scales, expressions that parse and refer to earlier items.

Choice codes are the stable part: labels may be reworded between versions, codes may not change
meaning. `dk` (说不清) and `refused` (拒答) are answers allowed per item by `allow_dk` and
`allow_refused`; they are never missing values and never ordinary choices.
"""

from __future__ import annotations

import weakref
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from sampling.vocabulary import DONT_KNOW, REFUSED, SCALES


def _drop_empty(value: Any) -> Any:
    """Texts keep only languages with something written: '' and None mean "not translated"."""
    if isinstance(value, dict):
        return {key: text for key, text in value.items() if text is not None and text != ""}
    return value


#: Language code → text. Huifang writes zh and en; other languages are kept as given.
Text = Annotated[dict[str, str], BeforeValidator(_drop_empty)]

ItemType = Literal[
    "single", "multiple", "rating", "yesno", "integer", "decimal", "date", "text", "note", "calculate"
]

CHOICE_TYPES: frozenset[str] = frozenset({"single", "multiple", "rating", "yesno"})
NUMBER_TYPES: frozenset[str] = frozenset({"integer", "decimal"})
#: Items that are never asked: notes are read aloud and acknowledged, calculations are computed.
SILENT_TYPES: frozenset[str] = frozenset({"calculate"})

#: Case fields an interview can use in texts and expressions (see ARCHITECTURE.md).
CASE_FIELDS: tuple[str, ...] = (
    "domain",
    "channel",
    "event_type",
    "service_date",
    "organisation",
    "district",
    "surveyor_no",
)

SPECIAL_LABELS: dict[str, Text] = {
    DONT_KNOW: {"zh": "说不清", "en": "Can't say"},
    REFUSED: {"zh": "拒答", "en": "Refused"},
}

YESNO_LABELS: dict[str, Text] = {
    "yes": {"zh": "是", "en": "Yes"},
    "no": {"zh": "否", "en": "No"},
}

_FROZEN = ConfigDict(frozen=True, extra="forbid")

#: Interview modes an item's texts can be worded for (the interview's `mode`): the surveyor's call and
#: the respondent's own completion by link.
MODES: tuple[str, ...] = ("cati", "web")


class Choice(BaseModel):
    """One answer option of a single or multiple choice item; `code` is what gets stored."""

    model_config = _FROZEN

    code: str
    label: Text = Field(default_factory=dict)


class Wording(BaseModel):
    """An item's label and hint as worded for one interview mode; an empty text keeps the item's own."""

    model_config = _FROZEN

    label: Text = Field(default_factory=dict)
    hint: Text = Field(default_factory=dict)


class Item(BaseModel):
    """One question, note or computed value.

    `required` is true, false or an expression; `relevant` decides whether the item is asked at all;
    `constraint` checks the answer (`.` is the answer); `calculate` computes a calculate item's value.
    `minimum`/`maximum` bound integer and decimal answers. `modes` words the label or hint for one
    interview mode (`MODES`): a self-completion intro instead of the call script for `web`; the item's
    own label and hint serve every mode without one.
    """

    model_config = _FROZEN

    name: str
    type: ItemType
    label: Text = Field(default_factory=dict)
    hint: Text = Field(default_factory=dict)
    choices: tuple[Choice, ...] = ()
    scale: str | None = None
    allow_dk: bool = False
    allow_refused: bool = False
    minimum: int | float | None = None
    maximum: int | float | None = None
    relevant: str | None = None
    constraint: str | None = None
    constraint_message: Text = Field(default_factory=dict)
    required: bool | str = False
    calculate: str | None = None
    modes: dict[str, Wording] = Field(default_factory=dict)

    @property
    def specials(self) -> tuple[str, ...]:
        """The special answers this item accepts, in the order they are offered."""
        return tuple(
            code for code, allowed in ((DONT_KNOW, self.allow_dk), (REFUSED, self.allow_refused)) if allowed
        )


class Section(BaseModel):
    """A group of items asked together; a section with the name '' is ungrouped."""

    model_config = _FROZEN

    name: str = ""
    label: Text = Field(default_factory=dict)
    relevant: str | None = None
    items: tuple[Item, ...] = ()


class Settings(BaseModel):
    model_config = _FROZEN

    default_language: str = "zh"
    #: The rating scale of rating items that do not name their own (a name in SCALES).
    rating_scale: str = "justice3"
    #: Case fields beyond CASE_FIELDS that this questionnaire's expressions and texts may use.
    case_fields: tuple[str, ...] = ()


class Questionnaire(BaseModel):
    """A questionnaire version. Build it, edit it with `editing`, freeze it when fieldwork starts."""

    model_config = _FROZEN

    id: str
    version: int = 1
    title: Text = Field(default_factory=dict)
    settings: Settings = Field(default_factory=Settings)
    sections: tuple[Section, ...] = ()
    frozen: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> Questionnaire:
        from questionnaires.validation import check_questionnaire

        check_questionnaire(self)
        return self

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for section in self.sections for item in section.items)

    @property
    def item_names(self) -> tuple[str, ...]:
        return tuple(item.name for item in self.items)

    def item(self, name: str) -> Item:
        for item in self.items:
            if item.name == name:
                return item
        raise KeyError(f"questionnaire '{self.id}' has no item '{name}'")

    def section_of(self, name: str) -> Section:
        for section in self.sections:
            if any(item.name == name for item in section.items):
                return section
        raise KeyError(f"questionnaire '{self.id}' has no item '{name}'")

    @property
    def case_fields(self) -> tuple[str, ...]:
        return CASE_FIELDS + tuple(f for f in self.settings.case_fields if f not in CASE_FIELDS)

    def scale_of(self, item: Item) -> str:
        return item.scale or self.settings.rating_scale

    def options(self, item: Item) -> tuple[Choice, ...]:
        """Every answer option an item offers, specials last: what a surveyor can pick from.

        Built once per questionnaire and item (they are pydantic models: not free to build, and every
        interview asks for them); an item that is not this questionnaire's own is built afresh."""
        known = derived(self).setdefault("options", {})
        cached = known.get(item.name)
        if cached is not None and cached[0] is item:
            return cached[1]
        options = self._build_options(item)
        if any(own is item for own in self.items):
            known[item.name] = (item, options)
        return options

    def _build_options(self, item: Item) -> tuple[Choice, ...]:
        if item.type == "rating":
            scale = SCALES[self.scale_of(item)]
            base = tuple(
                Choice(code=level.code, label={"zh": level.zh, "en": level.en}) for level in scale.levels
            )
        elif item.type == "yesno":
            base = tuple(Choice(code=code, label=dict(label)) for code, label in YESNO_LABELS.items())
        else:
            base = item.choices
        specials = tuple(Choice(code=code, label=dict(SPECIAL_LABELS[code])) for code in item.specials)
        return base + specials

    def freeze(self) -> Questionnaire:
        """This version, frozen: fieldwork has started with it and it can no longer be edited."""
        return self.model_copy(update={"frozen": True})

    def new_version(self) -> Questionnaire:
        """An editable copy numbered version + 1 (the way to change a frozen questionnaire)."""
        return self.model_copy(update={"frozen": False, "version": self.version + 1})


#: id(model) → (a weak reference to it, what was derived from it): see `derived`.
_DERIVED: dict[int, tuple[weakref.ref[Any], dict[str, Any]]] = {}


def derived(model: BaseModel) -> dict[str, Any]:
    """A table for values computed from an immutable `model` (a questionnaire's options, the interview
    engine's index of it), kept while the model lives. Not a model attribute: pydantic compares and
    copies those, and a copy made by `model_copy(update=...)` must not inherit what it may change."""
    key = id(model)
    entry = _DERIVED.get(key)
    if entry is not None and entry[0]() is model:
        return entry[1]
    table: dict[str, Any] = {}

    def forget(reference: weakref.ref[Any]) -> None:
        if _DERIVED.get(key, (None,))[0] is reference:
            del _DERIVED[key]

    _DERIVED[key] = (weakref.ref(model, forget), table)
    return table


def text_in(texts: Text, language: str, fallback: str = "zh") -> str:
    """A text in the wanted language, else the fallback language, else any, else ''."""
    if texts.get(language):
        return texts[language]
    if texts.get(fallback):
        return texts[fallback]
    return next((value for value in texts.values() if value), "")
