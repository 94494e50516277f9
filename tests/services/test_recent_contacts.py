"""People another study reached in the last N days are left out of a new draw, matched by person key."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from survey_app.services import frames, recent_contacts, samples, studies
from survey_app.services.errors import InvalidState
from survey_app.storage.models import CallAttempt, Case, Exclusion, FrameRecord
from tests.app.builders import write_frame_csv

pytestmark = pytest.mark.db

DRAW = {"strata": ["domain"], "n": 8, "method": "proportional", "seed": 7, "unit": "event", "reserve": 0.0}
ALL = {**DRAW, "n": 20, "seed": 8}


def _called(session, case: Case, surveyor, code: str, days_ago: int) -> str:
    """Record one attempt on `case` `days_ago` days back; returns the case's record id."""
    when = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=days_ago)
    session.add(
        CallAttempt(case_id=case.id, surveyor_id=surveyor.id, attempt_no=1, started_at=when, disposition=code)
    )
    return session.get(FrameRecord, case.frame_record_id).record_id


@pytest.fixture
def earlier(db, users, tmp_path):
    """Study `spring` drew 8 people of a frame; three were called: reached 10 days ago, reached 60 days
    ago, not answered 2 days ago. Returns the frame file and those three record ids."""
    path = tmp_path / "export.csv"
    write_frame_csv(path)
    with db.session() as session:
        spring = studies.create_study(session, users["researcher"], "spring", "spring")
        frames.import_frame(session, users["researcher"], spring, path)
        samples.draw_sample(session, users["researcher"], spring, DRAW)
        cases = session.scalars(select(Case).where(Case.study_id == spring.id).order_by(Case.id)).all()
        recent = _called(session, cases[0], users["surveyor"], "2.11", 10)  # refused: a contact
        old = _called(session, cases[1], users["surveyor"], "1.1", 60)
        unanswered = _called(session, cases[2], users["surveyor"], "3.13", 2)
    return path, recent, old, unanswered


def _autumn(db, users, path, days: int):
    with db.session() as session:
        autumn = studies.create_study(session, users["researcher"], "autumn", "autumn")
        frames.import_frame(session, users["researcher"], autumn, path)
        recent_contacts.set_days(session, users["researcher"], autumn, days)
        return autumn.id


def test_only_people_reached_within_the_window_are_left_out(db, users, earlier):
    path, recent, old, unanswered = earlier
    autumn_id = _autumn(db, users, path, 30)
    with db.session() as session:
        autumn = session.get(studies.Study, autumn_id)
        design = samples.draw_sample(session, users["researcher"], autumn, ALL)
        left_out = dict(
            session.execute(
                select(Exclusion.record_id, Exclusion.reason).where(Exclusion.design_id == design.id)
            ).all()
        )
        drawn = set(
            session.scalars(
                select(FrameRecord.record_id)
                .join(Case, Case.frame_record_id == FrameRecord.id)
                .where(Case.design_id == design.id)
            )
        )
    assert left_out == {recent: "called_recently"}  # not `old` (60 days) nor `unanswered` (no contact)
    assert old != recent != unanswered and recent not in drawn
    assert design.params["sampling"]["exclusions"]["within_days"] == 30


def test_a_study_without_a_window_leaves_nobody_out_for_recent_contact(db, users, earlier):
    autumn_id = _autumn(db, users, earlier[0], 0)
    with db.session() as session:
        autumn = session.get(studies.Study, autumn_id)
        reasons = samples.exclusions_of(autumn).reasons(
            frames.frame_records(session, frames.latest_frame(session, autumn), personal=True)
        )
    assert "called_recently" not in set(reasons.dropna())


def test_the_sample_still_verifies_after_later_calls_reach_more_people(db, users, earlier):
    autumn_id = _autumn(db, users, earlier[0], 30)
    with db.session() as session:
        autumn = session.get(studies.Study, autumn_id)
        samples.draw_sample(session, users["researcher"], autumn, ALL)
    with db.session() as session:  # spring reaches another person today, after autumn's draw
        spring = studies.find_study(session, "spring")
        case = session.scalars(select(Case).where(Case.study_id == spring.id).order_by(Case.id)).all()[3]
        _called(session, case, users["surveyor"], "1.1", 0)
    with db.session() as session:
        identical, message = samples.verify_sample(session, session.get(studies.Study, autumn_id))
    assert identical, message


def test_the_window_cannot_change_once_the_sample_is_drawn(db, users, earlier):
    path = earlier[0]
    autumn_id = _autumn(db, users, path, 30)
    with db.session() as session:
        autumn = session.get(studies.Study, autumn_id)
        samples.draw_sample(session, users["researcher"], autumn, ALL)
        with pytest.raises(InvalidState) as refused:
            recent_contacts.set_days(session, users["researcher"], autumn, 7)
    assert "已抽样" in refused.value.text("zh")


def test_the_command_line_plans_and_draws_with_a_recent_contact_window(db, users, earlier, database_url):
    from click.testing import CliRunner

    from survey_app.cli import main

    _autumn(db, users, earlier[0], 0)
    env = {"HUIFANG_USER": "researcher", "HUIFANG_PASSWORD": "password-researcher"}
    common = [
        "--strata",
        "domain",
        "--n",
        "20",
        "--method",
        "proportional",
        "--unit",
        "event",
        "--reserve",
        "0",
        "--minimum",
        "0",
    ]
    planned = CliRunner().invoke(
        main,
        ["--db", database_url, "sample", "plan", "autumn", *common, "--exclude-recent-days", "30"],
        env=env,
    )
    assert planned.exit_code == 0, planned.output
    assert "left out: 1 record(s) of people other studies reached in the last 30 days" in planned.output
    with db.session() as session:  # planning changed nothing
        assert not (studies.find_study(session, "autumn").settings or {}).get(recent_contacts.SETTING)
    drawn = CliRunner().invoke(
        main,
        [
            "--db",
            database_url,
            "sample",
            "draw",
            "autumn",
            *common,
            "--seed",
            "3",
            "--exclude-recent-days",
            "30",
        ],
        env=env,
    )
    assert drawn.exit_code == 0, drawn.output
    with db.session() as session:
        design = samples.current_design(session, studies.find_study(session, "autumn"))
        reasons = session.scalars(select(Exclusion.reason).where(Exclusion.design_id == design.id)).all()
    assert reasons == ["called_recently"]
