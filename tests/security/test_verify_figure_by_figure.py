"""`verify` on a machine that cannot compute as the build did (ARM, a CPU without the build's kernel):
the rebuild's content is compared with the content the build kept, figure by figure, and a genuine
report agrees while a tampered one does not.

The build is played by OpenBLAS's Sandybridge kernel (`OPENBLAS_CORETYPE`, unpinned), which records its
arithmetic and keeps its content as every build now does; the verifying machine by this process, pinned
to Haswell, with no child that could compute on Sandybridge (`rebuilt_elsewhere` finds none, as on a
machine whose CPU cannot run the recorded kernel). The study's figures follow the kernel, so the bytes
differ (tests/security/test_verify_old_arithmetic.py). CI runs this file in its PostgreSQL pass (`.ci/test`:
it uses no database server).
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import pytest
from sqlalchemy import select

from survey_app import numeric_platform
from survey_app.app import words
from survey_app.services import rebuild_elsewhere, verification
from survey_app.services.studies import find_study
from survey_app.storage.db import Database
from survey_app.storage.models import ReportContent
from tests.security.kernel_builds import build_on_kernel, copy_of
from tests.security.tamper import Attacker

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not numeric_platform.pinnable(), reason="this CPU has no AVX2 and FMA: nothing is pinned"
    ),
]

_BUILD = """
import sys
from pathlib import Path
from survey_app.services import demo
demo.build_demo(sys.argv[1], rows=1000, seed=11, out_dir=Path(sys.argv[2]), echo=lambda line: None)
"""


@pytest.fixture(scope="module")
def sandybridge_build(tmp_path_factory) -> Path:
    return build_on_kernel(tmp_path_factory.mktemp("sandybridge"), "Sandybridge", _BUILD)


@pytest.fixture
def no_child_computes_as_the_build(monkeypatch):
    monkeypatch.setattr(rebuild_elsewhere, "rebuilt_elsewhere", lambda session, study, recorded: None)


def _check(database: Database) -> verification.Check:
    with database.reading() as session:
        study = find_study(session, "demo")
        return verification.check_report(session, study, verification.last_report_entry(session, study))


def test_a_genuine_report_agrees_figure_by_figure_and_says_so_in_chinese(
    sandybridge_build, tmp_path, no_child_computes_as_the_build
):
    check = _check(copy_of(sandybridge_build, tmp_path))
    assert check.ok, check.detail
    assert "agrees with the content it published figure by figure" in check.detail
    assert "BLAS kernel openblas Sandybridge (here: openblas Haswell)" in check.detail
    moved = int(re.search(r"(\d+) figures within", check.detail).group(1))
    assert moved > 0  # the kernel did move figures: this was not a byte-identical rebuild
    chinese = words.check_text(check.detail, "zh")
    assert "逐项相符" in chinese and "agrees" not in chinese


def test_a_tampered_answer_differs_figure_by_figure_and_names_the_figures(
    sandybridge_build, tmp_path, no_child_computes_as_the_build
):
    """The attack: an answer turned from dissatisfied to satisfied (its digest and the chain recomputed)."""
    database = copy_of(sandybridge_build, tmp_path)
    Attacker(database).change_answer("demo", "sat_overall", "dissatisfied", "satisfied")
    check = _check(database)
    assert not check.ok
    assert verification.BEYOND_KEPT in check.detail and "published " in check.detail
    chinese = words.check_text(check.detail, "zh")
    assert "超出运算环境所能造成的范围" in chinese


def test_kept_content_rewritten_in_the_database_to_match_a_tampered_study_is_not_trusted(
    sandybridge_build, tmp_path, no_child_computes_as_the_build
):
    """The attack: whoever has the database replaces the kept content with what it now gives (after a
    changed answer), so that the two agree; the kept text no longer hashes to the signed fingerprint."""
    database = copy_of(sandybridge_build, tmp_path)
    Attacker(database).change_answer("demo", "sat_overall", "dissatisfied", "satisfied")
    with database.reading() as session:
        study = find_study(session, "demo")
        recorded = verification.last_report_entry(session, study)
        forged = verification.rebuilt_content(session, study, recorded)
    from analysis.report import content_leaves

    with database.session() as session:
        row = session.scalars(select(ReportContent)).one()
        row.leaves = zlib.compress(content_leaves(forged).encode())
    check = _check(database)
    assert not check.ok
    assert "figure by figure" not in check.detail and verification.BEYOND_KEPT not in check.detail
    assert verification.PLATFORM_DIFFERS in check.detail


def test_a_report_another_renderer_built_has_its_content_compared_figure_by_figure(
    sandybridge_build, tmp_path, no_child_computes_as_the_build, monkeypatch
):
    """A later release (played by a renderer version one higher) cannot rebuild the bytes, and compares
    the rebuilt content with the recorded digest; on other arithmetic than the build's that digest
    differs too, and the kept content, figure by figure, is what says the report was not changed."""
    from analysis.report import version

    monkeypatch.setattr(version, "RENDERER_VERSION", version.RENDERER_VERSION + 1)
    check = _check(copy_of(sandybridge_build, tmp_path))
    assert check.ok, check.detail
    assert "cannot reproduce; its signed fingerprint still checks" in check.detail
    assert verification.FIGURES_AGREE + " on this machine's arithmetic" in check.detail
    chinese = words.check_text(check.detail, "zh")
    assert "按数据库重新生成的报告内容与之逐项相符" in chinese and "agrees" not in chinese
