"""Argon2id password hashes (argon2-cffi's defaults, RFC 9106's second recommended profile), the
password policy and what a user name may be.

The policy is one people can live with (NIST SP 800-63B): at least 12 characters, or a passphrase of
four or more words; never a password from the list of common ones shipped beside this file (also
when only digits or symbols were added around it), never the user name, never one repeated
character. No rules about character classes, which mostly produce `Password1!`.

`HUIFANG_ARGON2_PROFILE=test` switches to argon2-cffi's cheapest profile so that a test suite creating
hundreds of users stays fast; hashes made with it still verify under the default, and are rehashed
with the default parameters at the next login (`needs_rehash`).
"""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = (
    PasswordHasher.from_parameters(profiles.CHEAPEST)
    if os.environ.get("HUIFANG_ARGON2_PROFILE") == "test"
    else PasswordHasher()
)


MIN_LENGTH = 12
PASSPHRASE_WORDS = 4
MAX_LENGTH = 256
MAX_USERNAME = 64
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")

#: What each policy problem says (English / Chinese); the app translates by the code.
PROBLEMS: dict[str, str] = {
    "short": f"A password needs at least {MIN_LENGTH} characters, or {PASSPHRASE_WORDS} words separated by "
    f"spaces or hyphens. / 密码至少 {MIN_LENGTH} 个字符，或由 {PASSPHRASE_WORDS} 个以上词语组成的口令。",
    "long": f"A password has at most {MAX_LENGTH} characters. / 密码最多 {MAX_LENGTH} 个字符。",
    "common": "This password is on the list of commonly used passwords; choose another. / "
    "该密码属于常见密码，请另选。",
    "username": "A password must not contain the user name. / 密码不能包含用户名。",
    "repeated": "A password must not be one character repeated. / 密码不能是同一字符的重复。",
}


class PasswordPolicyError(ValueError):
    """A password the policy refuses; `code` is a key of PROBLEMS."""

    def __init__(self, code: str) -> None:
        super().__init__(PROBLEMS[code])
        self.code = code


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-cased."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


_WORD_SPLIT = re.compile(r"[\s\-_.,;:/]+")
_EDGES = re.compile(r"^[\d\W_]+|[\d\W_]+$")


def password_problem(password: str, username: str | None = None) -> str | None:
    """The policy's objection to `password` (a key of PROBLEMS), or None when it is acceptable."""
    if len(password) > MAX_LENGTH:
        return "long"
    words = {w.lower() for w in _WORD_SPLIT.split(password.strip()) if len(w) >= 2}
    if len(password) < MIN_LENGTH and len(words) < PASSPHRASE_WORDS:
        return "short"
    if len(set(password)) == 1:
        return "repeated"
    lowered = password.lower()
    common = common_passwords()
    if lowered in common or _EDGES.sub("", lowered) in common or lowered.replace(" ", "") in common:
        return "common"
    if username and len(username) >= 3 and username.lower() in lowered and len(lowered) < 2 * MIN_LENGTH:
        bare = lowered.replace(username.lower(), "")
        if len(_EDGES.sub("", bare)) < MIN_LENGTH // 2:
            return "username"
    return None


def check_password(password: str, username: str | None = None) -> None:
    """Raise PasswordPolicyError when the policy refuses `password`."""
    problem = password_problem(password, username)
    if problem is not None:
        raise PasswordPolicyError(problem)


def username_problem(username: str) -> str | None:
    """Why `username` cannot be a user name (one sentence), or None.

    Printable (no newline, TAB, bidi override, zero-width or other format characters, which could
    forge or hide lines in an audit listing), at most 64 characters, no space at either end, and in
    Unicode NFKC form (so ａｄｍｉｎ in full-width letters cannot pose as admin).
    """
    if not username:
        return "A user name cannot be empty. / 用户名不能为空。"
    if len(username) > MAX_USERNAME:
        return f"A user name has at most {MAX_USERNAME} characters. / 用户名最多 {MAX_USERNAME} 个字符。"
    if not username.isprintable():
        bad = next(ch for ch in username if not ch.isprintable())
        return (
            f"A user name cannot contain the invisible or control character U+{ord(bad):04X}. / "
            "用户名不能包含不可见字符或控制字符。"
        )
    if username != username.strip():
        return "A user name cannot begin or end with a space. / 用户名首尾不能有空格。"
    if unicodedata.normalize("NFKC", username) != username:
        return (
            "A user name must be written in its plain form (no full-width letters or compatibility "
            "characters). / 用户名不能使用全角字母或兼容字符。"
        )
    return None


def hash_password(password: str) -> str:
    """The Argon2id hash of a password the policy accepts (PasswordPolicyError otherwise)."""
    check_password(password)
    return _hasher.hash(password)


def rehash(password: str) -> str:
    """A fresh hash of a password that has just logged in, with today's parameters; no policy check,
    so a password set before the policy tightened keeps working until it is changed."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def generate_password() -> str:
    """A random password that is easy to read out: 4 groups of 4 lowercase letters and digits."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))
