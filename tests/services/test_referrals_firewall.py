"""The identity firewall, walked end to end: nothing an evaluation role (researcher, reviewer, auditor)
can open — every page of theirs, the analysis export, the PDF reports — shows a referred person's name,
number or words; and no referral view (the responsible office's, the supervisor's) shows an
evaluation figure (issue 14).

The study is the AppTest builders' one with six interviews, three of them referred (see
`test_referrals.py`); their contact details are read back through the audited reveal.
"""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from survey_app.app.main import ROLE_PAGES
from survey_app.services import analysis_service, fieldwork, interviews, referrals, reports
from survey_app.storage.models import Study, User, utcnow
from tests.app import conftest as app_fixtures
from tests.app.conftest import log_in, page_text
from tests.services.test_referrals import _answers

pytestmark = pytest.mark.db

app_db, study = app_fixtures.app_db, app_fixtures.study  # the AppTest fixtures: the app on the test database

EVALUATION_ROLES = ("researcher", "reviewer", "auditor")
#: what a referral view must never show: the ratings' labels, a rate, the dissatisfaction reason given
EVALUATION_MARKS = ("满意率", "基本满意", "不满意", "%", "办事效率低", "知晓率", "首选率")


@pytest.fixture
def referred(study, app_db):
    """Six interviews, the three referrals they make, and the referred people's (name, phone, words)."""
    with app_db.session() as session:
        surveyor = session.scalar(select(User).where(User.username == "surveyor"))
        supervisor = session.scalar(select(User).where(User.username == "supervisor"))
        study_row = session.get(Study, study.study_id)
        now = utcnow()
        for number in range(6):
            case = fieldwork.next_case(session, surveyor, study_row)
            interviews.import_interview(
                session,
                surveyor,
                case.id,
                _answers(number, "no" if number == 4 else "yes"),
                started_at=now - dt.timedelta(minutes=5),
                ended_at=now,
            )
        assert referrals.create_referrals(session, supervisor, study_row) == 3
        people = []
        for view in referrals.list_referrals(session, supervisor):
            name, phone = referrals.reveal_contact(session, supervisor, view.id)
            people.append((name, phone, view.problem))
    return people


def _secrets(people) -> list[str]:
    return [value for person in people for value in person if value]


def _pdf_text(pdf: bytes) -> str:
    return "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def _all_text(app) -> str:
    parts = [page_text(app)]
    for table in app.dataframe:
        parts.append(table.value.to_csv())
    for widget in app.selectbox:
        parts.extend(str(option) for option in widget.options)  # as shown
    return "\n".join(parts)


@pytest.mark.parametrize("role", EVALUATION_ROLES)
def test_no_page_of_an_evaluation_role_shows_referral_contact_data(referred, role):
    app = log_in(role)
    for filename, _title, _url in ROLE_PAGES[role]:
        app.switch_page(f"pages/{filename}").run()
        assert not app.exception, filename
        shown = _all_text(app)
        leaked = [secret for secret in _secrets(referred) if secret in shown]
        assert leaked == [], (role, filename)


def test_the_analysis_export_holds_no_referral_contact_data(referred, study, app_db, tmp_path):
    path = tmp_path / "data.csv"
    with app_db.session() as session:
        reviewer = session.scalar(select(User).where(User.username == "reviewer"))
        analysis_service.export_analysis_dataset(session, reviewer, session.get(Study, study.study_id), path)
    text = path.read_text(encoding="utf-8-sig")
    assert "sat_overall" in text  # the export is there, with its answers
    assert [secret for secret in _secrets(referred) if secret in text] == []
    assert not {"referral_consent", "referral_problem"} & set(pd.read_csv(path).columns)


@pytest.mark.parametrize(("lang", "kind"), [("zh", "full"), ("en", "full"), ("zh", "comparison")])
def test_the_reports_hold_referral_totals_but_no_referral_contact_data(referred, study, app_db, lang, kind):
    with app_db.session() as session:
        built = reports.render_report(session, session.get(Study, study.study_id), lang=lang, kind=kind)
    text = _pdf_text(built.pdf)
    compact = "".join(text.split())
    assert [secret for secret in _secrets(referred) if "".join(secret.split()) in compact] == []
    title = {"zh": "转办与整改", "en": "Referral and remediation"}[lang]
    assert (title in text) == (kind == "full")  # the section is there, in totals


@pytest.mark.parametrize("role", ["remediation", "supervisor"])
def test_no_referral_view_shows_an_evaluation_figure(referred, role):
    app = log_in(role)
    app.switch_page("pages/referrals.py").run()
    assert not app.exception
    shown = _all_text(app)
    if role == "supervisor":  # the supervisor sees every referral: the view is not empty
        assert all(problem in shown for _, _, problem in referred)
    assert [mark for mark in EVALUATION_MARKS if mark in shown] == []
