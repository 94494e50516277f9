"""The call queue's limited lookups (issue 15).

`next_case` used to sort every waiting case of the study to hand out one. It now reads each queue
group in its order and stops at the first case (`fieldwork._lookups`), on these partial indexes:

- `ix_cases_fresh` and `ix_cases_retries`: cases not assigned to anyone, pending (or held, so that a
  claim made meanwhile by the surveyor's other window is found again on PostgreSQL), with no attempt
  and with attempts, in the order the queue serves them: study, time of the next call, priority
  (descending), replicate, attempts (retries only: a key column that the WHERE fixes makes SQLite
  sort the columns after it), selection order, id.
- `ix_cases_assigned`: the few cases a supervisor assigned to a surveyor.

The WHERE clauses are repeated word for word in the lookups: SQLite uses a partial index only then.

Revision ID: 0009_queue_lookup
Revises: 0008_lean_write_path
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_queue_lookup"
down_revision = "0008_lean_write_path"
branch_labels = None
depends_on = None

_FRESH = ["study_id", "next_call_after", sa.text("priority DESC"), "replicate", "selection_order", "id"]
_RETRIES = [*_FRESH[:4], "attempts", *_FRESH[4:]]
_QUEUE = {
    "ix_cases_fresh": ("state IN ('pending', 'held') AND assigned_to IS NULL AND attempts = 0", _FRESH),
    "ix_cases_retries": ("state IN ('pending', 'held') AND assigned_to IS NULL AND attempts > 0", _RETRIES),
}


def upgrade() -> None:
    for name, (where, key) in _QUEUE.items():
        op.create_index(name, "cases", key, sqlite_where=sa.text(where), postgresql_where=sa.text(where))
    op.create_index(
        "ix_cases_assigned",
        "cases",
        ["assigned_to", "study_id"],
        sqlite_where=sa.text("assigned_to IS NOT NULL"),
        postgresql_where=sa.text("assigned_to IS NOT NULL"),
    )


def downgrade() -> None:
    for name in ("ix_cases_assigned", *_QUEUE):
        op.drop_index(name, table_name="cases")
