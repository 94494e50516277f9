"""Fixtures of the security tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture
def blas_on_one_thread() -> Iterator[None]:
    """BLAS limited to one thread for the whole test, so that a build recorded as an earlier release's
    (analysed with BLAS's threads as loaded, `record_build_without_settings`) and its rebuild by
    `verify` both run on one thread. For tests about what such a build records, not about thread
    counts (tests/security/test_verify_blas_threads.py is): their outcome then follows no machine's
    core count, and OpenBLAS's threads, which spin while they wait, cost no CPU (an analysis of the
    8,000-row demo: 2.7-3.3 s on one thread, 8.2 s on two, measured on the 2 shared cores)."""
    import scipy.linalg  # noqa: F401  scipy's own OpenBLAS, loaded now so that it is limited too
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield
