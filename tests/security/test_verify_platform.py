"""A report rebuilds byte for byte on an auditor's machine whose CPU makes the libraries compute
differently, and where it cannot, `verify` says which arithmetic differs instead of only "FAIL".

Threat model: none beyond the report check's own (who rewrites the database); this is about false
alarms. One BLAS thread fixed the order of the sums, not the instructions: OpenBLAS picks a kernel per
CPU and glibc a libm per CPU, and the analysis's iterative fits amplify a last bit into the fourth
digit. `huifang` now pins the arithmetic before numpy loads (`survey_app.numeric_platform`), and a
report records the arithmetic it was built with.

The "other machine" is real arithmetic, not a mock: `OPENBLAS_CORETYPE=Sandybridge` makes OpenBLAS run
the kernel it picks on a Sandy Bridge CPU (this CPU runs it too), in a process of its own. The rebuilds
on such arithmetic, and the child processes `verify` starts for them, are in
tests/security/test_verify_old_arithmetic.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from survey_app import numeric_platform
from survey_app.numeric_platform import ABOVE_AVX2, KERNEL, NATIVE, SWITCH, differences, pin
from survey_app.services import verification
from survey_app.services.studies import find_study

AVX2_CPU = frozenset({"sse4_2", "avx", "avx2", "fma"})
OLD_CPU = frozenset({"sse4_2", "avx"})  # a Sandy Bridge: no AVX2, no FMA
PINNABLE_HERE = numeric_platform.pinnable()


def test_a_cpu_with_avx2_and_fma_runs_openblas_haswell_kernel_and_numpys_avx2_loops():
    environ: dict[str, str] = {}
    assert pin(environ, AVX2_CPU)
    assert environ["OPENBLAS_CORETYPE"] == KERNEL == "Haswell"
    assert environ["NPY_DISABLE_CPU_FEATURES"].split() == list(ABOVE_AVX2)


def test_the_pin_replaces_a_blas_kernel_the_shell_chose():
    environ = {"OPENBLAS_CORETYPE": "SkylakeX"}
    pin(environ, AVX2_CPU)
    assert environ["OPENBLAS_CORETYPE"] == "Haswell"


def test_numpy_features_the_shell_disabled_stay_disabled():
    environ = {"NPY_DISABLE_CPU_FEATURES": "AVX512_SPR,X86_V3"}
    pin(environ, AVX2_CPU)
    assert environ["NPY_DISABLE_CPU_FEATURES"].split() == ["AVX512_SPR", "X86_V3", "X86_V4", "AVX512_ICL"]


def test_numpy_features_the_shell_enabled_are_left_alone_since_numpy_refuses_both_variables():
    environ = {"NPY_ENABLE_CPU_FEATURES": "X86_V3"}
    pin(environ, AVX2_CPU)
    assert "NPY_DISABLE_CPU_FEATURES" not in environ and environ["OPENBLAS_CORETYPE"] == "Haswell"


def test_a_cpu_without_avx2_keeps_its_own_kernel_which_is_the_only_one_it_can_run():
    environ = {"OPENBLAS_CORETYPE": "Sandybridge"}
    assert not pin(environ, OLD_CPU)
    assert environ == {"OPENBLAS_CORETYPE": "Sandybridge"}


def test_native_arithmetic_leaves_every_choice_to_the_libraries():
    environ = {SWITCH: NATIVE}
    assert not pin(environ, AVX2_CPU)
    assert environ == {SWITCH: NATIVE}


def test_a_difference_of_arithmetic_is_named_with_the_builders_value_and_this_machines():
    built = {"machine": "x86_64", "blas": "openblas SkylakeX", "libm": "glibc 2.36 FMA"}
    here = {"machine": "x86_64", "blas": "openblas Haswell", "libm": "glibc 2.36 FMA"}
    assert differences(built, here) == ["BLAS kernel openblas SkylakeX (here: openblas Haswell)"]
    assert differences(built, built) == []
    assert differences(None, here) == []


@pytest.mark.skipif(not PINNABLE_HERE, reason="this CPU has no AVX2 and FMA: nothing is pinned here")
def test_this_test_process_computes_on_the_pinned_kernel():
    assert numeric_platform.describe()["blas"] == "openblas Haswell"


@pytest.mark.skipif(not PINNABLE_HERE, reason="this CPU has no AVX2 and FMA: nothing is pinned here")
def test_the_apps_script_pins_before_anything_loads_numpy():
    """`streamlit run survey_app/app/main.py` (the deployment guide's unit) bypasses the `huifang`
    launcher: the script's own imports must pin, in a process whose shell chose another kernel."""
    probe = "import survey_app.app.main, json; from survey_app import numeric_platform as p; print(p.describe()['blas'])"
    env = {**os.environ, "OPENBLAS_CORETYPE": "Sandybridge"}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip().splitlines()[-1] == "openblas Haswell", done.stderr


def test_a_build_records_the_arithmetic_it_was_computed_with(demo_db):
    with demo_db.session() as session:
        recorded = json.loads(verification.last_report_built(session, find_study(session, "demo")).details)
    assert recorded["platform"] == numeric_platform.describe()


def test_a_build_that_recorded_no_arithmetic_is_said_to_maybe_follow_another_cpu():
    """Reports built before the record existed: a failed rebuild of one adds this sentence."""
    assert "built before reports recorded the arithmetic" in verification._platform_caveat({})


def test_a_build_on_this_machines_arithmetic_adds_nothing_to_a_failed_rebuild():
    assert verification._platform_caveat({"platform": numeric_platform.describe()}) == ""


def shell() -> dict[str, str]:
    """The environment of a shell on this machine: the test process's, before its pin."""
    env = numeric_platform.native_environment()
    del env[SWITCH]
    return env


@pytest.mark.skipif(not PINNABLE_HERE, reason="this CPU has no AVX2 and FMA: nothing is pinned here")
def test_huifang_computes_on_the_pinned_kernel_where_the_shell_chose_another():
    """The launcher pins before the command imports numpy (and keeps what it displaced, for a child that
    must compute natively)."""
    probe = (
        "import json, os, sys\n"
        "import survey_app.cli\n"
        "from survey_app import numeric_platform as p\n"
        "survey_app.cli.main = lambda: print(p.describe()['blas'], json.loads(os.environ[p.DISPLACED])['OPENBLAS_CORETYPE'])\n"
        "from survey_app.launcher import main\n"
        "sys.argv = ['huifang', 'analyse']\n"
        "main()\n"
    )
    env = {**shell(), "OPENBLAS_CORETYPE": "Sandybridge"}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["openblas", "Haswell", "Sandybridge"], done.stderr


def test_a_child_computes_with_a_recorded_kernel_this_cpu_runs_and_an_sse2_libm_by_masking_fma():
    here = {"machine": "x86_64", "blas": "openblas Haswell", "libm": "glibc 2.36 FMA", "simd": "X86_V3",
            "libraries": "python 3.11.2, numpy 2.4.6"}  # fmt: skip
    built = {
        **here,
        "blas": "openblas Nehalem, openblas Nehalem",
        "libm": "glibc 2.36 SSE2",
        "simd": "baseline",
    }
    env = numeric_platform.environment_for(built, here, {}, AVX2_CPU)
    assert env["OPENBLAS_CORETYPE"] == "Nehalem" and env[SWITCH] == NATIVE
    assert env["GLIBC_TUNABLES"] == "glibc.cpu.hwcaps=-AVX2,-FMA"
    assert set(env["NPY_DISABLE_CPU_FEATURES"].split()) == {"X86_V3", *ABOVE_AVX2}


def test_no_child_is_asked_for_arithmetic_this_machine_cannot_compute_with():
    here = {"machine": "x86_64", "blas": "openblas Haswell", "libm": "glibc 2.36 FMA", "simd": "X86_V3",
            "libraries": "python 3.11.2, numpy 2.4.6"}  # fmt: skip
    for built in (
        {**here, "blas": "openblas SkylakeX"},  # a kernel this CPU cannot run
        {**here, "simd": "X86_V3 X86_V4"},  # numpy loops it lacks
        {**here, "machine": "aarch64", "blas": "openblas NeoverseN1"},
        {**here, "libraries": "python 3.12.1, numpy 2.4.6"},
        {**here, "libm": "glibc 2.39 FMA"},
    ):
        assert numeric_platform.environment_for(built, here, {}, AVX2_CPU) is None, built


def test_an_avx512_cpu_computes_a_recorded_avx512_build_with_numpys_avx512_loops_on():
    here = {"machine": "x86_64", "blas": "openblas Haswell", "libm": "glibc 2.36 FMA", "simd": "X86_V3"}
    built = {**here, "blas": "openblas SkylakeX", "simd": "X86_V3 X86_V4"}
    flags = AVX2_CPU | numeric_platform.SIMD_NEEDS["X86_V4"]
    env = numeric_platform.environment_for(built, here, {}, flags)
    assert env["OPENBLAS_CORETYPE"] == "SkylakeX"
    assert set(env["NPY_DISABLE_CPU_FEATURES"].split()) == {"AVX512_ICL", "AVX512_SPR"}


def test_a_native_child_gets_back_what_the_pin_displaced():
    environ = {"OPENBLAS_CORETYPE": "Sandybridge"}
    pin(environ, AVX2_CPU)
    pin(environ, AVX2_CPU)  # a child pins again: what was displaced first is kept
    native = numeric_platform.native_environment(environ)
    assert native["OPENBLAS_CORETYPE"] == "Sandybridge" and "NPY_DISABLE_CPU_FEATURES" not in native
    assert native[SWITCH] == NATIVE


def test_a_failed_rebuild_reads_in_chinese_with_each_caveat_translated_on_its_own():
    from survey_app.app.words import check_text

    other = {**numeric_platform.describe(), "blas": "openblas SkylakeX"}
    detail = (
        f"rebuilding the full report (zh) gives SHA-256 {'a' * 64}, not the published {'b' * 64}"
        + verification._platform_caveat({"platform": other})
        + verification.SETTINGS_SAID
        + "Γ = 2, unit verdicts by the posterior (the default)"
    )
    text = check_text(detail, "zh")
    assert text.startswith(
        f"重新生成报告得到 SHA-256 {'a' * 64}，与已发布的 {'b' * 64} 不同；该报告生成时的运算环境与本机不同（"
    )
    assert "BLAS kernel openblas SkylakeX (here: " in text
    assert "it was built" not in text and "Γ = 2" in text


def test_a_rebuild_a_child_matched_reads_in_chinese_with_the_arithmetic_it_used():
    from survey_app.app.words import check_text

    detail = (
        f"rebuilt full report (zh) is byte-identical, SHA-256 {'a' * 64}{verification.REBUILT_ELSEWHERE}"
        f"the arithmetic it recorded (openblas Sandybridge, glibc 2.36 FMA, X86_V3): this process's own "
        f"arithmetic gives {'b' * 64}"
    )
    assert check_text(detail, "zh") == (
        f"重新生成的报告与已发布的逐字节一致，SHA-256 {'a' * 64}（在按其记录的运算环境（openblas Sandybridge, "
        f"glibc 2.36 FMA, X86_V3）计算的子进程中重新生成；本进程自身的运算环境得到 {'b' * 64}）"
    )


def test_a_rebuild_that_agrees_figure_by_figure_reads_in_chinese_with_its_fitted_details_named():
    from analysis.report.leaf_compare import compare_leaves
    from survey_app.app.words import check_text

    published = (
        "content.results.headline[satisfaction].estimate=0.91234\n"
        "content.comparison.units[0].flagged=True\n"
        "content.comparison.units[0].inflation_low=0.0886\n"
    )
    compared = compare_leaves(published, published.replace("0.91234", "0.91235").replace("0.0886", "0.0866"))
    recorded = {"platform": {**numeric_platform.describe(), "blas": "openblas SkylakeX"}}
    signed = f"entry 7, SHA-256 {'a' * 16}…, key {'b' * 16}…"
    detail = verification._agreement("full report (zh)", recorded, compared, signed)
    text = check_text(detail, "zh")
    assert text.startswith("本机的运算环境与报告生成时不同（BLAS kernel openblas SkylakeX (here: ")
    assert "逐项相符：3 行中 1 行完全相同，1 个数值" in text
    assert "；此外，单位模型的 1 项拟合细节" in text and "content.comparison.units[0].inflation_low" in text
    assert "agrees" not in text and "fitted" not in text
