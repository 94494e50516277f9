"""Many surveyors at once, in threads and in processes: each case held by one surveyor at a time.

The audit log is the witness: appends are serialised (its head row is locked in every writing
transaction), so its order is the order in which the claims and attempts committed. A case claimed
by a second surveyor before the first one recorded an attempt would show up there as two claims in a
row; a duplicate attempt would break the (case, attempt number) uniqueness or the attempt count.
"""

from __future__ import annotations

import multiprocessing
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from survey_app.security.audit import verify_chain
from survey_app.services.fieldwork import next_case
from survey_app.storage.models import AuditEntry, CallAttempt, Case, Study
from tests.fieldwork.conftest import add_surveyors, make_study
from tests.fieldwork.workers import NOW, QUICK_RULES, surveyor_run

pytestmark = pytest.mark.db

CASES = 40


def check_invariants(db, study_id: int, results: list[list[tuple[int, int]]]) -> None:
    recorded = [pair for worker in results for pair in worker]
    assert len(recorded) == len(set(recorded)), "an attempt was recorded twice"
    with db.session() as session:
        states = dict(session.execute(select(Case.state, func.count()).group_by(Case.state)).all())
        attempts_in_db = session.scalar(select(func.count()).select_from(CallAttempt))
        attempts_on_cases = session.scalar(select(func.sum(Case.attempts)))
        events = session.execute(
            select(AuditEntry.action, AuditEntry.entity_id, AuditEntry.actor)
            .where(AuditEntry.action.in_(["case.claimed", "attempt.recorded"]))
            .order_by(AuditEntry.id)
        ).all()
        assert verify_chain(session).ok
    assert states == {"finalised": CASES}
    assert attempts_in_db == attempts_on_cases == len(recorded)
    holder: dict[str, str | None] = defaultdict(lambda: None)
    for action, case_id, actor in events:
        if action == "case.claimed":
            assert holder[case_id] is None, (
                f"case {case_id} claimed by {actor} while {holder[case_id]} held it"
            )
            holder[case_id] = actor
        else:
            assert holder[case_id] == actor, f"case {case_id}: {actor} recorded an attempt without holding it"
            holder[case_id] = None


def run(db, users, pool_class, workers: int, **pool_kwargs) -> None:
    study_id = make_study(db, cases=CASES, settings=QUICK_RULES)
    surveyors = [users["surveyor"], *add_surveyors(db, workers - 1)]
    with pool_class(max_workers=workers, **pool_kwargs) as pool:
        futures = [
            pool.submit(surveyor_run, db.url, study_id, s.id, seed) for seed, s in enumerate(surveyors)
        ]
        results = [f.result(timeout=120) for f in futures]
    check_invariants(db, study_id, results)


def test_eight_surveyor_threads_never_share_a_case(db, users):
    run(db, users, ThreadPoolExecutor, 8)


def test_four_surveyor_processes_never_share_a_case(db, users):
    run(db, users, ProcessPoolExecutor, 4, mp_context=multiprocessing.get_context("spawn"))


def test_one_surveyor_asking_from_several_tabs_at_once_holds_one_case(db, users):
    study_id = make_study(db, cases=10, settings=QUICK_RULES)

    def ask(_):
        with db.session() as session:
            case = next_case(session, users["surveyor"], session.get(Study, study_id), now=NOW)
            return case.id

    with ThreadPoolExecutor(max_workers=6) as pool:
        handed = set(pool.map(ask, range(12)))
    with db.session() as session:
        held = session.scalars(select(Case.id).where(Case.state == "held")).all()
    assert len(handed) == 1 and list(held) == list(handed)
