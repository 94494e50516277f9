"""The next study planned (`analysis.wave_power`) and then run, over many simulated studies
(`tests/analysis/waves_sim.py`): an earlier study of every district, a plan for a fall of δ at power
0.8, a later study called as the plan asks, the two compared as `huifang waves` compares them. Per
world: the share of districts that fell which could be planned, the recall among them (the plan
promises 0.8 when one district alone falls), P(any false mark), the false discovery proportion and
the later study's calls; for Huifang and for the peer, statsmodels' two-sample power for proportions
(Cohen's h) at the same level.

    python tests/benchmarks/sim_wave_plan.py [--seeds 200]
"""

from __future__ import annotations

import argparse
import time

from tests.analysis.waves_sim import PLAN_WORLDS, planned_summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200)
    args = parser.parse_args()
    print(f"{'world':40s} {'calls':>5s} {'δ':>5s} {'planner':11s} {'plannable':>9s} {'recall':>7s} "
          f"{'P(any false)':>12s} {'FDP':>6s} {'later calls':>11s}")  # fmt: skip
    for name, (world, per, change) in PLAN_WORLDS.items():
        for label, peer in (("huifang", False), ("statsmodels", True)):
            started = time.perf_counter()
            found = planned_summary(world, range(args.seeds), per, change, peer=peer)
            print(
                f"{name:40s} {per:5d} {change:5.2f} {label:11s} {found['plannable']:9.3f} {found['recall']:7.3f} "
                f"{found['any_false']:12.3f} {found['fdp']:6.3f} {found['calls']:11.0f}   ({time.perf_counter() - started:.0f} s)",
                flush=True,
            )


if __name__ == "__main__":
    main()
