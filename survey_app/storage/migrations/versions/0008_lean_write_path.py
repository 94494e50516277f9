"""Lean write path for the call queue (issue 15).

- `audit_append` (SQLite only): a view over `audit_log` whose INSTEAD OF INSERT trigger inserts the
  entry and moves `audit_head` to it, so the app appends a batch of entries and the head in one
  statement (PostgreSQL does the same with a `WITH … UPDATE audit_head` CTE and needs no view). A row
  inserted into `audit_log` itself still leaves the head behind, which is how `verify` names rows
  added outside the app.
- `uq_cases_one_held_per_surveyor`: a surveyor holds at most one case of a study, in the database
  itself; `next_case` claims in one statement and this index is the guarantee behind it.

Revision ID: 0008_lean_write_path
Revises: 0007_call_recordings
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_lean_write_path"
down_revision = "0007_call_recordings"
branch_labels = None
depends_on = None

_COLUMNS = "id, at, actor, action, study_id, entity, entity_id, details, prev_hash, hash, key_id, signature"


def upgrade() -> None:
    op.create_index(
        "uq_cases_one_held_per_surveyor",
        "cases",
        ["study_id", "held_by"],
        unique=True,
        sqlite_where=sa.text("state = 'held'"),
        postgresql_where=sa.text("state = 'held'"),
    )
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(f"CREATE VIEW audit_append AS SELECT {_COLUMNS} FROM audit_log")
    values = ", ".join(f"NEW.{name.strip()}" for name in _COLUMNS.split(","))
    op.execute(
        "CREATE TRIGGER audit_append_insert INSTEAD OF INSERT ON audit_append BEGIN "
        f"INSERT INTO audit_log ({_COLUMNS}) VALUES ({values}); "
        "UPDATE audit_head SET last_id = NEW.id, last_hash = NEW.hash, count = count + 1 WHERE id = 1; "
        "END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_append_insert")
        op.execute("DROP VIEW IF EXISTS audit_append")
    op.drop_index("uq_cases_one_held_per_surveyor", table_name="cases")
