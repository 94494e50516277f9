"""Tables of call recordings attached to attempts (issue 14)."""

from __future__ import annotations

from survey_app.storage.models import Base  # noqa: F401
