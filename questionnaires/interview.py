"""The interview engine: which item to ask now, with its text filled in; checking and storing answers.

Pure and fast: an `Interview` holds a questionnaire version, the case's fields and the answers so
far, and nothing else — no storage, no clock unless asked (`today`). The app stores each answer
the moment it is given and, after a reload, rebuilds `Interview(q, case, answers=stored)`, which
lands on the same item: the item to ask is always the first relevant item without an answer.

    interview = Interview(questionnaire, case={"domain": "公证", "service_date": date(2024, 5, 6)})
    while (question := interview.current()) is not None:
        show(question.label, question.options)      # text with ${service_date} etc. filled in
        interview.answer(value)                      # AnswerError (nothing stored) if invalid
    interview.answers                                # {"intro": None, "identity": "yes", ...}

Answers by item type: single, rating and yesno take a choice code (str); multiple a list of codes;
integer an int; decimal a float; date a `datetime.date` (or 'YYYY-MM-DD'); text a str; a note is
acknowledged with `answer(None)`. Wherever an item allows them, `"dk"` and `"refused"` are answers
(for multiple items too, given alone). An optional item can be left empty with `answer(None)`.
Key presence in `answers` means "asked and answered"; the value None means acknowledged or left
empty.

`mode` ("cati", "web" or None) picks an item's wording for that interview mode where the item has one
(`Item.modes`: the web page shows a self-completion intro, the surveyor the call script); None, or a
mode the item does not word, shows the item's own label and hint. Only texts differ: the items asked,
their options and the answers are the same in every mode.

`back()` moves to the previous answered item; answering there replaces the answer, then the
interview continues at the first relevant unanswered item. Whenever an answer changes, answers
that became irrelevant are removed, and `events` records every step as (item, action, old, new)
with action one of "answered", "changed", "cleared" — the app persists both. Calculate items are
recomputed after every change and are found in `computed` (and `values`).

Refreshing after an answer walks the questionnaire in order as before, but an expression (a section's
or item's relevance, a calculation) is re-evaluated only when a value it reads (`Expression.reads`)
differs from the last time — so an answer re-evaluates just the expressions that read it, and those
that read calculations it changed. "Differs" is strict (type, float sign, datetime identity), the
memo keeps only immutable results, and expressions calling `today()` without a fixed `today` are
always re-evaluated, so the outcome is exactly that of a full re-evaluation (issue 15). An answer's
refresh starts at the item answered: an expression reads only case fields and the items before its
own, so nothing earlier can change (unless an expression reads the clock, when the walk starts at
the top). What depends only on the questionnaire — its items in order, their sections and options, the
parsed expressions' clock reading — is found once per questionnaire (`_Shape`), not per interview.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from questionnaires.errors import AnswerError, ExpressionError, InterviewError
from questionnaires.expressions import Context, Expression, evaluate, parse, truthy
from questionnaires.model import MODES, SILENT_TYPES, Choice, Item, Questionnaire, Text, derived, text_in
from sampling.vocabulary import CHANNELS, DISTRICT_EN, DOMAINS, EVENT_TYPES

MAX_TEXT_LENGTH = 5000

_PLACEHOLDER = re.compile(r"\$\{\s*([A-Za-z_][A-Za-z0-9_.\-]*)\s*\}")
_TRANSLATIONS = {"domain": DOMAINS, "channel": CHANNELS, "district": DISTRICT_EN, "event_type": EVENT_TYPES}


@dataclass(frozen=True)
class Event:
    """One step of an interview's history, for the app to persist next to the answers."""

    item: str
    action: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Option:
    code: str
    label: str


@dataclass(frozen=True)
class Question:
    """The item to ask now, as the surveyor sees it: texts filled in, in the interview's language."""

    name: str
    type: str
    label: str
    hint: str
    options: tuple[Option, ...]
    required: bool
    answered: bool
    value: Any
    minimum: int | float | None
    maximum: int | float | None
    section: str
    item: Item


class Interview:
    """One respondent's interview over one questionnaire version (see the module docstring)."""

    #: Re-evaluate an expression only when what it reads has changed (False: the full refresh,
    #: kept as the reference that tests and benchmarks compare against).
    _memoise: bool = True

    def __init__(
        self,
        questionnaire: Questionnaire,
        case: Mapping[str, Any] | None = None,
        answers: Mapping[str, Any] | None = None,
        *,
        language: str | None = None,
        today: date | None = None,
        mode: str | None = None,
    ) -> None:
        if mode is not None and mode not in MODES:
            raise InterviewError(f"unknown interview mode {mode!r}; known: {', '.join(MODES)}")
        self.questionnaire = questionnaire
        self.language = language or questionnaire.settings.default_language
        self.mode = mode
        self.today = today
        self.case: dict[str, Any] = {key: _normalise_case_value(value) for key, value in (case or {}).items()}
        self.events: list[Event] = []
        self._shape = _Shape.of(questionnaire)
        self._items: tuple[Item, ...] = self._shape.items
        self._index = self._shape.index
        self._section = self._shape.section
        self._answers: dict[str, Any] = {}
        self._computed: dict[str, Any] = {}
        self._relevant: dict[str, bool] = {}
        self._memo: dict[tuple[str, str, str], _Memo] = {}
        self._cursor: int | None = None
        for name, value in (answers or {}).items():
            if name not in self._index:
                raise AnswerError(
                    f"no such item in questionnaire '{questionnaire.id}' version {questionnaire.version}",
                    item=name,
                    value=value,
                )
            item = self._items[self._index[name]]
            if item.type in SILENT_TYPES:
                continue  # computed values are recomputed, never taken from storage
            self._answers[name] = self._normalise(item, value)
        self._refresh()

    # --- reading ---------------------------------------------------------------------------

    @property
    def version(self) -> int:
        return self.questionnaire.version

    @property
    def answers(self) -> dict[str, Any]:
        """Answers given so far, by item name, in questionnaire order."""
        return {item.name: self._answers[item.name] for item in self._items if item.name in self._answers}

    @property
    def computed(self) -> dict[str, Any]:
        """Values of calculate items (None where irrelevant), in questionnaire order."""
        return dict(self._computed)

    @property
    def values(self) -> dict[str, Any]:
        """Answers and computed values together: what expressions see besides the case."""
        merged = self.answers
        merged.update({name: value for name, value in self._computed.items() if value is not None})
        return merged

    @property
    def complete(self) -> bool:
        return self._frontier() is None

    @property
    def reviewing(self) -> bool:
        """True after back()/go_to(): the current item already has an answer being reviewed."""
        return self._cursor is not None

    @property
    def can_go_back(self) -> bool:
        return self._previous_asked(self._position()) is not None

    def is_relevant(self, name: str) -> bool:
        return self._relevant[name]

    def copy(self) -> Interview:
        """An independent engine in the same state (answers, position, language, events, memo).

        Cheaper than rebuilding from the answers (which evaluates every expression afresh): an app
        can keep the engine an action left and hand a copy to the next one (see `resumed`)."""
        twin = object.__new__(type(self))
        twin.__dict__.update(self.__dict__)
        twin.case = dict(self.case)
        twin.events = list(self.events)
        twin._answers = {k: list(v) if type(v) is list else v for k, v in self._answers.items()}
        twin._computed = dict(self._computed)
        twin._relevant = dict(self._relevant)
        twin._memo = {slot: memo.copy() for slot, memo in self._memo.items()}
        return twin

    def resumed(self) -> Interview:
        """A copy as `Interview(questionnaire, case, answers=self.stored_answers())` would be built now:
        no events, at the first unanswered item, in the questionnaire's default language, with every
        expression re-checked (through the memo: only those whose inputs changed, or that read the
        clock, are evaluated again)."""
        twin = self.copy()
        twin.events = []
        twin._cursor = None
        twin.language = self.questionnaire.settings.default_language
        twin._refresh()
        return twin

    def stored_answers(self) -> dict[str, Any]:
        """Answers in a JSON-friendly form (dates as 'YYYY-MM-DD') that the constructor accepts back."""
        return {
            name: value.isoformat() if isinstance(value, date) else value
            for name, value in self.answers.items()
        }

    def current(self) -> Question | None:
        """The item to ask now, or None when the interview is complete."""
        index = self._position()
        if index is None or index >= len(self._items):
            return None
        return self._question(self._items[index])

    def current_item(self) -> Item | None:
        """The definition of the item to ask now (None when complete): `current()` without filling
        its texts and building its options, for callers that need only its name or type."""
        index = self._position()
        if index is None or index >= len(self._items):
            return None
        return self._items[index]

    def is_required(self, name: str) -> bool:
        """Whether an answer to item `name` is required now (its `required` expression evaluated)."""
        return self._required(self._items[self._index[name]])

    # --- acting ----------------------------------------------------------------------------

    def answer(self, value: Any) -> Question | None:
        """Check and store the answer to the current item, then move on; returns the next question."""
        self.advance(value)
        return self.current()

    def advance(self, value: Any) -> Item | None:
        """`answer` returning the next item's definition instead of its question (`current_item`):
        the same checks, storing and events, for replaying answers that no one reads on a screen."""
        index = self._position()
        if index is None or index >= len(self._items):
            raise InterviewError("the interview is complete: there is nothing to answer")
        item = self._items[index]
        value = self._normalise(item, value)
        self._check(item, value)
        name = item.name
        saved = (
            dict(self._answers),
            dict(self._computed),
            dict(self._relevant),
            len(self.events),
            self._cursor,
        )
        if name in self._answers:
            old = self._answers[name]
            if old != value:
                self.events.append(Event(name, "changed", old, value))
        else:
            self.events.append(Event(name, "answered", None, value))
        self._answers[name] = value
        self._cursor = None
        try:
            self._refresh(start=index)
        except ExpressionError as error:  # e.g. an answer so large that a later calculation overflows
            self._answers, self._computed, self._relevant, events, self._cursor = saved
            del self.events[events:]
            raise AnswerError(
                f"this answer makes item '{error.item}' fail ({error.message}); nothing was stored",
                item=name,
                value=value,
            ) from None
        return self.current_item()

    def back(self) -> Question:
        """Move to the previous answered item (its answer stays until it is answered again)."""
        previous = self._previous_asked(self._position())
        if previous is None:
            raise InterviewError("this is the first item: there is nothing to go back to")
        self._cursor = previous
        return self._question(self._items[previous])

    def forward(self) -> Question | None:
        """Move to the next answered item without changing anything, or on to the first unanswered."""
        position = self._position()
        frontier = self._frontier()
        if position is None or position == frontier:
            return self.current()
        for index in range(position + 1, len(self._items)):
            if index == frontier:
                break
            if self._is_asked(index):
                self._cursor = index
                return self.current()
        self._cursor = None
        return self.current()

    def go_to(self, name: str) -> Question:
        """Move to an answered item (or the first unanswered one) by name, e.g. from a summary list."""
        index = self._index.get(name)
        if index is None:
            raise InterviewError(f"no item '{name}' in this questionnaire")
        if index == self._frontier():
            self._cursor = None
        elif self._is_asked(index):
            self._cursor = index
        else:
            raise InterviewError(f"item '{name}' has not been reached yet or is not relevant")
        question = self.current()
        assert question is not None
        return question

    # --- internals -------------------------------------------------------------------------

    def _position(self) -> int | None:
        return self._cursor if self._cursor is not None else self._frontier()

    def _frontier(self) -> int | None:
        for index, item in enumerate(self._items):
            if item.type not in SILENT_TYPES and self._relevant[item.name] and item.name not in self._answers:
                return index
        return None

    def _is_asked(self, index: int) -> bool:
        item = self._items[index]
        return item.type not in SILENT_TYPES and self._relevant[item.name] and item.name in self._answers

    def _previous_asked(self, position: int | None) -> int | None:
        start = len(self._items) if position is None else position
        for index in range(start - 1, -1, -1):
            if self._is_asked(index):
                return index
        return None

    def _context(self, env: Mapping[str, Any], current: Any = None) -> Context:
        return Context(values=env, current=current, today=self.today)

    def _eval(self, source: str, env: Mapping[str, Any], item: str, field: str, current: Any = None) -> Any:
        try:
            return evaluate(parse(source), self._context(env, current))
        except ExpressionError as error:
            raise error.at(item, field) from None

    def _eval_memo(self, source: str, env: Mapping[str, Any], slot: tuple[str, str, str]) -> Any:
        """`_eval` without `current` for `slot` (kind, owner, field), skipped when what it reads is unchanged."""
        _, owner, field = slot
        if not self._memoise:
            return self._eval(source, env, owner, field)
        memo = self._memo.get(slot)
        if memo is None or memo.source != source:
            try:
                memo = self._memo[slot] = _Memo(source, parse(source))
            except ExpressionError as error:
                raise error.at(owner, field) from None
        expression = memo.expression
        if expression.volatile and self.today is None:
            return self._eval(source, env, owner, field)
        values = tuple(map(env.get, expression.reads))
        kinds = tuple(map(type, values))
        if _PLAIN_VALUES.issuperset(kinds):
            key: tuple[Any, ...] = ("plain", values, kinds)
        else:
            key = ("strict", tuple([_memo_key(value) for value in values]))
        if memo.filled and memo.key == key and memo.today == self.today:
            return memo.result
        try:
            result = evaluate(expression, self._context(env))
        except ExpressionError as error:
            raise error.at(owner, field) from None
        if type(result) in _IMMUTABLE_RESULTS:
            memo.key, memo.today, memo.result, memo.filled = key, self.today, result, True
        return result

    def _env(self) -> dict[str, Any]:
        env = dict(self.case)
        for item in self._items:
            env[item.name] = self._value(item)
        return env

    def _value(self, item: Item) -> Any:
        """What expressions see for an item: its computed value or its answer (None when neither)."""
        return self._computed.get(item.name) if item.type in SILENT_TYPES else self._answers.get(item.name)

    def _refresh(self, start: int = 0) -> None:
        """Recompute relevance and calculations in order, clearing answers that became irrelevant.

        From item `start` on (after an answer to it): the items before it read nothing that changed
        and keep their state; their values only enter what later expressions see. From the top for
        the reference engine and when an expression reads the clock."""
        if not self._memoise or (self._shape.volatile and self.today is None):
            start = 0
        env = dict(self.case)
        position = 0
        for section in self.questionnaire.sections:
            if start >= position + len(section.items):  # wholly before `start`: unchanged
                for item in section.items:
                    env[item.name] = self._value(item)
                position += len(section.items)
                continue
            section_relevant = section.relevant is None or truthy(
                self._eval_memo(section.relevant, env, ("section", section.name, "relevant"))
            )
            for item in section.items:
                if position < start:  # before `start` in this section: unchanged
                    position += 1
                    env[item.name] = self._value(item)
                    continue
                position += 1
                relevant = section_relevant and (
                    item.relevant is None
                    or truthy(self._eval_memo(item.relevant, env, ("item", item.name, "relevant")))
                )
                self._relevant[item.name] = relevant
                if item.type in SILENT_TYPES:
                    value = (
                        self._eval_memo(item.calculate or "", env, ("item", item.name, "calculate"))
                        if relevant
                        else None
                    )
                    self._computed[item.name] = value
                    env[item.name] = value
                    continue
                if not relevant and item.name in self._answers:
                    old = self._answers.pop(item.name)
                    self.events.append(Event(item.name, "cleared", old, None))
                env[item.name] = self._answers.get(item.name)

    def _required(self, item: Item) -> bool:
        if isinstance(item.required, bool):
            return item.required  # most items: no need to build the values expressions see
        return truthy(self._eval(item.required, self._env(), item.name, "required"))

    def _texts(self, item: Item) -> tuple[Text, Text]:
        """The label and hint for this interview's mode: the mode's wording where it has one."""
        wording = item.modes.get(self.mode) if self.mode is not None and item.modes else None
        if wording is None:
            return item.label, item.hint
        return wording.label or item.label, wording.hint or item.hint

    def _question(self, item: Item) -> Question:
        language = self.language
        fallback = self.questionnaire.settings.default_language
        label, hint = self._texts(item)
        options = tuple(
            Option(choice.code, text_in(choice.label, language, fallback)) for choice in self._options(item)
        )
        return Question(
            name=item.name,
            type=item.type,
            label=self.fill(text_in(label, language, fallback)),
            hint=self.fill(text_in(hint, language, fallback)),
            options=options,
            required=self._required(item),
            answered=item.name in self._answers,
            value=self._answers.get(item.name),
            minimum=item.minimum,
            maximum=item.maximum,
            section=self._section[item.name],
            item=item,
        )

    def _options(self, item: Item) -> tuple[Choice, ...]:
        """The item's options (built once per questionnaire: `Questionnaire.options`)."""
        return self.questionnaire.options(item)

    def fill(self, text: str) -> str:
        """A text with `${name}` replaced by case fields and answers, shown in the interview's language."""
        return _PLACEHOLDER.sub(lambda match: self._display(match.group(1), match.group(0)), text)

    def _display(self, name: str, placeholder: str) -> str:
        if name in self._index:
            item = self._items[self._index[name]]
            value = self._value(item)
            if value is None:
                return ""
            labels = {option.code: option.label for option in self._options(item)}
            fallback = self.questionnaire.settings.default_language
            if isinstance(value, list):
                shown = [
                    text_in(labels[code], self.language, fallback) if code in labels else str(code)
                    for code in value
                ]
                return ("、" if self.language == "zh" else ", ").join(shown)
            if isinstance(value, str) and value in labels:
                return text_in(labels[value], self.language, fallback)
            return _format_value(value, self.language)
        if name in self.case:
            value = self.case[name]
            if value is None:
                return placeholder
            if self.language != "zh" and name in _TRANSLATIONS:
                return _TRANSLATIONS[name].get(str(value), str(value))
            return _format_value(value, self.language)
        return placeholder

    def _normalise(self, item: Item, value: Any) -> Any:
        """The canonical form of an answer for its item type; AnswerError when it has the wrong shape."""
        name = item.name
        if item.type == "note":
            if value is not None:
                raise AnswerError("a note is acknowledged with answer(None)", item=name, value=value)
            return None
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, str) and value.strip() in item.specials:
            return value.strip()
        if item.type in ("single", "rating", "yesno"):
            codes = [choice.code for choice in self._options(item)]
            if isinstance(value, int) and not isinstance(value, bool) and str(value) in codes:
                value = str(value)  # numeric codes, common in CATI forms, given as numbers
            if not isinstance(value, str) or value not in codes:
                raise AnswerError(
                    f"{value!r} is not one of the choices: {', '.join(codes)}", item=name, value=value
                )
            return value
        if item.type == "multiple":
            return self._normalise_multiple(item, value)
        if item.type == "integer":
            return _bounded(item, _to_integer(item, value))
        if item.type == "decimal":
            return _bounded(item, _to_decimal(item, value))
        if item.type == "date":
            return _to_date(item, value)
        if item.type == "text":
            if not isinstance(value, str):
                raise AnswerError(
                    f"a text answer must be text, not {type(value).__name__}", item=name, value=value
                )
            text = value.strip()
            if len(text) > MAX_TEXT_LENGTH:
                raise AnswerError(
                    f"the text is longer than {MAX_TEXT_LENGTH} characters", item=name, value=value
                )
            return text
        raise AnswerError(f"items of type {item.type} are not answered", item=name, value=value)

    def _normalise_multiple(self, item: Item, value: Any) -> list[str] | None:
        codes = [choice.code for choice in item.choices]
        given = value.split() if isinstance(value, str) else value
        if not isinstance(given, list | tuple | set | frozenset):
            raise AnswerError(
                "a multiple choice answer is a list of choice codes", item=item.name, value=value
            )
        given = [
            str(code) if isinstance(code, int) and not isinstance(code, bool) else code for code in given
        ]
        specials = [code for code in given if code in item.specials]
        if specials:
            raise AnswerError(
                f"{specials[0]!r} is an answer on its own, not one of several choices",
                item=item.name,
                value=value,
            )
        unknown = [code for code in given if code not in codes]
        if unknown:
            raise AnswerError(
                f"{unknown[0]!r} is not one of the choices: {', '.join(codes)}", item=item.name, value=value
            )
        if len(set(given)) != len(given):
            raise AnswerError("a choice is given twice", item=item.name, value=value)
        chosen = [code for code in codes if code in given]
        return chosen or None

    def _check(self, item: Item, value: Any) -> None:
        """Required-ness and the constraint, which depend on the other answers."""
        if value is None:
            if item.type != "note" and self._required(item):
                raise AnswerError("an answer is required", item=item.name, value=value)
            return
        if item.constraint is None or value in item.specials:
            return
        try:
            ok = truthy(evaluate(parse(item.constraint), self._context(self._env(), value)))
        except ExpressionError as error:
            raise AnswerError(
                f"the answer cannot be checked: {error.message}", item=item.name, value=value
            ) from None
        if not ok:
            fallback = self.questionnaire.settings.default_language
            message = text_in(item.constraint_message, self.language, fallback)
            raise AnswerError(
                message or f"the answer does not meet the constraint {item.constraint}",
                item=item.name,
                value=value,
            )


#: Results the memo may hand out again: values that cannot be changed in place.
_IMMUTABLE_RESULTS = frozenset({type(None), bool, int, float, str, date})
_PLAIN_VALUES = frozenset({type(None), bool, int, str, date})


class _Shape:
    """What every interview of one questionnaire shares: its items in order, their positions and
    sections, and whether any expression reads the clock. Found once per questionnaire object
    (`model.derived`; questionnaires are immutable)."""

    __slots__ = ("index", "items", "section", "volatile")

    def __init__(self, questionnaire: Questionnaire) -> None:
        self.items: tuple[Item, ...] = questionnaire.items
        self.index = {item.name: index for index, item in enumerate(self.items)}
        self.section = {
            item.name: section.name for section in questionnaire.sections for item in section.items
        }
        sources = [section.relevant for section in questionnaire.sections]
        sources += [source for item in self.items for source in (item.relevant, item.calculate)]
        self.volatile = any(_reads_clock(source) for source in sources if source)

    @staticmethod
    def of(questionnaire: Questionnaire) -> _Shape:
        table = derived(questionnaire)
        shape = table.get("interview")
        if shape is None:
            shape = table["interview"] = _Shape(questionnaire)
        return shape


def _reads_clock(source: str) -> bool:
    """Whether an expression calls today() (True where it does not parse: its error shows when it is
    evaluated, and the refresh then walks every item, as before)."""
    try:
        return parse(source).volatile
    except ExpressionError:
        return True


class _Memo:
    """One expression slot's parsed expression and its last inputs and result (`filled` once known)."""

    __slots__ = ("expression", "filled", "key", "result", "source", "today")

    def __init__(self, source: str, expression: Expression) -> None:
        self.source = source
        self.expression = expression
        self.filled = False
        self.key: tuple[Any, ...] = ()
        self.today: date | None = None
        self.result: Any = None

    def copy(self) -> _Memo:
        twin = _Memo(self.source, self.expression)
        twin.filled, twin.key, twin.today, twin.result = self.filled, self.key, self.today, self.result
        return twin


class _Same:
    """A value of a type the memo does not know, compared by identity (held, so its id is not reused)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.value is self.value

    def __hash__(self) -> int:
        return id(self.value)


def _memo_key(value: Any) -> Any:
    """What an expression can tell apart about a value: equal keys give equal results.

    Stricter than `==`: 1, 1.0 and True differ (string-length() tells them apart), so do 0.0 and -0.0;
    lists are copied (an answer list changed in place is a change); datetimes and unknown types
    compare by identity.
    """
    kind = type(value)
    if kind in _PLAIN_VALUES:
        return (kind, value)
    if kind is float:
        return (kind, value, math.copysign(1.0, value))
    if kind is list or kind is tuple:
        return (kind, tuple([_memo_key(part) for part in value]))
    return _Same(value)


def _normalise_case_value(value: Any) -> Any:
    """Case fields as expressions expect them: missing as None, timestamps at midnight as dates."""
    try:
        if value != value:  # NaN, pandas NaT
            return None
    except (TypeError, ValueError):
        return value
    if hasattr(value, "to_pydatetime"):  # a pandas Timestamp
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value
    return value


def _format_value(value: Any, language: str) -> str:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日" if language == "zh" else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _to_integer(item: Item, value: Any) -> int:
    if isinstance(value, bool):
        raise AnswerError("a whole number is needed, not true/false", item=item.name, value=value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?[0-9]{1,15}\s*", value):
        return int(value)
    raise AnswerError(f"a whole number is needed, not {value!r}", item=item.name, value=value)


def _to_decimal(item: Item, value: Any) -> float:
    if isinstance(value, bool):
        raise AnswerError("a number is needed, not true/false", item=item.name, value=value)
    numeric_text = isinstance(value, str) and re.fullmatch(r"\s*-?[0-9]{1,15}(\.[0-9]{1,15})?\s*", value)
    is_decimal = hasattr(value, "is_finite")  # decimal.Decimal
    number = float(value) if isinstance(value, int | float) or numeric_text or is_decimal else None
    if number is None or not math.isfinite(number):
        raise AnswerError(f"a number is needed, not {value!r}", item=item.name, value=value)
    return number


def _bounded(item: Item, number: int | float) -> int | float:
    if item.minimum is not None and number < item.minimum:
        raise AnswerError(f"{number} is below the minimum {item.minimum}", item=item.name, value=number)
    if item.maximum is not None and number > item.maximum:
        raise AnswerError(f"{number} is above the maximum {item.maximum}", item=item.name, value=number)
    return number


def _to_date(item: Item, value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise AnswerError(f"a date written YYYY-MM-DD is needed, not {value!r}", item=item.name, value=value)
