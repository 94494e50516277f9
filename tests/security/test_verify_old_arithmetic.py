"""`verify` rebuilds a report on the arithmetic it was computed with, in a child process, where this
process's own (pinned) arithmetic differs: a report that recorded another BLAS kernel, and a report
built before reports recorded their arithmetic, on a machine whose own kernel is not the pinned one
(before the pin, `verify` on that machine rebuilt it byte for byte; pinned, it would cry tampering).

The machine is played by OpenBLAS's Sandybridge kernel (`OPENBLAS_CORETYPE`, which this CPU runs): the
study below was built unpinned on it, as a release before stop 47 built it (no `platform` recorded).
CI runs this file in its PostgreSQL pass (`.ci/test`: it uses no database server).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from survey_app import numeric_platform
from survey_app.services import rebuild_elsewhere, verification
from survey_app.services.studies import find_study
from survey_app.storage.db import Database
from tests.security.kernel_builds import build_on_kernel, copy_of
from tests.security.tamper import Attacker

PINNABLE_HERE = numeric_platform.pinnable()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not PINNABLE_HERE, reason="this CPU has no AVX2 and FMA: nothing is pinned here"),
]

#: A demo built as releases before stop 47 built one, on a machine whose OpenBLAS kernel is Sandybridge:
#: no `platform` in its record (the release wrote none), its arithmetic the machine's own.
_OLD_BUILD = """
import sys, types
from pathlib import Path
from survey_app.services import demo, reports
reports.numeric_platform = types.SimpleNamespace(describe=lambda: None)
demo.build_demo(sys.argv[1], rows=1000, seed=11, out_dir=Path(sys.argv[2]), echo=lambda line: None)
"""


@pytest.fixture(scope="module")
def old_sandybridge_build(tmp_path_factory) -> Path:
    return build_on_kernel(tmp_path_factory.mktemp("old-sandybridge"), "Sandybridge", _OLD_BUILD)


def report_entry(database: Database) -> dict:
    with database.reading() as session:
        return verification.last_report_entry(session, find_study(session, "demo"))


@pytest.fixture
def on_a_sandybridge_machine(monkeypatch):
    """This process as `huifang` pinned it on a machine whose own kernel is Sandybridge."""
    monkeypatch.setenv(numeric_platform.DISPLACED, json.dumps({"OPENBLAS_CORETYPE": "Sandybridge"}))
    rebuild_elsewhere.native_platform.cache_clear()
    yield
    rebuild_elsewhere.native_platform.cache_clear()


def test_a_child_computing_with_the_recorded_kernel_rebuilds_the_published_bytes(
    old_sandybridge_build, tmp_path
):
    """The report recorded (as it would now) that it was computed on OpenBLAS's Sandybridge kernel: this
    process (Haswell) asks a child for that arithmetic, and the child's bytes are the published ones."""
    database = copy_of(old_sandybridge_build, tmp_path)
    recorded = report_entry(database)
    recorded["platform"] = {**numeric_platform.describe(), "blas": "openblas Sandybridge"}
    with database.reading() as session:
        elsewhere = rebuild_elsewhere.rebuilt_elsewhere(session, find_study(session, "demo"), recorded)
    assert elsewhere is not None and elsewhere.sha256 == recorded["sha256"]
    assert elsewhere.how.startswith("the arithmetic it recorded (openblas Sandybridge, ")


def test_a_report_built_before_reports_recorded_their_arithmetic_verifies_on_its_builders_machine(
    old_sandybridge_build, tmp_path, on_a_sandybridge_machine
):
    """Pinned, that machine computes otherwise than when it built the report (the study does follow the
    kernel), so a child computes unpinned, as it did then. (`huifang` keeps what its pin displaced:
    tests/security/test_verify_platform.py.)"""
    database = copy_of(old_sandybridge_build, tmp_path)
    with database.reading() as session:
        study = find_study(session, "demo")
        check = verification.check_report(session, study, verification.last_report_entry(session, study))
    assert check.ok and "byte-identical" in check.detail, check.detail
    assert "in a process computing with this machine's own arithmetic, unpinned" in check.detail
    assert "this process's own arithmetic gives" in check.detail


def test_a_tampered_answer_still_fails_the_report_check_where_a_child_computes_as_the_build_did(
    old_sandybridge_build, tmp_path, on_a_sandybridge_machine
):
    """The attack: an answer turned from dissatisfied to satisfied in the database (digest and chain
    recomputed). The child reads the same database, so its bytes differ too, and no caveat is added."""
    database = copy_of(old_sandybridge_build, tmp_path)
    Attacker(database).change_answer("demo", "sat_overall", "dissatisfied", "satisfied")
    with database.reading() as session:
        study = find_study(session, "demo")
        check = verification.check_report(session, study, verification.last_report_entry(session, study))
    assert not check.ok
    assert "; nor does a process computing with this machine's own arithmetic, unpinned" in check.detail
    assert "before taking this for tampering" not in check.detail
