"""Self-completion by one-time link: invitations, tokens, SMS outbox, interview mode (issue 14).

Revision ID: 0004_web_self_completion
Revises: 0003_personal_data_at_rest
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_web_self_completion"
down_revision = "0003_personal_data_at_rest"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("interviews", sa.Column("mode", sa.String(8), nullable=False, server_default="cati"))
    op.create_table(
        "web_invitations",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("study_id", _ID, sa.ForeignKey("studies.id"), nullable=False),
        sa.Column("case_id", _ID, sa.ForeignKey("cases.id"), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", _ID, sa.ForeignKey("users.id")),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime()),
        sa.Column("reminders", sa.Integer(), nullable=False),
        sa.Column("last_reminded_at", sa.DateTime()),
        sa.Column("opened_at", sa.DateTime()),
        sa.Column("verified_at", sa.DateTime()),
        sa.Column("submitted_at", sa.DateTime()),
        sa.Column("undeliverable_at", sa.DateTime()),
        sa.Column("disposition", sa.String(8)),
    )
    op.create_index("ix_web_invitations_study_id", "web_invitations", ["study_id"])
    op.create_index("ix_web_invitations_expires_at", "web_invitations", ["expires_at"])
    op.create_table(
        "web_links",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("invitation_id", _ID, sa.ForeignKey("web_invitations.id"), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_web_links_invitation_id", "web_links", ["invitation_id"])
    op.create_table(
        "sms_messages",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("study_id", _ID, sa.ForeignKey("studies.id"), nullable=False),
        sa.Column("invitation_id", _ID, sa.ForeignKey("web_invitations.id")),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("gateway", sa.String(16), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reference", sa.String(128)),
        sa.Column("error", sa.Text()),
    )
    op.create_index("ix_sms_messages_study_id", "sms_messages", ["study_id"])
    op.create_index("ix_sms_messages_invitation_id", "sms_messages", ["invitation_id"])


def downgrade() -> None:
    op.drop_table("sms_messages")
    op.drop_table("web_links")
    op.drop_table("web_invitations")
    with op.batch_alter_table("interviews") as batch:
        batch.drop_column("mode")
