"""The web self-completion system account cannot be turned into an account someone can log in with."""

from __future__ import annotations

import pytest

from survey_app.services import auth, web_invites
from survey_app.services.errors import InvalidState
from survey_app.storage.models import User

pytestmark = pytest.mark.db


@pytest.fixture
def system_id(db, users) -> int:
    with db.session() as session:
        return web_invites.web_user(session).id


def test_an_admin_cannot_reactivate_the_system_account(db, users, system_id):
    with db.session() as session, pytest.raises(InvalidState, match="system account"):
        auth.set_active(session, session.merge(users["admin"]), system_id, True)
    with db.session() as session:
        assert session.get(User, system_id).active is False


def test_an_admin_cannot_give_the_system_account_a_password(db, users, system_id):
    with db.session() as session, pytest.raises(InvalidState, match="system account"):
        auth.reset_password(session, session.merge(users["admin"]), system_id, "a-strong-Passw0rd-here")
    with db.session() as session:
        assert session.get(User, system_id).password_hash == "!"


def test_an_admin_cannot_create_a_user_with_the_system_accounts_name(db, users):
    with db.session() as session, pytest.raises(InvalidState, match="system account"):
        auth.create_user(
            session,
            session.merge(users["admin"]),
            auth.WEB_SYSTEM_USERNAME,
            "a-strong-Passw0rd-here",
            "surveyor",
        )


def test_the_refusal_is_one_sentence_in_chinese_too(db, users, system_id):
    with db.session() as session, pytest.raises(InvalidState) as refused:
        auth.set_active(session, session.merge(users["admin"]), system_id, True)
    assert "系统账号" in refused.value.text("zh") and refused.value.text("zh").count("。") == 1
