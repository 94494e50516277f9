"""Start-up time of the `huifang` command (run on demand: ``python tests/benchmarks/bench_startup.py``).

Target (issue 15): every cheap command line — `huifang --help`, `--version`, a group's help, a
command's help — ≤ 1.5× a bare interpreter start (`python -c pass`, same venv). Shown beside them, in
the same run: importing click alone; `--version` and a group's help rendered by click, which is what
the cache saves (the commands load lazily, yet click alone costs twice a bare start); the entry path
of every real command (click, the command table, `import survey_app.cli`); a real command without a
database (`sms outbox`) and one on a database (`studies`, on an empty SQLite file). Each figure is the
best and the median wall time and the median CPU time (user + sys of the child) of ``--runs`` fresh
processes, interleaved so that load on a shared machine hits every command alike; ratios are to the
bare interpreter's same statistic.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
BARE = "bare interpreter (python -c pass)"


def _commands(scratch: Path) -> dict[str, list[str]]:
    python, huifang = sys.executable, str(BIN / "huifang")
    through_click = "from survey_app.cli import main; main(['--version'])"
    group_help = "from survey_app.cli import main; main(['db', '--help'])"
    return {
        BARE: [python, "-c", "pass"],
        "huifang --help": [huifang, "--help"],
        "huifang --version": [huifang, "--version"],
        "huifang sample --help": [huifang, "sample", "--help"],
        "huifang sample draw --help": [huifang, "sample", "draw", "--help"],
        "import click": [python, "-c", "import click"],
        "--version through click (no cache)": [python, "-c", through_click],
        "db --help through click (no cache)": [python, "-c", group_help],
        "entry path: import survey_app.cli": [python, "-c", "import survey_app.cli"],
        "huifang sms outbox (no database)": [huifang, "sms", "outbox", "--last", "1"],
        "huifang studies (empty SQLite)": [huifang, "--db", str(scratch / "bench.db"), "studies"],
    }


def _run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + sys) seconds of one fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, check=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory(prefix="huifang-startup-") as folder:
        scratch = Path(folder)
        env = {**os.environ, "HUIFANG_SMS_OUTBOX": str(scratch / "outbox")}
        commands = _commands(scratch)
        for command in commands.values():  # warm: the help cache, the empty database's schema
            subprocess.run(command, stdout=subprocess.DEVNULL, check=True, env=env)
        wall: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        load = [os.getloadavg()[0]]
        for _ in range(runs):
            for name, command in commands.items():
                seconds, used = _run(command, env)
                wall[name].append(seconds)
                cpu[name].append(used)
        load.append(os.getloadavg()[0])
    bare_best, bare_median, bare_cpu = (
        min(wall[BARE]),
        statistics.median(wall[BARE]),
        statistics.median(cpu[BARE]),
    )
    print(f"{runs} runs each, load average {load[0]:.2f} at start, {load[1]:.2f} at end")
    for name in commands:
        best, median, used = min(wall[name]), statistics.median(wall[name]), statistics.median(cpu[name])
        print(
            f"  {name:<36} wall best {best * 1000:7.1f} ms ({best / bare_best:5.2f}×)  "
            f"median {median * 1000:7.1f} ms ({median / bare_median:5.2f}×)  "
            f"CPU median {used * 1000:7.1f} ms ({used / bare_cpu:5.2f}×)"
        )


if __name__ == "__main__":
    main()
