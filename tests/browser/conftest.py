"""A real Streamlit server on a prepared database, and Debian's chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

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
APP = REPO / "survey_app" / "app" / "main.py"
STARTUP_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


@pytest.fixture
def serve(tmp_path: Path):
    """Start `streamlit run` on a free port against `database_url`; yields the base URL."""
    started: list[subprocess.Popen] = []

    def start(database_url: str) -> str:
        port = _free_port()
        log = tmp_path / f"streamlit-{port}.log"
        env = {**os.environ, "HUIFANG_DATABASE_URL": database_url, "PYTHONPATH": str(REPO)}
        command = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(APP),
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
            "--client.toolbarMode",
            "minimal",
        ]
        handle = log.open("w")
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=handle, stderr=subprocess.STDOUT)
        started.append(process)
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(url, process, log)
        return url

    yield start
    for process in started:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def browser() -> Iterator:
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


@pytest.fixture(scope="session")
def _browser_demo(tmp_path_factory: pytest.TempPathFactory):
    """A small demo (every real service: the closed study `demo` with its report, the open study `live`)
    built once per run with keys of its own; each test works on a copy of it."""
    from survey_app.services import demo

    folder = tmp_path_factory.mktemp("browser-demo")
    keys = folder / "keys"
    saved = os.environ.get("HUIFANG_KEY_DIR")
    os.environ["HUIFANG_KEY_DIR"] = str(keys)
    try:
        result = demo.build_demo(
            str(folder / "demo.db"), rows=6000, seed=11, out_dir=folder / "out", echo=lambda _line: None
        )
    finally:
        if saved is None:
            os.environ.pop("HUIFANG_KEY_DIR", None)
        else:
            os.environ["HUIFANG_KEY_DIR"] = saved
    return folder, result


@pytest.fixture
def demo_site(_browser_demo, tmp_path: Path, serve, monkeypatch: pytest.MonkeyPatch):
    """(base URL, the demo's passwords, the copy's database URL) of an app server on a private copy of
    the browser demo, and its out folder (the frame file the auditor verifies against)."""
    import shutil

    folder, result = _browser_demo
    shutil.copy(folder / "demo.db", tmp_path / "demo.db")
    shutil.copytree(folder / "keys", tmp_path / "keys")
    shutil.copytree(folder / "out", tmp_path / "out")
    monkeypatch.setenv("HUIFANG_KEY_DIR", str(tmp_path / "keys"))
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    from sqlalchemy import select

    from survey_app.storage import open_database
    from survey_app.storage.models import Frame

    db = open_database(url)
    with db.session() as session:  # the copy's frame files are the copied ones
        for frame in session.scalars(select(Frame)):
            frame.source_path = str(tmp_path / "out" / Path(frame.source_path or "").name)
    db.dispose()
    return serve(url), result.passwords, url, tmp_path / "out"
