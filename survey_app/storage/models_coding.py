"""Tables of open-comment coding: codebook, codings, adjudications (issue 14)."""

from __future__ import annotations

from survey_app.storage.models import Base  # noqa: F401
