"""Benchmark: how the refusal range's coverage depends on its Γ, when the dissatisfied refuse 1×, 2× or 3×
as often as the satisfied.

Run on demand: `python tests/benchmarks/bench_refusal_gamma.py [studies]` (default 100 per scenario;
`tests/analysis/nonresponse_sim.py`'s population, 600 released cases, response classes by unit). Prints,
per scenario and Γ, the share of studies whose range with its intervals (the low end's lower confidence
limit to the high end's upper one) covers the true 满意率, its Monte-Carlo standard error, and the range's
mean width in points (between the two point ends). Why: Γ is a study setting (`studies.refusal_gamma`,
default 2); this is the table a researcher reads to choose it — what a wider range buys in coverage when
refusal is tied to the answer, and what it costs in width when it is not.

"Refuse n×": response 60% among the truly satisfied, 60%/n among the truly dissatisfied (2× is
`nonresponse_sim`'s "refuse" scenario).
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from analysis.respondents import adjusted_sample
from analysis.sensitivity import refusal_sensitivity
from tests.analysis import nonresponse_sim
from tests.analysis.nonresponse_sim import ORDER, draw_study, make_population

SEED = 2027
GAMMAS = (1.0, 1.5, 2.0, 3.0, 4.0)
REFUSE = (1, 2, 3)
_base_response = nonresponse_sim.response_probability


def _response(cases, scenario: str) -> np.ndarray:
    """`nonresponse_sim.response_probability`, plus "refuse_n": the dissatisfied respond 1/n as often."""
    if scenario.startswith("refuse_"):
        factor = float(scenario.removeprefix("refuse_"))
        dissatisfied = (cases["true_answer"] == "dissatisfied").to_numpy()
        return np.where(dissatisfied, 0.6 / factor, 0.6)
    return _base_response(cases, scenario)


def coverage(refuse: int, studies: int) -> dict[float, tuple[float, float]]:
    """Per Γ: (share of studies whose range with intervals covers the truth, mean width in points)."""
    nonresponse_sim.response_probability = _response
    population = make_population(SEED, events=15_000, units=60, districts=8)
    covered = {g: [] for g in GAMMAS}
    width = {g: [] for g in GAMMAS}
    for k in range(studies):
        cases, totals = draw_study(population, SEED * 100_003 + k, f"refuse_{refuse}", 600, "organisation_id")
        sample = adjusted_sample(cases, totals, rating_order=ORDER)
        for g in GAMMAS:
            low, high = refusal_sensitivity(sample, g).itertuples()
            covered[g].append(low.ci_low <= population.truth <= high.ci_high)
            width[g].append(100 * (high.estimate - low.estimate))
    return {g: (float(np.mean(covered[g])), float(np.mean(width[g]))) for g in GAMMAS}


def main(studies: int) -> None:
    print(f"refusal range coverage by Γ: {studies} simulated studies per scenario (600 cases, 60 units)")
    print(f"{'scenario':12s} {'Γ':>4s} {'covers':>7s} {'MC SE':>6s} {'width':>7s}")
    for refuse in REFUSE:
        start = time.process_time()
        table = coverage(refuse, studies)
        for g, (share, width) in table.items():
            se = np.sqrt(share * (1 - share) / studies)
            print(f"refuse {refuse}×{'':4s} {g:4.1f} {100 * share:6.1f}% {100 * se:5.1f}% {width:6.2f}p")
        print(f"  ({(time.process_time() - start) / studies:.2f} s CPU a study)", flush=True)


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
