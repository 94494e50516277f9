"""Tables of referral and remediation, kept apart from evaluation data (issue 14)."""

from __future__ import annotations

from survey_app.storage.models import Base  # noqa: F401
