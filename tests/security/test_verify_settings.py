"""`verify` rebuilds a published report with the study settings it printed, not today's.

A report prints Γ of the refusal range and the unit verdicts of one method; a researcher may change
either afterwards (audited, and rightly so). The report's signed `report.built` entry records the
settings it was built with, and `verify` rebuilds with exactly those and says which. Changing the record
itself is tampering: its hash and signature no longer check.

The study is the small demo, whose report was published with the defaults (Γ = 2, the posterior).
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from analysis.numeric import BLAS_AS_LOADED
from survey_app.app import words
from survey_app.security import audit
from survey_app.services import analysis_service, reports, studies, verification
from survey_app.services.analysis_service import AnalysisSettings
from survey_app.services.studies import find_study
from survey_app.storage.models import User
from tests.security.tamper import Attacker
from tests.security.test_tamper_suite import failed, verdicts

# every verify here re-runs the analysis; identical unit-comparison inputs are computed once (conftest.py);
# builds recorded as an earlier release's, and their rebuilds, run on one BLAS thread (security/conftest.py)
pytestmark = pytest.mark.usefixtures("same_inputs_same_units", "blas_on_one_thread")

PRINTED = "rebuilt with the settings it recorded: Γ = 2, unit verdicts by the posterior (the default)"


def report_entry(db) -> tuple[int, dict]:
    with db.session() as session:
        entry = verification.last_report_built(session, find_study(session, "demo"))
        return entry.id, json.loads(entry.details)


def change_settings_as_researcher(db, gamma: float, method: str) -> None:
    with db.session() as session:
        study = find_study(session, "demo")
        researcher = session.scalar(select(User).where(User.username == "researcher"))
        studies.set_refusal_gamma(session, researcher, study, gamma)
        studies.set_verdict_method(session, researcher, study, method)


def test_a_report_records_the_settings_it_printed_in_its_signed_entry(demo_db):
    _, recorded = report_entry(demo_db)
    assert recorded["settings"] == {
        "refusal_gamma": 2.0,
        "verdict_method": studies.POSTERIOR,
        "verdict_source": "default",
    }


def test_settings_changed_after_publication_do_not_fail_the_published_report(demo_db):
    change_settings_as_researcher(demo_db, 3.0, studies.EMPIRICAL_NULL)
    checks = verdicts(demo_db)
    assert failed(checks) == set()
    detail = checks["report"].detail
    assert "is byte-identical" in detail and PRINTED in detail
    assert (
        "the study's settings are now Γ = 3, unit verdicts by the empirical null (the study's setting)"
        in detail
    )


def test_the_settings_it_rebuilt_with_are_said_in_chinese(demo_db):
    change_settings_as_researcher(demo_db, 3.0, studies.EMPIRICAL_NULL)
    said = words.check_text(verdicts(demo_db)["report"].detail, "zh")
    assert said.startswith("重新生成的报告与已发布的逐字节一致")
    assert "；按报告记录的设置重新生成：Γ = 2，单位判定方法：后验模型（默认）" in said
    assert said.endswith("；本调查现在的设置为 Γ = 3，单位判定方法：经验零分布（本调查的设置）")


def test_an_untouched_study_names_the_recorded_settings_alone(demo_db):
    detail = verdicts(demo_db)["report"].detail
    assert detail.endswith(PRINTED)


def test_recorded_settings_edited_in_the_database_fail_the_report(demo_db):
    """A database administrator edits the Γ the record says the report printed: the record's hash no
    longer checks, so the report is not vouched for (whatever a rebuild with that Γ would give)."""
    entry_id, recorded = report_entry(demo_db)
    recorded["settings"]["refusal_gamma"] = 3.0
    attacker = Attacker(demo_db)
    attacker.drop_triggers()
    attacker.sql("UPDATE audit_log SET details=:d WHERE id=:i", d=audit.canonical_json(recorded), i=entry_id)
    checks = verdicts(demo_db)
    assert f"entry {entry_id}) no longer matches its hash" in checks["report"].detail
    assert {"report", "audit chain"} <= failed(checks)


def test_recorded_settings_rewritten_with_a_rebuilt_chain_fail_the_signatures(demo_db):
    """The same edit with every later hash recomputed (Huifang's own functions, no key): the chain
    checks again, but the record's signature does not."""
    change_settings_as_researcher(demo_db, 3.0, studies.POSTERIOR)
    entry_id, recorded = report_entry(demo_db)
    recorded["settings"]["refusal_gamma"] = 3.0
    attacker = Attacker(demo_db)
    attacker.drop_triggers()
    attacker.rechain(entry_id, {entry_id: audit.canonical_json(recorded)})
    checks = verdicts(demo_db)
    assert checks["audit chain"].ok
    assert {"report", "audit signatures"} <= failed(checks)


def record_build_without_settings(db, settings: AnalysisSettings) -> str:
    """Build the demo's report with `settings` and record it as an earlier release did: analysed with
    BLAS's threads as loaded, and a `report.built` entry without `settings` (nor `numeric`). Returns the
    PDF's SHA-256."""
    with db.session() as session:
        study = find_study(session, "demo")
        result = analysis_service.analyse(session, study, settings=settings, numeric=BLAS_AS_LOADED)
        built = reports.render_report(session, study, result=result)
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
            build=built.build,
        )
    return built.sha256


#: The settings of a one-phase study without a verdict setting before the posterior became the default.
EARLIER_DEFAULTS = AnalysisSettings(
    refusal_gamma=2.0, verdict_method=studies.EMPIRICAL_NULL, verdict_source="default"
)


def test_a_build_recorded_before_settings_were_is_rebuilt_with_the_settings_of_its_time(demo_db):
    """An entry of an earlier release records no settings: verify rebuilds it with those it was built
    with then (Γ of the day, the verdict method of its time) and names none."""
    record_build_without_settings(demo_db, EARLIER_DEFAULTS)
    assert reports.settings_of(report_entry(demo_db)[1]) is None
    checks = verdicts(demo_db)
    assert failed(checks) == set()
    assert "byte-identical" in checks["report"].detail and "settings" not in checks["report"].detail
