"""Self-completion by one-time link: invitations, tokens, SMS outbox, interview mode (issue 14).

Revision ID: 0004_web_self_completion
Revises: 0003_personal_data_at_rest
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0004_web_self_completion"
down_revision = "0003_personal_data_at_rest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
