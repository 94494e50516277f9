"""Open comments coded into findings: codebook, codings, adjudication (issue 14).

Revision ID: 0006_comment_coding
Revises: 0005_referrals
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0006_comment_coding"
down_revision = "0005_referrals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
