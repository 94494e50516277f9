"""A report published before the posterior became the default unit verdict still verifies.

Its `report.built` entry (of a release before reports recorded their settings) says nothing about the
verdict method; the empirical null judged its units then. Rebuilt with today's default, the posterior,
its unit verdicts would differ from the published ones, so `verify` rebuilds it with the verdict method
of its time (`verification.rebuild_settings`): the study's setting if it had one, else the empirical null.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_app.services import analysis_service, reports, studies, verification
from survey_app.services.studies import find_study
from survey_app.storage.models import User
from tests.security.test_tamper_suite import failed, verdicts
from tests.security.test_verify_settings import EARLIER_DEFAULTS, record_build_without_settings, report_entry

# every verify here re-runs the analysis; identical unit-comparison inputs are computed once (conftest.py);
# builds recorded as an earlier release's, and their rebuilds, run on one BLAS thread (security/conftest.py)
pytestmark = pytest.mark.usefixtures("same_inputs_same_units", "blas_on_one_thread")


def test_a_report_built_under_the_old_default_still_verifies_after_the_default_changed(demo_db):
    published = record_build_without_settings(demo_db, EARLIER_DEFAULTS)
    with demo_db.session() as session:
        study = find_study(session, "demo")
        today = analysis_service.study_settings(session, study)
        assert (today.verdict_method, today.verdict_source) == (studies.POSTERIOR, "default")
        assert reports.render_report(session, study).sha256 != published  # today's default differs
    checks = verdicts(demo_db)
    assert failed(checks) == set()
    assert f"byte-identical, SHA-256 {published}" in checks["report"].detail


def test_an_old_report_of_a_study_that_had_chosen_the_posterior_is_rebuilt_with_it(demo_db):
    with demo_db.session() as session:
        researcher = session.scalar(select(User).where(User.username == "researcher"))
        studies.set_verdict_method(session, researcher, find_study(session, "demo"), studies.POSTERIOR)
    chosen = analysis_service.AnalysisSettings(
        refusal_gamma=2.0, verdict_method=studies.POSTERIOR, verdict_source="setting"
    )
    record_build_without_settings(demo_db, chosen)
    _, recorded = report_entry(demo_db)
    with demo_db.session() as session:
        rebuilt = verification.rebuild_settings(session, find_study(session, "demo"), recorded)
    assert rebuilt == chosen
    assert failed(verdicts(demo_db)) == set()


def test_an_entry_that_records_its_settings_is_rebuilt_with_those_not_the_earlier_default(demo_db):
    _, recorded = report_entry(demo_db)
    with demo_db.session() as session:
        rebuilt = verification.rebuild_settings(session, find_study(session, "demo"), recorded)
    assert rebuilt == reports.settings_of(recorded)
    assert rebuilt.verdict_method == studies.POSTERIOR
