"""The PDF report of a stored study: its figures are analysis's, and a rebuild is byte-identical.

Rendering a report costs seconds: the tests that only read the small demo's full report share one,
built once for the module from a copy of the demo that no test here changes (`full_report`), and the
tests that only read the study use that copy too; the tests that record a build work on copies of their
own (`demo_db`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from analysis.report.formatting import format_ci, format_rate
from survey_app.services import analysis_service, reports, studies
from survey_app.storage import Database
from survey_app.storage.models import AuditEntry
from tests.conftest import copy_small_demo

# every report here re-runs the analysis; identical unit-comparison inputs are computed once (tests/same_inputs.py)
pytestmark = pytest.mark.usefixtures("same_inputs_same_units")


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@dataclass(frozen=True)
class FullReport:
    """The untouched small demo's full Chinese report (not recorded) and the study it was built from."""

    db: Database
    pdf: bytes
    text: str


@pytest.fixture(scope="module")
def full_report(_small_demo, tmp_path_factory) -> FullReport:
    db = copy_small_demo(_small_demo, tmp_path_factory.mktemp("report-demo"))
    with db.session() as session:
        pdf, _ = reports.build_report(session, studies.find_study(session, "demo"), record=False)
    yield FullReport(db, pdf, _text(pdf))
    db.dispose()


def test_the_report_prints_the_headline_figures_analysis_computes(full_report):
    with full_report.db.session() as session:
        result = analysis_service.analyse(session, studies.find_study(session, "demo"))
    text = full_report.text
    overall = result.headline[result.headline["group"] == "overall"]
    for row in overall.itertuples():
        assert format_rate(row.estimate) in text
        assert format_ci(row.ci_low, row.ci_high) in text
    assert format_rate(result.system_rate) in text


def test_rebuilding_the_report_gives_identical_bytes(full_report):
    with full_report.db.session() as session:
        again, _ = reports.build_report(session, studies.find_study(session, "demo"), record=False)
    assert again == full_report.pdf


def test_building_a_report_is_audited_with_its_hash(demo_db):
    with demo_db.session() as session:
        _, digest = reports.build_report(
            session,
            studies.find_study(session, "demo"),
            lang="en",
            kind="comparison",
            actor=_reviewer(session),
        )
    with demo_db.session() as session:
        entry = session.scalar(
            select(AuditEntry).where(AuditEntry.action == "report.built").order_by(AuditEntry.id.desc())
        )
    assert digest in entry.details and '"kind":"comparison"' in entry.details


def test_a_recorded_build_needs_an_identity_and_is_refused_before_anything_is_rendered(demo_db, monkeypatch):
    from survey_app.services.errors import HuifangError

    rendered = []
    monkeypatch.setattr(reports, "render_report", lambda *args, **kwargs: rendered.append(args))
    with demo_db.session() as session, pytest.raises(HuifangError, match="needs an identity"):
        reports.build_report(session, studies.find_study(session, "demo"), lang="en", kind="comparison")
    assert rendered == []


def test_the_english_comparison_report_is_shorter_than_the_full_one(full_report):
    with full_report.db.session() as session:
        study = studies.find_study(session, "demo")
        full, _ = reports.build_report(session, study, lang="en", kind="full", record=False)
        short, _ = reports.build_report(session, study, lang="en", kind="comparison", record=False)
    assert len(PdfReader(io.BytesIO(short)).pages) < len(PdfReader(io.BytesIO(full)).pages)
    assert "Page 1 of" in _text(short)


def test_the_report_holds_no_phone_number_of_the_frame(full_report):
    from survey_app.services import frames

    with full_report.db.session() as session:
        demo = studies.find_study(session, "demo")
        phones = set(
            frames.decrypted_frame_records(session, demo, frames.latest_frame(session, demo))["phone"]
        )
    assert phones
    assert not any(phone in full_report.text for phone in phones)


def test_every_font_of_the_study_report_is_embedded(full_report, tmp_path):
    import shutil
    import subprocess

    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(full_report.pdf)
    lines = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    fonts = lines[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), lines


def test_every_page_of_the_study_report_renders_as_an_image(full_report, tmp_path):
    import shutil
    import subprocess

    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    pdf = full_report.pdf
    (tmp_path / "report.pdf").write_bytes(pdf)
    done = subprocess.run(
        ["pdftoppm", "-r", "30", "-png", str(tmp_path / "report.pdf"), str(tmp_path / "page")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and done.stderr == ""
    assert len(list(tmp_path.glob("page-*.png"))) == len(PdfReader(io.BytesIO(pdf)).pages)


def _reviewer(session):
    from survey_app.storage.models import User

    return session.scalar(select(User).where(User.role == "reviewer").order_by(User.id))


def test_a_district_report_prints_that_district_alone(full_report):
    with full_report.db.session() as session:
        pdf, _ = reports.build_report(
            session, studies.find_study(session, "demo"), district="浦东", record=False
        )
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    assert pages[0].startswith("浦东新区")
    assert "本区与全市" in pages[0]
    assert not any(page.startswith("摘要") for page in pages)
    assert pages[-1].startswith("附录")


def test_the_district_variant_is_recorded_and_verify_rebuilds_it(demo_db):
    from survey_app.services import verification

    with demo_db.session() as session:
        study = studies.find_study(session, "demo")
        _, digest = reports.build_report(
            session, study, district="浦东新区", domain="公证", actor=_reviewer(session)
        )
    with demo_db.session() as session:
        study = studies.find_study(session, "demo")
        recorded = verification.last_report_entry(session, study)
        check = verification.check_report(session, study, recorded)
    assert (recorded["district"], recorded["domain"], recorded["sha256"]) == ("浦东新区", "公证", digest)
    assert check.ok, check.detail


def test_a_district_report_differs_from_the_whole_report_and_rebuilds_identically(full_report):
    with full_report.db.session() as session:
        study = studies.find_study(session, "demo")
        first, _ = reports.build_report(session, study, district="黄浦区", record=False)
        second, _ = reports.build_report(session, study, district="黄浦区", record=False)
    assert first == second and first != full_report.pdf


def test_an_unknown_district_is_refused_with_the_districts_one_may_choose(full_report):
    from analysis.report import ReportContentError

    with full_report.db.session() as session, pytest.raises(ReportContentError, match="浦东新区"):
        reports.build_report(session, studies.find_study(session, "demo"), district="南京区", record=False)


def test_the_design_table_names_risk_strata_in_words_not_codes(full_report):
    with full_report.db.session() as session:
        study = studies.find_study(session, "demo")
        strata = reports.build_content(session, study, lang="zh").method.design.strata["stratum"]
    risk = [s for s in strata if s.startswith("重点单位：")]
    assert risk, "the demo's design has risk strata"
    assert not any(str(s).startswith("risk:") for s in strata)
    assert all(len(s.split(" ", 1)) == 2 for s in risk)  # code and the organisation's name


def test_what_the_report_computes_beyond_the_analysis_runs_in_the_analysis_numeric_mode(
    full_report, monkeypatch
):
    """The mode effects and the staff level are worked out while the content is built, after the
    analysis: on one BLAS thread too, so that they rebuild the same on any core count (`analysis.numeric`)."""
    from threadpoolctl import threadpool_limits

    from survey_app.services import mode_report
    from tests.blas import watch_blas_threads

    seen = watch_blas_threads(monkeypatch, mode_report, "mode_summary")
    with full_report.db.session() as session, threadpool_limits(limits=2, user_api="blas"):
        study = studies.find_study(session, "demo")
        reports.build_content(session, study, result=analysis_service.analyse(session, study))
    assert seen == [{1}]
