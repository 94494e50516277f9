"""The call queue: hand each case to one surveyor, record attempts, reveal a number when dialling.

A surveyor asks for the next case and gets, in this order: the case they already hold; a due
appointment (earliest first); a fresh released case (higher priority, then lower replicate, then
selection order); a retry whose gap has passed (earliest due first); a claim whose holder went quiet
for longer than the study's claim timeout. Within each group, cases a supervisor assigned to this
surveyor come before unassigned ones, and cases assigned to someone else are never offered.

Concurrency: on PostgreSQL the candidate row is taken with `FOR UPDATE SKIP LOCKED`, so concurrent
surveyors never receive the same case, and every action on a held case locks its row first, so a
timed-out claim cannot be taken over while its old holder is writing to it. On SQLite every
transaction is `BEGIN IMMEDIATE` (see `storage.db`), which serialises claims and writes. A unique
index (migration 0008) keeps a surveyor from holding two cases of a study.

Lean write path (issue 15, statements counted in tests/fieldwork/test_statement_counts.py): a claim
is one statement on PostgreSQL (`UPDATE … FROM (SELECT … FOR UPDATE SKIP LOCKED) RETURNING`, with the
surveyor's row locked in a CTE first) and a read plus an `UPDATE … RETURNING` on SQLite, where the
read also takes the audit head (stable under the write lock). An attempt is one locking read of the
case with its study, interview and earlier attempts, one insert and one `UPDATE … RETURNING`; the
audit entries of either are chained and written at the commit in one statement (`security.audit`).
The claim reads the queue through five limited lookups on partial indexes (migration 0009,
`_lookups`) instead of sorting every waiting case of the study; `_queue_query` is that full sort, kept
as the specification the lookups are tested against (tests/fieldwork/test_queue_lookup.py).
Every hot-path statement is built once per process and dialect with bind parameters (`functools.cache`)
and, where no ORM object is needed, run as Core on `flushed_connection`: after the statement counts,
Python CPU per action was what limited the queue under load (ARCHITECTURE, issue 15).

Calling rules (a study's `settings`, defaults in `DEFAULT_RULES`): calling hours and days in
Asia/Shanghai, holidays, at most `max_attempts` attempts, at least `min_gap_minutes` between attempts,
and retries spread over the times of day: after a non-final attempt the case waits for the earliest
slot, at least the gap later, in the calling window (`call_windows`, e.g. morning / afternoon /
evening) in which it has been tried least often. Appointments (预约回访) must fall inside the calling
rules and are offered first once due.

Blinding and privacy: a surveyor never sees a case's system rating, sees names and numbers masked,
and sees a number only through `reveal_phone`, which is audited.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections import Counter
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    DateTime,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from survey_app.security import audit, state_log
from survey_app.security.masking import mask_name, mask_phone
from survey_app.services import dispositions
from survey_app.services.auth import require
from survey_app.services.errors import InvalidState, PermissionDenied
from survey_app.storage.models import CallAttempt, Case, FrameRecord, Interview, Study, User, utcnow
from survey_app.storage.models_web import WebInvitation

SHANGHAI = ZoneInfo("Asia/Shanghai")

#: Calling rules used where a study's settings say nothing.
DEFAULT_RULES: dict[str, Any] = {
    "calling_hours": [9, 20],
    "calling_days": [0, 1, 2, 3, 4, 5, 6],
    "holidays": [],
    "max_attempts": 5,
    "min_gap_minutes": 120,
    "claim_timeout_minutes": 30,
    "appointment_lead_minutes": 0,
    "call_windows": None,  # None: morning (<12:00), afternoon (12–17) and evening (≥17) within the hours
}

#: An interview status that must exist before an attempt may carry this code.
_INTERVIEW_FOR_CODE = {"1.1": "complete", "1.2": "partial"}

_SEARCH_DAYS = 60
_EPOCH = dt.datetime(1970, 1, 1)


@dataclass(frozen=True)
class CaseView:
    """What a surveyor may see of a case: no system rating, masked personal data."""

    case_id: int
    stratum: str
    replicate: int
    domain: str
    channel: str
    event_type: str | None
    district: str
    organisation: str
    service_date: dt.date
    name_masked: str
    phone_masked: str
    attempts: int
    state: str
    appointment_at: dt.datetime | None
    appointment_note: str | None


def shanghai_time(now_utc: dt.datetime) -> dt.datetime:
    """Naive UTC (how the database stores time) as an aware Asia/Shanghai time."""
    return now_utc.replace(tzinfo=dt.UTC).astimezone(SHANGHAI)


def to_utc(local: dt.datetime) -> dt.datetime:
    """An Asia/Shanghai wall-clock time (naive or aware) as naive UTC."""
    if local.tzinfo is None:
        local = local.replace(tzinfo=SHANGHAI)
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def _clock(value: Any, setting: str) -> dt.time:
    """9, 9.5, "09:30" or "20:00" as a time of day; "24:00" / 24 is the end of the day."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        minutes = round(float(value) * 60)
    elif isinstance(value, str) and ":" in value:
        hours, _, mins = value.partition(":")
        if not (hours.strip().isdigit() and mins.strip().isdigit()):
            raise InvalidState(f"Study setting {setting}: {value!r} is not a time like 09:00.")
        minutes = int(hours) * 60 + int(mins)
    else:
        raise InvalidState(f'Study setting {setting}: {value!r} is not an hour (9) or a time ("09:00").')
    if not 0 <= minutes <= 24 * 60:
        raise InvalidState(f"Study setting {setting}: {value!r} is outside 00:00–24:00.")
    return dt.time.max if minutes == 24 * 60 else dt.time(minutes // 60, minutes % 60)


@dataclass(frozen=True)
class CallingRules:
    """A study's calling rules, read and checked once from its settings."""

    start: dt.time
    end: dt.time
    days: frozenset[int]
    holidays: frozenset[dt.date]
    max_attempts: int
    min_gap: dt.timedelta
    claim_timeout: dt.timedelta
    appointment_lead: dt.timedelta
    windows: tuple[tuple[dt.time, dt.time], ...]

    @classmethod
    def of(cls, study: Study) -> CallingRules:
        """The study's rules; a setting that makes no sense raises InvalidState naming it."""
        return cls.from_settings(study.settings)

    @classmethod
    def from_settings(cls, study_settings: dict[str, Any] | None) -> CallingRules:
        """The rules of a study's `settings` (read without loading the study: `record_attempt`)."""
        settings = {**DEFAULT_RULES, **{k: v for k, v in (study_settings or {}).items() if v is not None}}
        hours = settings["calling_hours"]
        if not isinstance(hours, list | tuple) or len(hours) != 2:
            raise InvalidState(
                f"Study setting calling_hours: {hours!r} should be [start, end], e.g. [9, 20]."
            )
        start, end = _clock(hours[0], "calling_hours"), _clock(hours[1], "calling_hours")
        if start >= end:
            raise InvalidState(
                f"Study setting calling_hours: the start {hours[0]} is not before the end {hours[1]}."
            )
        days = frozenset(int(d) for d in settings["calling_days"])
        if not days or not days <= set(range(7)):
            raise InvalidState(
                f"Study setting calling_days: {sorted(days)} should be weekdays 0 (Monday) … 6 (Sunday)."
            )
        try:
            holidays = frozenset(dt.date.fromisoformat(str(d)) for d in settings["holidays"])
        except ValueError as exc:
            raise InvalidState(f"Study setting holidays: {exc}; write dates as YYYY-MM-DD.") from None
        max_attempts = int(settings["max_attempts"])
        if max_attempts < 1:
            raise InvalidState(f"Study setting max_attempts: {max_attempts} should be at least 1.")
        windows = _windows(settings["call_windows"], start, end)
        return cls(
            start,
            end,
            days,
            holidays,
            max_attempts,
            dt.timedelta(minutes=float(settings["min_gap_minutes"])),
            dt.timedelta(minutes=float(settings["claim_timeout_minutes"])),
            dt.timedelta(minutes=float(settings["appointment_lead_minutes"])),
            windows,
        )

    def allows(self, now_utc: dt.datetime) -> tuple[bool, str]:
        """Whether a call may be made at `now_utc`, and why not when it may not."""
        local = shanghai_time(now_utc)
        if local.date() in self.holidays:
            return False, f"{local.date()} is a public holiday in this study's calendar."
        if local.weekday() not in self.days:
            return False, f"No calls on {local.strftime('%A')} in this study."
        if not (self.start <= local.time() < self.end):
            return False, (
                f"Calls only between {self.start:%H:%M} and {_end_label(self.end)} Asia/Shanghai "
                f"(now {local:%H:%M})."
            )
        return True, ""

    def window_of(self, at_utc: dt.datetime) -> int | None:
        """The index of the calling window `at_utc` falls in (None outside every window)."""
        moment = shanghai_time(at_utc).time()
        for index, (start, end) in enumerate(self.windows):
            if start <= moment < end:
                return index
        return None

    def next_call_time(self, earliest_utc: dt.datetime, tried: Counter[int]) -> dt.datetime:
        """The first allowed moment ≥ `earliest_utc` in the window tried least often (ties: earliest)."""
        first_in_window: dict[int, dt.datetime] = {}
        local = shanghai_time(earliest_utc)
        for offset in range(_SEARCH_DAYS):
            day = local.date() + dt.timedelta(days=offset)
            if day in self.holidays or day.weekday() not in self.days:
                continue
            for index, (start, end) in enumerate(self.windows):
                if index in first_in_window:
                    continue
                opens = dt.datetime.combine(day, start, SHANGHAI)
                closes = dt.datetime.combine(day, end, SHANGHAI)
                candidate = max(opens, local)
                if candidate < closes:
                    first_in_window[index] = candidate
            if len(first_in_window) == len(self.windows):
                break
        if not first_in_window:
            raise InvalidState(
                f"This study's calling rules allow no call in the {_SEARCH_DAYS} days after {local:%Y-%m-%d}: "
                "check calling_days and holidays."
            )
        best = min(first_in_window, key=lambda index: (tried[index], first_in_window[index]))
        return to_utc(first_in_window[best])


def _end_label(end: dt.time) -> str:
    return "24:00" if end == dt.time.max else f"{end:%H:%M}"


def _windows(setting: Any, start: dt.time, end: dt.time) -> tuple[tuple[dt.time, dt.time], ...]:
    if setting:
        windows = tuple((_clock(a, "call_windows"), _clock(b, "call_windows")) for a, b in setting)
        for a, b in windows:
            if not (start <= a < b <= end):
                raise InvalidState(
                    f"Study setting call_windows: {a:%H:%M}–{_end_label(b)} must lie within the calling hours "
                    f"{start:%H:%M}–{_end_label(end)}."
                )
        return windows
    cuts = [start, *(t for t in (dt.time(12), dt.time(17)) if start < t < end), end]
    return tuple(itertools.pairwise(cuts))


def calling_allowed(study: Study, now_utc: dt.datetime) -> tuple[bool, str]:
    """Whether the study's calling rules allow a call now, and why not when they do not."""
    return CallingRules.of(study).allows(now_utc)


def flushed_connection(session: Session) -> Connection:
    """The session's connection, for a hot-path statement built once and run as Core (without the ORM's
    per-statement work), after writing what the session holds pending, as an ORM statement would."""
    if session.autoflush:
        session.flush()
    return session.connection()


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _groups(now: Any, due_until: Any, stale_before: Any) -> dict[str, Any]:
    """The conditions of the four queue groups, in the order they are served.

    `now`, `due_until` (now + the appointment lead) and `stale_before` (now − the claim timeout) are
    values or, in the statements built once (`_claim_statements`), bind parameters. Constants are
    literals (`_sql`): fewer parameters per claim, and SQLite matches them to partial indexes."""
    return {
        "appointments_due": and_(Case.state == _APPOINTMENT, Case.appointment_at <= due_until),
        # a case invited to answer by link waits for the web until its link expires (web_invites)
        "fresh": and_(Case.state == _PENDING, Case.attempts == _ZERO, ~_awaiting_web(now)),
        "retries_due": and_(
            Case.state == _PENDING,
            Case.attempts > _ZERO,
            or_(Case.next_call_after.is_(None), Case.next_call_after <= now),
        ),
        "abandoned_claims": and_(Case.state == _HELD, Case.held_at < stale_before),
    }


def _sql(value: str) -> Any:
    """A literal in the statement, not a bind parameter."""
    return literal_column(value)


_PENDING, _HELD, _APPOINTMENT, _ZERO = _sql("'pending'"), _sql("'held'"), _sql("'appointment'"), _sql("0")


def _awaiting_web(now: Any) -> Any:
    """A correlated condition, no extra query: the case's web invitation link still runs."""
    return exists().where(WebInvitation.case_id == Case.id, WebInvitation.expires_at > now)


def _offerable(study_id: Any, actor_id: Any) -> Select:
    mine_or_unassigned = or_(Case.assigned_to.is_(None), Case.assigned_to == actor_id)
    return select(Case).where(Case.study_id == study_id, mine_or_unassigned)


def _queue_query(study_id: Any, actor_id: Any, now: Any, due_until: Any, stale_before: Any) -> Select:
    """The queue's order as one full sort: the case this surveyor holds, then each group in turn.

    Within a group: assigned to me first, then the group's time (appointment, retry due, claim), then
    priority, replicate, attempts, selection order and the case id (fresh cases have no time, so
    priority leads there). This is the specification; `next_case` reads the same first case through
    `_lookups`, and tests/fieldwork/test_queue_lookup.py holds the two equal.
    """
    groups = _groups(now, due_until, stale_before)
    held_by_me = and_(Case.state == _HELD, Case.held_by == actor_id)
    return (
        _offerable(study_id, actor_id)
        .where(or_(held_by_me, *groups.values()))
        .order_by(_rank(held_by_me, groups), Case.assigned_to.is_(None), _timing(), *_TIES)
    )


def _rank(held_by_me: Any, groups: dict[str, Any]) -> Any:
    """0 for the case I hold, then each group's number (1–4)."""
    return case(
        (held_by_me, _ZERO),
        *((condition, _sql(str(index))) for index, condition in enumerate(groups.values(), start=1)),
        else_=_sql("9"),
    )


def _timing() -> Any:
    return case(
        (Case.state == _APPOINTMENT, Case.appointment_at),
        (Case.state == _HELD, Case.held_at),
        else_=func.coalesce(Case.next_call_after, _EPOCH),
    )


#: The order within a group after its time.
_TIES = (Case.priority.desc(), Case.replicate, Case.attempts, Case.selection_order, Case.id)

#: The WHERE of migration 0009's partial indexes, term by term: SQLite uses a partial index only when
#: the query repeats its terms as written.
_UNASSIGNED_OPEN = (Case.state.in_([_PENDING, _HELD]), Case.assigned_to.is_(None))
_FRESH_TERMS = (*_UNASSIGNED_OPEN, Case.attempts == _ZERO)
_RETRY_TERMS = (*_UNASSIGNED_OPEN, Case.attempts > _ZERO)


def _lookups(
    study_id: Any, actor_id: Any, now: Any, due_until: Any, stale_before: Any, *, sqlite: bool = False
) -> list[tuple[int, Select]]:
    """The queue as five limited lookups, each cut at one row: (position, lookup). A case's position
    orders it among the lookups; a lookup matters only if no earlier one found a case at a smaller one.

    1. The few: the case I hold, the cases assigned to me (`ix_cases_assigned`), appointments and
       claims (`ix_cases_queue`, `uq_cases_one_held_per_surveyor`) — small sets, sorted in the full
       order; position group × 10, + 5 when unassigned (mine come first within a group).
    2. The many, unassigned fresh cases and retries, each a range of migration 0009's partial indexes
       read in the group's order: fresh (26) and due retries (36), each split by whether its time is
       unset (NULL, the full order's 1970, first) or set (27, 37), so that each part is one ordered
       range on either database (NULL sorts first on SQLite, last on PostgreSQL).

    The unassigned lookups also match a case held by me: in the snapshot none is (the first lookup
    would have found it), but on PostgreSQL a case my other window claimed after this statement began
    is re-read when it is locked, and is then handed to this window too, as the full sort did.

    `sqlite`: the few read as two halves (`_few_in_halves`), as SQLite reads their OR by a scan.
    """
    held_by_me = and_(Case.state == _HELD, Case.held_by == actor_id)
    groups = _groups(now, due_until, stale_before)
    mine = Case.assigned_to == actor_id
    position = (_rank(held_by_me, groups) * _sql("10") + case((mine, _ZERO), else_=_sql("5"))).label("p")
    columns = (Case.id, Case.state.label("s"), Case.held_by.label("h"))
    few = (
        select(*columns, position)
        .where(
            or_(Case.assigned_to.is_(None), mine),
            or_(Case.state.in_([_APPOINTMENT, _HELD]), mine),
            or_(held_by_me, *groups.values()),
        )
        .order_by(position, _timing(), *_TIES)
    )
    nca = Case.next_call_after
    fresh = or_(and_(Case.state == _PENDING, ~_awaiting_web(now)), held_by_me)
    retry = or_(Case.state == _PENDING, held_by_me)
    many = [
        (26, [*_FRESH_TERMS, nca.is_(None), fresh]),
        (27, [*_FRESH_TERMS, nca.is_not(None), fresh]),
        (36, [*_RETRY_TERMS, nca.is_(None), retry]),
        (37, [*_RETRY_TERMS, nca <= now, retry]),
    ]
    lookups = [
        (1, few),
        *(
            (p, select(*columns, _sql(str(p)).label("p")).where(*where).order_by(nca, *_TIES))
            for p, where in many
        ),
    ]
    limited = [(p, query.where(Case.study_id == study_id).limit(_sql("1"))) for p, query in lookups]
    if sqlite:
        wanted = or_(held_by_me, *groups.values())
        limited[0] = (1, _few_in_halves(columns, position, wanted, mine, study_id))
    return limited


def _few_in_halves(columns: Any, position: Any, wanted: Any, mine: Any, study_id: Any) -> Select:
    """Lookup 1 as the union of its two halves, for SQLite: the unassigned appointments and claims
    (`ix_cases_queue`) and the cases assigned to me (`ix_cases_assigned`), cut at one row in the same
    order. SQLite answers the single lookup's OR over the two indexes by scanning every case of the
    study (1.3 ms a claim at 2,400 cases, the demo's largest cost per claim; the halves: 0.04 ms)."""
    keys = (
        _timing().label("t"),
        Case.priority.label("k1"),
        Case.replicate.label("k2"),
        Case.attempts.label("k3"),
        Case.selection_order.label("k4"),
    )
    halves = union_all(
        select(*columns, position, *keys).where(
            Case.study_id == study_id,
            Case.state.in_([_APPOINTMENT, _HELD]),
            Case.assigned_to.is_(None),
            wanted,
        ),
        select(*columns, position, *keys).where(mine, Case.study_id == study_id, wanted),
    ).subquery("few")
    c = halves.c
    return (
        select(c.id, c.s, c.h, c.p).order_by(c.p, c.t, c.k1.desc(), c.k2, c.k3, c.k4, c.id).limit(_sql("1"))
    )


def _queue_parameters(study: Study, actor: User, now: dt.datetime, rules: CallingRules) -> dict[str, Any]:
    """The bound values the claim's lookups and the queue page's counts share: who asks, and when."""
    return {
        "of_study": study.id,
        "actor_id": actor.id,
        "now": now,
        "due_until": now + rules.appointment_lead,
        "stale_before": now - rules.claim_timeout,
    }


def next_case(
    session: Session, actor: User, study: Study, *, now: dt.datetime | None = None, enforce_hours: bool = True
) -> Case | None:
    """Claim the next case for `actor` (or return the one they already hold); None when none is due."""
    require(actor, "surveyor")
    if study.state != "fieldwork":
        raise InvalidState(
            f"Study {study.name} is in {study.state}, not fieldwork.",
            zh=f"调查项目 {study.name} 当前不在实地调查阶段，请在左侧选择正在调查的项目。",
        )
    now = now or utcnow()
    rules = CallingRules.of(study)
    if enforce_hours:
        allowed, why = rules.allows(now)
        if not allowed:
            raise InvalidState(why)
    parameters = _queue_parameters(study, actor, now, rules)
    try:
        if _is_postgres(session):
            claimed, previous_state, previous_holder = _claim_postgres(session, parameters)
        else:
            claimed, previous_state, previous_holder = _claim_sqlite(session, actor, parameters)
    except IntegrityError:  # uq_cases_one_held_per_surveyor: another window claimed for this surveyor
        raise InvalidState(
            "Another window of yours claimed a case at the same moment; ask for the next case again.",
            zh="您在另一个窗口同时领取了个案，请重新点击“下一个个案”。",
        ) from None
    if claimed is None or (previous_state == "held" and previous_holder == actor.id):
        return claimed
    state_log.note_written(session, "cases", [claimed])
    audit.record(
        session,
        actor.username,
        "case.claimed",
        study_id=study.id,
        entity="case",
        entity_id=claimed.id,
        previous_holder=previous_holder if previous_state == "held" else None,
    )
    return claimed


#: A hot-path UPDATE … RETURNING: the returned rows refresh the session, and are handed to state_log.
_REPORTED = {"populate_existing": True, "synchronize_session": False, state_log.REPORTED: True}


_INT, _TIME = Integer(), DateTime()


@functools.cache
def _claim_statements(postgres: bool) -> tuple[Any, ...]:
    """The claim's statements, built once per process and dialect (a call pays neither their
    construction nor their cache key); parameters: of_study, actor_id, now, due_until, stale_before.

    The first case comes from `_lookups`, so a claim reads a few index entries instead of sorting every
    waiting case of the study (issue 15). On PostgreSQL each lookup is a CTE gated on no earlier one
    having found a case before it (an uncorrelated `NOT EXISTS`, evaluated once and only when
    reached), so a lookup that cannot matter neither reads nor locks; SQLite (which would run a CTE
    again for every reference to it) runs each lookup once, and the smallest position wins.

    PostgreSQL: one statement. The surveyor's row lock (a CTE every lookup waits for) makes two
    windows of one surveyor take turns, so the second is handed the case the first claimed; each
    lookup skips cases other surveyors are claiming (`FOR UPDATE SKIP LOCKED` on its ordered range,
    as the full sort skipped them); the case this surveyor already holds comes first and keeps its
    claim time. SQLite (under `BEGIN IMMEDIATE` nobody else writes): the read of the first case with
    the audit head, and the claim.
    """
    actor_id = bindparam("actor_id", type_=_INT)
    now = bindparam("now", type_=_TIME)
    lookups = _lookups(
        bindparam("of_study", type_=_INT),
        actor_id,
        now,
        bindparam("due_until", type_=_TIME),
        bindparam("stale_before", type_=_TIME),
        sqlite=not postgres,
    )
    found: list[Any] = []
    if postgres:
        me = select(User.id).where(User.id == actor_id).with_for_update().cte("me")
        for number, (position, lookup) in enumerate(lookups):
            earlier = (
                ~select(_sql("1")).select_from(e).where(e.c.p < _sql(str(position))).exists() for e in found
            )
            gated = lookup.where(select(me.c.id).exists(), *earlier).with_for_update(skip_locked=True)
            found.append(gated.cte(f"l{number}"))
    else:  # SQLite would evaluate a CTE again for every reference: each lookup once, ungated
        found = [lookup.subquery(f"l{number}") for number, (_, lookup) in enumerate(lookups)]
    first = union_all(*(select(f.c.id, f.c.s, f.c.h, f.c.p) for f in found)).subquery("candidates")
    pick = select(first).order_by(first.c.p).limit(_sql("1"))
    if not postgres:  # Core: its row becomes the session's case in `_loaded` (no ORM statement)
        cases = Case.__table__
        claim = (
            update(cases)
            .where(cases.c.id == bindparam("claimed_id", type_=_INT))
            .values(state="held", held_by=actor_id, held_at=now)
            .returning(*_LOADED_COLUMNS)
        )
        read = select(Case.id, Case.state, Case.held_by, *audit.head_columns()).where(
            Case.id == select(pick.subquery().c.id).scalar_subquery()
        )
        return read, claim
    picked = pick.subquery("pick")
    was_mine = and_(picked.c.s == _HELD, picked.c.h == actor_id)
    claim = (
        update(Case)
        .where(Case.id == picked.c.id)
        .values(state="held", held_by=actor_id, held_at=case((was_mine, Case.held_at), else_=now))
        .returning(Case, picked.c.s, picked.c.h)
    )
    return (claim,)


def _claim_postgres(
    session: Session, parameters: dict[str, Any]
) -> tuple[Case | None, str | None, int | None]:
    """Lock the surveyor's row, pick, lock and claim the first case: one statement."""
    (claim,) = _claim_statements(True)
    row = session.execute(claim, parameters, execution_options=_REPORTED).first()
    return (None, None, None) if row is None else (row[0], row[1], row[2])


def _claim_sqlite(
    session: Session, actor: User, parameters: dict[str, Any]
) -> tuple[Case | None, str | None, int | None]:
    """Under `BEGIN IMMEDIATE` nobody else writes: read the first case (and the audit head), claim it.

    The read is Core (the case's id, state and holder): the claim's UPDATE … RETURNING loads the case
    into the session; the case the surveyor already holds is loaded by a second read."""
    read, claim = _claim_statements(False)
    row = flushed_connection(session).execute(read, parameters).first()
    if row is None:
        return None, None, None
    found_id, previous_state, previous_holder, last_id, last_hash = row
    audit.note_head(session, last_id, last_hash)
    if previous_state == "held" and previous_holder == actor.id:
        return session.get(Case, found_id, populate_existing=True), previous_state, previous_holder
    row = flushed_connection(session).execute(claim, {**parameters, "claimed_id": found_id}).one()
    return _loaded(session, row), previous_state, previous_holder


#: Every mapped column of a case, in the order `_loaded` reads a RETURNING row of them.
_LOADED_ATTRIBUTES = tuple(prop.key for prop in Case.__mapper__.column_attrs)
_LOADED_COLUMNS = tuple(Case.__mapper__.column_attrs[key].columns[0] for key in _LOADED_ATTRIBUTES)


def _loaded(session: Session, row: Any) -> Case:
    """The case a Core `UPDATE … RETURNING` of `_LOADED_COLUMNS` wrote, as the session's object — what
    the ORM statement with `populate_existing` gave, without its per-statement work (issue 15): the
    object the session already holds refreshed from the row, or a new one known to the session as
    loaded (nothing pending: not written again)."""
    values = dict(zip(_LOADED_ATTRIBUTES, row, strict=True))
    held = session.identity_map.get(Case.__mapper__.identity_key_from_primary_key((values["id"],)))
    if held is not None:
        for key, value in values.items():
            set_committed_value(held, key, value)
        return held
    case = Case.__mapper__.class_manager.new_instance()
    for key, value in values.items():
        set_committed_value(case, key, value)
    make_transient_to_detached(case)
    session.add(case)
    return case


def not_held(case_id: int) -> PermissionDenied:
    """The one answer for a case the actor does not hold (missing or someone else's: crafted ids reveal
    nothing)."""
    return PermissionDenied(f"Case {case_id} is not a case you hold; ask for the next case instead.")


def _own_case(session: Session, actor: User, case_id: int, *, lock: bool = True) -> Case:
    """The case, locked (unless `lock` is False: a view, e.g. in a read-only session), if `actor` holds it.

    A missing case and another surveyor's case give the same answer, so crafted ids reveal nothing.
    """
    require(actor, "surveyor")
    query = select(Case).where(Case.id == case_id)
    case = session.scalar(
        (query.with_for_update() if lock else query).execution_options(populate_existing=True)
    )
    if case is None or case.state != "held" or case.held_by != actor.id:
        raise not_held(case_id)
    return case


def _personal(session: Session, case: Case) -> tuple[str | None, str | None]:
    """The case's (name, number), decrypted; InvalidState once the study's personal data was purged."""
    from survey_app.security.fieldcrypto import KeyUnavailable
    from survey_app.services.frames import open_personal

    study = session.get(Study, case.study_id)
    try:
        return open_personal(session, study, case.record)
    except KeyUnavailable:
        raise _purged(study.name, case.id) from None


def _purged(study_name: str, case_id: int) -> InvalidState:
    return InvalidState(
        f"The personal data of study {study_name} was purged; case {case_id} can no longer be called.",
        zh=f"调查项目 {study_name} 的个人信息已按保存期限删除，个案 {case_id} 无法再拨打。",
    )


def view_case(session: Session, actor: User, case_id: int) -> CaseView:
    """The held case as its surveyor may see it (name and number decrypted only to be masked). Reads
    without locking the case (the queue page shows it from a read-only session, `Database.reading()`)."""
    case = _own_case(session, actor, case_id, lock=False)
    record: FrameRecord = case.record
    name, phone = _personal(session, case)
    return CaseView(
        case.id,
        case.stratum,
        case.replicate,
        record.domain,
        record.channel,
        record.event_type,
        record.district,
        record.organisation,
        record.service_date,
        mask_name(name),
        mask_phone(phone),
        case.attempts,
        case.state,
        case.appointment_at,
        case.appointment_note,
    )


@functools.cache
def _reveal_statement(sqlite: bool) -> Select:
    """The held case, locked, with what decrypting its number needs (and on SQLite the audit head):
    one statement, built once per process and dialect."""
    statement = (
        select(
            Case.state,
            Case.held_by,
            Case.study_id,
            Study.name,
            Study.data_key_id,
            FrameRecord.frame_id,
            FrameRecord.record_id,
            FrameRecord.phone_sealed,
        )
        .join(Study, Study.id == Case.study_id)
        .join(FrameRecord, FrameRecord.id == Case.frame_record_id)
        .where(Case.id == bindparam("case_id", type_=_INT))
        .with_for_update(of=Case)
    )
    return statement.add_columns(*audit.head_columns()) if sqlite else statement


def reveal_phone(session: Session, actor: User, case_id: int) -> str:
    """The full number, decrypted for the surveyor who holds the case; every reveal is in the audit log.

    Statements: the locking read (`_reveal_statement`); the audit entry follows at the commit."""
    from survey_app.security import fieldcrypto
    from survey_app.services.frames import TABLE, row_key

    require(actor, "surveyor")
    sqlite = not _is_postgres(session)
    row = flushed_connection(session).execute(_reveal_statement(sqlite), {"case_id": case_id}).first()
    if row is None or row.state != "held" or row.held_by != actor.id:
        raise not_held(case_id)
    if sqlite:
        audit.note_head(session, row[-2], row[-1])
    try:
        if row.data_key_id is None:
            raise fieldcrypto.KeyUnavailable(f"study {row.name} has no data key")
        cipher = fieldcrypto.FieldCipher(fieldcrypto.data_key(row.data_key_id), TABLE)
        phone = cipher.open("phone", row.phone_sealed, row_key(row.frame_id, row.record_id))
    except fieldcrypto.KeyUnavailable:
        raise _purged(row.name, case_id) from None
    audit.record(
        session, actor.username, "phone.revealed", study_id=row.study_id, entity="case", entity_id=case_id
    )
    return phone or ""


def release_claim(session: Session, actor: User, case_id: int) -> None:
    """Give a held case back to the queue without an attempt (e.g. the surveyor's shift ends)."""
    from survey_app.services.recordings import discard_pending  # not on the lean claim/answer path

    case = _own_case(session, actor, case_id)
    discard_pending(session, actor, case, "released")  # its upload is for a call never recorded
    case.state, case.held_by, case.held_at = _waiting_state(case), None, None
    audit.record(
        session, actor.username, "case.released", study_id=case.study_id, entity="case", entity_id=case.id
    )


def _waiting_state(case: Case) -> str:
    return "appointment" if case.appointment_at is not None else "pending"


def _check_interview(case_id: int, status: str | None, code: str) -> None:
    """An interview outcome needs the interview: nobody can mark a complete without answers."""
    needed = _INTERVIEW_FOR_CODE.get(code)
    if needed is None:
        return
    if status != needed:
        raise InvalidState(
            f"Case {case_id}: disposition {code} needs a {needed} interview"
            + (
                f", but its interview is {status}."
                if status
                else ", and there is none; use the interview screen."
            )
        )


@dataclass(frozen=True)
class _AttemptContext:
    """What recording an attempt reads, in one locking statement."""

    attempts: int
    study_id: int
    settings: dict[str, Any] | None
    interview_status: str | None
    earlier: list[tuple[str, dt.datetime]]  # (disposition, started_at) of earlier attempts, in order


@functools.cache
def _attempt_statement(sqlite: bool) -> Select:
    """The held case, locked, with its study's settings, its interview's status and its earlier
    attempts (a row each), and on SQLite the audit head: built once per process and dialect."""
    statement = (
        select(
            Case.state,
            Case.held_by,
            Case.attempts,
            Case.study_id,
            Study.settings,
            Interview.status,
            CallAttempt.disposition,
            CallAttempt.started_at,
        )
        .join(Study, Study.id == Case.study_id)
        .outerjoin(Interview, Interview.case_id == Case.id)
        .outerjoin(CallAttempt, CallAttempt.case_id == Case.id)
        .where(Case.id == bindparam("case_id", type_=_INT))
        .order_by(CallAttempt.attempt_no)
        .with_for_update(of=Case)
    )
    return statement.add_columns(*audit.head_columns()) if sqlite else statement


def _attempt_context(session: Session, actor: User, case_id: int) -> _AttemptContext:
    """The held case's `_AttemptContext`: one statement (a row per earlier attempt)."""
    require(actor, "surveyor")
    sqlite = not _is_postgres(session)
    rows = flushed_connection(session).execute(_attempt_statement(sqlite), {"case_id": case_id}).all()
    if not rows or rows[0].state != "held" or rows[0].held_by != actor.id:
        raise not_held(case_id)
    first = rows[0]
    if sqlite:
        audit.note_head(session, first[-2], first[-1])
    earlier = [(row.disposition, row.started_at) for row in rows if row.disposition is not None]
    return _AttemptContext(first.attempts, first.study_id, first.settings, first.status, earlier)


@functools.cache
def _attempt_insert() -> Any:
    return insert(CallAttempt).returning(CallAttempt.id)


@functools.cache
def _case_update(postgres: bool, names: tuple[str, ...]) -> Any:
    """`UPDATE … RETURNING` of a case's `names` (parameters `new_<name>`, the case `updated_id`),
    built once per set of names; on PostgreSQL it also locks and returns the audit head (the action's
    last write, so the lock lasts only for the append and the commit)."""
    columns = Case.__table__.c
    statement = (
        update(Case)
        .where(Case.id == bindparam("updated_id", type_=_INT))
        .values({name: bindparam(f"new_{name}", type_=columns[name].type) for name in names})
    )
    return (
        statement.returning(Case, *audit.head_columns(lock=True)) if postgres else statement.returning(Case)
    )


def _update_case(session: Session, case_id: int, values: dict[str, Any]) -> Case:
    """`UPDATE … RETURNING` the case, handed to state_log (and on PostgreSQL the audit head's lock)."""
    postgres = _is_postgres(session)
    parameters = {f"new_{name}": value for name, value in values.items()}
    parameters["updated_id"] = case_id
    statement = _case_update(postgres, tuple(values))
    if not postgres:
        return session.scalars(statement, parameters, execution_options=_REPORTED).one()
    row = session.execute(statement, parameters, execution_options=_REPORTED).one()
    audit.note_head(session, row[1], row[2], locked=True)
    return row[0]


def record_attempt(
    session: Session,
    actor: User,
    case_id: int,
    code: str,
    *,
    note: str | None = None,
    appointment_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> CallAttempt:
    """Record one call attempt's outcome and move the case on (retry, appointment or final).

    `appointment_at` is naive UTC, like every stored time (`to_utc` converts a Shanghai time).
    Statements (each built once per process): the locking read, the attempt's insert and the case's
    `UPDATE … RETURNING`; the audit entries follow at the commit.
    """
    context = _attempt_context(session, actor, case_id)
    rules = CallingRules.from_settings(context.settings)
    disposition = dispositions.get(code)
    now = now or utcnow()
    if disposition.appointment:
        if appointment_at is None:
            raise InvalidState("An appointment needs a date and time.")
        if appointment_at <= now:
            raise InvalidState("An appointment must be in the future.")
        allowed, why = rules.allows(appointment_at)
        if not allowed:
            raise InvalidState(f"The appointment falls outside the calling rules: {why}")
    elif appointment_at is not None:
        raise InvalidState(f"Disposition {code} ({disposition.en}) does not make an appointment.")
    _check_interview(case_id, context.interview_status, code)
    earlier = context.earlier
    attempt_no = context.attempts + 1
    fields = {
        "case_id": case_id,
        "surveyor_id": actor.id,
        "attempt_no": attempt_no,
        "started_at": now,
        "disposition": code,
        "note": note,
    }
    attempt = CallAttempt(
        id=flushed_connection(session).execute(_attempt_insert(), fields).scalar_one(), **fields
    )
    make_transient_to_detached(attempt)  # written above: known to the session, not inserted again
    session.add(attempt)
    values: dict[str, Any] = {"attempts": attempt_no, "held_by": None, "held_at": None}
    if disposition.final or (attempt_no >= rules.max_attempts and not disposition.appointment):
        codes = [c for c, _ in earlier] + [code]
        final = dispositions.final_of(codes)
        values.update(state="finalised", final_disposition=final, appointment_at=None, next_call_after=None)
    elif disposition.appointment:
        values.update(
            state="appointment", appointment_at=appointment_at, appointment_note=note, next_call_after=None
        )
    else:
        tried = Counter(w for w in (rules.window_of(t) for _, t in [*earlier, (code, now)]) if w is not None)
        values.update(
            state="pending",
            appointment_at=None,
            next_call_after=rules.next_call_time(now + rules.min_gap, tried),
        )
    case = _update_case(session, case_id, values)
    state_log.note_written(session, "cases", [case])
    audit.record(
        session,
        actor.username,
        "attempt.recorded",
        study_id=case.study_id,
        entity="case",
        entity_id=case.id,
        attempt=case.attempts,
        disposition=code,
        appointment_at=appointment_at.isoformat() if appointment_at else None,
        final=case.final_disposition,
    )
    return attempt


def my_queue(
    session: Session, actor: User, study: Study, *, now: dt.datetime | None = None
) -> dict[str, int]:
    """What waits for this surveyor: counts only, so nobody browses other people's cases.

    One statement (the queue page reads it on every run, and idle surveyors look at it most): one pass
    over the study's cases counting each group (`count … FILTER`), and whether I hold a case."""
    require(actor, "surveyor")
    now = now or utcnow()
    rules = CallingRules.of(study)
    parameters = _queue_parameters(study, actor, now, rules)
    row = session.execute(_counts_statement(), parameters).one()
    counts = dict(zip(_COUNTED, row, strict=True))
    counts["held"] = min(counts["held"], 1)
    return counts


_COUNTED = ("appointments_due", "fresh", "retries_due", "abandoned_claims", "held")


@functools.cache
def _counts_statement() -> Select:
    """`my_queue`'s one statement, built once per process."""
    actor_id = bindparam("actor_id", type_=_INT)
    groups = _groups(
        bindparam("now", type_=_TIME),
        bindparam("due_until", type_=_TIME),
        bindparam("stale_before", type_=_TIME),
    )
    offerable = or_(Case.assigned_to.is_(None), Case.assigned_to == actor_id)
    held_by_me = and_(Case.state == _HELD, Case.held_by == actor_id)
    counts = [func.count(Case.id).filter(and_(offerable, groups[name])) for name in _COUNTED[:-1]]
    return select(*counts, func.count(Case.id).filter(held_by_me)).where(
        Case.study_id == bindparam("of_study", type_=_INT)
    )
