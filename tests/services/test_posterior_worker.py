"""The app's posterior worker (`services.posterior_worker`): the unit model worked out in a process
beside the app's gives the table worked out here, on the caller's BLAS threads, and whatever the worker
cannot do is done here."""

from __future__ import annotations

import os
import time

import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from analysis import compare_units
from analysis.errors import AnalysisError
from survey_app.services import posterior_worker
from tests.analysis.verdict_sim import SCENARIOS, simulate
from tests.blas import blas_threads_now


class DiesAway:
    """Work that ends any process but the test's own, as a worker killed mid-work would."""

    def __init__(self) -> None:
        self.home = os.getpid()

    def __call__(self) -> str:
        if os.getpid() != self.home:
            os._exit(3)
        return "done here"


class HangsAway:
    """Work that never ends in any process but the test's own, as a stuck worker would; it leaves the
    id of the process it hangs in at `pid_file`."""

    def __init__(self, pid_file) -> None:
        self.home = os.getpid()
        self.pid_file = pid_file

    def __call__(self) -> str:
        if os.getpid() != self.home:
            self.pid_file.write_text(str(os.getpid()))
            time.sleep(3600)
        return "done here"


def _ends(pid: int, within: float = 30.0) -> bool:
    """Whether process `pid` is gone (or a zombie) within `within` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


def refuses() -> None:
    raise AnalysisError("the frame lacks the unit column 'organisation_id'")


def test_the_posterior_worked_out_in_the_worker_is_the_same_table_to_the_last_bit():
    study = simulate(SCENARIOS["proxy_30%"], 1)
    options = {"interviews": study.interviews, "method": "posterior", "seed": 1}
    here = compare_units(study.frame, study.design, **options)
    beside = compare_units(study.frame, study.design, **options, start=posterior_worker.start)
    pd.testing.assert_frame_equal(beside, here, check_exact=True)
    assert beside.attrs == here.attrs


@pytest.mark.parametrize("threads", [1, 2])
def test_the_worker_runs_the_work_on_as_many_blas_threads_as_the_caller(threads):
    with threadpool_limits(limits=threads, user_api="blas"):
        seen = posterior_worker.start(blas_threads_now)()  # in the worker
    assert seen == {threads}


def test_work_that_does_not_pickle_is_done_here():
    home = os.getpid()
    assert posterior_worker.start(lambda: os.getpid())() == home


def test_a_worker_that_dies_leaves_the_work_done_here_and_the_next_work_gets_a_new_worker():
    assert posterior_worker.start(DiesAway())() == "done here"
    assert posterior_worker.start(os.getpid)() != os.getpid()


def test_a_worker_that_gives_no_answer_in_time_is_killed_and_the_work_done_here(monkeypatch, tmp_path):
    monkeypatch.setattr(posterior_worker, "PATIENCE", 2.0)
    pid_file = tmp_path / "worker.pid"
    assert posterior_worker.start(HangsAway(pid_file))() == "done here"
    assert _ends(int(pid_file.read_text()))
    assert posterior_worker.start(os.getpid)() != os.getpid()  # and the next work gets a new worker


def test_an_error_of_the_work_itself_is_raised_here_as_it_would_be():
    with pytest.raises(AnalysisError, match="lacks the unit column"):
        posterior_worker.start(refuses)()


def test_the_app_script_imported_again_by_a_worker_process_does_not_run_the_app(monkeypatch):
    """multiprocessing imports the parent's main script in each process it starts, as __mp_main__;
    under Streamlit that is the app's script, which must then define the app without running it (no
    page set up, no database opened, no sign-in read)."""
    import runpy

    import streamlit

    from tests.app.conftest import APP

    ran = []
    monkeypatch.setattr(streamlit, "set_page_config", lambda *args, **kwargs: ran.append(args))
    names = runpy.run_path(str(APP), run_name="__mp_main__")
    assert callable(names["main"])
    assert ran == []


def test_on_one_core_the_work_is_done_here_and_no_worker_is_started(monkeypatch):
    monkeypatch.setattr(posterior_worker, "_cores", lambda: 1)
    monkeypatch.setattr(posterior_worker, "_pool", None)
    assert posterior_worker.start(os.getpid)() == os.getpid()
    assert posterior_worker._pool is None
