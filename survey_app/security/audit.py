"""The append-only, hash-chained audit log.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's own canonical JSON (id,
time, actor, action, study, entity, details). Editing, inserting or deleting a row breaks the chain at
that row; deleting the newest rows is caught by the one-row `audit_head`, which holds the last id and
hash and is updated in the same transaction as every append (on PostgreSQL its row lock also
serialises concurrent appends, so the chain never forks).

Appends are batched per transaction (issue 15): `record` only notes the entry; just before the commit
(after `state_log` has added its `state.changed` entry) every noted entry is chained, signed and
written with the head in one statement — a `WITH … UPDATE audit_head` CTE on PostgreSQL, an insert
into the `audit_append` view (migration 0008) on SQLite — after one read of the head (`FOR UPDATE`).
So the head's lock is held only for that statement and the commit, the entries still commit or roll
back with the change they describe, and the chain is exactly as if each had been written at once.
Reading the audit tables through the session first writes what is pending (read-your-writes). The database refuses UPDATE and DELETE on
`audit_log` with triggers as well; the chain is what still catches someone who drops them.

Whoever can write the database can still recompute every hash, so each entry is also signed with an
Ed25519 key kept outside the database (`security/signing.py`): the signature covers the entry's id and
hash, and so everything before it. `verify_signatures` checks them against trusted public keys;
`security/state_log.py` adds a `state.changed` entry for every change to cases, users and studies.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, insert, select, text
from sqlalchemy.orm import Session

from survey_app.security import signing
from survey_app.storage.models import AuditEntry, AuditHead, utcnow

GENESIS = "0" * 64
ACTOR_KEY = "huifang_actor"  # session.info: who acted last in this transaction (for state.changed)
ROTATION_KEY = "huifang_rotation"  # session.info: a key.rotated entry written in this transaction
ROTATED = "key.rotated"
PENDING_KEY = "huifang_audit_pending"  # session.info: entries recorded in this transaction, not yet chained
HEAD_KEY = "huifang_audit_head"  # session.info: (last_id, last_hash) read under SQLite's write lock
_SAVEPOINTS = "huifang_audit_savepoints"  # session.info: nested transaction → pending count at its start
_SIGNER = "huifang_audit_signer"  # session.info: the signing key of this transaction (looked up once)


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
) -> None:
    """Append one entry in the caller's transaction (so it commits or rolls back with the change).

    The entry is chained and written just before the commit, with every other entry of the
    transaction, in one statement (`write_pending`); its id and hash are known from then on.
    """
    signer = _signer(session)
    if signer is not None and signer.endorsement and _rotation_unrecorded(session, signer):
        session.info[ROTATION_KEY] = signer.fingerprint
        record(
            session,
            "system",
            ROTATED,
            entity="signing_key",
            entity_id=signer.fingerprint,
            previous_public_key=signer.previous_public_key,
            endorsement=signer.endorsement,
        )
    session.info[ACTOR_KEY] = actor
    entity_key = None if entity_id is None else str(entity_id)
    session.info.setdefault(PENDING_KEY, []).append(
        (actor, action, study_id, entity, entity_key, canonical_json(details))
    )


def _signer(session: Session) -> signing.Signer | None:
    """The active signing key, looked up once per transaction (finding it resolves the key folder's
    path and reads the keyring's time stamp, which is not free on every entry of a hot path)."""
    if _SIGNER not in session.info:
        session.info[_SIGNER] = signing.active_signer()
    return session.info[_SIGNER]


def note_head(session: Session, last_id: int, last_hash: str, *, locked: bool = False) -> None:
    """Hand over the head read by one of the action's own statements, saving the append its read.

    Sound on SQLite, where `BEGIN IMMEDIATE` holds the database's write lock from the first statement
    so the head cannot move before the commit, and on PostgreSQL only when the head was read with its
    row lock (`head_columns(lock=True)`), which is then held until the commit; otherwise ignored.
    """
    if locked or session.get_bind().dialect.name == "sqlite":
        session.info[HEAD_KEY] = (int(last_id), str(last_hash))


def head_columns(*, lock: bool = False) -> tuple[Any, Any]:
    """Scalar subqueries for the head's last id and hash, to add to an action's statement (its select
    list or RETURNING) and hand to `note_head`. With `lock` the head is read `FOR UPDATE` in a CTE:
    use it in the action's last write, so the lock is held no longer than a separate read would."""
    query = select(AuditHead.last_id, AuditHead.last_hash).where(AuditHead.id == 1)
    head = query.with_for_update().cte("audit_head_locked") if lock else query.subquery()
    return (
        select(head.c.last_id).scalar_subquery().label("audit_last_id"),
        select(head.c.last_hash).scalar_subquery().label("audit_last_hash"),
    )


#: SQLite's one-statement append: inserting here inserts into audit_log and moves the head (0008).
_APPEND_VIEW = sa.table(
    "audit_append",
    *(sa.column(name) for name in AuditEntry.__table__.columns.keys()),  # noqa: SIM118
)


def write_pending(session: Session) -> None:
    """Chain, sign and write every entry recorded in this transaction: one read of the head, one write.

    Runs just before the commit (and before the audit tables are read in the same transaction).
    """
    pending = session.info.pop(PENDING_KEY, None)
    session.info.pop(_SAVEPOINTS, None)
    if not pending:
        return
    connection = session.connection()
    sqlite = connection.dialect.name == "sqlite"
    head = session.info.pop(HEAD_KEY, None)
    if head is None:
        head = connection.execute(
            select(AuditHead.last_id, AuditHead.last_hash).where(AuditHead.id == 1).with_for_update()
        ).one()
    last_id, last_hash = head
    signer = _signer(session)
    public_hex = signer.public_key_hex if signer else None
    at = utcnow()
    rows = []
    for actor, action, study_id, entity, entity_key, details_json in pending:
        last_id += 1
        digest = _entry_hash(
            last_hash, last_id, at, actor, action, study_id, entity, entity_key, details_json
        )
        rows.append(
            {
                "id": last_id,
                "at": at,
                "actor": actor,
                "action": action,
                "study_id": study_id,
                "entity": entity,
                "entity_id": entity_key,
                "details": details_json,
                "prev_hash": last_hash,
                "hash": digest,
                "key_id": public_hex,
                "signature": signer.sign_entry(last_id, digest) if signer else None,
            }
        )
        last_hash = digest
    if sqlite:  # one prepared statement for every row (its compiled form is cached, unlike a VALUES list)
        connection.execute(insert(_APPEND_VIEW), rows)
        return
    columns = {name: [row[name] for row in rows] for name in _APPEND_COLUMNS}
    connection.execute(_PG_APPEND, {**columns, "last_id": last_id, "last_hash": last_hash, "n": len(rows)})


_APPEND_COLUMNS = tuple(AuditEntry.__table__.columns.keys())
_PG_TYPES = {"id": "bigint", "at": "timestamp", "study_id": "integer"}
#: PostgreSQL's one-statement append: the head moves in a CTE, the rows come as one array per column,
#: so the statement's text (and its compiled and prepared form) is the same for any number of entries.
_PG_APPEND = text(
    "WITH head_moved AS (UPDATE audit_head SET last_id = :last_id, last_hash = :last_hash, "
    "count = count + :n WHERE id = 1 RETURNING id) "
    f"INSERT INTO audit_log ({', '.join(_APPEND_COLUMNS)}) SELECT * FROM unnest("
    + ", ".join(f"CAST(:{name} AS {_PG_TYPES.get(name, 'text')}[])" for name in _APPEND_COLUMNS)
    + ")"
)


def _read_your_writes(orm_execute_state) -> None:
    """A read of the audit tables in a transaction that recorded entries sees them: write them first."""
    session = orm_execute_state.session
    if not session.info.get(PENDING_KEY) or not orm_execute_state.is_select:
        return
    if any(m.class_ in (AuditEntry, AuditHead) for m in orm_execute_state.all_mappers):
        write_pending(session)


def _mark_savepoint(session: Session, transaction) -> None:
    if transaction.nested:
        session.info.setdefault(_SAVEPOINTS, {})[id(transaction)] = len(session.info.get(PENDING_KEY, ()))


def _undo_savepoint(session: Session, previous_transaction) -> None:
    """Entries recorded inside a savepoint that rolled back are dropped with it."""
    if previous_transaction.nested:
        mark = session.info.get(_SAVEPOINTS, {}).pop(id(previous_transaction), None)
        if mark is not None and PENDING_KEY in session.info:
            del session.info[PENDING_KEY][mark:]


def _forget_pending(session: Session) -> None:
    for key in (PENDING_KEY, HEAD_KEY, _SAVEPOINTS, _SIGNER):
        session.info.pop(key, None)


_rotations_recorded: set[tuple[str, str]] = set()  # (database URL, new key fingerprint), committed


def _rotation_unrecorded(session: Session, signer: signing.Signer) -> bool:
    """Whether this database's chain still lacks the `key.rotated` entry of the active key (written once
    per database, signed by the new key, carrying the retired key's endorsement of it)."""
    known = (str(session.get_bind().url), signer.fingerprint)
    if known in _rotations_recorded or session.info.get(ROTATION_KEY) == signer.fingerprint:
        return False
    found = session.scalar(
        select(AuditEntry.id)
        .where(AuditEntry.action == ROTATED, AuditEntry.entity_id == signer.fingerprint)
        .limit(1)
    )
    if found is not None:
        _rotations_recorded.add(known)
    return found is None


def _rotation_links(session: Session) -> list[tuple[str, str]]:
    """(previous fingerprint, new fingerprint) of every genuine `key.rotated` entry: signed by the new
    key, and carrying the previous key's endorsement of it."""
    links = []
    rows = session.execute(
        select(AuditEntry.id, AuditEntry.hash, AuditEntry.key_id, AuditEntry.signature, AuditEntry.details)
        .where(AuditEntry.action == ROTATED)
        .order_by(AuditEntry.id)
    )
    for entry_id, entry_hash, public_hex, signature, details in rows:
        data = json.loads(details)
        previous, endorsement = data.get("previous_public_key") or "", data.get("endorsement") or ""
        try:
            new_key = signing.public_key_from_hex(public_hex or "")
            old_key = signing.public_key_from_hex(previous)
        except ValueError:
            continue
        if signing.verify_entry(new_key, entry_id, entry_hash, signature or "") and signing.verify_rotation(
            previous, public_hex, endorsement
        ):
            links.append((signing.fingerprint(old_key), signing.fingerprint(new_key)))
    return links


def extend_trust(session: Session, trusted: set[str]) -> set[str]:
    """`trusted` plus every key linked to a trusted one through genuine rotations, in both directions."""
    trusted = set(trusted)
    links = _rotation_links(session)
    changed = True
    while changed:
        changed = False
        for old, new in links:
            if (old in trusted) != (new in trusted):
                trusted |= {old, new}
                changed = True
    return trusted


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


@dataclass(frozen=True)
class SignatureCheck:
    ok: bool
    entries: int
    keys: tuple[str, ...]  # fingerprints of the keys that signed
    problem: str | None = None
    first_bad_id: int | None = None

    def describe(self) -> str:
        if self.ok:
            used = ", ".join(f"{k[:16]}…" for k in self.keys) or "none"
            return f"all {self.entries} entries signed by trusted Ed25519 keys (fingerprints {used})"
        return f"entry {self.first_bad_id}: {self.problem}"


def verify_signatures(session: Session, trusted: set[str], batch: int = 5000) -> SignatureCheck:
    """Every entry must carry a valid signature by a key whose fingerprint is `trusted`.

    Each entry stores the public key that signed it (`key_id`); what makes it count is its fingerprint,
    which must come from outside the database: the local keyring, the published PDF, a witness file.
    Run with `verify_chain`: the chain proves the entries are linked, the signatures that the links
    were made by the key holder and not recomputed by someone who could only write the database.
    """
    if not trusted:
        return SignatureCheck(
            False,
            0,
            (),
            "no trusted public key to check signatures with (give the published PDF with --pdf, or run "
            "where the key folder is, see `huifang keys show`)",
            None,
        )
    trusted = extend_trust(session, trusted)
    keys: dict[str, tuple[str, Any]] = {}  # public key hex → (fingerprint, key)
    last_id, seen, used = 0, 0, set()

    def failed(entry_id: int, problem: str) -> SignatureCheck:
        return SignatureCheck(False, seen, tuple(sorted(used)), problem, entry_id)

    while True:
        rows = session.execute(
            select(AuditEntry.id, AuditEntry.hash, AuditEntry.key_id, AuditEntry.signature)
            .where(AuditEntry.id > last_id)
            .order_by(AuditEntry.id)
            .limit(batch)
        ).all()
        if not rows:
            break
        for entry_id, entry_hash, public_hex, signature in rows:
            if not public_hex or not signature:
                return failed(
                    entry_id,
                    "is not signed (written without a signing key, or its signature was removed); "
                    "run `huifang keys init` before recording anything",
                )
            if public_hex not in keys:
                try:
                    key = signing.public_key_from_hex(public_hex)
                    keys[public_hex] = (signing.fingerprint(key), key)
                except ValueError:
                    keys[public_hex] = ("", None)
            fp, key = keys[public_hex]
            if fp not in trusted:
                return failed(
                    entry_id, f"is signed by key {(fp or public_hex)[:16]}…, which is not a trusted key"
                )
            if not signing.verify_entry(key, entry_id, entry_hash, signature):
                return failed(
                    entry_id,
                    f"its signature does not match its content under key {fp[:16]}… "
                    "(the entry or an entry before it was rewritten)",
                )
            used.add(fp)
            seen, last_id = seen + 1, entry_id
    return SignatureCheck(True, seen, tuple(sorted(used)))


def entry_at(session: Session, entry_id: int) -> AuditEntry | None:
    return session.get(AuditEntry, entry_id)


from survey_app.security import state_log as _state_log  # noqa: E402,F401  registers the Session hooks

# Registered after state_log's hooks, so its state.changed entry is among those written at the commit.
event.listen(Session, "before_commit", write_pending)
event.listen(Session, "do_orm_execute", _read_your_writes)
event.listen(Session, "after_transaction_create", _mark_savepoint)
event.listen(Session, "after_soft_rollback", _undo_savepoint)
event.listen(Session, "after_rollback", _forget_pending)
event.listen(Session, "after_commit", _forget_pending)
