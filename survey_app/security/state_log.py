"""Every change to state that can change a verdict is written into the audit chain, wherever it is made.

Why: the chain recorded actions, but a case's state, its final disposition, its weight, a user's role
(or password hash, recorded as its SHA-256 only) and a study's settings could be changed in the database
without any entry (50 pending cases set to finalised / 3.18, a surveyor promoted to admin: all checks
passed). Rather than trusting every service to
remember, a Session hook notes each tracked row that a transaction inserts, updates or deletes (ORM
objects, and `insert`/`update`/`delete` statements on the tracked tables), and just before the commit
appends one `state.changed` entry with the rows' new values, read back from the database. `huifang
verify` replays these entries and requires the database to hold exactly the values last recorded, so
a change made behind Huifang's back (plain SQL, no Session) is named. Signed like every entry, these
entries cannot be forged without the signing key.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from typing import Any

from sqlalchemy import Float, event, inspect, or_, select
from sqlalchemy.orm import Session

from survey_app.storage.models import AuditEntry, Case, Study, User

# kind → (model, the columns whose values are recorded). The values are listed in this order.
TRACKED: dict[str, tuple[type, tuple[str, ...]]] = {
    "cases": (
        Case,
        (
            "study_id",
            "state",
            "final_disposition",
            "inclusion_prob",
            "design_weight",
            "replicate",
            "stratum",
            "frame_record_id",
        ),
    ),
    "users": (User, ("username", "role", "active", "password_hash")),
    "studies": (Study, ("name", "state", "scale", "satisfied_codes", "settings")),
}
# values recorded as a digest, never in clear (a password hash must not reach the audit log)
DIGESTED = {("users", "password_hash")}
ACTION = "state.changed"
_KIND_OF_TABLE = {model.__table__.name: kind for kind, (model, _) in TRACKED.items()}
_TOUCHED = "huifang_touched"  # session.info key: kind → set of ids
_SCOPES = "huifang_touched_studies"  # session.info key: kind → set of study ids (bulk inserts)
_KNOWN = "huifang_written_state"  # session.info key: kind → id → values returned by the writing statement
#: Execution option of a statement whose caller hands the written rows over (`note_written`), read back
#: by the statement itself (RETURNING): no SELECT of the rows before it runs.
REPORTED = "huifang_state_reported"
#: kind → its recorded columns of a floating-point type. SQLite's RETURNING hands back an integral REAL
#: as an integer (a design weight of 2.0 comes back as 2, where any SELECT reads 2.0), so values handed
#: over are recorded as the database holds them, or `verify` would see a change that never happened.
_FLOATS = {
    kind: {c for c in columns if isinstance(model.__table__.c[c].type, Float)}
    for kind, (model, columns) in TRACKED.items()
}


def _touched(session: Session) -> dict[str, set[int]]:
    return session.info.setdefault(_TOUCHED, defaultdict(set))


def _scopes(session: Session) -> dict[str, set[int]]:
    return session.info.setdefault(_SCOPES, defaultdict(set))


def _mark(session: Session, kind: str, ids: Any) -> None:
    """Note rows as touched; values handed over for them earlier are stale from now on."""
    ids = set(ids)
    _touched(session)[kind].update(ids)
    known = session.info.get(_KNOWN, {}).get(kind)
    for row_id in ids if known else ():
        known.pop(row_id, None)


def note_written(session: Session, kind: str, rows: list[Any]) -> None:
    """Rows of `kind` that a statement run with the `REPORTED` option wrote, as it returned them (ORM
    objects loaded from its RETURNING): recorded as they are, without reading them back at the commit.

    The hot paths of the call queue use this to keep their statement count (issue 15); a later change
    to the same row through the ORM or a statement marks it touched again, and it is read back.
    """
    known = session.info.setdefault(_KNOWN, defaultdict(dict))
    columns, floats = TRACKED[kind][1], _FLOATS[kind]
    for row in rows:
        values = [getattr(row, c) for c in columns]
        values = [
            float(v) if v is not None and c in floats else v for c, v in zip(columns, values, strict=True)
        ]
        known[kind][row.id] = _recorded_values(kind, values)
        touched = session.info.get(_TOUCHED, {}).get(kind)
        if touched:
            touched.discard(row.id)


@event.listens_for(Session, "after_flush")
def _note_orm_changes(session: Session, _context) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        kind = _KIND_OF_TABLE.get(getattr(type(obj), "__tablename__", ""))
        if kind is None:
            continue
        attrs = inspect(obj).attrs
        changed = any(attrs[c].history.has_changes() for c in TRACKED[kind][1])
        if changed or obj in session.new or obj in session.deleted:
            _mark(session, kind, [obj.id])


@event.listens_for(Session, "do_orm_execute")
def _note_statements(orm_execute_state) -> None:
    if not (orm_execute_state.is_insert or orm_execute_state.is_update or orm_execute_state.is_delete):
        return
    statement = orm_execute_state.statement
    table = getattr(statement, "table", None)
    kind = _KIND_OF_TABLE.get(getattr(table, "name", ""))
    if kind is None:
        return
    session = orm_execute_state.session
    if orm_execute_state.execution_options.get(REPORTED):
        return
    model = TRACKED[kind][0]
    if orm_execute_state.is_insert:
        rows = orm_execute_state.parameters
        rows = rows if isinstance(rows, list | tuple) else [rows or {}]
        study_ids = {row.get("study_id") for row in rows}
        if kind == "cases" and None not in study_ids:
            _scopes(session)[kind].update(study_ids)
        else:
            _scopes(session)[kind].add(-1)  # every row of the table
        return
    where = statement.whereclause
    query = select(model.id) if where is None else select(model.id).where(where)
    _mark(session, kind, session.execute(query).scalars())  # before the statement runs


def _current(session: Session, kind: str, ids: set[int], study_ids: set[int]) -> dict[str, Any]:
    model, columns = TRACKED[kind]
    query = select(model.id, *(getattr(model, c) for c in columns))
    if -1 not in study_ids:
        conditions = []
        if ids:
            conditions.append(model.id.in_(sorted(ids)))
        if study_ids:
            conditions.append(model.study_id.in_(sorted(study_ids)))
        if not conditions:
            return {}
        query = query.where(or_(*conditions))
    values: dict[str, Any] = {str(i): None for i in ids}  # deleted rows stay None
    for row in session.execute(query.order_by(model.id)):
        values[str(row[0])] = _recorded_values(kind, row[1:])
    return values


def _recorded_values(kind: str, row) -> list[Any]:
    columns = TRACKED[kind][1]
    return [
        hashlib.sha256(str(value).encode()).hexdigest() if (kind, name) in DIGESTED and value else value
        for name, value in zip(columns, row, strict=True)
    ]


@event.listens_for(Session, "before_commit")
def _record_state(session: Session) -> None:
    session.flush()
    touched, scopes = session.info.pop(_TOUCHED, None), session.info.pop(_SCOPES, None)
    known = session.info.pop(_KNOWN, None) or {}
    if not touched and not scopes and not any(known.values()):
        return
    touched, scopes = touched or {}, scopes or {}
    snapshot = {
        kind: values
        for kind in TRACKED
        if (
            values := {
                **known.get(kind, {}),
                **_current(session, kind, touched.get(kind, set()), scopes.get(kind, set())),
            }
        )
    }
    snapshot = {kind: {str(k): v for k, v in values.items()} for kind, values in snapshot.items()}
    if not snapshot:
        return
    study_ids = {v[0] for v in snapshot.get("cases", {}).values() if v} | {
        int(i) for i in snapshot.get("studies", {})
    }
    from survey_app.security import audit

    audit.record(
        session,
        session.info.get(audit.ACTOR_KEY, "system"),
        ACTION,
        study_id=study_ids.pop() if len(study_ids) == 1 else None,
        entity="state",
        **snapshot,
    )


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    from survey_app.security import audit

    for key in (_TOUCHED, _SCOPES, _KNOWN, audit.ROTATION_KEY):
        session.info.pop(key, None)


@event.listens_for(Session, "after_commit")
def _forget_actor(session: Session) -> None:
    from survey_app.security import audit

    session.info.pop(audit.ACTOR_KEY, None)
    session.info.pop(audit.ROTATION_KEY, None)


def recorded_state(session: Session) -> dict[str, dict[str, Any]]:
    """The last recorded values of every tracked row (kind → id → values, None if deleted)."""
    latest: dict[str, dict[str, Any]] = {kind: {} for kind in TRACKED}
    rows = session.execute(
        select(AuditEntry.details).where(AuditEntry.action == ACTION).order_by(AuditEntry.id)
    ).scalars()
    for details in rows:
        for kind, values in json.loads(details).items():
            if kind in latest:
                latest[kind].update(values)
    return latest


def current_state(session: Session, kind: str, study_id: int | None = None) -> dict[str, list[Any]]:
    """The database's values of one tracked kind (cases: of one study), as recorded entries list them."""
    model, columns = TRACKED[kind]
    query = select(model.id, *(getattr(model, c) for c in columns)).order_by(model.id)
    if kind == "cases" and study_id is not None:
        query = query.where(model.study_id == study_id)
    elif kind == "studies" and study_id is not None:
        query = query.where(model.id == study_id)
    return {str(row[0]): _recorded_values(kind, row[1:]) for row in session.execute(query)}
