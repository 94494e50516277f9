"""A login survives a reload: the address carries a signed, expiring token the server checks."""

from __future__ import annotations

import datetime as dt
from unittest.mock import patch

import pytest
from sqlalchemy import select, update
from streamlit.testing.v1 import AppTest

from survey_app.app.state import TOKEN_PARAM
from survey_app.services import sessions
from survey_app.services.errors import PermissionDenied
from survey_app.storage.models import AuditEntry, User
from tests.app.conftest import APP, TIMEOUT, log_in

pytestmark = pytest.mark.db


def _token(app: AppTest) -> str:
    value = app.query_params[TOKEN_PARAM]
    return value if isinstance(value, str) else value[0]


def _reload(token: str) -> AppTest:
    """What a browser reload does: a new session whose address still holds the token."""
    app = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    app.query_params[TOKEN_PARAM] = token
    app.run()
    return app


def test_a_reload_keeps_the_user_logged_in_on_their_page(app_db, users):
    token = _token(log_in("supervisor"))
    app = _reload(token)
    assert not app.exception
    assert app.header[0].value == "实地进度"


def test_an_edited_token_shows_the_login_form_with_a_reason(app_db, users):
    token = _token(log_in("supervisor"))
    _, rest = token.split(".", 1)
    with app_db.session() as session:
        admin_id = session.scalar(select(User.id).where(User.username == "admin"))
    app = _reload(f"{admin_id}.{rest}")  # someone tries to become the admin
    assert not app.header
    assert app.text_input(key="login_username")
    assert [i.value for i in app.info] == ["登录已过期或已失效，请重新登录。"]


def test_a_token_ends_when_the_user_is_deactivated(app_db, users):
    token = _token(log_in("reviewer"))
    with app_db.session() as session:
        session.execute(update(User).where(User.username == "reviewer").values(active=False))
    assert not _reload(token).header


def test_logging_out_takes_the_token_out_of_the_address(app_db, users):
    app = log_in("auditor")
    app.button(key="logout").click().run()
    assert TOKEN_PARAM not in app.query_params
    assert app.text_input(key="login_username")


def test_a_token_expires_after_its_lifetime(app_db, users):
    with app_db.session() as session:
        user = session.scalar(select(User).where(User.username == "surveyor"))
    issued = dt.datetime(2026, 12, 1, 8, 0)
    token = sessions.issue(user, now=issued)
    assert sessions.resume(app_db, token, now=issued + sessions.LIFETIME - dt.timedelta(seconds=1))
    assert sessions.resume(app_db, token, now=issued + sessions.LIFETIME) is None


def test_a_password_reset_ends_the_tokens_issued_before(app_db, users):
    with app_db.session() as session:
        user = session.scalar(select(User).where(User.username == "surveyor"))
    token = sessions.issue(user)
    with app_db.session() as session:
        session.execute(update(User).where(User.id == user.id).values(password_hash="$argon2id$changed"))
    assert sessions.resume(app_db, token) is None


def test_after_logout_a_copied_address_no_longer_logs_in(app_db, users):
    app = log_in("supervisor")
    copied = _token(app)  # someone copied the address (a shared screen, a browser history)
    app.button(key="logout").click().run()
    stolen = _reload(copied)
    assert not stolen.header and stolen.text_input(key="login_username")
    assert [i.value for i in stolen.info] == ["登录已过期或已失效，请重新登录。"]


def test_a_logout_leaves_other_users_tokens_valid(app_db, users):
    others = {name: _token(log_in(name)) for name in ("reviewer", "auditor")}
    log_in("supervisor").button(key="logout").click().run()
    for name, token in others.items():
        assert _reload(token).header, name


def test_a_logout_ends_the_users_other_tabs_at_their_next_action_and_logging_in_again_works(app_db, users):
    other_tab = log_in("researcher")
    with app_db.session() as session:
        assert _actor_of(other_tab, session).username == "researcher"
    log_in("researcher").button(key="logout").click().run()
    with app_db.session() as session, pytest.raises(PermissionDenied, match="您已在其他窗口或设备上退出登录"):
        _actor_of(other_tab, session)
    again = _token(log_in("researcher"))
    assert sessions.resume(app_db, again) is not None


def _actor_of(app: AppTest, session):
    """`state.actor` as the tab would call it on its next action, with the tab's remembered login."""
    from survey_app.app import state

    login = app.session_state[state.USER_KEY]
    with patch.object(state, "login", return_value=login):
        return state.actor(session)


def test_the_logout_is_audited_and_a_token_issued_before_an_upgrade_still_resumes(app_db, users):
    with app_db.session() as session:
        user = session.scalar(select(User).where(User.username == "surveyor"))
    token = sessions.issue(user)  # generation 0: the fingerprint tokens had before generations
    assert sessions.resume(app_db, token) is not None
    sessions.end(app_db, user.id)
    assert sessions.resume(app_db, token) is None
    with app_db.session() as session:
        assert session.scalar(select(User.session_generation).where(User.id == user.id)) == 1
        logged = session.scalars(select(AuditEntry.actor).where(AuditEntry.action == "logout")).all()
    assert logged == ["surveyor"]
