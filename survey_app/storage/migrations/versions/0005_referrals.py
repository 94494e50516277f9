"""Referral and remediation behind an identity firewall (issue 14).

Revision ID: 0005_referrals
Revises: 0004_web_self_completion
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0005_referrals"
down_revision = "0004_web_self_completion"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
