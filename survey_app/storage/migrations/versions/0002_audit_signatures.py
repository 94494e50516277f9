"""Audit entries carry an Ed25519 signature and the fingerprint of the key that made it.

Additive: two nullable columns (plain ALTER TABLE ADD COLUMN, so SQLite keeps the append-only
triggers). Entries written before a signing key existed stay unsigned, and `huifang verify` says so.

Revision ID: 0002_audit_signatures
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_audit_signatures"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("key_id", sa.String(length=64), nullable=True))
    op.add_column("audit_log", sa.Column("signature", sa.String(length=128), nullable=True))


def downgrade() -> None:
    op.drop_column("audit_log", "signature")  # plain ALTER TABLE (SQLite ≥ 3.35): triggers stay
    op.drop_column("audit_log", "key_id")
