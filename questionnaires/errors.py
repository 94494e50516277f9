"""Every error the questionnaire library raises, each naming where it happened and what to fix.

Errors carry their location as attributes (item, field, character; or file, sheet, row, column) so
that the designer can point at the spot, and a message that reads well on its own.
"""

from __future__ import annotations


class QuestionnaireError(Exception):
    """Base of all questionnaire errors."""


class ExpressionError(QuestionnaireError):
    """An expression that cannot be parsed, is not allowed, or fails while being evaluated.

    `position` is the 1-based character in `source` where the problem starts (None when the
    problem is the expression as a whole).
    """

    def __init__(
        self,
        message: str,
        *,
        source: str = "",
        position: int | None = None,
        item: str | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.source = source
        self.position = position
        self.item = item
        self.field = field
        super().__init__(self._render())

    def at(self, item: str | None, field: str | None) -> ExpressionError:
        """The same error, located at an item's field (parsing happens before we know where)."""
        return ExpressionError(
            self.message, source=self.source, position=self.position, item=item, field=field
        )

    def _render(self) -> str:
        where = []
        if self.item:
            where.append(f"item '{self.item}'")
        if self.field:
            where.append(self.field)
        if self.position is not None:
            where.append(f"character {self.position}")
        head = ", ".join(where)
        text = f"{head}: {self.message}" if head else self.message
        if self.source and self.position is not None and len(self.source) <= 200 and "\n" not in self.source:
            text += f"\n    {self.source}\n    {' ' * (self.position - 1)}^"
        return text


class DefinitionError(QuestionnaireError):
    """A questionnaire whose structure is wrong: duplicate names, missing choices, bad ranges."""

    def __init__(self, message: str, *, item: str | None = None, field: str | None = None) -> None:
        self.message = message
        self.item = item
        self.field = field
        where = ", ".join(part for part in (f"item '{item}'" if item else "", field or "") if part)
        super().__init__(f"{where}: {message}" if where else message)


class FrozenError(QuestionnaireError):
    """Editing a questionnaire version that fieldwork has started with; call new_version() first."""


class AnswerError(QuestionnaireError):
    """An answer the current item does not accept; nothing was stored."""

    def __init__(self, message: str, *, item: str, value: object = None) -> None:
        self.message = message
        self.item = item
        self.value = value
        super().__init__(f"item '{item}': {message}")


class InterviewError(QuestionnaireError):
    """An interview operation that is not possible now (answering a completed interview, …)."""


class FileFormatError(QuestionnaireError):
    """A questionnaire file that cannot be read, naming file, sheet, row, column and character."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        position: int | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.sheet = sheet
        self.row = row
        self.column = column
        self.position = position
        where = []
        if path:
            where.append(str(path))
        if sheet:
            where.append(f"sheet '{sheet}'")
        if row is not None:
            where.append(f"row {row}")
        if column:
            where.append(f"column '{column}'")
        if position is not None:
            where.append(f"character {position}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)
