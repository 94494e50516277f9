"""Benchmark: the report's surveyor checks (`analysis.surveyor_effects`) on simulated interviews.

Run on demand: `python tests/benchmarks/bench_surveyor_checks.py [STUDIES] [nowho] [only=TEXT]`
(default 400 studies; `nowho` leaves the who-rated measure out of the report's family, as before stop
36; `only=TEXT` runs the scenarios whose label contains TEXT). A flag on a
surveyor is printed in the report beside their id with "listen back before using their interviews",
so it is a decision about a person and is measured like the unit verdicts: per scenario
(`tests/analysis/surveyor_sim.py`), the share of studies that flag a surveyor who does not deviate,
the false discovery rate (mean of false flags / flags), and how often the one deviating surveyor S0 is
flagged, with Monte-Carlo SEs; then the same for the supervisor's quality flags on surveyors
(`services.supervision.surveyor_tests`, studies from `tests/fieldwork/quality_sim.py`).
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.analysis.surveyor_sim import SCENARIOS, measure
from tests.fieldwork import quality_sim

if __name__ == "__main__":
    warnings.filterwarnings("ignore")
    args = sys.argv[1:]
    count = int(args[0]) if args and args[0].isdigit() else 400
    who = None if "nowho" in args else "who_rated"
    only = next((a.removeprefix("only=") for a in args if a.startswith("only=")), "")
    print(
        f"surveyor checks, q = 0.10, {count} studies a scenario (mean ± Monte-Carlo SE), "
        f"who-rated measure {'out' if who is None else 'in'}"
    )
    for label, options in SCENARIOS.items():
        if only not in label:
            continue
        figures = measure(options, count, who)
        print(
            f"{label}: " + "; ".join(f"{name} {m:.3f} ± {se:.3f}" for name, (m, se) in figures.items()),
            flush=True,
        )
    print(
        f"supervisor's quality flags (满意 share, straight-lining share and, with the who-rated measure, "
        f"its share; α = 0.05), {count} studies a scenario"
    )
    for label, options in quality_sim.SCENARIOS.items():
        if only not in label:
            continue
        figures = quality_sim.measure(options, count, who=who is not None)
        print(
            f"{label}: " + "; ".join(f"{name} {m:.3f} ± {se:.3f}" for name, (m, se) in figures.items()),
            flush=True,
        )
