"""Calls you can listen back to: recordings attached to attempts (issue 14).

Adds `call_recordings`: one row per recorded attempt (case, attempt number), the audio sealed with the
study's data key, its SHA-256, format, size and the consent script (录音告知) read or announced.

Revision ID: 0007_call_recordings
Revises: 0006_comment_coding
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_call_recordings"
down_revision = "0006_comment_coding"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "call_recordings",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("study_id", _ID, sa.ForeignKey("studies.id"), nullable=False),
        sa.Column("case_id", _ID, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("attempt_no", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("audio_format", sa.String(length=8), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        sa.Column("call_started_at", sa.DateTime(), nullable=True),
        sa.Column("consent_source", sa.String(length=16), nullable=False),
        sa.Column("consent_script", sa.Text(), nullable=False),
        sa.Column("audio_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("attached_at", sa.DateTime(), nullable=False),
        sa.Column("attached_by", _ID, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("purged_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("case_id", "attempt_no", name="uq_call_recordings_attempt"),
    )
    op.create_index("ix_call_recordings_study_id", "call_recordings", ["study_id"])
    op.create_index("ix_call_recordings_case_id", "call_recordings", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_call_recordings_case_id", table_name="call_recordings")
    op.drop_index("ix_call_recordings_study_id", table_name="call_recordings")
    op.drop_table("call_recordings")
