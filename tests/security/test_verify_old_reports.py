"""Old reports stay verifiable: a report built by a renderer (or content) version this release no longer
has is vouched for by its signed `report.built` record, said in one sentence, instead of failing as if
tampered; tampering is still caught.

The study is the small demo, whose report was built and published by the current release; the next
release is played by raising `analysis.report.version`'s numbers (monkeypatch).
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from analysis import report as rpt
from analysis.report import version
from survey_app.app import words
from survey_app.security import anchors, audit
from survey_app.services import reports, trust_checks, verification
from survey_app.services.studies import find_study
from survey_app.storage.models import AuditEntry, User
from tests.security.tamper import Attacker
from tests.security.test_tamper_suite import failed, verdicts

# every verify here re-runs the analysis; identical unit-comparison inputs are computed once (tests/same_inputs.py)
pytestmark = pytest.mark.usefixtures("same_inputs_same_units")


@pytest.fixture
def next_renderer(monkeypatch) -> int:
    """This release becomes one whose renderer is a version newer than the one that built the report."""
    newer = version.RENDERER_VERSION + 1
    monkeypatch.setattr(version, "RENDERER_VERSION", newer)
    return newer


@pytest.fixture
def next_content(monkeypatch) -> int:
    """This release builds a newer content (a section was added) than the one the report printed."""
    newer = version.CONTENT_VERSION + 1
    monkeypatch.setattr(version, "CONTENT_VERSION", newer)
    return newer


def report_entry(db) -> tuple[int, dict]:
    with db.session() as session:
        entry = verification.last_report_built(session, find_study(session, "demo"))
        return entry.id, json.loads(entry.details)


def test_a_build_records_what_made_its_bytes_in_its_signed_entry_and_in_the_pdf(demo_db, demo_result):
    _, recorded = report_entry(demo_db)
    stamp = recorded["build"]
    assert (stamp["content"], stamp["renderer"]) == (version.CONTENT_VERSION, version.RENDERER_VERSION)
    assert stamp["font_sha256"] == version.font_sha256(verification.report_font()) and stamp["reportlab"]
    from pypdf import PdfReader

    keywords = str(PdfReader(demo_result.report_path).metadata["/Keywords"])
    assert f"huifang-renderer:{version.RENDERER_VERSION}" in keywords
    assert f"huifang-content:{version.CONTENT_VERSION}" in keywords


def test_a_report_of_an_older_renderer_is_vouched_for_by_its_signed_record(
    demo_db, next_renderer, monkeypatch
):
    def no_rendering(content, **kwargs):  # nothing to compare bytes with, so nothing is rendered
        raise AssertionError("verify rendered a report it cannot reproduce")

    monkeypatch.setattr(rpt, "render_pdf", no_rendering)
    entry_id, recorded = report_entry(demo_db)
    checks = verdicts(demo_db)
    assert failed(checks) == set()
    detail = checks["report"].detail
    assert f"built by renderer version {next_renderer - 1}" in detail
    assert "which this release" in detail and "cannot reproduce" in detail
    assert (
        f"its signed fingerprint still checks (entry {entry_id}, SHA-256 {recorded['sha256'][:16]}" in detail
    )
    assert "its content rebuilt from the database is identical" in detail


def test_the_auditor_page_says_it_in_chinese(demo_db, next_renderer):
    detail = verdicts(demo_db)["report"].detail
    said = words.check_text(detail, "zh")
    assert said.startswith(f"该报告由第 {next_renderer - 1} 版渲染程序") and "签名指纹仍核对无误" in said


def test_a_report_of_an_older_content_is_vouched_for_without_rebuilding_it(demo_db, next_content):
    checks = verdicts(demo_db)
    assert failed(checks) == set()
    detail = checks["report"].detail
    assert f"content version {next_content - 1}" in detail and "signed fingerprint still checks" in detail
    assert "content rebuilt" not in detail


def test_a_changed_answer_still_fails_the_report_of_an_older_renderer(demo_db, next_renderer):
    Attacker(demo_db).change_answer("demo", "sat_overall", "satisfied", "dissatisfied")
    checks = verdicts(demo_db)
    assert "what the report printed was changed in the database" in checks["report"].detail
    assert {"report", "headline figures", "audit signatures"} <= failed(checks)


def test_a_changed_answer_is_caught_beside_a_report_of_an_older_content(demo_db, next_content):
    Attacker(demo_db).change_answer("demo", "sat_overall", "satisfied", "dissatisfied")
    checks = verdicts(demo_db)
    # the re-chained build record no longer carries a valid signature, and the figures differ
    assert not checks["report"].ok and "does not match its content" in checks["report"].detail
    assert {"headline figures", "audit signatures"} <= failed(checks)


def test_a_build_record_rewritten_to_claim_an_older_renderer_is_not_vouched_for(demo_db):
    """An attacker who wants verify to skip the byte comparison edits the recorded version."""
    entry_id, recorded = report_entry(demo_db)
    recorded["build"]["renderer"] = version.RENDERER_VERSION - 1
    attacker = Attacker(demo_db)
    attacker.drop_triggers()
    attacker.sql("UPDATE audit_log SET details=:d WHERE id=:i", d=audit.canonical_json(recorded), i=entry_id)
    checks = verdicts(demo_db)
    assert not checks["report"].ok
    assert f"entry {entry_id}) no longer matches its hash" in checks["report"].detail


def test_a_tampered_pdf_of_an_older_renderer_is_still_not_the_published_report(
    demo_db, demo_result, tmp_path, next_renderer
):
    data = bytearray(demo_result.report_path.read_bytes())
    data[data.index(b"\nstream\n") + 20] ^= 0x01
    forged = tmp_path / "flipped.pdf"
    forged.write_bytes(bytes(data))
    checks = verdicts(demo_db, trust_checks.Published(pdf=anchors.published_anchor(forged)))
    assert failed(checks) == {"published PDF"}
    assert checks["report"].ok and "signed fingerprint still checks" in checks["report"].detail


def test_a_build_recorded_before_versions_were_is_vouched_for_as_version_one(demo_db):
    """A `report.built` entry of an earlier release carries no stamp; this release cannot tell which
    code made it, so it rebuilds nothing and checks the signed record."""
    with demo_db.session() as session:
        study = find_study(session, "demo")
        built = reports.render_report(session, study)
        auditor = session.scalar(select(User).where(User.username == "auditor"))
        audit.record(
            session,
            auditor.username,
            "report.built",
            study_id=study.id,
            entity="study",
            entity_id=study.id,
            sha256=built.sha256,
            lang=built.lang,
            kind=built.kind,
            district=None,
            domain=None,
            headline=built.headline,
            content=built.content_sha256,
        )
    checks = verdicts(demo_db)
    assert checks["report"].ok
    assert "built by renderer version 1 (content version 1, before reports recorded their versions)" in (
        checks["report"].detail
    )


def test_an_unsigned_build_of_an_older_renderer_is_not_vouched_for(demo_db, next_renderer):
    entry_id, _ = report_entry(demo_db)
    attacker = Attacker(demo_db)
    attacker.drop_triggers()
    attacker.sql("UPDATE audit_log SET key_id=NULL, signature=NULL WHERE id=:i", i=entry_id)
    checks = verdicts(demo_db)
    assert not checks["report"].ok and "is not signed by a key trusted" in checks["report"].detail


def test_the_render_cache_key_changes_with_the_renderer_version(demo_db, monkeypatch):
    with demo_db.session() as session:
        content = reports.build_content(session, find_study(session, "demo"))
    font = verification.report_font()
    key = verification._render_key(content, font, rpt.render_pdf)
    monkeypatch.setattr(version, "RENDERER_VERSION", version.RENDERER_VERSION + 1)
    assert verification._render_key(content, font, rpt.render_pdf) != key


def test_with_the_same_versions_the_report_is_still_rebuilt_byte_for_byte(demo_db):
    with demo_db.session() as session:
        entry = session.scalar(
            select(AuditEntry).where(AuditEntry.action == "report.built").order_by(AuditEntry.id.desc())
        )
        sha256 = json.loads(entry.details)["sha256"]
    assert f"byte-identical, SHA-256 {sha256}" in verdicts(demo_db)["report"].detail


def _headline_check(db, monkeypatch) -> verification.Check:
    """`check_headline` of the demo's last report when this release publishes one headline figure more
    than the report printed (as the phase-1-only 满意率 of stop 41, after a phase 2); the analysis is
    not re-run: the other figures are the printed ones."""
    from survey_app.services import analysis_service

    _, recorded = report_entry(db)
    figures = {**recorded["headline"], "satisfaction_new": "0.5000"}
    monkeypatch.setattr(analysis_service, "headline_figures", lambda result, **_: dict(figures))
    with db.session() as session:
        return verification.check_headline(session, find_study(session, "demo"), recorded, result=object())


def test_a_headline_figure_this_release_added_is_not_held_against_an_older_report(
    demo_db, next_content, monkeypatch
):
    check = _headline_check(demo_db, monkeypatch)
    assert check.ok
    said = f"(satisfaction_new: not in the report, whose content version {next_content - 1} did not print it)"
    assert check.detail.endswith(said)
    zh = f"（satisfaction_new：该报告由第 {next_content - 1} 版内容生成，未印此项）"
    assert words.check_text(check.detail, "zh").endswith(zh)


def test_a_headline_figure_a_report_of_this_release_lacks_is_a_difference(demo_db, monkeypatch):
    check = _headline_check(demo_db, monkeypatch)
    assert not check.ok
    assert check.detail == "satisfaction_new: published None, recomputed 0.5000"


def test_a_phase_two_study_s_older_report_is_checked_on_its_estimates_not_its_intervals(
    demo_db, next_content, monkeypatch
):
    """Since content version 22 the headline after a phase 2 is phase 1's alone; a report of an older
    version printed the Rao–Blackwell rows with the jackknife's intervals. They are recomputed, their
    estimates and counts compared, and a changed estimate still fails."""
    from survey_app.services import analysis_service

    _, recorded = report_entry(demo_db)
    printed = recorded["headline"]["satisfaction"]
    estimate, rest = printed.split(" [", 1)
    wider = f"{estimate} [0.0100, 0.9900]{rest.split(']', 1)[1]}"  # the same estimate and n, another interval
    monkeypatch.setattr(verification, "PHASE_ONE_HEADLINE_SINCE", next_content)
    monkeypatch.setattr(verification, "has_phase_two", lambda session, study: True)

    def check(figure: str) -> verification.Check:
        figures = {**recorded["headline"], "satisfaction": figure}

        def as_made(result, before_phase_one_headline=False):
            assert before_phase_one_headline  # the figures as the older report made them
            return dict(figures)

        monkeypatch.setattr(analysis_service, "headline_figures", as_made)
        with demo_db.session() as session:
            return verification.check_headline(
                session, find_study(session, "demo"), recorded, result=object()
            )

    passed = check(wider)
    assert passed.ok
    assert passed.detail.endswith(
        f"(a report of content version {next_content - 1}, before the headline after a phase 2 was phase 1's "
        f"alone (version {next_content}): its figures recomputed as it made them, estimates and counts compared)"
    )
    assert words.check_text(passed.detail, "zh").endswith("按其当时的算法重新计算，核对估计值和人数）")
    moved = check(f"{float(estimate) + 0.01:.4f} [{rest}")
    assert not moved.ok and moved.detail.startswith("satisfaction: published")


def test_a_one_phase_study_s_older_report_is_still_checked_on_its_intervals(
    demo_db, next_content, monkeypatch
):
    from survey_app.services import analysis_service

    _, recorded = report_entry(demo_db)
    estimate, rest = recorded["headline"]["satisfaction"].split(" [", 1)
    figures = {**recorded["headline"], "satisfaction": f"{estimate} [0.0100, 0.9900]{rest.split(']', 1)[1]}"}
    monkeypatch.setattr(verification, "PHASE_ONE_HEADLINE_SINCE", next_content)
    monkeypatch.setattr(analysis_service, "headline_figures", lambda result, **_: dict(figures))
    with demo_db.session() as session:  # the demo has no phase 2
        check = verification.check_headline(session, find_study(session, "demo"), recorded, result=object())
    assert not check.ok and "satisfaction: published" in check.detail
