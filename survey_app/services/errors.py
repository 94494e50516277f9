"""Errors the app shows to people: each says what went wrong and what to do."""

from __future__ import annotations


class HuifangError(Exception):
    """Base of every error the app reports as a message rather than a traceback.

    The message is English (the command line's language); `zh` optionally carries the same sentence in
    Chinese, which the app shows when its user reads Chinese (`text(lang)`).
    """

    def __init__(self, *args: object, zh: str | None = None) -> None:
        super().__init__(*args)
        self.zh = zh

    def text(self, lang: str) -> str:
        """The message in `lang` ("zh" or "en"); English when no Chinese sentence was given."""
        return self.zh if lang == "zh" and self.zh else str(self)


class DatabaseUnavailable(HuifangError):
    """The database cannot be reached, created or read."""


class DatabaseWriteFailed(DatabaseUnavailable):
    """A transaction the database could not complete (full disk, I/O error); it was rolled back."""


class ReadOnlySessionWrite(HuifangError):
    """Work in a read-only session (`Database.reading()`) tried to write; the database refused it.

    A fault in Huifang's code, not the user's: the caller should have used `Database.session()`.
    """


class NotFound(HuifangError):
    """A study, case, user or version that does not exist (or that the actor may not know about)."""


class PermissionDenied(HuifangError):
    """The actor's role or ownership does not allow the action."""


class InvalidState(HuifangError):
    """The action does not fit the study's or case's current state."""


class AuthenticationFailed(HuifangError):
    """Wrong user name or password; deliberately does not say which."""
