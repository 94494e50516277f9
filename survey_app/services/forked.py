"""Pure computation on the second core, in a forked child: the command line's way (`huifang demo`,
`report`, `verify`) of running the posterior unit model beside the rest of an analysis.

A fork copies the locks other threads hold, so it is taken only while no other thread runs; the app
(each session a thread) uses `posterior_worker` instead. Either way the result is the same bits as
worked out here (the child inherits this process's arithmetic and BLAS threads).
"""

from __future__ import annotations

import gc
import os
import pickle
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def elsewhere(work: Callable[[], T]) -> Callable[[], T]:
    """Start `work` (pure computation: no database, no output) in a forked child process, so that it
    uses the second core while this process goes on; returns the function that waits for its result.

    Runs `work` in this process instead where fork is missing or unsafe (another thread is running, as
    under a browser test) and when the child fails for any reason (the error, if real, then shows
    here). The child ends with `os._exit`: it closes none of the parent's database connections and
    flushes none of its buffered output."""
    if not hasattr(os, "fork") or threading.active_count() > 1:
        return here(work)
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child, which reports through the pipe
        status = 1
        try:
            os.close(read)
            without_collector()
            with os.fdopen(write, "wb") as pipe:
                pipe.write(pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL))
            status = 0
        finally:
            os._exit(status)
    os.close(write)

    def collect() -> T:
        with os.fdopen(read, "rb") as pipe:
            payload = pipe.read()
        _, status = os.waitpid(child, 0)
        if status == 0 and payload:
            return pickle.loads(payload)
        return work()

    return collect


def without_collector() -> None:
    """In a forked child: no cyclic garbage collection. The child does one piece of work and ends with
    `os._exit`, which returns all its memory at once; the collector's passes over the analysis's
    DataFrames (~0.5 s of the analysis child's CPU) would free nothing that matters meanwhile (the
    demo's analysis child peaks at the same resident size either way)."""
    gc.disable()


def here(work: Callable[[], T]) -> Callable[[], T]:
    """`work` done now, in this process, behind the same waiter as `elsewhere`'s."""
    value = work()
    return lambda: value
