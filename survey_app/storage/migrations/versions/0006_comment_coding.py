"""Open comments coded into findings: codebook, codings, adjudication (issue 14).

Adds `codebook_versions`, `comment_codings` with their `comment_codes`, `coding_samples` (the
double-coding sample and its seed) and `coding_adjudications`; see `storage/models_coding.py`.

Revision ID: 0006_comment_coding
Revises: 0005_referrals
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_comment_coding"
down_revision = "0005_referrals"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(name: str, target: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.BigInteger(), sa.ForeignKey(target), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "codebook_versions",
        sa.Column("id", _ID, primary_key=True),
        _fk("study_id", "studies.id"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("created_by", "users.id", nullable=True),
        sa.UniqueConstraint("study_id", "version"),
    )
    op.create_index("ix_codebook_versions_study_id", "codebook_versions", ["study_id"])
    op.create_table(
        "comment_codings",
        sa.Column("id", _ID, primary_key=True),
        _fk("study_id", "studies.id"),
        _fk("codebook_id", "codebook_versions.id"),
        _fk("interview_id", "interviews.id"),
        sa.Column("question", sa.String(length=32), nullable=False),
        _fk("coder_id", "users.id"),
        sa.Column("coding_pass", sa.String(length=8), nullable=False),
        sa.Column("coded_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("interview_id", "question", "coder_id"),
    )
    op.create_index("ix_comment_codings_study_id", "comment_codings", ["study_id"])
    op.create_index("ix_comment_codings_interview_id", "comment_codings", ["interview_id"])
    op.create_table(
        "comment_codes",
        sa.Column("id", _ID, primary_key=True),
        _fk("coding_id", "comment_codings.id"),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("suggested", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("coding_id", "code"),
    )
    op.create_index("ix_comment_codes_coding_id", "comment_codes", ["coding_id"])
    op.create_table(
        "coding_samples",
        sa.Column("id", _ID, primary_key=True),
        _fk("study_id", "studies.id"),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("share", sa.Float(), nullable=True),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("drawn_at", sa.DateTime(), nullable=False),
        _fk("drawn_by", "users.id", nullable=True),
    )
    op.create_index("ix_coding_samples_study_id", "coding_samples", ["study_id"])
    op.create_table(
        "coding_adjudications",
        sa.Column("id", _ID, primary_key=True),
        _fk("study_id", "studies.id"),
        _fk("interview_id", "interviews.id"),
        sa.Column("question", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("applies", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        _fk("adjudicator_id", "users.id"),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("interview_id", "question", "code"),
    )
    op.create_index("ix_coding_adjudications_study_id", "coding_adjudications", ["study_id"])


def downgrade() -> None:
    for table in (
        "coding_adjudications",
        "coding_samples",
        "comment_codes",
        "comment_codings",
        "codebook_versions",
    ):
        op.drop_table(table)
