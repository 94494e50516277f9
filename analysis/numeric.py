"""How many threads the analysis's linear algebra runs on, so that its figures are the same last bit
on every machine's core count.

OpenBLAS splits a matrix product (`x.T @ w`, a Gram matrix, a solve) among its threads, one block of
rows each, and adds the blocks' partial sums; their order follows the thread count, so the last bit of
a sum does too. The response-propensity fit and the replicate intervals are such sums: with
`OPENBLAS_NUM_THREADS=1` some interval ends moved by 1 ulp from a two-core build, and a report rebuilt
on another machine differed from the published one byte for byte (a false tamper alarm in `verify`).
On one thread the sums run in one fixed order whatever the core count (ARCHITECTURE.md, "One BLAS
thread"). The product's kernel still follows the CPU (OpenBLAS picks Haswell, SkylakeX… kernels), so
this fixes the thread count, not every instruction: `huifang`'s processes pin the kernel too, before
numpy loads (`survey_app.numeric_platform`).

A report records the mode its analysis ran in (`report.built`'s `numeric`); builds recorded before the
mode existed ran with BLAS's threads as loaded (`BLAS_AS_LOADED`) and are rebuilt that way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

#: Every BLAS library in the process limited to one thread for the analysis (today's mode).
ONE_BLAS_THREAD = "one BLAS thread"
#: BLAS with the threads it started with (one per core, or `OPENBLAS_NUM_THREADS`): analyses before the
#: mode was recorded.
BLAS_AS_LOADED = "BLAS threads as loaded"
NUMERIC_MODES = (ONE_BLAS_THREAD, BLAS_AS_LOADED)


@contextmanager
def numeric_mode(mode: str) -> Iterator[None]:
    """Run the block's linear algebra in `mode` (one of `NUMERIC_MODES`); a ValueError names any other."""
    if mode not in NUMERIC_MODES:
        raise ValueError(f"unknown numeric mode {mode!r}: expected one of {', '.join(NUMERIC_MODES)}")
    if mode == BLAS_AS_LOADED:
        yield
        return
    import scipy.linalg  # noqa: F401  scipy ships its own OpenBLAS: loaded now, so that it is limited too
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield
