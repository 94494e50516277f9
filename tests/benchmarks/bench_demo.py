"""Wall time of `huifang demo`, stage by stage (run on demand: ``python tests/benchmarks/bench_demo.py``).

Target (issue 15): the whole demo ≤ 20 s on the project's 2-core machine. The demo runs as the real
command, in a fresh folder with its own signing-key folder, exactly as a new user would run it; the
load average before and after is printed because the machine is shared and the figure moves with it.
``--profile`` writes a cProfile of the run (``demo.prof``) for finding the next hot spot.

Some stages overlap (the users' hashes with the frame; half the fieldwork simulation and the whole
analysis in forked children — the analysis child importing its libraries beside the frame import and
the draw, analysing beside referrals, coding, the live study and the parent's own report imports, its
stage `analysis (waited for)` only the wait): a stage's printed CPU is its own process's, the total CPU
(user + system) includes the children's, so on a quiet 2-core machine the wall time can come out below
the CPU time. ``--old PATH`` runs a checkout of the code before a change (``PYTHONPATH=PATH``, e.g. a
``git worktree add --detach``) right before this one, for a comparison at the same load.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 20.0
STAGE = re.compile(r"^  (\S.*?)\s{2,}(\d+\.\d) s  \(CPU\s+(\d+\.\d) s\)$")


def run(profile: Path | None = None, old: Path | None = None) -> tuple[float, float, list[tuple[str, ...]]]:
    """One `huifang demo` in a fresh folder: (wall seconds, CPU seconds with children, stage lines)."""
    huifang = str(Path(sys.executable).parent / "huifang")
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "HUIFANG_KEY_DIR": str(Path(folder) / "keys")}
        env.pop("HUIFANG_DATABASE_URL", None)
        if old is not None:
            env["PYTHONPATH"] = str(old.resolve())
        command = [huifang, "demo"]
        if profile:
            command = [sys.executable, "-m", "cProfile", "-o", str(profile.resolve()), "-m", "survey_app.cli"]
            command.append("demo")
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - start
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"huifang demo failed:\n{done.stderr or done.stdout}")
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    return wall, cpu, [m.groups() for line in done.stdout.splitlines() if (m := STAGE.match(line))]


def report(
    label: str, wall: float, cpu: float, stages: list[tuple[str, ...]], load: tuple[float, float]
) -> None:
    print(f"{label}: load average before {load[0]:.2f} / after {load[1]:.2f} (1 min), 2 cores")
    for name, seconds, cpu_seconds in stages:
        print(f"  {name:<30} wall {float(seconds):6.1f} s   CPU {float(cpu_seconds):6.1f} s")
    print(
        f"{label}: huifang demo wall time {wall:6.1f} s — target {TARGET_S:.0f} s "
        f"({wall / TARGET_S:.2f}× the target)"
    )
    print(f"{label}: huifang demo CPU time  {cpu:6.1f} s (user + system, the forked children included)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", type=Path, help="write a cProfile of the run to this file")
    parser.add_argument("--old", type=Path, help="also run the code checked out here, right before")
    arguments = parser.parse_args()
    runs = [("before", arguments.old)] if arguments.old else []
    for label, old in [*runs, ("now", None)]:
        load_before = os.getloadavg()[0]
        wall, cpu, stages = run(arguments.profile if old is None else None, old)
        report(label, wall, cpu, stages, (load_before, os.getloadavg()[0]))


if __name__ == "__main__":
    main()
