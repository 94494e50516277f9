"""Two waves compared over many simulated studies (`tests/analysis/waves_sim.py`): per world, P(any
false mark), the false discovery proportion, recall of the districts that changed and coverage of the
districts' 95% intervals of the change, for `analysis.waves` and for the peer, a Wald difference of the
two printed standard errors with each district tested alone (`naive_comparison`).

    python tests/benchmarks/sim_waves.py [--seeds 200] [--per-district 32 100]
"""

from __future__ import annotations

import argparse
import time

from tests.analysis.waves_sim import WORLDS, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--per-district", type=int, nargs="+", default=[32, 100])
    args = parser.parse_args()
    print(
        f"{'world':48s} {'calls':>5s} {'method':8s} {'P(any false)':>12s} {'FDP':>6s} {'recall':>7s} {'coverage':>8s}"
    )
    for per in args.per_district:
        for name, world in WORLDS.items():
            for label, naive in (("huifang", False), ("wald", True)):
                started = time.perf_counter()
                found = summary(world, range(args.seeds), per, naive)
                print(
                    f"{name:48s} {per:5d} {label:8s} {found['any_false']:12.3f} {found['fdp']:6.3f} "
                    f"{found['recall']:7.3f} {found['coverage']:8.3f}   ({time.perf_counter() - started:.0f} s)",
                    flush=True,
                )


if __name__ == "__main__":
    main()
