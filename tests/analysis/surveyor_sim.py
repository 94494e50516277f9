"""Simulated interviews for the report's surveyor checks (`analysis.surveyor_effects`): the studies,
scenarios and figures `tests/analysis/test_surveyor_checks_simulation.py` asserts and
`tests/benchmarks/bench_surveyor_checks.py` prints.

A study: `n` answered interviews in `strata` design strata (a stratum's satisfied rate uniform on
75–97%), 5% "don't know", `k` surveyors assigned at random within the study; S0 may record `effect`
fewer satisfied answers (points) or `dk_effect` more "don't know". Nothing else differs.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from analysis import surveyor_effects

SCENARIOS = {
    "nobody deviates, 5 surveyors, 1,200 interviews": {},
    "nobody deviates, 10 surveyors": {"k": 10},
    "nobody deviates, 300 interviews": {"n": 300},
    "S0 records 10 points fewer satisfied": {"effect": 0.10},
    "S0 records 5 points fewer satisfied": {"effect": 0.05},
    "S0 −10 points, 10 surveyors, 2,400 interviews": {"effect": 0.10, "k": 10, "n": 2400},
    "S0 records 5 points more don't-know": {"dk_effect": 0.05},
}


def interviews(
    seed: int, n: int = 1200, strata: int = 60, k: int = 5, effect: float = 0.0, dk_effect: float = 0.0
) -> pd.DataFrame:
    """One simulated study's answered interviews (see the module docstring)."""
    rng = np.random.default_rng(seed)
    stratum = rng.integers(0, strata, n)
    surveyor = rng.integers(0, k, n)
    rate = rng.uniform(0.75, 0.97, strata)[stratum] - np.where(surveyor == 0, effect, 0.0)
    dk = rng.random(n) < 0.05 + np.where(surveyor == 0, dk_effect, 0.0)
    satisfied = rng.random(n) < rate
    answer = np.where(dk, "dk", np.where(satisfied, "satisfied", "dissatisfied"))
    return pd.DataFrame(
        {"surveyor_id": [f"S{s}" for s in surveyor], "stratum": stratum, "sat_overall": answer}
    )


def flagged(data: pd.DataFrame) -> set[str]:
    """The surveyors the check flags on either measure."""
    table = surveyor_effects(data, satisfied_codes=["satisfied"])
    return set(table.index[table["satisfied_flagged"] | table["dk_refused_flagged"]])


def measure(options: dict, studies: int) -> dict[str, tuple[float, float]]:
    """`flag_figures` over studies 0 … `studies` − 1 of the scenario `options`."""
    deviant = bool(options.get("effect") or options.get("dk_effect"))
    return flag_figures((flagged(interviews(seed, **options)) for seed in range(studies)), deviant)


def flag_figures(flag_sets: Iterable[set[str]], deviant: bool) -> dict[str, tuple[float, float]]:
    """From the surveyors flagged in each study (S0 the only one who deviates, if `deviant`): the share
    of studies with a false flag, the FDR and, with a deviant, the share that flags S0 — each with its
    Monte-Carlo SE."""
    any_false, fdp, found = [], [], []
    for flags in flag_sets:
        false = len(flags - {"S0"}) if deviant else len(flags)
        any_false.append(false > 0)
        fdp.append(false / max(len(flags), 1))
        found.append("S0" in flags)
    out = {"P(any false flag)": any_false, "FDR": fdp}
    if deviant:
        out["S0 flagged"] = found
    return {name: (float(np.mean(v)), float(np.std(v, ddof=1) / np.sqrt(len(v)))) for name, v in out.items()}
