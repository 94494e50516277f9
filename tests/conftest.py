"""Shared test fixtures: a fresh, migrated database per test, on SQLite or PostgreSQL.

`HUIFANG_TEST_DATABASE_URL` chooses the server (`.ci/run` sets it to a throwaway PostgreSQL 15
cluster for a second pass over the tests marked `db`); without it every database is a SQLite file.
A migrated template is made once per run and copied per test, so each test starts from an empty,
fully migrated schema in milliseconds.
"""

from __future__ import annotations

import os

os.environ.setdefault("HUIFANG_ARGON2_PROFILE", "test")  # before survey_app is imported

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

import survey_app.pinned  # noqa: F401  first of the project's modules: before anything loads numpy
from survey_app.storage import Database, open_database, upgrade
from survey_app.storage.models import Frame

PG_URL = os.environ.get("HUIFANG_TEST_DATABASE_URL")


@pytest.fixture(scope="session", autouse=True)
def _signing_key(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test run signs with its own throwaway key folder, never the developer's real keys."""
    from survey_app.security import signing

    folder = tmp_path_factory.mktemp("keys")
    saved = {name: os.environ.get(name) for name in ("HUIFANG_KEY_DIR", "HUIFANG_WITNESS_FILE")}
    os.environ["HUIFANG_KEY_DIR"] = str(folder / "keys")
    os.environ["HUIFANG_WITNESS_FILE"] = str(folder / "witness.jsonl")
    signing.init_key()
    yield folder / "keys"
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session", autouse=True)
def _streamlit_once() -> Iterator[None]:
    """AppTests share one component scan and one compiled copy of each script (tests/streamlit_once.py);
    only when a collected test module imported Streamlit (a pure-library run stays light)."""
    if "streamlit" not in sys.modules:
        yield
        return
    from tests import streamlit_once

    with streamlit_once.shared():
        yield


@pytest.fixture(scope="session")
def blas_threads_as_loaded() -> int:
    """The most threads a BLAS library of this process started with (one per core, or
    `OPENBLAS_NUM_THREADS`), before `_one_blas_thread` limited them: tests about thread counts skip below 2."""
    import scipy.linalg  # noqa: F401  scipy's own OpenBLAS, loaded now so that it is counted and limited too
    from threadpoolctl import threadpool_info

    return max((pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"), default=1)


@pytest.fixture(scope="session", autouse=True)
def _one_blas_thread(blas_threads_as_loaded: int) -> Iterator[None]:
    """Every test runs with BLAS on one thread, as every analysis does (`analysis.numeric`). OpenBLAS's idle
    threads spin while they wait, and CI's two passes already fill the two cores: tests/analysis/ cost 467 s
    of CPU on two threads and 195 s on one, tests/security/ 234 and 120 s (niced, load 7-9, 2 Dec 2026).
    Tests about thread counts raise the limit themselves (`threadpool_limits(2)`: the threads started at
    load stay); processes a test starts (app servers, CLI runs) keep BLAS's threads as loaded."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The migrated template every test database copies: a SQLite file, or on PostgreSQL the server's
    test databases (tests/pg_databases.py: file copies, dropped in batches)."""
    if PG_URL:
        from tests import pg_databases

        with pg_databases.server(PG_URL) as server:
            yield server
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        db = open_database(str(path))
        upgrade(db)
        db.dispose()
        yield str(path)


@pytest.fixture
def database_url(_template, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, migrated, empty database for this test."""
    if PG_URL:
        url = _template.create()
        yield url
        _template.finished(url)
    else:
        path = tmp_path / "huifang.db"
        shutil.copy(_template, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A fresh, migrated database (SQLite file, or PostgreSQL when HUIFANG_TEST_DATABASE_URL is set)."""
    database = open_database(database_url)
    yield database
    database.dispose()


@pytest.fixture(scope="session", autouse=True)
def _built_study_copies(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The builders' fieldwork study is built once per run and database kind, then copied per test
    (tests/app/study_copies.py); its snapshot databases are dropped at the end."""
    from tests.app import study_copies

    with study_copies.keeping(tmp_path_factory.mktemp("built-study")):
        yield


@pytest.fixture
def users(db: Database) -> dict:
    """One active user per role, named after the role (password: 'password-<role>')."""
    from survey_app.services import auth
    from survey_app.storage.models import ROLES

    made = {}
    with db.session() as session:
        for number, role in enumerate(ROLES, start=1):
            made[role] = auth.create_user(
                session,
                None,
                role,
                f"password-{role}",
                role,
                surveyor_no=f"{number:03d}" if role == "surveyor" else None,
                organisation_id="ORG0001" if role == "remediation" else None,
            )
    return made


SMALL_ROWS = 6000
SMALL_SEED = 11


def end_posterior_worker() -> None:
    """End the app's posterior worker in this process (`services.posterior_worker`), which a comparison
    page tested before may have started: its pool keeps threads here, and the demo forks its children
    only while no other thread runs (`forked.elsewhere`), so it would build in one process instead."""
    from survey_app.services import posterior_worker

    posterior_worker.stop()


@pytest.fixture
def no_posterior_worker() -> None:
    end_posterior_worker()


@pytest.fixture(scope="session")
def _small_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, object]:
    """A small demo study built once per session through every real service: (db, out folder, result).

    Signed with the session's keys; a copy of that key folder as it was right after the build is kept
    beside it (`keys`), so the browser tests' app servers run on private copies of the study and of the
    keys that signed it (tests/browser/conftest.py) without building the demo a second time.
    """
    from survey_app import config
    from survey_app.services import demo

    folder = tmp_path_factory.mktemp("small-demo")
    end_posterior_worker()
    result = demo.build_demo(
        str(folder / "demo.db"),
        rows=SMALL_ROWS,
        seed=SMALL_SEED,
        out_dir=folder / "out",
        echo=lambda _line: None,
    )
    shutil.copytree(config.key_dir(), folder / "keys")  # the keys that signed it
    return folder / "demo.db", folder / "out", result


def copy_small_demo(small_demo: tuple[Path, Path, object], folder: Path) -> Database:
    """A copy of the small demo (`_small_demo`) in `folder`: its database and out folder, the copy's frame
    file the copied one. A module that only reads the study may share one (a module-scoped fixture)."""
    source, out, _ = small_demo
    target = folder / "demo.db"
    shutil.copy(source, target)
    shutil.copytree(out, folder / "out")
    database = open_database(str(target))
    with database.engine.begin() as conn:
        conn.execute(update(Frame).values(source_path=str(folder / "out" / "demo-frame.csv")))
    return database


@pytest.fixture
def demo_db(_small_demo, tmp_path: Path) -> Database:
    """A private copy of the small demo study (SQLite), free to tamper with."""
    database = copy_small_demo(_small_demo, tmp_path)
    yield database
    database.dispose()


@pytest.fixture
def demo_result(_small_demo):
    return _small_demo[2]


@pytest.fixture(scope="session")
def _unit_comparisons():
    import analysis
    from tests.same_inputs import SameInputsSameResult

    return SameInputsSameResult(analysis.compare_units)


@pytest.fixture
def same_inputs_same_units(_small_demo, _unit_comparisons, monkeypatch: pytest.MonkeyPatch):
    """`analysis.compare_units` answers byte-identical arguments from the run's memo, installed after
    the small demo's build (tests/same_inputs.py: why, and which modules may opt in)."""
    import analysis

    monkeypatch.setattr(analysis, "compare_units", _unit_comparisons)
    return _unit_comparisons


#: Folders (space-separated, e.g. "tests/sampling/") whose tests that use no database server CI runs in
#: its PostgreSQL pass instead of the SQLite pass, to even out the two side-by-side passes (`.ci/test`).
SECOND_PASS = tuple(os.environ.get("HUIFANG_SECOND_PASS", "").split())
#: Files (or folders) under a `SECOND_PASS` folder that stay in pass 1 all the same: the long simulations
#: that would leave pass 2 the longer one.
FIRST_PASS = tuple(os.environ.get("HUIFANG_FIRST_PASS", "").split())


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "second_pass: uses no database server and is in HUIFANG_SECOND_PASS, not HUIFANG_FIRST_PASS "
        "(CI runs it in pass 2)",
    )
    config.addinivalue_line(
        "markers",
        "server_free: marked `db` but uses neither the `db` nor the `database_url` fixture (a demo copy, "
        "a browser on a SQLite demo): the same run whatever server HUIFANG_TEST_DATABASE_URL names",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test that uses a database is a `db` test, so the PostgreSQL pass cannot miss one; a test
    marked `db` by hand that uses no server is also `server_free`; a test under a `SECOND_PASS` folder
    that uses no server (server-free or not marked `db`) is `second_pass` unless it is under a
    `FIRST_PASS` path: CI runs it once, in pass 2."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if {"db", "database_url"} & fixtures:
            item.add_marker(pytest.mark.db)
            continue
        if item.get_closest_marker("db") is not None:
            item.add_marker(pytest.mark.server_free)
        if SECOND_PASS and item.nodeid.startswith(SECOND_PASS) and not item.nodeid.startswith(FIRST_PASS):
            item.add_marker(pytest.mark.second_pass)


_MISSING_TOOL = ("not installed", "is missing")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """In CI (`HUIFANG_REQUIRE_TOOLS=1`) a test skipped for a missing tool fails instead.

    Locally a missing chromium, Rscript or poppler only skips its tests; CI installs them all, so
    a skip there would hide a broken set-up behind a green run.
    """
    outcome = yield
    report = outcome.get_result()
    if not (report.skipped and os.environ.get("HUIFANG_REQUIRE_TOOLS") == "1"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    if any(words in reason for words in _MISSING_TOOL):
        report.outcome = "failed"
        report.longrepr = f"required tool missing in CI: {reason}"


@pytest.fixture
def quiet_warnings() -> Iterator[None]:
    """Warnings silenced, for simulations that fit thousands of sparse tables (statsmodels and scipy
    warn on the degenerate ones, which the code under test handles and says so)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
