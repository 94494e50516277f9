"""Speed of the synthetic data (run on demand: ``python tests/benchmarks/bench_fixtures.py``).

Targets (issue 2 §3): 50,000 rows well under 5 s (the demo runs end to end in < 60 s); (issue 15)
`huifang fixtures frame --rows 1000000` ≤ 10 s wall — run as the real command in a fresh process, with
its CPU time, its peak RSS and the load average beside it (the machine is shared). Peer: Faker called once per row for names alone (what a naive generator does),
timed on the same number of rows (extrapolated from 50,000 for larger frames). Also timed: writing the
export as UTF-8 and GBK CSV, and simulating the fieldwork of 2,000 cases. Peak memory is the process's
peak RSS after the largest frame. Pass ``--rows`` to try other sizes.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from faker import Faker

import fixtures
from sampling.vocabulary import EXPORT_HEADERS


def _timed(action):
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def _faker_per_row(rows: int) -> float:
    faker = Faker("zh_CN")
    faker.seed_instance(1)
    start = time.perf_counter()
    for _ in range(rows):
        faker.name()
    return time.perf_counter() - start


def _command(rows: int, folder: str) -> str:
    """`huifang fixtures frame` as a user runs it: wall, CPU (user + system) and peak RSS of the child."""
    huifang = str(Path(sys.executable).parent / "huifang")
    out = str(Path(folder) / "cli.csv")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [huifang, "fixtures", "frame", "--rows", str(rows), "--encoding", "gbk", "--out", out],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return (
        f"huifang fixtures frame --rows {rows:,} --encoding gbk: wall {wall:5.1f} s, CPU {cpu:5.1f} s, "
        f"peak RSS of the child {after.ru_maxrss / 1024:,.0f} MiB (target 10 s: {wall / 10:.2f}×; "
        f"load average {os.getloadavg()[0]:.1f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[50_000, 1_000_000])
    parser.add_argument("--cli-rows", type=int, default=1_000_000, help="rows for the CLI run (0: skip)")
    arguments = parser.parse_args()
    if arguments.cli_rows:
        with tempfile.TemporaryDirectory() as folder:
            print(_command(arguments.cli_rows, folder))
    fixtures.make_frame(1_000, 1)  # imports and the once-per-process prefix check, not timed
    peer_per_row = _faker_per_row(50_000) / 50_000
    with tempfile.TemporaryDirectory() as folder:
        for rows in arguments.rows:
            frame, made = _timed(lambda rows=rows: fixtures.make_frame(rows, 20261126))
            _, utf8 = _timed(lambda frame=frame: fixtures.write_frame(frame, Path(folder) / "f.csv"))
            _, gbk = _timed(
                lambda frame=frame: fixtures.write_frame(frame, Path(folder) / "g.csv", encoding="gbk")
            )
            print(
                f"{rows:>9,} rows: make_frame {made:6.2f} s (peer, Faker per row for names only: "
                f"{peer_per_row * rows:6.2f} s) | write UTF-8 CSV {utf8:5.2f} s | write GBK CSV {gbk:5.2f} s"
            )
        cases = frame.export.rename(columns={h: f for f, h in EXPORT_HEADERS.items()})
        cases = cases.sample(2_000, random_state=np.random.RandomState(1))
        _, simulated = _timed(lambda: fixtures.simulate_fieldwork(cases, frame.truth, seed=1))
        print(f"simulate_fieldwork, 2,000 cases: {simulated:.2f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
