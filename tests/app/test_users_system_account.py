"""The admin's users page: activating the web self-completion system account is refused in words."""

from __future__ import annotations

import pytest

from survey_app.services import web_invites
from tests.app.conftest import log_in

pytestmark = pytest.mark.db


def test_activating_the_system_account_shows_the_refusal_and_leaves_it_inactive(study, app_db):
    with app_db.session() as session:
        system_id = web_invites.web_user(session).id
    app = log_in("admin")
    app.selectbox(key="manage_user").select(system_id).run()
    app.button(key="users.activate").click().run()
    assert not app.exception
    assert any("系统账号" in e.value for e in app.error)
    with app_db.session() as session:
        assert web_invites.web_user(session).active is False
