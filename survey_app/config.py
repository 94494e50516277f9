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
