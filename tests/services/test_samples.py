"""The stored sample: reserve release recomputes π from the released cases; the re-draw proves it."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import func, select, update

from survey_app.services import samples, studies
from survey_app.services.errors import InvalidState
from survey_app.storage.models import Case, Study, User


@pytest.fixture(autouse=True)
def _in_fieldwork(demo_db):
    """The demo ends closed; reserves are released during fieldwork."""
    with demo_db.engine.begin() as conn:
        conn.execute(update(Study).values(state="fieldwork"))


def _supervisor(db) -> User:
    with db.session() as session:
        return session.scalar(select(User).where(User.username == "supervisor"))


def _cases(db) -> pd.DataFrame:
    """The demo study's cases (the demo also leaves a second study, `live`, in fieldwork)."""
    with db.session() as session:
        demo = studies.find_study(session, "demo")
        rows = session.execute(
            select(Case.stratum, Case.state, Case.inclusion_prob, Case.design_weight).where(
                Case.study_id == demo.id
            )
        ).all()
    return pd.DataFrame(rows, columns=["stratum", "state", "pi", "weight"])


def test_releasing_a_reserve_replicate_makes_its_cases_callable(demo_db):
    reserve_before = (_cases(demo_db)["state"] == "reserve").sum()
    with demo_db.session() as session:
        released = samples.release_replicate(
            session, _supervisor(demo_db), studies.find_study(session, "demo"), 1
        )
    after = _cases(demo_db)
    assert released == reserve_before and (after["state"] == "reserve").sum() == 0
    assert (after.loc[after["state"] == "pending", "pi"] > 0).all()


def test_after_a_release_the_weights_of_each_stratum_still_sum_to_its_population(demo_db):
    before = _cases(demo_db)
    population = before[before["state"] != "reserve"].groupby("stratum")["weight"].sum()
    with demo_db.session() as session:
        samples.release_replicate(session, _supervisor(demo_db), studies.find_study(session, "demo"), 1)
    after = _cases(demo_db)
    released = after[after["state"] != "reserve"]
    assert released.groupby("stratum")["weight"].sum().to_numpy() == pytest.approx(population.to_numpy())
    assert len(released) > len(before[before["state"] != "reserve"])


def test_releasing_one_stratum_leaves_the_others_in_reserve(demo_db):
    cases = _cases(demo_db)
    stratum = cases.loc[cases["state"] == "reserve", "stratum"].iloc[0]
    with demo_db.session() as session:
        samples.release_replicate(
            session, _supervisor(demo_db), studies.find_study(session, "demo"), 1, [stratum]
        )
    after = _cases(demo_db)
    assert not ((after["stratum"] == stratum) & (after["state"] == "reserve")).any()
    assert (after["state"] == "reserve").any()


def test_releasing_twice_is_refused(demo_db):
    supervisor = _supervisor(demo_db)
    with demo_db.session() as session:
        samples.release_replicate(session, supervisor, studies.find_study(session, "demo"), 1)
    with demo_db.session() as session, pytest.raises(InvalidState, match="No reserve cases"):
        samples.release_replicate(session, supervisor, studies.find_study(session, "demo"), 1)


def test_a_closed_study_releases_nothing(demo_db):
    supervisor = _supervisor(demo_db)
    with demo_db.engine.begin() as conn:
        conn.execute(update(Study).values(state="closed"))
    with demo_db.session() as session, pytest.raises(InvalidState, match="closed"):
        samples.release_replicate(session, supervisor, studies.find_study(session, "demo"), 1)


def test_the_sample_still_verifies_after_a_release(demo_db):
    with demo_db.session() as session:
        samples.release_replicate(session, _supervisor(demo_db), studies.find_study(session, "demo"), 1)
    with demo_db.session() as session:
        ok, message = samples.verify_sample(session, studies.find_study(session, "demo"))
    assert ok, message


def test_a_second_draw_is_refused(demo_db):
    with demo_db.session() as session:
        researcher = session.scalar(select(User).where(User.username == "researcher"))
        study = studies.find_study(session, "demo")
        count = session.scalar(select(func.count(Case.id)))
        with pytest.raises(InvalidState):
            samples.draw_sample(session, researcher, study, {"strata": ["district"], "n": 10, "seed": 1})
    assert count > 0


def test_reserve_strata_lists_where_a_release_can_add_cases(demo_db):
    supervisor = _supervisor(demo_db)
    with demo_db.session() as session:
        study = studies.find_study(session, "demo")
        before = samples.reserve_strata(session, supervisor, study)
        samples.release_replicate(session, supervisor, study, 1, before[:1])
    with demo_db.session() as session:
        after = samples.reserve_strata(session, supervisor, studies.find_study(session, "demo"))
    assert before[0] not in after and after == before[1:]
