"""Users, passwords and role checks."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_app.services import auth
from survey_app.services.errors import AuthenticationFailed, InvalidState, PermissionDenied
from survey_app.storage.models import AuditEntry, User


def test_passwords_are_stored_as_argon2_hashes(db, users):
    with db.session() as session:
        stored = session.scalar(select(User.password_hash).where(User.username == "surveyor"))
    assert stored.startswith("$argon2id$") and "password-surveyor" not in stored


def test_the_right_password_logs_in(db, users):
    assert auth.login(db, "reviewer", "password-reviewer").role == "reviewer"


def test_a_wrong_password_fails_and_is_logged(db, users):
    with pytest.raises(AuthenticationFailed, match="Wrong user name or password"):
        auth.login(db, "reviewer", "guess")
    with db.session() as session:
        assert session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) == "login.failed"


def test_an_unknown_user_gets_the_same_message_as_a_wrong_password(db, users):
    with pytest.raises(AuthenticationFailed, match="Wrong user name or password"):
        auth.login(db, "nobody", "password-nobody")


def test_a_deactivated_user_cannot_log_in(db, users):
    with db.session() as session:
        auth.set_active(session, users["admin"], users["auditor"].id, False)
    with pytest.raises(AuthenticationFailed):
        auth.login(db, "auditor", "password-auditor")


def test_only_an_admin_creates_users(db, users):
    with db.session() as session, pytest.raises(PermissionDenied, match="admin"):
        auth.create_user(session, users["researcher"], "mallory", "password-x1", "admin")


def test_an_unknown_role_is_refused(db, users):
    with db.session() as session, pytest.raises(InvalidState, match="Unknown role"):
        auth.create_user(session, users["admin"], "x", "password-x1", "superuser")


def test_a_short_password_is_refused(db, users):
    with db.session() as session, pytest.raises(auth.WeakPassword, match="12 characters") as caught:
        auth.create_user(session, users["admin"], "xavier", "short", "reviewer")
    assert caught.value.code == "short" and "12" in caught.value.text("zh")
