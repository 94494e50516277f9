"""Lean write path for the call queue (issue 15).

Revision ID: 0008_lean_write_path
Revises: 0007_call_recordings
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0008_lean_write_path"
down_revision = "0007_call_recordings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
