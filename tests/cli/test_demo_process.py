"""`huifang demo` as its own process: it ends with everything written and closed, and without the
interpreter's final collections walking the heap it leaves behind (`commands.running.demo`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

#: Runs the command as `huifang` would, with an exit handler registered first, so that it runs last:
#: it reports how many objects are frozen when the interpreter starts tearing down.
_PROBE = """
import atexit, gc, sys
atexit.register(lambda: print(f"frozen at exit: {gc.get_freeze_count()}", file=sys.stderr))
from survey_app.cli import main
main(sys.argv[1:], prog_name="huifang")
"""


@pytest.fixture(scope="module")
def demo_process(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess, Path]:
    folder = tmp_path_factory.mktemp("demo-process")
    env = {**os.environ, "HUIFANG_KEY_DIR": str(folder / "keys"), "HUIFANG_ARGON2_PROFILE": "test"}
    for name in ("HUIFANG_DATABASE_URL", "HUIFANG_WITNESS_FILE"):  # its own database and key folder
        env.pop(name, None)
    command = [sys.executable, "-c", _PROBE, "--db", str(folder / "demo.db"), "demo", "--rows", "1000"]
    command += ["--out", str(folder / "out")]
    done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=600)
    return done, folder


def test_the_demo_process_prints_its_whole_summary_and_succeeds(demo_process):
    done, _folder = demo_process
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().splitlines()[-1].startswith("Next: `huifang app`")


def test_the_demo_process_leaves_only_the_finished_database(demo_process):
    _done, folder = demo_process
    assert (folder / "demo.db").stat().st_size > 0
    leftovers = [p.name for p in folder.iterdir() if p.name.startswith((".demo.db", "demo.db-"))]
    assert leftovers == []  # no journal, WAL or half-built copy: every connection was closed


def test_the_demo_process_anchors_its_report_in_the_witness_file(demo_process):
    done, _folder = demo_process
    head = next(line for line in done.stdout.splitlines() if line.startswith("Signed chain head "))
    entry_id, chain_hash = head.split()[3].split(":")
    witness = Path(head.rsplit("appended to the witness file ", 1)[1])
    lines = witness.read_text(encoding="utf-8").splitlines()
    last = json.loads(lines[-1])  # written and closed before the process ended
    assert (last["entry_id"], last["hash"]) == (int(entry_id), chain_hash)


def test_the_demo_process_is_frozen_for_the_collector_when_the_interpreter_tears_down(demo_process):
    done, _folder = demo_process
    frozen = int(done.stderr.rsplit("frozen at exit: ", 1)[1].split()[0])
    assert frozen > 100_000  # the libraries and the study's tables: no final full collections over them
