"""Benchmark: unit verdicts over many simulated studies — recall and false discovery proportion per scenario.

Run on demand: `python tests/benchmarks/bench_verdicts.py [seeds] [scenario …]` (default 60 seeds, every
scenario of `tests/analysis/verdict_sim.py`: 60 units, ~16 respondents a unit, q = 0.10). Prints per
scenario: the mean recall over the planted units, the mean false discovery proportion (FDP; 0 when
nothing is flagged), the share of studies with at least one false flag, the mean number of units
flagged and of units judged "insufficient evidence", and the median minimum detectable inflation.

Targets (issue 10): FDP ≤ 0.10 in every honest scenario; recall ≥ 0.9 for +20 points and ≥ 0.8 for
proxy rating of 30% of events. Peer: the issue's measurements of the method before (FDP 1.0 for honest
small units, 0.45 under a −3-point mode effect, recall 0.03 / 0.72 for +5 / +20, 0.50 for 30% proxy).
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.analysis.verdict_sim import SCENARIOS, recall_and_fdp, simulate, verdicts


def run(name: str, seeds: int) -> dict[str, float]:
    rows = []
    for seed in range(seeds):
        study = simulate(SCENARIOS[name], seed)
        table = verdicts(study)
        recall, fdp, false = recall_and_fdp(study, table)
        rows.append(
            (
                recall,
                fdp,
                false > 0,
                table["flagged"].sum(),
                (table["status"] == "insufficient_evidence").sum(),
                table["min_detectable"].median(),
            )
        )
    r = np.array(rows, dtype=float)
    return dict(
        zip(
            ("recall", "fdp", "any_false", "flagged", "insufficient", "mdi"),
            np.nanmean(r, axis=0),
            strict=True,
        )
    )


def main() -> None:
    warnings.simplefilter("ignore")
    seeds = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    names = sys.argv[2:] or list(SCENARIOS)
    print(
        f"unit verdicts: {seeds} simulated studies per scenario, 60 units, ~16 respondents a unit, q = 0.10"
    )
    print(
        f"{'scenario':24s} {'recall':>7s} {'FDP':>6s} {'any false':>9s} {'flagged':>8s} {'insuff.':>8s} {'MDI':>6s} {'s/study':>8s}"
    )
    for name in names:
        start = time.perf_counter()
        m = run(name, seeds)
        per = (time.perf_counter() - start) / seeds
        recall = "—" if np.isnan(m["recall"]) else f"{m['recall']:.2f}"
        print(
            f"{name:24s} {recall:>7s} {m['fdp']:6.3f} {m['any_false']:9.2f} {m['flagged']:8.1f} "
            f"{m['insufficient']:8.1f} {100 * m['mdi']:5.0f}p {per:8.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
