"""The admin's user form makes a responsible office (整改责任单位) with its organisation, who then logs
in to the referrals page alone (issue 14)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_app.storage.models import User
from tests.app import conftest as app_fixtures
from tests.app.conftest import log_in

pytestmark = pytest.mark.db

app_db, study = app_fixtures.app_db, app_fixtures.study  # the AppTest fixtures: the app on the test database


def _create(role: str, organisation: str):
    app = log_in("admin")
    app.text_input(key="new_username").input("office9")
    app.selectbox(key="new_role").select(role)
    app.text_input(key="new_password").input("a-long-office-password")
    app.text_input(key="new_organisation_id").input(organisation)
    app.button(key="FormSubmitter:create_user-创建用户").click().run()
    return app


def test_the_admin_creates_a_responsible_office_bound_to_its_organisation(study, app_db):
    app = _create("remediation", " ORG0003 ")
    assert not app.exception and not app.error
    with app_db.session() as session:
        made = session.scalar(select(User).where(User.username == "office9"))
    assert (made.role, made.organisation_id) == ("remediation", "ORG0003")
    office = log_in("office9", "a-long-office-password")
    assert office.header[0].value == "转办与整改"
    assert "本单位：ORG0003" in [c.value for c in office.caption]


def test_a_responsible_office_without_an_organisation_is_refused_in_chinese(study, app_db):
    app = _create("remediation", "")
    assert [e.value for e in app.error] == ["整改责任单位用户必须指定所属机构编号。"]


def test_another_role_gets_no_organisation_even_if_one_was_typed(study, app_db):
    _create("reviewer", "ORG0003")
    with app_db.session() as session:
        made = session.scalar(select(User).where(User.username == "office9"))
    assert (made.role, made.organisation_id) == ("reviewer", None)
