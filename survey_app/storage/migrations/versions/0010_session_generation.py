"""Logging out revokes the session token (`services.sessions`).

Adds `users.session_generation` (0 for every existing user): part of the signed fingerprint of every
session token, raised by one at each logout, so a token copied before the logout no longer resumes.
Tokens issued before this migration stay valid (a generation of 0 leaves the fingerprint as it was).

Revision ID: 0010_session_generation
Revises: 0009_queue_lookup
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_session_generation"
down_revision = "0009_queue_lookup"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_generation")
