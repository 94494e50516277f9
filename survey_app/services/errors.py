"""Errors the app shows to people: each says what went wrong and what to do."""

from __future__ import annotations


class HuifangError(Exception):
    """Base of every error the app reports as a message rather than a traceback."""


class DatabaseUnavailable(HuifangError):
    """The database cannot be reached, created or read."""


class NotFound(HuifangError):
    """A study, case, user or version that does not exist (or that the actor may not know about)."""


class PermissionDenied(HuifangError):
    """The actor's role or ownership does not allow the action."""


class InvalidState(HuifangError):
    """The action does not fit the study's or case's current state."""


class AuthenticationFailed(HuifangError):
    """Wrong user name or password; deliberately does not say which."""
