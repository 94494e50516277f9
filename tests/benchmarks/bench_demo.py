"""Wall time of `huifang demo`, stage by stage (run on demand: ``python tests/benchmarks/bench_demo.py``).

Target (issue 15): the whole demo ≤ 20 s on the project's 2-core machine. The demo runs as the real
command, in a fresh folder with its own signing-key folder, exactly as a new user would run it; the
load average before and after is printed because the machine is shared and the figure moves with it.
``--profile`` writes a cProfile of the run (``demo.prof``) for finding the next hot spot.

Some stages overlap (the users' hashes with the frame, the PDF's rendering in a forked child with the
live study): a stage's printed CPU is its own process's, the total CPU (user + system) includes the
child's, so on a quiet 2-core machine the wall time can come out below the CPU time.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", type=Path, help="write a cProfile of the run to this file")
    arguments = parser.parse_args()
    huifang = str(Path(sys.executable).parent / "huifang")
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "HUIFANG_KEY_DIR": str(Path(folder) / "keys")}
        env.pop("HUIFANG_DATABASE_URL", None)
        command = [huifang, "demo"]
        if arguments.profile:
            profile = str(arguments.profile.resolve())
            command = [sys.executable, "-m", "cProfile", "-o", profile, "-m", "survey_app.cli", "demo"]
        load_before = os.getloadavg()
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - start
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        load_after = os.getloadavg()
        cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    if done.returncode != 0:
        sys.exit(f"huifang demo failed:\n{done.stderr or done.stdout}")
    stages = [m.groups() for line in done.stdout.splitlines() if (m := STAGE.match(line))]
    print(f"load average before {load_before[0]:.2f} / after {load_after[0]:.2f} (1 min), 2 cores")
    for name, seconds, cpu_seconds in stages:
        print(f"  {name:<30} wall {float(seconds):6.1f} s   CPU {float(cpu_seconds):6.1f} s")
    print(
        f"huifang demo wall time {wall:6.1f} s — target {TARGET_S:.0f} s ({wall / TARGET_S:.2f}× the target)"
    )
    print(
        f"huifang demo CPU time  {cpu:6.1f} s (user + system, the forked PDF child included: the work done)"
    )


if __name__ == "__main__":
    main()
