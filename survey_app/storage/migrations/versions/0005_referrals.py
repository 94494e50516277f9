"""Referral and remediation behind an identity firewall (issue 14).

Adds the `referrals` table (see `storage/models_referrals.py`) and `users.organisation_id`, the
organisation a `remediation` user (整改责任单位) answers for.

Revision ID: 0005_referrals
Revises: 0004_web_self_completion
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_referrals"
down_revision = "0004_web_self_completion"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("users", sa.Column("organisation_id", sa.String(length=64), nullable=True))
    op.create_table(
        "referrals",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("ref_no", sa.String(length=24), nullable=False, unique=True),
        sa.Column("study_id", sa.BigInteger(), sa.ForeignKey("studies.id"), nullable=False),
        sa.Column("source_key", sa.String(length=64), nullable=False, unique=True),
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("organisation", sa.String(length=256), nullable=False),
        sa.Column("domain", sa.String(length=32), nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=True),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("name_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("phone_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=True),
        sa.Column("action_note", sa.Text(), nullable=True),
        sa.Column("action_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closure_note", sa.Text(), nullable=True),
        sa.Column("closed_by", sa.BigInteger(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("recallback_rating", sa.String(length=32), nullable=True),
        sa.Column("recallback_note", sa.Text(), nullable=True),
        sa.Column("recallback_at", sa.DateTime(), nullable=True),
        sa.Column("recallback_by", sa.BigInteger(), sa.ForeignKey("users.id"), nullable=True),
    )
    op.create_index("ix_referrals_study_id", "referrals", ["study_id"])
    op.create_index("ix_referrals_organisation_id", "referrals", ["organisation_id"])


def downgrade() -> None:
    op.drop_index("ix_referrals_organisation_id", table_name="referrals")
    op.drop_index("ix_referrals_study_id", table_name="referrals")
    op.drop_table("referrals")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("organisation_id")
