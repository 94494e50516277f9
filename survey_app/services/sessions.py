"""Signed, expiring session tokens: a login that survives a browser reload or a typed address.

Streamlit forgets a tab's state on reload, so the app keeps a token in the page address (`?s=…`).
The token names the user, when it expires and a fingerprint of the user's password hash, role and
organisation, signed with HMAC-SHA256 under a key kept outside the database (`session.key` in the key
folder, `config.key_dir`). It is checked on the server on every resume: a forged or edited token, an
expired one, a deactivated user, a changed role, a reset password or a responsible office moved to
another organisation all send the user back to the login form. The key never leaves
the server; deleting `session.key` logs everybody out.

Logging out revokes (`end`): the fingerprint covers the user's session generation
(`users.session_generation`), which a logout raises by one, so a token copied from the address before
the logout no longer resumes, on any device; other users' tokens are untouched. No list of revoked
tokens grows, and a database holder learns nothing from the number. Generation 0 leaves the fingerprint
as it was before generations existed (tokens issued before the upgrade stay valid).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from survey_app.config import PRIVATE_FILE_MODE, key_dir, private_dir
from survey_app.services import auth
from survey_app.services.errors import HuifangError
from survey_app.storage.db import Database
from survey_app.storage.models import User

KEY_FILE = "session.key"
#: A working day and a bit: a surveyor logs in once a shift.
LIFETIME = dt.timedelta(hours=10)

_process_key: bytes | None = None


@dataclass(frozen=True)
class Resumed:
    """The user a valid token names (detached), and when the token expires."""

    user: User
    expires: dt.datetime


def _key() -> bytes:
    """The signing key: read from the key folder, made there on first use; a server that cannot write
    its key folder signs with a key of this process only (a restart then logs everybody out)."""
    global _process_key
    path = key_dir() / KEY_FILE
    try:
        if not path.exists():
            private_dir()
            made = secrets.token_bytes(32)
            path.write_bytes(made)
            path.chmod(PRIVATE_FILE_MODE)
        key = path.read_bytes()
        if len(key) >= 32:
            return key
    except OSError:
        pass
    if _process_key is None:
        _process_key = secrets.token_bytes(32)
    return _process_key


def _fingerprint(user: User) -> str:
    """Changes when the password, the role or the organisation changes, or the user logs out, which
    ends every token issued before: a responsible office moved to another organisation keeps no way
    back to the old one's referrals."""
    state = f"{user.password_hash}|{user.role}|{user.organisation_id or ''}"
    if user.session_generation:
        state += f"|{user.session_generation}"
    return hashlib.sha256(state.encode()).hexdigest()[:16]


def _sign(payload: str, key: bytes) -> str:
    digest = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def issue(user: User, *, now: dt.datetime | None = None) -> str:
    """A token for `user`, valid for `LIFETIME` from `now` (naive UTC)."""
    expires = int(((now or _now()) + LIFETIME).replace(tzinfo=dt.UTC).timestamp())
    payload = f"{user.id}.{expires}.{_fingerprint(user)}"
    return f"{payload}.{_sign(payload, _key())}"


def resume(db: Database, token: str, *, now: dt.datetime | None = None) -> Resumed | None:
    """The user the token names, if the token is genuine, unexpired and still matches the user; else None."""
    parts = token.split(".")
    if len(parts) != 4 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    payload = ".".join(parts[:3])
    if not hmac.compare_digest(parts[3], _sign(payload, _key())):
        return None
    expires = dt.datetime.fromtimestamp(int(parts[1]), dt.UTC).replace(tzinfo=None)
    if (now or _now()) >= expires:
        return None
    try:
        with db.reading() as session:  # only reads: no write lock on every reload
            user = auth.get_user(session, int(parts[0]))
            auth.require(user, user.role)  # an active user, checked where every action checks it
            if not hmac.compare_digest(parts[2], _fingerprint(user)):
                return None
    except HuifangError:
        return None
    return Resumed(user, expires)


def end(db: Database, user_id: int) -> None:
    """Log out: every token issued to the user so far stops resuming (audited as `logout`)."""
    from survey_app.security import audit

    with db.session() as session:
        user = session.get(User, user_id)
        if user is None:
            return
        user.session_generation = User.session_generation + 1  # atomic: two tabs logging out at once
        audit.record(session, user.username, "logout", entity="user", entity_id=user.id)
