"""The append-only, hash-chained audit log.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's own canonical JSON (id,
time, actor, action, study, entity, details). Editing, inserting or deleting a row breaks the chain at
that row; deleting the newest rows is caught by the one-row `audit_head`, which holds the last id and
hash and is updated in the same transaction as every append (on PostgreSQL its row lock also
serialises concurrent appends, so the chain never forks). The database refuses UPDATE and DELETE on
`audit_log` with triggers as well; the chain is what still catches someone who drops them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from survey_app.storage.models import AuditEntry, AuditHead, utcnow

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: the same bytes for the same content, everywhere."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _entry_hash(
    prev_hash: str,
    entry_id: int,
    at: dt.datetime,
    actor: str,
    action: str,
    study_id: int | None,
    entity: str | None,
    entity_id: str | None,
    details: str,
) -> str:
    body = canonical_json(
        [entry_id, at.isoformat(timespec="microseconds"), actor, action, study_id, entity, entity_id, details]
    )
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def record(
    session: Session,
    actor: str,
    action: str,
    *,
    study_id: int | None = None,
    entity: str | None = None,
    entity_id: Any = None,
    **details: Any,
) -> str:
    """Append one entry in the caller's transaction (so it commits or rolls back with the change).

    Returns the entry's hash. Core statements, not the ORM's unit of work: this runs on every action.
    """
    last_id, last_hash = session.execute(
        select(AuditHead.last_id, AuditHead.last_hash).where(AuditHead.id == 1).with_for_update()
    ).one()
    entry_id = last_id + 1
    at = utcnow()
    details_json = canonical_json(details)
    entity_key = None if entity_id is None else str(entity_id)
    digest = _entry_hash(last_hash, entry_id, at, actor, action, study_id, entity, entity_key, details_json)
    session.execute(
        insert(AuditEntry).values(
            id=entry_id,
            at=at,
            actor=actor,
            action=action,
            study_id=study_id,
            entity=entity,
            entity_id=entity_key,
            details=details_json,
            prev_hash=last_hash,
            hash=digest,
        )
    )
    session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(last_id=entry_id, last_hash=digest, count=AuditHead.count + 1)
    )
    return digest


def head_hash(session: Session) -> str:
    """The chain's last hash: it changes with every recorded action, so it keys cached analyses."""
    return session.scalar(select(AuditHead.last_hash).where(AuditHead.id == 1)) or ""


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    entries: int
    head_hash: str
    problem: str | None = None
    first_bad_id: int | None = None

    def describe(self) -> str:
        if self.ok:
            return f"audit chain intact: {self.entries} entries, head {self.head_hash[:16]}…"
        return f"audit chain broken at entry {self.first_bad_id}: {self.problem}"


def verify_chain(session: Session, batch: int = 5000) -> ChainCheck:
    """Walk the whole chain and name the first row that was edited, inserted or deleted."""
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
    prev_hash, expected_id, seen = GENESIS, 1, 0
    last_id = 0
    while True:
        rows = (
            session.execute(
                select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            break
        for row in rows:
            if row.id != expected_id:
                if row.id > expected_id:
                    return ChainCheck(
                        False,
                        seen,
                        prev_hash,
                        f"entries {expected_id}–{row.id - 1} are missing (deleted)",
                        expected_id,
                    )
                return ChainCheck(False, seen, prev_hash, "an entry was inserted out of sequence", row.id)
            if row.prev_hash != prev_hash:
                return ChainCheck(
                    False,
                    seen,
                    prev_hash,
                    "its link to the previous entry does not match (a row before it was "
                    "deleted or replaced, or this row was inserted)",
                    row.id,
                )
            recomputed = _entry_hash(
                prev_hash,
                row.id,
                row.at,
                row.actor,
                row.action,
                row.study_id,
                row.entity,
                row.entity_id,
                row.details,
            )
            if recomputed != row.hash:
                return ChainCheck(
                    False, seen, prev_hash, "its content was edited after it was written", row.id
                )
            prev_hash, expected_id, seen, last_id = row.hash, row.id + 1, seen + 1, row.id
    if head.last_id != seen or head.last_hash != prev_hash:
        if head.last_id > seen:
            return ChainCheck(
                False,
                seen,
                prev_hash,
                f"the newest entries {seen + 1}–{head.last_id} are missing (deleted)",
                seen + 1,
            )
        if head.last_id < seen:
            return ChainCheck(
                False,
                seen,
                prev_hash,
                f"entries after {head.last_id} were added outside the app (the chain head ends at "
                f"{head.last_id})",
                head.last_id + 1,
            )
        return ChainCheck(
            False, seen, prev_hash, "the chain head does not match the last entry", head.last_id
        )
    return ChainCheck(True, seen, prev_hash)
