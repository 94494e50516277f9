"""Argon2id password hashes (argon2-cffi's defaults, RFC 9106's second recommended profile).

`HUIFANG_ARGON2_PROFILE=test` switches to argon2-cffi's cheapest profile so that a test suite creating
hundreds of users stays fast; hashes made with it still verify under the default, and are rehashed
with the default parameters at the next login (`needs_rehash`).
"""

from __future__ import annotations

import os
import secrets

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = (
    PasswordHasher.from_parameters(profiles.CHEAPEST)
    if os.environ.get("HUIFANG_ARGON2_PROFILE") == "test"
    else PasswordHasher()
)


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise ValueError("A password needs at least 8 characters.")
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
