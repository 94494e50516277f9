"""The refusal-range Γ is changed on the studies page by the roles that may change study settings (audited);
the reviewer's comparison page shows the Γ in use and who sets it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_app.services import studies
from survey_app.services.studies import find_study
from survey_app.storage.models import AuditEntry
from tests.app.builders import STUDY_NAME, complete_interviews
from tests.app.conftest import log_in, page_text

pytestmark = pytest.mark.db


def _gamma(db) -> float:
    with db.session() as session:
        return studies.refusal_gamma(find_study(session, STUDY_NAME))


def test_a_researcher_sets_gamma_on_the_studies_page_and_the_change_is_audited(study, app_db):
    app = log_in("researcher")
    app.number_input(key="refusal_gamma_value").set_value(3.0)
    app.button(key="FormSubmitter:refusal_gamma-保存 Γ").click().run()
    assert not app.exception
    assert [s.value for s in app.success] == ["拒访敏感性范围 Γ 已由 2 改为 3。"]
    assert _gamma(app_db) == 3.0
    with app_db.session() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "study.refusal_gamma"))
    assert entry.actor == "researcher" and '"before":2.0' in entry.details and '"after":3.0' in entry.details


def test_the_reviewers_comparison_page_uses_the_gamma_a_researcher_set(study, app_db):
    # the comparison page is the reviewer's alone (main.ROLE_PAGES), and reviewers may not change study
    # settings (studies.SETTINGS_ROLES): they read Γ there, a researcher sets it on the studies page
    complete_interviews(app_db, 6)
    researcher = log_in("researcher")
    researcher.number_input(key="refusal_gamma_value").set_value(4.0)
    researcher.button(key="FormSubmitter:refusal_gamma-保存 Γ").click().run()
    reviewer = log_in("reviewer")
    assert not reviewer.exception
    assert "拒访敏感性范围（Γ = 4：" in page_text(reviewer)


def test_a_reviewer_reads_gamma_but_gets_no_control_to_change_it(study, app_db):
    complete_interviews(app_db, 6)
    app = log_in("reviewer")
    assert not app.exception
    assert not [w for w in app.number_input if w.key == "refusal_gamma_value"]
    assert "Γ 是调查项目的设置，由研究人员在“调查项目”页修改。" in page_text(app)


def test_the_control_speaks_english_when_the_tab_does(study, app_db):
    app = log_in("researcher")
    app.selectbox(key="lang_select").select("en").run()
    app.number_input(key="refusal_gamma_value").set_value(1.5)
    app.button(key="FormSubmitter:refusal_gamma-Save Γ").click().run()
    assert [s.value for s in app.success] == ["Refusal range Γ changed from 2 to 1.5."]
