"""Benchmark: is the minimum detectable inflation printed beside a posterior verdict true of that verdict?

Run on demand:
    python tests/benchmarks/bench_posterior_power.py run OUT.csv FIRST:LAST WORLD[:CASES][+silent] …
    python tests/benchmarks/bench_posterior_power.py summary OUT.csv …

`run` simulates `tests/analysis/verdict_sim.py` studies (60 units; CASES a unit, half respond; `+silent`
makes every inflating unit turn its records silently, so the rate gap is its only evidence) and judges
each as a study gets judged (the posterior verdict of `compare_units(method="posterior")`, from one fit
that also gives the power curve). Per unit it writes the rise planted
(published − true rate), the flag, the verdict's MDI (`analysis.posterior_power`, the column
`min_detectable`), the plan's (`rate_min_detectable`: the exact rate test at α = q / K, what
`sampling.power` plans with and what the explanation printed before) and the power the verdict's own
curve gives at the unit's rise.

`summary` prints, per world: recall, the median of both MDIs and their ratio, and for each MDI the
share of inflating units whose rise reaches it that the verdict flagged (the claim is "found with 80%
probability": at least 0.8 where the rate gap is the only evidence), and the calibration of the power
curve (units binned by their predicted power at their rise: mean predicted against the share flagged).
Where signs give evidence too, the flagged share can only be higher.
"""

from __future__ import annotations

import dataclasses
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from analysis import posterior_power as pp
from analysis import unit_posterior as up
from tests.analysis.verdict_sim import SCENARIOS, seed_range, simulate, verdicts

BINS = (0.0, 0.1, 0.3, 0.5, 0.7, 0.8, 0.9, 1.0001)


def _scenario(spec: str):
    name, _, cases = spec.partition(":")
    silent = cases.endswith("+silent") or name.endswith("+silent")
    name, cases = name.removesuffix("+silent"), cases.removesuffix("+silent")
    changes = {"sample_per_unit": int(cases or 32)}
    if silent:
        changes["mechanisms"] = ("silent",)
    return dataclasses.replace(SCENARIOS[name], **changes), f"{name}{'+silent' if silent else ''}"


def run(out: str, seeds: range, specs: list[str]) -> None:
    rows = []
    for spec in specs:
        scenario, label = _scenario(spec)
        for seed in seeds:
            study = simulate(scenario, seed)
            plan = verdicts(study)["min_detectable"]  # the empirical null's: the plan's rate test at q / K
            # the posterior verdict as `compare_units(method="posterior")` reaches it, and its power curve
            # itself (`verdict_detectable` is its 80% point), from one fit
            start = time.process_time()
            table, fitted = up.posterior_fit(study.frame, study.interviews)
            verdict = up.posterior_table(table, fitted, without_answers=False)  # no unit held
            bars = pp.flag_bars(verdict["lfdr"], verdict.attrs["q"], verdict.attrs["max_lfdr"])
            curves = pp.power_curves(table, fitted, bars)
            mdi = pp.detectable_inflation(curves).fillna(np.inf)
            cpu = time.process_time() - start
            sizes = np.asarray(curves.columns, float)
            rise = table["S"] / table["N"].clip(lower=1) - study.truth["true_rate"]
            for unit in curves.index:
                c = curves.loc[unit].to_numpy(float)
                ok = np.isfinite(c)
                rows.append(
                    {
                        "world": label,
                        "cases": scenario.sample_per_unit,
                        "seed": seed,
                        "unit": unit,
                        "inflating": unit in study.inflated,
                        "flagged": bool(verdict.loc[unit, "flagged"]),
                        "rise": float(rise[unit]),
                        "respondents": int(table.loc[unit, "respondents"]),
                        "mdi": float(mdi[unit]),
                        "rate_mdi": float(plan[unit]),
                        "power_at_rise": float(np.interp(max(rise[unit], 0.0), sizes[ok], c[ok]))
                        if ok.any()
                        else np.nan,
                        "cpu": cpu,
                    }
                )
            pd.DataFrame(rows).to_csv(out, index=False)
            print(f"{label} cases {scenario.sample_per_unit} seed {seed}: {cpu:.1f} s", flush=True)


def _reached(rows: pd.DataFrame, column: str) -> str:
    mine = rows[rows["rise"] >= rows[column]]
    if mine.empty:
        return "      —      "
    share = mine["flagged"].mean()
    se = np.sqrt(share * (1 - share) / len(mine))
    return f"{share:.2f}±{se:.2f} ({len(mine):3d})"


def summary(paths: list[str]) -> None:
    data = pd.concat([pd.read_csv(p) for p in paths], ignore_index=True)
    print(
        "inflating units: recall; median MDI, the verdict's and the plan's rate test's (ratio plan/verdict);"
    )
    print(
        "flagged share of the units whose rise reaches each MDI (units); mean CPU of one study's posterior fit, verdict and MDI"
    )
    print(
        f"{'world':28s} {'cases':>5s} {'studies':>7s} {'resp.':>5s} {'recall':>6s} {'verdict MDI':>11s} "
        f"{'plan MDI':>8s} {'ratio':>5s} {'rise ≥ verdict MDI':>18s} {'rise ≥ plan MDI':>16s} {'CPU s':>6s}"
    )
    for (world, cases), rows in data.groupby(["world", "cases"]):
        bad = rows[rows["inflating"]]
        if bad.empty:
            continue
        verdict_mdi = bad["mdi"].replace(np.inf, np.nan).median()
        plan_mdi = bad["rate_mdi"].median()
        print(
            f"{world:28s} {cases:5d} {rows['seed'].nunique():7d} {bad['respondents'].median():5.0f} "
            f"{bad['flagged'].mean():6.3f} {verdict_mdi:11.3f} {plan_mdi:8.3f} {plan_mdi / verdict_mdi:5.2f} "
            f"{_reached(bad, 'mdi'):>18s} {_reached(bad, 'rate_mdi'):>16s} {rows.groupby('seed')['cpu'].first().mean():6.2f}"
        )
    print("\ncalibration of the verdict's power curve (inflating units by predicted power at their rise)")
    bad = data[data["inflating"]].copy()
    bad["bin"] = pd.cut(bad["power_at_rise"], BINS, right=False)
    table = bad.groupby(["world", "bin"], observed=True).agg(
        units=("flagged", "size"), predicted=("power_at_rise", "mean"), flagged=("flagged", "mean")
    )
    print(table.round(3).to_string())


if __name__ == "__main__":
    warnings.filterwarnings("ignore")
    command, *rest = sys.argv[1:]
    if command == "run":
        run(rest[0], seed_range(rest[1:]), [a for a in rest[1:] if not a.replace(":", "").isdigit()])
    elif command == "summary":
        summary(rest)
    else:
        raise SystemExit(__doc__)
