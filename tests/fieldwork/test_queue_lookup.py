"""The claim's limited lookups hand out exactly the case the full sort of the queue puts first.

`fieldwork._queue_query` is the queue's order written as one sort over every waiting case (what
`next_case` ran before issue 15); `next_case` now reads each group's first entries from partial
indexes (migration 0009). Over many random queues — every state, attempts, retry times with ties,
appointments due and not, claims fresh and stale, cases assigned to me and to others, running and
expired web links, priorities and replicates — each surveyor in turn must be handed the full sort's
first case (or none when it has none), and the queue page's counts (`my_queue`, now one statement)
must equal the group-by-group counts. Runs on SQLite and, in CI, on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from sqlalchemy import delete, func, insert, select, update

from survey_app.services.fieldwork import CallingRules, _groups, _offerable, _queue_query, my_queue, next_case
from survey_app.storage.models import Case, Study
from survey_app.storage.models_web import WebInvitation
from tests.fieldwork.conftest import WEDNESDAY_10_SHANGHAI, add_surveyors, make_study

pytestmark = pytest.mark.db

NOW = WEDNESDAY_10_SHANGHAI
QUEUES = 60
CASES = 16
#: A few distinct times, so that groups tie on their time and the later keys decide.
PAST = [NOW - dt.timedelta(minutes=m) for m in (5, 45, 45, 300)]
FUTURE = [NOW + dt.timedelta(minutes=m) for m in (10, 10, 600)]


def randomise(session, study_id: int, case_ids: list[int], surveyors: list[int], rng) -> None:
    """Give every case of the study a random, consistent queue state (at most one held per surveyor)."""
    session.execute(delete(WebInvitation).where(WebInvitation.study_id == study_id))
    session.execute(update(Case).where(Case.study_id == study_id).values(state="pending", held_by=None))
    holders = list(rng.permutation(surveyors))
    # each queue its own mix, so that every group is sometimes the first non-empty one
    state_mix = rng.dirichlet(np.ones(3))
    fresh_share = float(rng.uniform(0, 1))
    for case_id in case_ids:
        state = str(rng.choice(["pending", "appointment", "finalised"], p=state_mix))
        if rng.random() < 0.08:
            state = "held"
        if state == "held" and not holders:
            state = "pending"
        attempts = 0 if rng.random() < fresh_share else int(rng.integers(1, 3))
        values = {
            "state": state,
            "attempts": attempts,
            "priority": int(rng.integers(0, 3)),
            "replicate": int(rng.integers(0, 2)),
            "assigned_to": [None, None, None, *surveyors][int(rng.integers(0, 3 + len(surveyors)))],
            "next_call_after": None,
            "appointment_at": None,
            "held_by": None,
            "held_at": None,
        }
        if attempts or rng.random() < 0.1:  # a few fresh cases carry a time too
            values["next_call_after"] = [None, *PAST, *FUTURE][
                int(rng.integers(0, 1 + len(PAST) + len(FUTURE)))
            ]
        if state == "appointment":
            values["appointment_at"] = [*PAST, *FUTURE][int(rng.integers(0, len(PAST) + len(FUTURE)))]
        if state == "held":
            values["held_by"] = int(holders.pop())
            values["held_at"] = NOW - dt.timedelta(minutes=int(rng.choice([1, 20, 31, 90, 90])))
            if values["assigned_to"] is not None:  # a held case is assigned to its holder or nobody
                values["assigned_to"] = values["held_by"]
        session.execute(update(Case).where(Case.id == case_id).values(**values))
        if state == "pending" and attempts == 0 and rng.random() < 0.25:
            expires = NOW + dt.timedelta(hours=1) if rng.random() < 0.5 else NOW - dt.timedelta(hours=1)
            session.execute(
                insert(WebInvitation).values(study_id=study_id, case_id=case_id, expires_at=expires)
            )


def full_sort_first(session, study: Study, actor_id: int) -> int | None:
    rules = CallingRules.of(study)
    query = _queue_query(study.id, actor_id, NOW, NOW + rules.appointment_lead, NOW - rules.claim_timeout)
    return session.scalar(query.with_only_columns(Case.id).limit(1))


def counted_group_by_group(session, study: Study, actor_id: int) -> dict[str, int]:
    """The queue page's counts as `my_queue` read them before issue 15: one count per group."""
    rules = CallingRules.of(study)
    groups = _groups(NOW, NOW + rules.appointment_lead, NOW - rules.claim_timeout)
    counts = {
        name: session.scalar(_offerable(study.id, actor_id).where(condition).with_only_columns(func.count()))
        for name, condition in groups.items()
    }
    held = select(func.count()).where(
        Case.study_id == study.id, Case.state == "held", Case.held_by == actor_id
    )
    return {**counts, "held": min(session.scalar(held), 1)}


def test_each_claim_hands_out_the_case_the_full_sort_puts_first_and_the_page_counts_agree(db, users):
    study_id = make_study(db, cases=CASES, strata=("公证", "律师", "仲裁"))
    everyone = [users["surveyor"], *add_surveyors(db, 7)]
    surveyors, ids = everyone[:4], [s.id for s in everyone]  # four ask; all eight may hold or be assigned
    rng = np.random.default_rng(20261201)  # recorded: the queues are the same on every run
    with db.session() as session:
        case_ids = list(session.scalars(select(Case.id).where(Case.study_id == study_id).order_by(Case.id)))
    compared = found = 0
    for queue in range(QUEUES):
        with db.session() as session:
            randomise(session, study_id, case_ids, ids, rng)
        for surveyor in surveyors:
            with db.session() as session:
                study = session.get(Study, study_id)
                expected = full_sort_first(session, study, surveyor.id)
                page = my_queue(session, surveyor, study, now=NOW)
                assert page == counted_group_by_group(session, study, surveyor.id), f"queue {queue}"
            with db.session() as session:
                claimed = next_case(session, surveyor, session.get(Study, study_id), now=NOW)
                got = claimed.id if claimed else None
            assert got == expected, f"queue {queue}, {surveyor.username}: claimed {got}, full sort {expected}"
            compared += 1
            found += got is not None
    assert found > compared // 2  # the random queues mostly have something due: the test compares choices
