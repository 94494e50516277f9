"""A simulated surveyor for the concurrency tests: claim, reveal, record, until the queue is empty.

Module-level and importable, so it runs the same in a thread and in a spawned process. Each worker
opens its own engine, as a separate app process would.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from survey_app.services import fieldwork
from survey_app.storage import open_database
from survey_app.storage.models import Study, User

#: Codes a worker draws from: some final at once, some that send the case back to the queue.
CODES = ("3.13", "3.13", "3.12", "2.22", "2.11", "4.11")

#: Rules under which a retry is due at once, so workers can run through every attempt quickly.
QUICK_RULES = {"calling_hours": [0, 24], "call_windows": [[0, 24]], "min_gap_minutes": 0, "max_attempts": 3}

NOW = dt.datetime(2026, 3, 4, 2, 0)


def surveyor_run(url: str, study_id: int, user_id: int, seed: int) -> list[tuple[int, int]]:
    """Work the queue until it is empty; returns the (case id, attempt number) pairs recorded."""
    rng = np.random.default_rng(seed)
    db = open_database(url)
    recorded: list[tuple[int, int]] = []
    try:
        while True:
            with db.session() as session:
                actor = session.get(User, user_id)
                case = fieldwork.next_case(session, actor, session.get(Study, study_id), now=NOW)
                if case is None:
                    break
                if case.held_by != user_id:  # pragma: no cover - the bug these tests look for
                    raise AssertionError(f"case {case.id} handed to {user_id} but held by {case.held_by}")
                case_id = case.id
            with db.session() as session:
                actor = session.get(User, user_id)
                fieldwork.reveal_phone(session, actor, case_id)
                code = str(rng.choice(CODES))
                attempt = fieldwork.record_attempt(session, actor, case_id, code, now=NOW)
                recorded.append((case_id, attempt.attempt_no))
    finally:
        db.dispose()
    return recorded
