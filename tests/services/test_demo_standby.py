"""The demo's analysis child is forked before the frame import and waits for its cues (issue 15): it
imports the analysis libraries at once, reads the frame table ahead while the parent works the queue,
analyses once fieldwork is over, and the study it analyses is the study analysed here."""

from __future__ import annotations

import os
import threading

import pytest

from survey_app.services import analysis_service, datasets, demo, frames, studies

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this platform")
pytestmark = pytest.mark.usefixtures("no_posterior_worker")  # the demo forks only without other threads
_PREPARED: list[int] = []


def _prepare() -> None:
    _PREPARED.append(os.getpid())


def _report() -> dict:
    return {"pid": os.getpid(), "prepared": list(_PREPARED)}


@needs_fork
def test_the_child_prepares_on_its_first_cue_and_works_on_the_second():
    _PREPARED.clear()
    standby = demo._Standby(_prepare, _report)
    standby.warm()
    standby.start()
    result = standby.collect()
    assert result["pid"] != os.getpid() and result["prepared"] == [result["pid"]]
    assert _PREPARED == []  # nothing ran here


_LOADED: list[int] = []


def _load() -> None:
    _LOADED.append(os.getpid())


def _report_loaded() -> dict:
    return {"pid": os.getpid(), "loaded": list(_LOADED), "prepared": list(_PREPARED)}


@needs_fork
def test_the_child_loads_at_once_before_its_first_cue():
    """Its imports overlap what this process does next (the demo: the frame import and the draw)."""
    _LOADED.clear()
    _PREPARED.clear()
    standby = demo._Standby(_prepare, _report_loaded, load=_load)
    standby.warm()
    standby.start()
    result = standby.collect()
    assert result["loaded"] == [result["pid"]] == result["prepared"]
    assert _LOADED == [] and result["pid"] != os.getpid()  # nothing ran here


@needs_fork
def test_a_failing_load_does_not_stop_the_work():
    def broken() -> None:
        raise ImportError("no such library")

    standby = demo._Standby(_prepare, _report, load=broken)
    standby.start()
    assert standby.collect()["pid"] != os.getpid()


@needs_fork
def test_a_child_never_started_ends_when_closed_and_is_reaped():
    standby = demo._Standby(_prepare, _report)
    child = standby.child
    standby.close()
    with pytest.raises(ChildProcessError):
        os.waitpid(child, os.WNOHANG)


@needs_fork
def test_work_that_fails_in_the_child_is_done_again_here():
    parent = os.getpid()

    def only_here() -> int:
        if os.getpid() != parent:
            raise RuntimeError("the child cannot do this")
        return 42

    standby = demo._Standby(_prepare, only_here)
    standby.start()
    assert standby.collect() == 42


@needs_fork
def test_a_failing_preparation_does_not_stop_the_work():
    def broken() -> None:
        raise OSError("no snapshot")

    standby = demo._Standby(broken, _report)
    standby.warm()
    standby.start()
    assert standby.collect()["pid"] != os.getpid()


def test_with_another_thread_running_everything_happens_here_when_started():
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        _PREPARED.clear()
        standby = demo._Standby(_prepare, _report)
        standby.warm()
        standby.start()
        assert standby.child is None and standby.collect() == {"pid": os.getpid(), "prepared": []}
    finally:
        release.set()
        other.join()


def test_a_frame_table_read_ahead_is_the_frame_table_and_is_handed_over_once(demo_db):
    with demo_db.session() as session:
        study = studies.find_study(session, demo.STUDY_NAME)
        datasets.read_frame_table_ahead(session, study)
        ahead = next(iter(datasets._READ_AHEAD.values()))
        first, again = datasets.frame_table(session, study), datasets.frame_table(session, study)
        fresh = frames.frame_records(session, frames.latest_frame(session, study))
    assert first is ahead and again is not ahead and not datasets._READ_AHEAD
    assert first.equals(fresh) and again.equals(fresh)


def test_the_study_analysed_with_its_frame_read_ahead_is_the_study_analysed_here(demo_db):
    demo._read_ahead(demo_db, demo.STUDY_NAME)
    assert datasets._READ_AHEAD
    apart = demo._analyse_apart(demo_db, demo.STUDY_NAME)
    assert not datasets._READ_AHEAD  # the analysis took it
    with demo_db.session() as session:
        here = analysis_service.analyse(session, studies.find_study(session, demo.STUDY_NAME))
    assert analysis_service.summary_text(apart) == analysis_service.summary_text(here)
    assert apart.units.equals(here.units) and apart.frame.equals(here.frame)
