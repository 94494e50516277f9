"""Benchmark: 95% coverage of the headline 满意率 when surveyors differ a little (interviewer variance).

Run on demand: `python tests/benchmarks/bench_interviewer_variance.py [STUDIES] [K:TAU …]` (default 300
studies, every setting below). Studies from `tests/analysis/interviewer_sim.py`: for each number of
surveyors K and spread TAU (SD of the surveyors' shifts of the satisfied share, 0–1), the coverage of
the jackknife interval alone (what the headline printed before stop 32), with the interviewers'
variance component by the one-way ANOVA (stop 32's estimate) and net of whom they called (the system
rating, `analysis.interviewer_variance`, what it prints now) — both with Satterthwaite's degrees of
freedom since stop 33 — with Monte-Carlo SEs and the mean half-width in points. A setting `units:WORLD:TAU` instead prints the posterior unit verdicts of
`verdict_sim`'s WORLD with five surveyors TAU apart (40 studies unless STUDIES says otherwise): e.g.
`python tests/benchmarks/bench_interviewer_variance.py 40 units:honest:0 units:honest:0.04`. Options
after the spread, each `:`-separated: `nested` (each surveyor calls a block of 12 units), `block=B`
(with `nested`: a block's cases go to its surveyor with chance B, else to another), `leading=L` (S0's
"self" answers to who rated turn to "other" with chance L), `deviant=D`
(S0 records D more satisfied, a share: -0.1), `cases=C` (cases sampled a unit: 128 ≈ 58 respondents),
`noguard` (the verdict without `analysis.surveyor_bias`'s guard), `method=empirical_null` (that
verdict instead of the posterior's): e.g.
`… 40 units:honest:0:nested:deviant=-0.1:cases=128 units:honest:0:nested:deviant=-0.1:cases=128:noguard`.
A setting `plan:K:TAU` prints what the plan's interviewer design effect (`sampling.interviewers`)
predicts for the headline's widening beside what the studies show (`interviewer_sim.plan_check`).
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.analysis.interviewer_sim import coverage, plan_check, unit_verdict_figures

SETTINGS = ("5:0", "5:0.02", "5:0.04", "10:0", "10:0.02", "10:0.04")

if __name__ == "__main__":
    warnings.filterwarnings("ignore")
    studies = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    for setting in sys.argv[2:] or SETTINGS:
        if setting.startswith("plan:"):
            _, k, tau = setting.split(":")
            figures = plan_check(studies, int(k), float(tau))
            print(
                f"{setting}: " + "; ".join(f"{name} {value:.3f}" for name, value in figures.items()),
                flush=True,
            )
            continue
        if setting.startswith("units:"):
            _, world, spread, *options = setting.split(":")
            named = dict(o.split("=") for o in options if "=" in o)
            figures = unit_verdict_figures(
                world, studies, float(spread), nested="nested" in options, guard="noguard" not in options,
                deviant=float(named.get("deviant", 0)), block=float(named.get("block", 1)),
                leading=float(named.get("leading", 0)),
                cases=int(named["cases"]) if "cases" in named else None,
                method=named.get("method", "posterior"),
            )  # fmt: skip
            print(
                f"{setting}: " + "; ".join(f"{name} {value:.3f}" for name, value in figures.items()),
                flush=True,
            )
            continue
        k, tau = setting.split(":")
        figures = coverage(studies, int(k), float(tau))
        print(
            f"K={k} surveyors, SD {100 * float(tau):g} points: "
            + "; ".join(f"{name} {m:.3f} ± {se:.3f} (±{w:.2f} pts)" for name, (m, se, w) in figures.items()),
            flush=True,
        )
