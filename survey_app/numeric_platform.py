"""The arithmetic a report's figures come from, pinned so that an auditor's machine rebuilds it byte for
byte, and described so that `verify` can say why it does not.

Why: one BLAS thread (`analysis.numeric`) fixes the order of the sums, not the instructions. OpenBLAS
picks its kernels by CPU (Haswell, SkylakeX, Sandybridge…), glibc's libm picks FMA or SSE2 versions of
`exp` and `log`, numpy picks AVX-512 loops where the CPU has them, and the analysis's iterative fits
(the posterior's EM and L-BFGS, the response-propensity model) stop within their tolerance at other
last digits when one step's last bit moves. Measured on the demo study's report (9,625 figures): on
OpenBLAS's Sandybridge kernel 441 figures moved (by up to 1.2e-4 of their value) and one printed Bayes
factor (16,288 → 16,289); on Nehalem 317; with glibc's SSE2 libm 150 — and `huifang verify` said
FAIL of a genuine report on each.

So every `huifang` process (the command line, and the app it starts) pins the parts it can before
numpy loads (`pin`): on an x86-64 CPU with AVX2 and FMA — Intel since Haswell (2013), AMD since
Excavator and Zen — OpenBLAS runs its Haswell kernel and numpy its AVX2 loops, and glibc takes its
FMA libm by itself. Every such machine then computes the same bits (with the same libraries, which the
lock file fixes). Elsewhere (no AVX2, ARM) nothing is pinned; the process computes natively. A report
records the platform it was built on (`describe`, `report.built`'s `platform`), and `verify` names the
difference when a rebuild differs on another one (`differences`).

`HUIFANG_NUMERIC_PLATFORM=native` leaves every choice to the libraries (to rebuild a report recorded on
another platform, with `OPENBLAS_CORETYPE` and `NPY_DISABLE_CPU_FEATURES` set to match it).

This module imports nothing heavy at its top: `pin` must run before numpy is imported.
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import MutableMapping

#: The variable that turns the pin off (`native`); anything else, or unset, pins (`portable`).
SWITCH = "HUIFANG_NUMERIC_PLATFORM"
PORTABLE, NATIVE = "portable", "native"
#: OpenBLAS's kernel for every x86-64 CPU with AVX2 and FMA.
KERNEL = "Haswell"
#: The CPU flags (Linux's /proc/cpuinfo) that kernel and glibc's FMA libm need.
NEEDS = frozenset({"avx2", "fma"})
#: numpy's dispatch targets above AVX2, which `pin` turns off: on an AVX-512 CPU numpy would otherwise
#: run its own AVX-512 `exp`, `log`… instead of libm's. numpy 2.4's names (the lock file's); a name
#: numpy does not dispatch only earns an ImportWarning, and `describe` records what numpy runs anyway.
ABOVE_AVX2 = ("X86_V4", "AVX512_ICL", "AVX512_SPR")
#: The libraries whose versions move figures (recorded beside the platform).
LIBRARIES = ("numpy", "scipy", "pandas", "statsmodels")


def pin(environ: MutableMapping[str, str] | None = None, cpu_flags: frozenset[str] | None = None) -> bool:
    """Pin the arithmetic in `environ` (default: this process's, before numpy loads; its children
    inherit it): True when pinned. Nothing on a CPU without AVX2 and FMA (the kernel would not run
    there), off x86-64, or with `HUIFANG_NUMERIC_PLATFORM=native`. An `OPENBLAS_CORETYPE` already set
    is replaced: the figures of a report must not follow a setting of the shell it was built in."""
    environ = os.environ if environ is None else environ
    if environ.get(SWITCH, PORTABLE) == NATIVE:
        return False
    flags = _cpu_flags() if cpu_flags is None else cpu_flags
    if not flags >= NEEDS:
        return False
    environ["OPENBLAS_CORETYPE"] = KERNEL
    if "NPY_ENABLE_CPU_FEATURES" not in environ:  # numpy refuses to start with both set
        disabled = environ.get("NPY_DISABLE_CPU_FEATURES", "").replace(",", " ").split()
        environ["NPY_DISABLE_CPU_FEATURES"] = " ".join(dict.fromkeys([*disabled, *ABOVE_AVX2]))
    return True


def describe() -> dict[str, str]:
    """This process's arithmetic, as `report.built` records it: CPU architecture, the BLAS kernels
    loaded (numpy's and scipy's), which libm, numpy's SIMD dispatch, and the libraries' versions."""
    import numpy
    import scipy.linalg  # noqa: F401  scipy's own OpenBLAS, loaded so that it is described too
    from threadpoolctl import threadpool_info

    blas = sorted(
        {f"{lib.get('internal_api', '?')} {lib.get('architecture') or '?'}" for lib in threadpool_info()
         if lib.get("user_api") == "blas"}
    )  # fmt: skip
    return {
        "machine": platform.machine(),
        "blas": ", ".join(blas),
        "libm": _libm(),
        "simd": " ".join(_numpy_dispatch(numpy)) or "baseline",
        "libraries": ", ".join(f"{name} {_version(name)}" for name in LIBRARIES),
    }


#: How `differences` names each part of a platform.
PARTS = {
    "machine": "CPU architecture",
    "blas": "BLAS kernel",
    "libm": "libm",
    "simd": "numpy's SIMD loops",
    "libraries": "libraries",
}


def differences(recorded: dict | None, here: dict[str, str]) -> list[str]:
    """What of the `recorded` platform this one differs in, each as a phrase: "BLAS kernel OpenBLAS
    Sandybridge (here: OpenBLAS Haswell)"; empty when they agree or nothing was recorded."""
    recorded = recorded or {}
    return [
        f"{PARTS.get(part, part)} {value} (here: {here.get(part, 'unknown')})"
        for part, value in recorded.items()
        if here.get(part) != value
    ]


def _cpu_flags() -> frozenset[str]:
    """The CPU's flags as Linux reports them; empty elsewhere (so nothing is pinned)."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return frozenset()
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as info:
            for line in info:
                if line.startswith("flags"):
                    return frozenset(line.partition(":")[2].split())
    except OSError:
        pass
    return frozenset()


def _libm() -> str:
    """The C library and which of glibc's x86-64 libm versions it runs (FMA where the CPU has FMA and
    AVX2 and `GLIBC_TUNABLES` does not mask them, else SSE2)."""
    name, release = platform.libc_ver()
    libc = f"{name} {release}".strip() or sys.platform
    if name != "glibc" or platform.machine().lower() not in ("x86_64", "amd64"):
        return libc
    masked = any(f"-{flag}" in os.environ.get("GLIBC_TUNABLES", "") for flag in ("AVX2", "FMA"))
    return f"{libc} {'FMA' if _cpu_flags() >= NEEDS and not masked else 'SSE2'}"


def _numpy_dispatch(numpy) -> list[str]:
    """numpy's dispatch targets enabled in this process (e.g. X86_V3), in numpy's order."""
    umath = getattr(getattr(numpy, "_core", None), "_multiarray_umath", None) or numpy.core._multiarray_umath
    enabled = umath.__cpu_features__
    return [target for target in umath.__cpu_dispatch__ if enabled.get(target)]


def _version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "absent"
