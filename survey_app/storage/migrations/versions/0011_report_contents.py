"""A recorded report's content kept beside its signed record (`models.ReportContent`).

Adds `report_contents`: the canonical text of each recorded report's content (zlib), keyed by the content
fingerprint its `report.built` entry records, so that `verify` on a machine whose arithmetic is not the
builder's can compare a rebuild with it figure by figure. Reports recorded before this migration have
no row and are verified as before.

Revision ID: 0011_report_contents
Revises: 0010_session_generation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_report_contents"
down_revision = "0010_session_generation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_contents",
        sa.Column("content_sha256", sa.String(64), primary_key=True),
        sa.Column("leaves", sa.LargeBinary(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("report_contents")
