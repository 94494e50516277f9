"""A small demo study, built once per test session through every real service, copied per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import update

from survey_app.services import demo
from survey_app.storage import Database, open_database
from survey_app.storage.models import Frame

SMALL_ROWS = 6000
SMALL_SEED = 11


@pytest.fixture(scope="session")
def _small_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, demo.DemoResult]:
    folder = tmp_path_factory.mktemp("small-demo")
    result = demo.build_demo(
        str(folder / "demo.db"),
        rows=SMALL_ROWS,
        seed=SMALL_SEED,
        out_dir=folder / "out",
        echo=lambda _line: None,
    )
    return folder / "demo.db", folder / "out", result


@pytest.fixture
def demo_db(_small_demo, tmp_path: Path) -> Database:
    """A private copy of the small demo study (SQLite), free to tamper with."""
    source, out, _ = _small_demo
    target = tmp_path / "demo.db"
    shutil.copy(source, target)
    shutil.copytree(out, tmp_path / "out")
    database = open_database(str(target))
    with database.engine.begin() as conn:  # the copy's frame file is the copied one
        conn.execute(update(Frame).values(source_path=str(tmp_path / "out" / "demo-frame.csv")))
    yield database
    database.dispose()


@pytest.fixture
def demo_result(_small_demo) -> demo.DemoResult:
    return _small_demo[2]
