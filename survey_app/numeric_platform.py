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

`HUIFANG_NUMERIC_PLATFORM=native` leaves every choice to the libraries. A child process can compute
as another build did: with a recorded arithmetic this CPU can run (`environment_for`), or natively, as
reports were built before the pin (`native_environment`: `pin` keeps what it displaced) — how
`verify` rebuilds those reports (`services.rebuild_elsewhere`).

This module imports nothing heavy at its top: `pin` must run before numpy is imported.
"""

from __future__ import annotations

import functools
import json
import os
import platform
import sys
from collections.abc import MutableMapping

#: The variable that turns the pin off (`native`); anything else, or unset, pins (`portable`).
SWITCH = "HUIFANG_NUMERIC_PLATFORM"
PORTABLE, NATIVE = "portable", "native"
#: The variables `pin` sets, and the one where it keeps what they were before it (`native_environment`).
PINNED = ("OPENBLAS_CORETYPE", "NPY_DISABLE_CPU_FEATURES")
DISPLACED = "HUIFANG_UNPINNED"
#: OpenBLAS's kernel for every x86-64 CPU with AVX2 and FMA.
KERNEL = "Haswell"
#: The CPU flags (Linux's /proc/cpuinfo) that kernel and glibc's FMA libm need.
NEEDS = frozenset({"avx2", "fma"})
#: numpy's dispatch targets above AVX2, which `pin` turns off: on an AVX-512 CPU numpy would otherwise
#: run its own AVX-512 `exp`, `log`… instead of libm's. numpy 2.4's names (the lock file's); a name
#: numpy does not dispatch only earns an ImportWarning, and `describe` records what numpy runs anyway.
ABOVE_AVX2 = ("X86_V4", "AVX512_ICL", "AVX512_SPR")
#: The libraries whose versions move figures (recorded beside the platform, after Python's: 3.12's `sum`
#: of floats compensates, 3.11's does not).
LIBRARIES = ("numpy", "scipy", "pandas", "statsmodels")


def pin(environ: MutableMapping[str, str] | None = None, cpu_flags: frozenset[str] | None = None) -> bool:
    """Pin the arithmetic in `environ` (default: this process's, before numpy loads; its children
    inherit it): True when pinned. Nothing on a CPU without AVX2 and FMA (the kernel would not run
    there), off x86-64, or with `HUIFANG_NUMERIC_PLATFORM=native`. An `OPENBLAS_CORETYPE` already set
    is replaced: the figures of a report must not follow a setting of the shell it was built in."""
    environ = os.environ if environ is None else environ
    if environ.get(SWITCH, PORTABLE) == NATIVE:
        return False
    if not pinnable(cpu_flags):
        return False
    # what the pin displaces, kept once (a child pins again) for a child that must compute natively
    environ.setdefault(DISPLACED, json.dumps({name: environ.get(name) for name in PINNED}))
    environ["OPENBLAS_CORETYPE"] = KERNEL
    if "NPY_ENABLE_CPU_FEATURES" not in environ:  # numpy refuses to start with both set
        disabled = environ.get("NPY_DISABLE_CPU_FEATURES", "").replace(",", " ").split()
        environ["NPY_DISABLE_CPU_FEATURES"] = " ".join(dict.fromkeys([*disabled, *ABOVE_AVX2]))
    return True


def pinnable(cpu_flags: frozenset[str] | None = None) -> bool:
    """Whether `pin` can pin on this CPU (or one with `cpu_flags`): x86-64 with AVX2 and FMA."""
    return (_cpu_flags() if cpu_flags is None else cpu_flags) >= NEEDS


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
        "libraries": ", ".join(
            [f"python {platform.python_version()}"] + [f"{n} {_version(n)}" for n in LIBRARIES]
        ),
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
    """What of the `recorded` platform this one differs in, each as a phrase: "BLAS kernel openblas
    Sandybridge (here: openblas Haswell)"; empty when they agree or nothing was recorded."""
    recorded = recorded or {}
    return [
        f"{PARTS.get(part, part)} {value} (here: {here.get(part, 'unknown')})"
        for part, value in recorded.items()
        if here.get(part) != value
    ]


#: The CPU flags of AVX-512 as OpenBLAS's SkylakeX kernel and numpy's X86_V4 loops use it.
_AVX512 = frozenset({"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"})
#: The CPU flags each OpenBLAS x86-64 kernel needs (`OPENBLAS_CORETYPE` makes OpenBLAS run one that
#: the CPU can run; one it cannot would stop the process with an illegal instruction).
KERNEL_NEEDS = {
    "prescott": {"sse3"}, "core2": {"ssse3"}, "atom": {"ssse3"}, "penryn": {"sse4_1"},
    "dunnington": {"sse4_1"}, "nehalem": {"sse4_2"}, "barcelona": {"sse4a"}, "sandybridge": {"avx"},
    "bulldozer": {"avx", "fma4"}, "piledriver": {"avx", "fma"}, "steamroller": {"avx", "fma"},
    "haswell": {"avx2", "fma"}, "excavator": {"avx2", "fma"}, "zen": {"avx2", "fma"},
    "skylakex": _AVX512, "cooperlake": _AVX512 | {"avx512_bf16"},
}  # fmt: skip


#: The CPU flags of numpy's dispatch targets above AVX2 (`ABOVE_AVX2`).
SIMD_NEEDS = {
    "X86_V4": _AVX512,
    "AVX512_ICL": _AVX512 | {"avx512vbmi", "avx512_vbmi2", "avx512_vnni", "avx512_bitalg", "avx512ifma"},
    "AVX512_SPR": _AVX512 | {"avx512vbmi", "avx512_vbmi2", "avx512_vnni", "avx512_bitalg", "avx512_fp16"},
}


def native_environment(environ: MutableMapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a child process that computes as this machine does unpinned (as every
    report was built before the pin existed): what the pin displaced put back, the pin off."""
    env = dict(os.environ if environ is None else environ)
    for name, value in json.loads(env.pop(DISPLACED, "{}")).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    env[SWITCH] = NATIVE
    return env


def environment_for(
    recorded: dict, here: dict[str, str], environ: MutableMapping[str, str] | None = None,
    cpu_flags: frozenset[str] | None = None,
) -> dict[str, str] | None:  # fmt: skip
    """The environment for a child process that computes with the `recorded` arithmetic on this machine
    (`here` is this process's), or None where it cannot: another CPU architecture, Python, libraries
    or C library; a BLAS kernel this CPU cannot run; numpy loops it lacks; or an FMA libm without FMA.
    OpenBLAS's kernel is chosen with `OPENBLAS_CORETYPE`, numpy's loops by turning the others off, and
    glibc's SSE2 libm by masking AVX2 and FMA (`GLIBC_TUNABLES`)."""
    flags = _cpu_flags() if cpu_flags is None else cpu_flags
    same = ("machine", "libraries")
    if any(recorded.get(part) != here.get(part) for part in same):
        return None
    kernels = {entry.rpartition(" ")[2] for entry in str(recorded.get("blas", "")).split(", ")}
    if len(kernels) != 1 or not str(recorded.get("blas", "")).startswith("openblas "):
        return None
    kernel = kernels.pop()
    if kernel.lower() not in KERNEL_NEEDS or not flags >= KERNEL_NEEDS[kernel.lower()]:
        return None
    libc, _, variant = str(recorded.get("libm", "")).rpartition(" ")
    here_libc, _, here_variant = here.get("libm", "").rpartition(" ")
    if libc != here_libc or variant not in ("FMA", "SSE2") or (variant == "FMA" and here_variant != "FMA"):
        return None
    wanted = set(str(recorded.get("simd", "")).split()) - {"baseline"}
    # what numpy could run here: what it runs, and the loops the pin turned off where the CPU has them
    available = set(here.get("simd", "").split()) - {"baseline"}
    available |= {target for target, needs in SIMD_NEEDS.items() if flags >= needs}
    if not wanted <= available:
        return None
    env = native_environment(environ)
    env.pop("NPY_ENABLE_CPU_FEATURES", None)
    env["OPENBLAS_CORETYPE"] = kernel
    off = (available | set(ABOVE_AVX2)) - wanted
    if off:
        env["NPY_DISABLE_CPU_FEATURES"] = " ".join(sorted(off))
    else:
        env.pop("NPY_DISABLE_CPU_FEATURES", None)
    if variant == "SSE2" and here_variant == "FMA":
        masked = env.get("GLIBC_TUNABLES", "")
        env["GLIBC_TUNABLES"] = (
            f"{masked}:glibc.cpu.hwcaps=-AVX2,-FMA" if masked else "glibc.cpu.hwcaps=-AVX2,-FMA"
        )
    return env


@functools.cache
def _cpu_flags() -> frozenset[str]:
    """The CPU's flags as Linux reports them, read once a process; empty elsewhere (so nothing is
    pinned)."""
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
    return f"{libc} {'FMA' if pinnable() and not masked else 'SSE2'}"


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
