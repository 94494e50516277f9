"""AppTest fixtures: the app pointed at a fresh test database holding a small study in fieldwork."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import sampling
from survey_app.storage import Database
from tests.app.builders import BuiltStudy, build_fieldwork_study, password

APP = Path(__file__).resolve().parents[2] / "survey_app" / "app" / "main.py"
TIMEOUT = 30

_SAMPLING_READY = all(hasattr(sampling, name) for name in ("load_frame", "draw", "allocate"))


@pytest.fixture
def app_db(
    db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Database:
    """The test database, also named in HUIFANG_DATABASE_URL so that the app opens the same one; the
    server's keys (the session-signing key among them) in a folder of this test's own."""
    monkeypatch.setenv("HUIFANG_DATABASE_URL", database_url)
    monkeypatch.setenv("HUIFANG_KEY_DIR", str(tmp_path_factory.mktemp("keys")))
    return db


@pytest.fixture
def study(app_db: Database, tmp_path: Path) -> BuiltStudy:
    if not _SAMPLING_READY:
        pytest.skip("sampling.load_frame/draw/allocate are not exported yet; the study builder needs them")
    return build_fieldwork_study(app_db, tmp_path)


def open_app() -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    app.run()
    return app


def log_in(username: str, secret: str | None = None) -> AppTest:
    """A new browser tab (a new AppTest) that logs in; the password defaults to the builder's."""
    app = open_app()
    app.text_input(key="login_username").input(username)
    app.text_input(key="login_password").input(secret if secret is not None else password(username))
    app.button[0].click()
    app.run()
    return app


def page_text(app: AppTest) -> str:
    """Every text the page shows (markdown, headers, captions, messages, metrics, tables)."""
    parts: list[str] = []
    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "info",
        "success",
        "warning",
        "error",
    ):
        parts.extend(str(element.value) for element in getattr(app, kind))
    for metric in app.metric:
        parts.extend([str(metric.label), str(metric.value)])
    for table in app.dataframe:
        parts.append(table.value.to_string())
    for radio in app.radio:
        parts.extend(str(option) for option in radio.options)
    return "\n".join(parts)


@pytest.fixture
def login() -> Callable[..., AppTest]:
    return log_in
