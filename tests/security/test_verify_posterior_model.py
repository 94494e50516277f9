"""A report whose units an earlier posterior model judged is vouched for by its signed record, not failed.

The posterior unit model changes between releases (`analysis.unit_posterior.MODEL_VERSION`); a release
runs one model, so it cannot rebuild the verdicts an earlier one printed, nor the flagged units the
report published. `report.built` records the model version; `verify` then checks the other figures, the
signed record of the build, and says in one sentence what cannot be rebuilt and why — never "tampered",
never "rebuilt" (`verification.posterior_model_gap`). Rewriting the record in the database is still caught.

The study is the small demo (published by the current release with the posterior, flagging no unit).
The earlier release is played by building the report from an analysis whose model flagged one more unit
and recording it as that release would have; the running release by raising the model version.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
from sqlalchemy import select

from analysis import unit_posterior
from analysis.verdicts import UNRECORDED_MODEL, posterior_model_version
from survey_app.app import words
from survey_app.security import audit
from survey_app.services import analysis_service, reports, studies, verification
from survey_app.services.studies import find_study
from survey_app.storage.models import User
from tests.security.tamper import Attacker
from tests.security.test_tamper_suite import failed, verdicts
from tests.security.test_verify_settings import EARLIER_DEFAULTS, record_build_without_settings

# every verify here re-runs the analysis; identical unit-comparison inputs are computed once (conftest.py)
pytestmark = pytest.mark.usefixtures("same_inputs_same_units")


def report_entry(db) -> tuple[int, dict]:
    with db.session() as session:
        entry = verification.last_report_built(session, find_study(session, "demo"))
        return entry.id, json.loads(entry.details)


def record_build_of_an_earlier_model(db, model: int | None) -> str:
    """Build the demo's report as a release whose posterior model also flagged the unit most likely
    inflating would have, and record it as that release did: a signed `report.built` entry naming
    `model` (None: an entry of a release before the model was numbered, which names none). Returns the
    flagged units it published."""
    with db.session() as session:
        study = find_study(session, "demo")
        result = analysis_service.analyse(session, study)
        units = result.units.copy()
        unit = units.loc[units["status"] == "no_evidence", "prob_inflated"].idxmax()
        units.loc[unit, "flagged"], units.loc[unit, "status"] = True, "flagged"
        built = reports.render_report(session, study, result=dataclasses.replace(result, units=units))
        assert built.headline["flagged_units"] == unit  # today's model flags no unit of the demo
        auditor = session.scalar(select(User).where(User.username == "auditor"))
        details = {
            "sha256": built.sha256,
            "lang": built.lang,
            "kind": built.kind,
            "district": None,
            "domain": None,
            "headline": built.headline,
            "content": built.content_sha256,
            "build": built.build,
            "settings": built.settings,
            "numeric": built.numeric,
        }
        if model is not None:
            details["posterior_model"] = model
        audit.record(session, auditor.username, "report.built", study_id=study.id, entity="study",
                     entity_id=study.id, **details)  # fmt: skip
    return unit


@pytest.fixture
def next_model(monkeypatch) -> int:
    """This release runs a posterior model one version newer than the one that built the report."""
    newer = posterior_model_version() + 1
    monkeypatch.setattr(unit_posterior, "MODEL_VERSION", newer)
    return newer


def test_a_build_records_its_posterior_model_version_in_its_signed_entry(demo_db):
    _, recorded = report_entry(demo_db)
    assert recorded["posterior_model"] == posterior_model_version()
    assert reports.model_of(recorded) == posterior_model_version()


def test_an_entry_of_a_release_before_models_were_numbered_names_the_first_which_is_not_todays():
    """Reports built before reports recorded the model ran models that have changed since (the median, the
    finer grid): taken as model 1, never as the model running now."""
    assert reports.model_of({"sha256": "…"}) == UNRECORDED_MODEL == 1
    assert posterior_model_version() > UNRECORDED_MODEL


def test_a_report_of_an_earlier_posterior_model_is_vouched_for_by_its_signed_record_in_en_and_zh(
    demo_db, next_model
):
    earlier = next_model - 1
    flagged = record_build_of_an_earlier_model(demo_db, earlier)
    entry_id, recorded = report_entry(demo_db)
    checks = verdicts(demo_db)
    assert failed(checks) == set()
    report, headline = checks["report"].detail, checks["headline figures"].detail
    assert report.startswith(
        f"this full report (zh): its units were judged by posterior model version {earlier}, which this "
        f"release (model {next_model}) no longer runs, so its unit verdicts and the pages that print them "
        f"cannot be rebuilt; its signed fingerprint still checks (entry {entry_id}, SHA-256 "
        f"{recorded['sha256'][:16]}…"
    )
    assert "byte-identical" not in report and "changed in the database" not in report
    # nothing was rebuilt, so the settings are named as recorded, not as "rebuilt with"
    assert "; the settings it recorded: Γ = " in report and "rebuilt with the settings" not in report
    assert "；报告记录的设置：Γ = " in words.check_text(report, "zh")
    assert f"the flagged units it published ({flagged}) are not recomputed" in headline
    assert f"system_rate {recorded['headline']['system_rate']}" in headline  # the other figures are
    assert words.check_text(report, "zh").startswith(  # the auditor page
        f"该报告的单位由第 {earlier} 版后验模型判定，本版本（模型第 {next_model} 版）已不再运行该模型，"
        "因此无法重新生成其单位判定及印有判定的页面；其签名指纹仍核对无误"
    )
    said = words.check_text(headline, "zh")
    assert "因此不重新计算其公布的被标记单位" in said and "由签名的生成记录作证" in said


def test_an_entry_without_a_model_version_is_taken_as_the_first_model(demo_db, monkeypatch):
    """An entry of a release before reports recorded the model: built by model 1, so a release running
    model 2 does not rebuild it either."""
    monkeypatch.setattr(unit_posterior, "MODEL_VERSION", UNRECORDED_MODEL + 1)
    record_build_of_an_earlier_model(demo_db, None)
    checks = verdicts(demo_db)
    assert failed(checks) == set()
    assert "judged by posterior model version 1, which this release (model 2)" in checks["report"].detail


def test_the_same_record_under_the_same_model_fails_as_changed(demo_db):
    """Without a model change, a published flag list today's model does not give is no old report: the
    headline check names it as changed."""
    record_build_of_an_earlier_model(demo_db, posterior_model_version())
    checks = verdicts(demo_db)
    assert {"headline figures", "report"} <= failed(checks)
    assert "flagged_units: published" in checks["headline figures"].detail


def test_a_model_version_written_into_the_record_in_the_database_fails(demo_db):
    """A database administrator edits the model version of today's record to escape the rebuild: the
    record's hash no longer checks, so neither the report nor its flag list is vouched for."""
    entry_id, recorded = report_entry(demo_db)
    recorded["posterior_model"] = posterior_model_version() - 1
    attacker = Attacker(demo_db)
    attacker.drop_triggers()
    attacker.sql("UPDATE audit_log SET details=:d WHERE id=:i", d=audit.canonical_json(recorded), i=entry_id)
    checks = verdicts(demo_db)
    assert f"entry {entry_id}) no longer matches its hash" in checks["report"].detail
    assert {"report", "headline figures", "audit chain"} <= failed(checks)


def test_a_report_the_empirical_null_judged_is_rebuilt_whatever_the_model(demo_db, next_model):
    """No posterior model touches the empirical null's verdicts: such a report is still rebuilt byte for
    byte after the model changed."""
    published = record_build_without_settings(demo_db, EARLIER_DEFAULTS)
    assert EARLIER_DEFAULTS.verdict_method == studies.EMPIRICAL_NULL
    checks = verdicts(demo_db)
    assert failed(checks) == set()
    assert f"byte-identical, SHA-256 {published}" in checks["report"].detail
