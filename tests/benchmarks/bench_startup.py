"""Start-up time of the `huifang` command (run on demand: ``python tests/benchmarks/bench_startup.py``).

Target (issue 15): `huifang --help` ≤ 1.5× a bare interpreter start (`python -c pass`, same venv).
Also shown, in the same run: importing click alone, the help rendered by click (the cold path, what
every `--help` cost before the cache), and `huifang --version`, which still goes through click. Each
figure is the best and the median of ``--runs`` fresh processes, interleaved so that load on a shared
machine hits every command alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def _commands() -> dict[str, list[str]]:
    python = sys.executable
    huifang = str(BIN / "huifang")
    click_help = "import sys; sys.argv = ['huifang', '--help']; from survey_app.cli import main; main()"
    return {
        "bare interpreter (python -c pass)": [python, "-c", "pass"],
        "huifang --help (cached)": [huifang, "--help"],
        "import click": [python, "-c", "import click"],
        "--help rendered by click (cold)": [python, "-c", click_help],
        "huifang --version": [huifang, "--version"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    runs = parser.parse_args().runs
    commands = _commands()
    subprocess.run(commands["huifang --help (cached)"], stdout=subprocess.DEVNULL, check=True)  # warm
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
            times[name].append(time.perf_counter() - start)
    bare = times["bare interpreter (python -c pass)"]
    print(f"{runs} runs each, load average {os.getloadavg()[0]:.2f}")
    for name, measured in times.items():
        best, median = min(measured), statistics.median(measured)
        print(
            f"  {name:<36} best {best * 1000:6.1f} ms ({best / min(bare):4.2f}×)   "
            f"median {median * 1000:6.1f} ms ({median / statistics.median(bare):4.2f}×)"
        )


if __name__ == "__main__":
    main()
