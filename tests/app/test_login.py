"""Login, logout, language and role-based navigation (AppTest)."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from survey_app.services import auth
from survey_app.storage.models import User
from tests.app.conftest import log_in, open_app, page_text

pytestmark = pytest.mark.db


def test_login_page_is_in_chinese_by_default(app_db):
    app = open_app()
    assert not app.exception
    assert app.text_input(key="login_username").label == "用户名"
    assert "登录" in [button.label for button in app.button]


def test_right_password_opens_the_role_page(app_db, users):
    app = log_in("admin", "password-admin")
    assert not app.exception
    assert app.header[0].value == "用户管理"
    assert "admin" in page_text(app)


def test_wrong_password_gets_a_clear_message_and_no_page(app_db, users):
    app = log_in("admin", "not-the-password")
    assert [e.value for e in app.error] == ["用户名或密码错误。"]
    assert not app.header
    assert app.text_input(key="login_username").label == "用户名"


def test_unknown_user_gets_the_same_message_as_a_wrong_password(app_db, users):
    app = log_in("nobody", "password-admin")
    assert [e.value for e in app.error] == ["用户名或密码错误。"]


def test_deactivated_user_cannot_log_in(app_db, users):
    with app_db.session() as session:
        session.execute(update(User).where(User.username == "reviewer").values(active=False))
    app = log_in("reviewer", "password-reviewer")
    assert [e.value for e in app.error] == ["用户名或密码错误。"]


def test_language_switches_to_english(app_db, users):
    app = open_app()
    app.selectbox(key="lang_select").select("en").run()
    assert app.text_input(key="login_username").label == "User name"
    app.text_input(key="login_username").input("admin")
    app.text_input(key="login_password").input("password-admin")
    app.button[0].click().run()
    assert app.header[0].value == "Users"


def test_logout_returns_to_the_login_form(app_db, users):
    app = log_in("admin", "password-admin")
    app.button(key="logout").click().run()
    assert not app.header
    assert app.text_input(key="login_username").value == ""


def test_surveyor_cannot_open_other_roles_pages(app_db, users):
    app = log_in("surveyor", "password-surveyor")
    for page in (
        "pages/users.py",
        "pages/studies.py",
        "pages/progress.py",
        "pages/comparison.py",
        "pages/reports.py",
    ):
        with pytest.raises(ValueError):
            app.switch_page(page)


def test_role_without_pages_gets_a_clear_message(app_db, users):
    with app_db.session() as session:
        auth.create_user(session, None, "guest", "password-guest", "reviewer")
        session.execute(update(User).where(User.username == "guest").values(role="visitor"))
    app = log_in("guest", "password-guest")
    assert not app.exception
    assert any("visitor" in e.value and "没有可用页面" in e.value for e in app.error)


def test_page_rechecks_the_role_against_the_database(app_db, users):
    """The tab still remembers 'admin', but the database says otherwise: the page refuses."""
    app = log_in("admin", "password-admin")
    assert app.dataframe
    with app_db.session() as session:
        session.execute(update(User).where(User.username == "admin").values(role="surveyor"))
    app.run()
    assert not app.dataframe
    assert any("admin" in e.value for e in app.error)


def test_a_user_deactivated_while_logged_in_is_stopped_at_the_next_action(app_db, users):
    app = log_in("admin", "password-admin")
    with app_db.session() as session:
        session.execute(update(User).where(User.username == "admin").values(active=False))
    app.run()
    assert not app.dataframe
    assert [e.value for e in app.error] == ["您的账号已停用或不存在，请重新登录。"]


def test_a_corrupt_database_file_gets_a_clear_message(tmp_path, monkeypatch):
    corrupt = tmp_path / "huifang.db"
    corrupt.write_bytes(b"this is not a database" * 100)
    monkeypatch.setenv("HUIFANG_DATABASE_URL", str(corrupt))
    app = open_app()
    assert not app.exception
    assert len(app.error) == 1
    assert app.error[0].value.startswith("无法打开数据库：")
    assert "not a SQLite database" in app.error[0].value
    assert corrupt.read_bytes() == b"this is not a database" * 100  # nothing written to it


def test_a_database_folder_that_does_not_exist_gets_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setenv("HUIFANG_DATABASE_URL", str(tmp_path / "missing" / "huifang.db"))
    app = open_app()
    assert not app.exception
    assert "does not exist" in app.error[0].value
