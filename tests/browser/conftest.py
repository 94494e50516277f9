"""A real Streamlit server on a prepared database, and Debian's chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from survey_app.serve import free_ports, streamlit_command

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPO = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 60


def _wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(
        f"streamlit did not answer {url}/_stcore/health in {STARTUP_SECONDS} s:\n{log.read_text()}"
    )


def _start(
    database_url: str, folder: Path, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen, str]:
    """`streamlit run` of the app on a free port against `database_url` (its log in `folder`), once it
    answers its health check: (process, base URL)."""
    (port,) = free_ports(1)
    log = folder / f"streamlit-{port}.log"
    env = {**os.environ, **(env or {}), "HUIFANG_DATABASE_URL": database_url, "PYTHONPATH": str(REPO)}
    command = streamlit_command(port)  # the production server's own command line
    handle = log.open("w")
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=handle, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log)
    except BaseException:
        _stop(process)
        raise
    return process, url


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def serve(tmp_path: Path):
    """Start `streamlit run` on a free port against `database_url`; yields the base URL."""
    started: list[subprocess.Popen] = []

    def start(database_url: str) -> str:
        process, url = _start(database_url, tmp_path)
        started.append(process)
        return url

    yield start
    for process in started:
        _stop(process)


@pytest.fixture(scope="module")
def _chromium() -> Iterator:
    """Debian's chromium, launched once per test module (a launch costs seconds); its tests share it, not
    pages. Not once per run: while Playwright's sync API is open, asyncio sees a running event loop in
    this thread, and the tests after the browser folder must not (asyncio.run would refuse)."""
    if not CHROMIUM.exists():
        if os.environ.get("HUIFANG_REQUIRE_TOOLS"):  # CI: a missing browser is a failure, not a skip
            pytest.fail(f"{CHROMIUM} is missing and HUIFANG_REQUIRE_TOOLS is set: install Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


@pytest.fixture
def browser(_chromium) -> Iterator:
    """The shared chromium; every page a test opens is in a context of its own (`new_page` and
    `new_context` make one: no cookie or storage is shared), closed when the test ends."""
    yield _chromium
    for context in _chromium.contexts:
        context.close()


@pytest.fixture(scope="session")
def _browser_demo(_small_demo):
    """The session's small demo (tests/conftest.py: every real service, the closed study `demo` with its
    report, the open study `live`, and the keys that signed it), built once per run for every test that
    needs it; each browser test works on a copy of it."""
    database, _, result = _small_demo
    return database.parent, result


def _restore(pristine: Path, live: Path) -> None:
    """Make `live` a page-for-page copy of `pristine` through SQLite's backup API, which writes under
    SQLite's own locks: an app server holding `live` open reads the restored study on its next query."""
    source, target = sqlite3.connect(pristine), sqlite3.connect(live, timeout=60)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


@pytest.fixture(scope="module")
def _demo_server(_browser_demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """One app server per test module on a private copy of the browser demo (study, keys, frame files):
    (base URL, folder). `demo.db` is what it serves; `pristine.db` the copy each test starts from."""
    from sqlalchemy import select

    from survey_app.storage import open_database
    from survey_app.storage.models import Frame

    folder, _ = _browser_demo
    site = tmp_path_factory.mktemp("demo-site")
    shutil.copy(folder / "demo.db", site / "pristine.db")
    shutil.copytree(folder / "keys", site / "keys")
    shutil.copytree(folder / "out", site / "out")
    db = open_database(f"sqlite:///{site / 'pristine.db'}")
    with db.session() as session:  # the copy's frame files are the copied ones
        for frame in session.scalars(select(Frame)):
            frame.source_path = str(site / "out" / Path(frame.source_path or "").name)
    db.dispose()
    _restore(site / "pristine.db", site / "demo.db")
    process, url = _start(f"sqlite:///{site / 'demo.db'}", site, {"HUIFANG_KEY_DIR": str(site / "keys")})
    yield url, site
    _stop(process)


@pytest.fixture
def demo_site(_demo_server, _browser_demo, monkeypatch: pytest.MonkeyPatch):
    """(base URL, the demo's passwords, the copy's database URL) of an app server on a private copy of
    the browser demo, and its out folder (the frame file the auditor verifies against).

    The server is the module's (`_demo_server`: starting one costs seconds); the study is this test's
    own: the database is restored to the untouched copy before the test, so no test sees another's
    changes. The keys and frame files are the module's (no browser test changes them)."""
    url, site = _demo_server
    _restore(site / "pristine.db", site / "demo.db")
    monkeypatch.setenv("HUIFANG_KEY_DIR", str(site / "keys"))
    return url, _browser_demo[1].passwords, f"sqlite:///{site / 'demo.db'}", site / "out"
