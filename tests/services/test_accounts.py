"""Accounts that resist attack: the password policy, user names, and login throttling with back-off."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from survey_app.security.passwords import password_problem, username_problem
from survey_app.services import auth, throttle
from survey_app.services.errors import AuthenticationFailed, InvalidState
from survey_app.storage.models import AuditEntry, LoginThrottle

T0 = dt.datetime(2026, 12, 1, 9, 0, 0)


# ---------------------------------------------------------------- password policy


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("password", "short"),
        ("Tr0ub4dor&3", "short"),  # 11 characters, one word
        ("password1234", "common"),
        ("qwerty123456", "common"),
        ("iloveyou2024!!", "common"),  # a common password with digits and symbols around it
        ("1234567890ab", None),
        ("aaaaaaaaaaaaaaaa", "repeated"),
        ("x" * 257, "long"),
    ],
)
def test_the_policy_names_what_is_wrong_with_a_password(password, problem):
    assert password_problem(password) == problem


@pytest.mark.parametrize(
    "password",
    ["correct horse battery staple", "kjhs-7dk3-k29a-mn2q", "我爱 上海 司法 回访", "蓝天-白云-黄浦江-外滩"],
)
def test_long_passwords_and_passphrases_are_accepted(password):
    assert password_problem(password) is None


def test_a_passphrase_of_four_short_words_is_accepted_below_twelve_characters():
    assert len("我爱 上海 司法 回访") < 12 and password_problem("我爱 上海 司法 回访") is None
    assert password_problem("a b c d e") == "short"  # one-letter "words" do not make a passphrase


def test_a_password_made_of_the_user_name_is_refused():
    assert password_problem("fangyuan12345", "fangyuan") == "username"
    assert password_problem("fangyuan-likes-the-bund-at-dusk", "fangyuan") is None


def test_the_generated_demo_passwords_pass_the_policy():
    from survey_app.security.passwords import generate_password

    assert all(password_problem(generate_password()) is None for _ in range(50))


def test_creating_a_user_with_a_common_password_is_refused_with_its_reason(db, users):
    with db.session() as session, pytest.raises(auth.WeakPassword) as caught:
        auth.create_user(session, users["admin"], "fangyuan7", "password1234", "surveyor")
    assert caught.value.code == "common" and "常见密码" in caught.value.text("zh")


def test_resetting_to_a_weak_password_is_refused(db, users):
    with db.session() as session, pytest.raises(auth.WeakPassword):
        auth.reset_password(session, users["admin"], users["reviewer"].id, "123456")


# ---------------------------------------------------------------- user names


@pytest.mark.parametrize(
    "name",
    [
        "x" * 65,
        "admin\nroot",
        "evil\u202etxt.exe",  # right-to-left override
        "ad\u200bmin",  # zero-width space
        "tab\there",
        "ａｄｍｉｎ",  # full-width letters posing as admin
        " admin",
        "",
    ],
)
def test_user_names_that_could_forge_or_hide_audit_lines_are_refused(db, users, name):
    assert username_problem(name) is not None
    with db.session() as session, pytest.raises(InvalidState):
        auth.create_user(session, users["admin"], name, "a-long-enough-password", "reviewer")


@pytest.mark.parametrize("name", ["zhangwei", "张伟", "fang.yuan-2", "x" * 64])
def test_ordinary_user_names_are_accepted(name):
    assert username_problem(name) is None


# ---------------------------------------------------------------- throttling and lockout


def _fail(db, name="reviewer", client=None, now=T0, times=1):
    for _ in range(times):
        with pytest.raises(AuthenticationFailed):
            auth.login(db, name, "wrong-password-guess", client=client, now=now)


def test_the_lock_doubles_with_each_failure_beyond_the_free_ones_up_to_an_hour():
    free = throttle.USER_FREE
    assert [throttle.lock_for(free + k, free).total_seconds() for k in range(0, 5)] == [0, 30, 60, 120, 240]
    assert throttle.lock_for(free + 40, free) == throttle.MAX_LOCK


def test_five_failures_are_free_and_the_sixth_locks_the_name(db, users):
    _fail(db, times=throttle.USER_FREE)
    assert auth.login(db, "reviewer", "password-reviewer", now=T0).role == "reviewer"
    _fail(db, times=throttle.USER_FREE + 1)
    with pytest.raises(auth.LoginThrottled, match="try again in 1 minute"):
        auth.login(db, "reviewer", "password-reviewer", now=T0 + dt.timedelta(seconds=1))


def test_thirty_wrong_passwords_then_the_right_one_is_refused_until_the_lock_ends(db, users):
    for k in range(30):
        now = T0 + dt.timedelta(hours=k)  # spread out, so each attempt meets an expired lock
        _fail(db, now=now)
    last = T0 + dt.timedelta(hours=29)
    with pytest.raises(auth.LoginThrottled):
        auth.login(db, "reviewer", "password-reviewer", now=last + dt.timedelta(minutes=59))
    assert auth.login(db, "reviewer", "password-reviewer", now=last + dt.timedelta(hours=1, seconds=1))


def test_while_locked_even_the_right_password_is_not_checked_and_the_attempt_is_audited(db, users):
    _fail(db, times=throttle.USER_FREE + 1)
    with pytest.raises(auth.LoginThrottled):
        auth.login(db, "reviewer", "password-reviewer", now=T0 + dt.timedelta(seconds=5))
    with db.session() as session:
        assert session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) == "login.throttled"


def test_the_lock_ends_after_its_back_off_and_the_next_failure_locks_twice_as_long(db, users):
    _fail(db, times=throttle.USER_FREE + 1)  # the 6th failure locks for 30 s
    _fail(db, now=T0 + dt.timedelta(seconds=10))  # refused while locked: not a new failure
    after = T0 + dt.timedelta(seconds=31)
    _fail(db, now=after)  # the 7th failure locks for 60 s
    with pytest.raises(auth.LoginThrottled):
        auth.login(db, "reviewer", "password-reviewer", now=after + dt.timedelta(seconds=59))
    assert auth.login(db, "reviewer", "password-reviewer", now=after + dt.timedelta(seconds=61))


def test_a_successful_login_clears_the_names_count(db, users):
    _fail(db, times=throttle.USER_FREE)
    auth.login(db, "reviewer", "password-reviewer", now=T0)
    _fail(db, times=throttle.USER_FREE)  # five free failures again
    assert auth.login(db, "reviewer", "password-reviewer", now=T0)


def test_a_client_spraying_many_names_is_locked_even_for_a_valid_account(db, users):
    names = [f"guess{k}" for k in range(throttle.CLIENT_FREE + 1)]
    for name in names:
        _fail(db, name=name, client="203.0.113.7")
    with pytest.raises(auth.LoginThrottled):
        auth.login(db, "auditor", "password-auditor", client="203.0.113.7", now=T0 + dt.timedelta(seconds=1))
    # another client is not affected
    assert auth.login(db, "auditor", "password-auditor", client="198.51.100.2", now=T0)


def test_a_locked_name_is_locked_from_every_client(db, users):
    for k in range(throttle.USER_FREE + 1):
        _fail(db, client=f"10.0.0.{k}")
    with pytest.raises(auth.LoginThrottled):
        auth.login(db, "reviewer", "password-reviewer", client="10.0.0.99", now=T0 + dt.timedelta(seconds=1))


def test_a_failed_login_never_stores_the_typed_name_or_client(db, users):
    typed = "MySecretPassw0rd-typed-in-the-name-field"
    _fail(db, name=typed, client="192.0.2.55")
    with db.session() as session:
        entry = session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()))
        keys = session.scalars(select(LoginThrottle.key)).all()
    assert entry.action == "login.failed" and entry.actor == "unknown"
    stored = entry.actor + entry.details + (entry.entity_id or "") + " ".join(keys)
    assert typed not in stored and typed.lower() not in stored and "192.0.2.55" not in stored
    assert "name_hash" in entry.details and "client_hash" in entry.details


def test_a_failed_login_for_an_existing_user_names_the_account(db, users):
    _fail(db)
    with db.session() as session:
        entry = session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()))
    assert (entry.actor, entry.entity_id) == ("reviewer", str(users["reviewer"].id))


def test_a_ten_thousand_character_name_fails_like_any_other(db, users):
    _fail(db, name="n" * 10_000)
    with db.session() as session:
        assert session.scalar(select(AuditEntry.actor).order_by(AuditEntry.id.desc())) == "unknown"


# ---------------------------------------------------------------- sign-in through a reverse proxy


def test_proxy_sign_in_is_off_unless_a_header_is_configured(monkeypatch):
    from survey_app import config

    monkeypatch.delenv(config.ENV_TRUSTED_USER_HEADER, raising=False)
    assert config.trusted_user_header() is None
    monkeypatch.setenv(config.ENV_TRUSTED_USER_HEADER, "X-Remote-User")
    assert config.trusted_user_header() == "X-Remote-User"


def test_the_proxys_user_is_signed_in_without_a_password_and_audited(db, users):
    user = auth.login_trusted(db, "reviewer", via="X-Remote-User")
    assert user.role == "reviewer"
    with db.session() as session:
        entry = session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()))
    assert (entry.action, entry.actor) == ("login.proxy", "reviewer") and "X-Remote-User" in entry.details


def test_a_name_the_proxy_vouches_for_must_be_an_active_user(db, users):
    with db.session() as session:
        auth.set_active(session, users["admin"], users["auditor"].id, False)
    for name in ("auditor", "nobody-here"):
        with pytest.raises(AuthenticationFailed):
            auth.login_trusted(db, name, via="X-Remote-User")
    with db.session() as session:
        assert session.scalar(select(AuditEntry.actor).order_by(AuditEntry.id.desc())) == "unknown"
