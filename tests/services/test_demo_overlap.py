"""What lets `huifang demo` use both cores (issue 15) without changing what it builds: the closed
study analysed in a forked child (through a read-only connection of its own) while the parent codes
comments and builds the live study, and the fieldwork simulated for the cases the queue can hand out
only."""

from __future__ import annotations

import gc
import os
import threading

import pytest
from sqlalchemy import func, select

import fixtures
import questionnaires
from survey_app.services import analysis_service, demo, forked, staff_verdicts, studies
from survey_app.storage.models import User
from tests.fixtures.conftest import canonical

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this platform")
pytestmark = pytest.mark.usefixtures("no_posterior_worker")  # the demo forks only without other threads


@needs_fork
def test_work_started_elsewhere_runs_in_a_child_and_hands_back_its_result():
    parent = os.getpid()
    collect = forked.elsewhere(lambda: {"pid": os.getpid(), "pdf": b"%PDF-1.4 ..."})
    result = collect()
    assert result["pid"] != parent
    assert result["pdf"] == b"%PDF-1.4 ..."


@needs_fork
def test_work_that_fails_in_the_child_is_done_again_here():
    parent = os.getpid()

    def only_here() -> int:
        if os.getpid() != parent:
            raise RuntimeError("the child cannot do this")
        return 42

    assert forked.elsewhere(only_here)() == 42


def test_an_error_of_the_work_itself_shows_in_this_process():
    def broken() -> int:
        raise ValueError("no such report variant")

    with pytest.raises(ValueError, match="no such report variant"):
        forked.elsewhere(broken)()


def test_with_another_thread_running_the_work_stays_in_this_process():
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert forked.elsewhere(os.getpid)() == os.getpid()
    finally:
        release.set()
        other.join()


def test_simulating_only_the_released_cases_leaves_each_of_them_as_before():
    """Each case draws from its own seeded stream, so leaving the reserve out changes no worked case."""
    frame = fixtures.make_frame(2_000, 3)
    cases = canonical(frame.export).iloc[:400].reset_index(drop=True)
    cases.insert(0, "case_id", range(1, len(cases) + 1))
    released = cases.iloc[::3]
    everything = fixtures.simulate_fieldwork(cases, frame.truth, seed=7)
    some = fixtures.simulate_fieldwork(released, frame.truth, seed=7)
    kept = everything.attempts[everything.attempts["case_id"].isin(released["case_id"])]
    assert len(some.attempts) > len(released) // 2 and some.answers
    assert some.attempts.reset_index(drop=True).equals(kept.reset_index(drop=True))
    assert some.answers == {key: value for key, value in everything.answers.items() if key in some.answers}
    assert set(some.answers) == set(everything.answers) & set(released["case_id"])


def test_the_simulation_in_two_halves_is_the_simulation_of_the_whole():
    frame = fixtures.make_frame(3_000, 5)
    cases = canonical(frame.export).iloc[: demo.SPLIT_FROM + 51].reset_index(drop=True)
    cases.insert(0, "case_id", range(1, len(cases) + 1))
    start = demo.FIELDWORK_START
    whole = fixtures.simulate_fieldwork(
        cases, frame.truth, seed=11, questionnaire=questionnaires.template("justice-callback"), start=start
    )
    halves = demo._simulated(cases, frame.truth, seed=11, start=start)
    assert halves.attempts.equals(whole.attempts)
    assert halves.cases.equals(whole.cases)
    assert list(halves.answers.items()) == list(whole.answers.items())  # the same order too
    assert halves.parameters == whole.parameters


def test_the_study_analysed_apart_is_the_study_analysed_here(demo_db):
    apart = demo._analyse_apart(demo_db, demo.STUDY_NAME)
    with demo_db.session() as session:
        here = analysis_service.analyse(session, studies.find_study(session, demo.STUDY_NAME))
    assert analysis_service.summary_text(apart) == analysis_service.summary_text(here)
    assert apart.units.equals(here.units)
    assert apart.staff.equals(staff_verdicts.staff_verdicts(here))  # its posterior in a forked child


def test_analysing_apart_reads_one_snapshot_and_leaves_the_write_lock_to_others(demo_db, monkeypatch):
    """The parent writes (`BEGIN IMMEDIATE`) while the child reads; the child sees none of it."""

    def analyse_while_the_parent_writes(session, study, **_options):
        before = session.scalar(select(func.count(User.id)))
        with demo_db.session() as writer:  # would wait out the busy timeout behind a write lock
            writer.add(User(username="meanwhile", display_name="m", password_hash="x", role="surveyor"))
        return before, session.scalar(select(func.count(User.id)))

    monkeypatch.setattr(analysis_service, "analyse", analyse_while_the_parent_writes)
    monkeypatch.setattr(demo, "_with_staff_level", lambda result: result)  # it reads no database
    before, after = demo._analyse_apart(demo_db, demo.STUDY_NAME)
    assert before == after
    with demo_db.session() as session:
        assert session.scalar(select(func.count(User.id))) == before + 1


def test_the_demo_leaves_no_objects_frozen_for_the_collector(demo_result):
    """`_build` freezes what exists after its first stage (cheaper full collections) and thaws it."""
    assert demo_result.report_sha256
    assert gc.get_freeze_count() == 0


def test_the_demo_builds_without_the_collector_and_turns_it_back_on(demo_result):
    """`build_demo` disables cyclic collection while it builds and restores it when it returns."""
    assert demo_result.report_sha256
    assert gc.isenabled()
