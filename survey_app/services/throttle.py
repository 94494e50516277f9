"""Login throttling: failed logins counted per user name and per client, with a lock that doubles.

A name may fail `USER_FREE` times, a client (an IP address, or the command line on one host) `CLIENT_FREE`
times, before each further failure locks it for `BASE_LOCK` × 2^(failures beyond the free ones), at most
`MAX_LOCK`. While locked, a login is refused without its password being checked at all, so guessing
stops even when the right password comes. A successful login clears its name's count but not its
client's (one valid account must not reset an attacker's count); counts older than `FORGET_AFTER` are
forgotten.

Counts are kept under keyed hashes (`security.fieldcrypto.keyed_hash`) of the name as typed and of the
client: people type passwords into the name field, and an IP address is personal data, so neither is
ever stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey_app.security.fieldcrypto import keyed_hash
from survey_app.storage.models import LoginThrottle

USER_FREE = 5
CLIENT_FREE = 20
BASE_LOCK = dt.timedelta(seconds=30)
MAX_LOCK = dt.timedelta(hours=1)
FORGET_AFTER = dt.timedelta(hours=24)


def name_key(username: str) -> str:
    """The throttle key of a typed user name (case-folded, so Admin and admin share one count)."""
    return "user:" + keyed_hash("login-name", username.casefold())


def client_key(client: str) -> str:
    return "client:" + keyed_hash("login-client", client)


def lock_for(failures: int, free: int) -> dt.timedelta:
    """How long a key is locked after its `failures`-th failure (zero while within the free ones)."""
    beyond = failures - free
    if beyond <= 0:
        return dt.timedelta(0)
    return min(BASE_LOCK * (2 ** min(beyond - 1, 20)), MAX_LOCK)


@dataclass(frozen=True)
class Failure:
    failures: int
    locked_until: dt.datetime | None


def locked_until(session: Session, keys: list[str], now: dt.datetime) -> dt.datetime | None:
    """The latest lock still running on any of `keys`, or None."""
    rows = session.scalars(
        select(LoginThrottle.locked_until).where(
            LoginThrottle.key.in_(keys), LoginThrottle.locked_until > now
        )
    ).all()
    return max(rows) if rows else None


def _row(session: Session, key: str) -> LoginThrottle:
    row = session.scalar(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update())
    if row is not None:
        return row
    try:
        with session.begin_nested():  # another login may insert the same key at once
            row = LoginThrottle(key=key, failures=0)
            session.add(row)
    except IntegrityError:
        row = session.scalar(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update())
    return row


def record_failure(session: Session, key: str, free: int, now: dt.datetime) -> Failure:
    """Count one failure for `key` and lock it if it is beyond the free ones."""
    row = _row(session, key)
    if row.last_failure_at is not None and now - row.last_failure_at > FORGET_AFTER:
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    lock = lock_for(row.failures, free)
    row.locked_until = now + lock if lock else None
    return Failure(row.failures, row.locked_until)


def clear(session: Session, key: str) -> None:
    row = session.get(LoginThrottle, key)
    if row is not None:
        session.delete(row)
