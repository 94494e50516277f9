"""The posterior unit model in a process beside the app's, so that it runs on the second core while the
app's process does the rest of the analysis (`analysis.compare_units`' `start`).

The reviewer's first visit to 评价对比 waits for the whole analysis, and the posterior model is about
half of it; the rest (the empirical null's tests, the headline, the data read) cannot overlap it in a
thread, since both hold the GIL. The command line forks a child for it (`forked.elsewhere`), which is unsafe in
the app: Streamlit serves each session from a thread, and a fork copies whatever locks the other
threads hold. So the app keeps one worker process started by a fork server (`multiprocessing`'s
"forkserver": a clean, small process that forks the worker), started and loaded with the model's
modules when a reviewer signs in (`warm`), and hands it the model — an object that pickles with its
inputs (`analysis.units.PosteriorModel`). Measured on the demo study (two cores, three runs each):
the analysis 6.4–7.5 → 4.9–5.2 s (the unit comparison's own rest runs beside the model), the staff
level 7.9–8.4 → 5.4–5.7 s. The worker holds ~190 MB once loaded (the fork server ~13 MB); on one core
there is nothing to run it beside, and the model runs here.

The worker runs the model on as many BLAS threads as the caller's analysis does (`analysis.numeric`:
one, so the figures do not follow the core count), so its table is the same bits as one worked out
here. Where the worker cannot take the work — it does not pickle, the worker died or could not start,
it did not answer within `PATIENCE` seconds — the work is done here instead: the result is the same,
only later. A worker that did not answer in time is killed, not left to run on beside the next one: it
would hold its memory and the second core for as long as it is stuck. An error of the work itself (say, an `AnalysisError`) is raised here as it would be here.

Threat model: the worker is a child of the app's process, run by the same user on the same machine;
the frame and interviews reach it through a pipe between the two and are held in its memory only, as
in the app's (no file, no socket). One worker serves every session of the process, one model at a time.
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
import pickle
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from survey_app.services.forked import here

T = TypeVar("T")
log = logging.getLogger(__name__)

#: Seconds to wait for the worker's answer before doing the work here (a 1,000-unit posterior takes
#: ~15 s on one core; a worker that has not answered in ten minutes is taken for stuck).
PATIENCE = 600.0

#: What `pickle` raises for work that cannot be sent to the worker (a lambda, a local function).
UNPICKLABLE = (pickle.PicklingError, TypeError, AttributeError)

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_warmed = False


def start(work: Callable[[], T]) -> Callable[[], T]:
    """`compare_units`' `start`: hand `work` to the worker and return the function that waits for its
    result (or does the work here, see the module docstring)."""
    if _cores() < 2:  # no second core to run it on: a worker would only cost its memory
        return here(work)
    threads = _blas_threads()
    pool = _executor()
    try:
        future = pool.submit(_run, work, threads)
    except (BrokenProcessPool, RuntimeError, OSError) as error:  # no worker to take it
        log.warning("posterior worker unavailable (%s): the model runs in the app's process", error)
        _discard(pool)
        return here(work)

    def wait() -> T:
        try:
            return future.result(timeout=PATIENCE)
        except UNPICKLABLE as error:  # the worker is fine; this work cannot travel to it
            log.warning("posterior model does not pickle (%r): it runs in the app's process", error)
            return work()
        except BrokenProcessPool as error:  # the worker died: another next time
            log.warning("posterior worker failed (%r): the model runs in the app's process", error)
            _discard(pool)
            return work()
        except TimeoutError:  # the worker is stuck: end it, another next time
            log.warning("posterior worker gave no answer in %.0f s: killed; the model runs here", PATIENCE)
            _discard(pool, kill=True)
            return work()

    return wait


def warm() -> None:
    """Start the worker now and have it import the model's modules, so that the first analysis that
    needs it does not wait for that; quick, and nothing more once the worker is up."""
    global _warmed
    with _lock:
        if _warmed or _cores() < 2:
            return
        _warmed = True
    pool = _executor()
    try:
        pool.submit(_load)
    except (BrokenProcessPool, RuntimeError, OSError):
        _discard(pool)


def stop() -> None:
    """End the worker and the threads that serve it here, waiting for them; the next `start` or `warm`
    starts another. Where this process must fork itself later (`forked.elsewhere` forks only while
    no other thread runs), this leaves it no thread of the worker's."""
    global _pool, _warmed
    with _lock:
        pool, _pool, _warmed = _pool, None, False
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def _load() -> None:
    """In the worker: import what the model needs, before the first model does."""
    for name in ("scipy.linalg", "threadpoolctl", "analysis.units", "analysis.posterior_power"):
        importlib.import_module(name)


def _run(work: Callable[[], T], threads: int | None) -> T:
    """In the worker: `work` on the caller's number of BLAS threads."""
    if threads is None:
        return work()
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads, user_api="blas"):
        return work()


def _blas_threads() -> int | None:
    """The BLAS thread count the caller runs on (every BLAS the process loaded agrees under
    `analysis.numeric`), or None when they differ (the worker then keeps its own)."""
    import scipy.linalg  # noqa: F401  scipy's own OpenBLAS, loaded so that it is counted too
    from threadpoolctl import threadpool_info

    counts = {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}
    return counts.pop() if len(counts) == 1 else None


def _cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            context = multiprocessing.get_context("forkserver")
            # nothing imported in the fork server (its default would import the app's script): it stays
            # small, and the worker imports what the model needs once, when it first runs it
            context.set_forkserver_preload([])
            _pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
        return _pool


def _discard(pool: ProcessPoolExecutor, *, kill: bool = False) -> None:
    """Forget a broken or (`kill`) stuck worker: the next `start` starts another. Only `pool` is
    forgotten: another session may have replaced it with a healthy one meanwhile. Work queued behind a
    killed worker fails over to its caller's process (`BrokenProcessPool`)."""
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    if kill:
        # ProcessPoolExecutor cannot cancel running work; Python 3.14's `kill_workers` does what this
        # does, on the same private mapping of the pool's processes
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.kill()
    pool.shutdown(wait=False, cancel_futures=True)
