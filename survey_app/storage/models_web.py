"""Tables of self-completion by link and the SMS outbox (issue 14)."""

from __future__ import annotations

from survey_app.storage.models import Base  # noqa: F401
