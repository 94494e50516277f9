"""Where the database lives: one place that reads the environment, so every entry point agrees."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_SQLITE_FILE = "huifang.db"
ENV_URL = "HUIFANG_DATABASE_URL"


def database_url(explicit: str | None = None) -> str:
    """The database URL: an explicit one, else `HUIFANG_DATABASE_URL`, else `./huifang.db`.

    A bare file path is accepted and means a SQLite file.
    """
    url = explicit or os.environ.get(ENV_URL) or DEFAULT_SQLITE_FILE
    if "://" not in url:
        url = f"sqlite:///{Path(url).expanduser().resolve()}"
    return url


def describe(url: str) -> str:
    """A human description of the database that hides any password."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite file {parsed.database}"
    return f"{parsed.get_backend_name()} database {parsed.render_as_string(hide_password=True)}"


# --- secrets kept outside the database -------------------------------------------------------------------
# The signing key (security/signing.py), the field-encryption key (security/fieldcrypto.py) and the witness
# file live in one private folder that is never inside the database: someone who can rewrite the database
# cannot read or replace them. Default `$XDG_CONFIG_HOME/huifang/keys` (`~/.config/huifang/keys`).

ENV_KEY_DIR = "HUIFANG_KEY_DIR"
ENV_WITNESS_FILE = "HUIFANG_WITNESS_FILE"
ENV_TIMESTAMP_AUTHORITY = "HUIFANG_TIMESTAMP_AUTHORITY"
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def key_dir() -> Path:
    """The folder holding Huifang's keys: `HUIFANG_KEY_DIR`, else `~/.config/huifang/keys`."""
    explicit = os.environ.get(ENV_KEY_DIR)
    if explicit:
        return Path(explicit).expanduser().resolve()
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return (Path(base) / "huifang" / "keys").expanduser().resolve()


def private_dir(path: Path | None = None) -> Path:
    """Create the key folder (or `path`) with mode 0700 if needed and return it."""
    folder = path or key_dir()
    folder.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    folder.chmod(PRIVATE_DIR_MODE)
    return folder


def witness_file() -> Path:
    """Where every report build appends the signed chain head: `HUIFANG_WITNESS_FILE`, else
    `witness.jsonl` in the key folder. Copy it off the server (or point it at a mounted share)."""
    explicit = os.environ.get(ENV_WITNESS_FILE)
    return Path(explicit).expanduser().resolve() if explicit else key_dir() / "witness.jsonl"


def timestamp_authority() -> str | None:
    """`module:factory` of an RFC 3161 timestamp client (`security.timestamping`); unset = off."""
    return os.environ.get(ENV_TIMESTAMP_AUTHORITY) or None


# --- sign-in through an authenticating reverse proxy (issue 11 part B) ------------------------------------
ENV_TRUSTED_USER_HEADER = "HUIFANG_TRUSTED_USER_HEADER"


def trusted_user_header() -> str | None:
    """The request header an authenticating reverse proxy sets to the signed-in user name (e.g.
    `X-Remote-User`); unset = off. Only safe when the app is reachable through that proxy alone and the
    proxy overwrites the header on every request (see ARCHITECTURE.md)."""
    return os.environ.get(ENV_TRUSTED_USER_HEADER) or None


# --- the client's address behind a reverse proxy (throttling per client) -----------------------------------
ENV_TRUSTED_PROXIES = "HUIFANG_TRUSTED_PROXIES"


def trusted_proxies_text() -> str:
    """The proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated); unset =
    none: served directly, the TCP peer is the client. `huifang serve` sets it to its local nginx."""
    return os.environ.get(ENV_TRUSTED_PROXIES, "")
