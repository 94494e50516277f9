"""How many threads the BLAS libraries run on, as tests about `analysis.numeric` watch it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from threadpoolctl import threadpool_info


def blas_threads_now() -> set[int]:
    """The thread counts of every BLAS library loaded in this process, now."""
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


def watch_blas_threads(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[set[int]]:
    """Replace `owner.name` by the same function that first notes `blas_threads_now()` in the returned
    list, once a call."""
    seen: list[set[int]] = []
    function: Callable = getattr(owner, name)

    def watched(*args, **kwargs):
        seen.append(blas_threads_now())
        return function(*args, **kwargs)

    monkeypatch.setattr(owner, name, watched)
    return seen
