"""A demo study built in a child process on another OpenBLAS kernel than this process's (pinned) one, as
a machine with another kind of CPU would build it (`OPENBLAS_CORETYPE`, which this CPU runs), for the
tests of `verify` across arithmetic."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from survey_app import numeric_platform
from survey_app.storage.db import Database, open_database


def build_on_kernel(folder: Path, kernel: str, script: str) -> Path:
    """Run `script` (given the database path and the output folder) unpinned on `kernel`: `folder`."""
    env = {**numeric_platform.native_environment(), "OPENBLAS_CORETYPE": kernel}
    command = [sys.executable, "-c", script, str(folder / "demo.db"), str(folder / "out")]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return folder


def copy_of(build: Path, folder: Path) -> Database:
    """A private copy of the built study, free to tamper with."""
    shutil.copy(build / "demo.db", folder / "demo.db")
    return open_database(str(folder / "demo.db"))
