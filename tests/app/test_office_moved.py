"""A responsible office (整改责任单位) moved to another organisation loses the old organisation's
referrals at once: the organisation is part of the signed user state (issue 14, left for later)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from streamlit.testing.v1 import AppTest

from survey_app.app.state import TOKEN_PARAM
from survey_app.services import auth, sessions
from survey_app.services.errors import InvalidState
from survey_app.storage.models import AuditEntry, User
from survey_app.storage.models_referrals import Referral
from tests.app import conftest as app_fixtures
from tests.app.conftest import log_in, page_text
from tests.services import test_referrals as referral_fixtures

pytestmark = pytest.mark.db

app_db = app_fixtures.app_db
study = referral_fixtures.study  # six interviews, three of them referred
PASSWORD = "a long office password 2026"


@pytest.fixture
def office(app_db, study) -> tuple[str, list[str]]:
    """The office of the first referral's organisation, and that organisation's referral numbers."""
    referral_fixtures._create(app_db)
    with app_db.session() as session:
        organisation = session.scalar(select(Referral.organisation_id).order_by(Referral.id))
        own = list(session.scalars(select(Referral.ref_no).where(Referral.organisation_id == organisation)))
        name = referral_fixtures._office(session, organisation).username
    return name, own


def _move(app_db, username: str, organisation: str) -> None:
    with app_db.session() as session:
        session.execute(update(User).where(User.username == username).values(organisation_id=organisation))


def _token(app: AppTest) -> str:
    value = app.query_params[TOKEN_PARAM]
    return value if isinstance(value, str) else value[0]


def test_before_the_move_the_office_sees_its_organisations_referrals(app_db, office):
    name, own = office
    shown = page_text(log_in(name, PASSWORD))
    assert own and all(ref_no in shown for ref_no in own)


def test_the_open_tab_loses_the_old_referrals_at_its_next_run(app_db, office):
    name, own = office
    app = log_in(name, PASSWORD)
    _move(app_db, name, "ORG9999")
    app.run()
    assert not any(ref_no in page_text(app) for ref_no in own)
    assert [e.value for e in app.error] == ["您所属的机构已变更，请重新登录。"]


def test_the_old_token_no_longer_resumes_after_the_move(app_db, office):
    name, own = office
    token = _token(log_in(name, PASSWORD))
    _move(app_db, name, "ORG9999")
    assert sessions.resume(app_db, token) is None
    reloaded = AppTest.from_file(str(app_fixtures.APP), default_timeout=app_fixtures.TIMEOUT)
    reloaded.query_params[TOKEN_PARAM] = token
    reloaded.run()
    assert reloaded.text_input(key="login_username")  # back to the login form
    assert not any(ref_no in page_text(reloaded) for ref_no in own)


def test_logging_in_again_shows_the_new_organisation_only(app_db, office):
    name, own = office
    _move(app_db, name, "ORG9999")
    app = log_in(name, PASSWORD)
    assert "本单位：ORG9999" in [c.value for c in app.caption]
    assert not any(ref_no in page_text(app) for ref_no in own)


def _user_id(app_db, username: str) -> int:
    with app_db.session() as session:
        return session.scalar(select(User.id).where(User.username == username))


def test_the_admin_moves_an_office_on_the_users_page_and_its_open_tab_loses_the_old_referrals(app_db, office):
    name, own = office
    office_tab = log_in(name, PASSWORD)
    admin = log_in("admin")
    admin.selectbox(key="manage_user").set_value(_user_id(app_db, name)).run()
    admin.text_input(key="move_organisation_value").input(" ORG9999 ")
    admin.button(key="FormSubmitter:move_organisation-更改所属机构").click().run()
    assert not admin.exception and not admin.error
    assert f"{name} 现属机构 ORG9999" in page_text(admin)
    with app_db.session() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "user.organisation_changed"))
        moved = session.scalar(select(User).where(User.username == name))
    assert moved.organisation_id == "ORG9999" and entry.actor == "admin"
    office_tab.run()
    assert not any(ref_no in page_text(office_tab) for ref_no in own)


def test_only_a_responsible_office_can_be_moved_and_only_to_an_organisation(app_db, office):
    name, _ = office
    with app_db.session() as session:
        admin = session.scalar(select(User).where(User.username == "admin"))
        reviewer = session.scalar(select(User).where(User.username == "reviewer"))
        with pytest.raises(InvalidState, match="not a responsible office"):
            auth.move_organisation(session, admin, reviewer.id, "ORG0001")
        with pytest.raises(InvalidState, match="needs the organisation"):
            auth.move_organisation(
                session, admin, session.scalar(select(User.id).where(User.username == name)), "  "
            )
