"""Calls you can listen back to: recordings attached to attempts (issue 14).

Revision ID: 0007_call_recordings
Revises: 0006_comment_coding
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0007_call_recordings"
down_revision = "0006_comment_coding"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
