"""Benchmark: the mode-adjusted 满意率 where citizens choose their mode by how satisfied they are.

Run on demand: `python tests/benchmarks/bench_modes.py [STUDIES]` (default 400). Per world of
`tests/analysis/mode_sim.py`: the bias and RMSE (points) of the headline as answered and adjusted
within strata (what the report did before stop 33) and within stratum × system rating (now), against
what everyone would have said by telephone.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np

from tests.analysis.mode_sim import WORLDS, errors

if __name__ == "__main__":
    studies = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    print(
        f"mode adjustment, {studies} studies a world: bias / RMSE in points against the all-telephone 满意率"
    )
    for label, world in WORLDS.items():
        figures = errors(studies, **world)
        print(
            f"{label}: "
            + "; ".join(
                f"{name} {100 * np.mean(v):+.2f} / {100 * np.sqrt(np.mean(v**2)):.2f}"
                for name, v in figures.items()
            ),
            flush=True,
        )
