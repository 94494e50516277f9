"""Benchmark: how far Huifang's unit verdicts are from the best any method can do — the Bayes oracle.

Run on demand (heavy: run with `nice -n 10`). Every simulated study appends one CSV row as soon as
it is measured, so a run cut short still gives a table over the studies it finished:
- `python tests/benchmarks/bench_oracle_bound.py run OUT.csv [FIRST:LAST] [SCENARIO:CASES …]` —
  seeds FIRST … LAST − 1 (default 0:40), seed by seed over the points (default: +10 points and 30%
  proxy rating at 32, 64, 128 cases a unit, i.e. ~16, ~31, ~57 respondents; +20 points at 16, 24, 32,
  48, 64, 96, 128): recall and FDP of Huifang (`analysis.compare_units`, BH at q) and the oracles on
  the same study;
- `… oracles OUT.csv [FIRST:LAST] [SCENARIO:CASES …]` — the same without Huifang (a tenth of the CPU);
- `… two-phase OUT.csv [FIRST:LAST]` — +10 points with 1,920 cases in all (32 a unit) spent in one
  phase or in two (see below);
- `… summary OUT.csv …` — the tables (mean ± Monte-Carlo SE, studies per point) and the respondents
  a unit at which Huifang and the oracle reach recall 0.9 at +20 points.

The studies are `tests/analysis/verdict_sim.py`'s (60 units of 40–400 rated events, 15% inflating,
a −3-point honest mode effect, q = 0.10), seeds 0 … seeds − 1. The oracle (`verdict_oracle`) knows the
data-generating model — the unit-rate prior, honest gap, backgrounds, inflation size, mechanisms and
share — but not which units inflate; it computes each unit's exact local fdr and flags by Sun & Cai's
rule. Its recall is a ceiling: a target above it is not reachable at that sample size by any method.
Two weaker oracles show where its power comes from (they are not FDR-valid; their FDP is printed):
"no level" conditions on the system census (a unit is not suspect for publishing a rate honest units
rarely reach), "no level, no asked" also ignores "staff asked". "BH oracle" is `verdict_sim`'s:
BH on exact p-values against the known honest rate (the best *test of the gap*). Every figure is a
mean over the studies ± its Monte-Carlo standard error.

Two phases: each study is simulated with every record sampled, and a design calls a random subset of
each unit's records (the respondents among them answer as simulated). Phase 1 calls 14 a unit; the
remaining cases go (a) by the oracle's phase-1 lfdr to the J most suspicious undecided units, equal
shares, J tuned (the best J is the oracle two-phase design); (b) by Huifang's own rule
(`sampling.two_phase`, γ = 0.4, with the honest rate *given* to it), verdicts by the rate test of
expanded units (`analysis.phase_two_test`) and BH; (c) a genie that knows the inflating units sends them all of phase 2 (the loose bound of
`bench_two_phase.py`).
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

from tests.analysis import verdict_oracle as vo
from tests.analysis.verdict_sim import (
    SCENARIOS,
    honest_callback_rate,
    oracle_recall,
    seed_range,
    simulate,
    verdicts,
)

Q = 0.10
SIZES = (32, 64, 128)
ORACLES = {
    "oracle": {},
    "no level": {"census_level": False},
    "no level, no asked": {"census_level": False, "staff_asked": False},
}


def _mean_se(values: list[float]) -> tuple[float, float]:
    v = np.asarray(values, float)
    v = v[~np.isnan(v)]
    return float(v.mean()), float(v.std(ddof=1) / np.sqrt(len(v))) if len(v) > 1 else float("nan")


def _cell(values: list[float]) -> str:
    mean, se = _mean_se(values)
    return f"{mean:.3f} ± {se:.3f}"


def measure(name: str, cases: int, seed: int, huifang: bool = True) -> dict[str, float]:
    """One simulated study: respondents a unit, then recall and FDP of Huifang (unless `huifang` is
    False: the oracles alone cost a tenth) and of each oracle."""
    scenario = dataclasses.replace(SCENARIOS[name], sample_per_unit=cases)
    study = simulate(scenario, seed)
    answered = study.interviews.groupby("organisation_id").size()
    figures = {"respondents": float(answered.mean()), "huifang": np.nan, "huifang fdp": np.nan}
    if huifang:
        table = verdicts(study, q=Q)
        figures["huifang"], figures["huifang fdp"] = vo.recall_and_fdp(table["flagged"], study.inflated)
    counts = vo.unit_counts(study)
    for label, options in ORACLES.items():
        flags = vo.sun_cai_flags(vo.oracle_lfdr(study, scenario, counts, **options), Q)
        figures[label], figures[f"{label} fdp"] = vo.recall_and_fdp(flags, study.inflated)
    figures["BH oracle"] = np.nan  # the proxy BH oracle enumerates (m+1)² (n+1) outcomes: small n only
    if scenario.proxy_share <= 0 or cases <= 32:
        figures["BH oracle"] = oracle_recall(study, scenario, Q)
    return figures


DEFAULT_POINTS = [
    *(f"inflate_+10:{c}" for c in SIZES),
    *(f"proxy_30%:{c}" for c in SIZES),
    *(f"inflate_+20:{c}" for c in (16, 24, 32, 48, 64, 96, 128)),
]


def _append(path: Path, row: dict) -> None:
    frame = pd.DataFrame([row])
    frame.to_csv(path, mode="a", header=not path.exists(), index=False)


def run(path: Path, seeds: range, points: list[str], huifang: bool = True) -> None:
    """Seed by seed over the points, one CSV row per study (so every point has as many studies)."""
    for seed in seeds:
        for point in points:
            name, cases = point.rsplit(":", 1)
            start = time.process_time()
            figures = measure(name, int(cases), seed, huifang)
            _append(
                path,
                {
                    "scenario": name,
                    "cases": int(cases),
                    "seed": seed,
                    **figures,
                    "cpu": time.process_time() - start,
                },
            )


def _crossing(x: list[float], y: list[float], target: float) -> str:
    """Respondents a unit where y first reaches target (linear between measured points)."""
    for i in range(len(x)):
        if y[i] >= target:
            if i == 0:
                return f"≤ {x[0]:.0f}"
            t = (target - y[i - 1]) / (y[i] - y[i - 1])
            return f"≈ {x[i - 1] + t * (x[i] - x[i - 1]):.0f}"
    return f"> {x[-1]:.0f}"


def summary(paths: list[Path]) -> None:
    rows = pd.concat([pd.read_csv(p) for p in paths], ignore_index=True)
    if "design" in rows.columns:  # a two-phase file
        _two_phase_summary(rows.drop_duplicates(["seed", "design"]))
        return
    rows = rows.drop_duplicates(["scenario", "cases", "seed"])
    print(f"q = {Q}; mean ± Monte-Carlo SE over the studies (seeds listed per point)")
    head = [
        "scenario",
        "cases",
        "resp.",
        "studies",
        "Huifang recall",
        "Huifang FDP",
        "oracle recall",
        "oracle FDP",
    ]
    head += ["no-level recall (FDP)", "no-level, no-asked recall (FDP)", "BH oracle recall", "CPU s/study"]
    print(" | ".join(head))
    for (name, cases), r in rows.groupby(["scenario", "cases"], sort=True):
        bh = _cell(list(r["BH oracle"])) if "BH oracle" in r and r["BH oracle"].notna().any() else "—"
        print(
            " | ".join(
                [
                    name, str(cases), f"{r['respondents'].mean():.1f}", f"{len(r)} ({r['seed'].min()}–{r['seed'].max()})",
                    _cell(list(r["huifang"])), _cell(list(r["huifang fdp"])), _cell(list(r["oracle"])),
                    _cell(list(r["oracle fdp"])),
                    f"{_cell(list(r['no level']))} ({r['no level fdp'].mean():.3f})",
                    f"{_cell(list(r['no level, no asked']))} ({r['no level, no asked fdp'].mean():.3f})",
                    bh, f"{r['cpu'].mean():.1f}",
                ]
            )
        )  # fmt: skip
    plus20 = rows[rows["scenario"] == "inflate_+20"].groupby("cases").mean(numeric_only=True).sort_index()
    if len(plus20) > 1:
        x = list(plus20["respondents"])
        print(
            f"+20 points, recall 0.9 reached at respondents a unit: Huifang {_crossing(x, list(plus20['huifang']), 0.9)}, "
            f"oracle {_crossing(x, list(plus20['oracle']), 0.9)}, BH oracle {_crossing(x, list(plus20['BH oracle']), 0.9)}"
        )


# --- two phases -------------------------------------------------------------------------------------


def _called(study, order: dict[str, np.ndarray], take: dict[str, tuple[int, int]]) -> pd.DataFrame:
    """The respondents among the records each unit's design calls: positions [start, stop) of its order."""
    records = np.concatenate([order[u][a:b] for u, (a, b) in take.items()]) if take else np.array([])
    return study.interviews[study.interviews["record_id"].isin(records)]


def _oracle_flags(study, scenario, interviews: pd.DataFrame) -> pd.Series:
    counts = vo.unit_counts(study, interviews)
    return vo.sun_cai_flags(vo.oracle_lfdr(study, scenario, counts), Q)


def _huifang_rule(study, scenario, order, first: int, budget: int) -> pd.Series:
    from statsmodels.stats.multitest import multipletests

    from sampling.two_phase import PhaseTwoRule, phase_two_allocation, planned_need
    from tests.benchmarks.bench_two_phase import expanded_p

    units = study.truth.index
    size = study.frame.groupby("organisation_id").size().reindex(units)
    system = study.frame.groupby("organisation_id")["system_rating"].agg(lambda v: (v == "satisfied").mean())
    m = np.minimum(first, size)
    answers = _called(study, order, {u: (0, int(m[u])) for u in units}).groupby("organisation_id")[
        "sat_overall"
    ]
    x = answers.agg(lambda v: int((v == "satisfied").sum())).reindex(units).fillna(0).astype(int)
    r = answers.agg(lambda v: int((v != "dk").sum())).reindex(units).fillna(0).astype(int)
    honest = honest_callback_rate(system.reindex(units).to_numpy(), study.truth["mode"].to_numpy(), scenario)
    evidence = pd.DataFrame(
        {
            "N_h": size,
            "M_h": m,
            "m": m,
            "x": x,
            "r": r,
            "system_rate": system.reindex(units),
            "honest_rate": honest,
        }
    )
    rule = PhaseTwoRule(inflation=0.10, level=0.4, response_rate=scenario.response_rate * 0.97)
    selected = pd.Series(rule.selected(evidence["x"], evidence["r"], evidence), index=units)
    need = planned_need(evidence, rule, list(units))
    k = phase_two_allocation(evidence, selected, need, budget)
    second = _called(study, order, {u: (int(m[u]), int(m[u] + k[u])) for u in units if k[u] > 0})
    grouped = second.groupby("organisation_id")["sat_overall"]
    phase2 = pd.DataFrame(
        {
            "x": grouped.agg(lambda v: int((v == "satisfied").sum())),
            "r": grouped.agg(lambda v: int((v != "dk").sum())),
        }
    )
    p = expanded_p(evidence, phase2, k)
    return pd.Series(multipletests(p.to_numpy(), alpha=Q, method="fdr_bh")[0], index=units)


def two_phase_study(seed: int, per_unit: int = 32, first: int = 14, spreads=(6, 9, 12, 18, 24)) -> list[dict]:
    """One simulated +10-point study, every design on it: one row per design."""
    scenario = dataclasses.replace(SCENARIOS["inflate_+10"], sample_per_unit=10**6)
    study = simulate(scenario, seed)
    rng = np.random.default_rng(50_000 + seed)
    units = study.truth.index
    records = study.frame.groupby("organisation_id")["record_id"].agg(list)
    order = {u: rng.permutation(np.array(records[u])) for u in units}
    size = {u: len(order[u]) for u in units}
    total = len(units) * per_unit
    rows = []

    def record(label: str, flags: pd.Series) -> None:
        recall, fdp = vo.recall_and_fdp(flags, study.inflated)
        rows.append(
            {
                "scenario": "inflate_+10",
                "cases": total,
                "seed": seed,
                "design": label,
                "recall": recall,
                "fdp": fdp,
            }
        )

    one = {u: (0, min(per_unit, size[u])) for u in units}
    record("one phase, oracle", _oracle_flags(study, scenario, _called(study, order, one)))
    phase1 = {u: (0, min(first, size[u])) for u in units}
    budget = total - sum(b for _, b in phase1.values())
    lfdr1 = vo.oracle_lfdr(study, scenario, vo.unit_counts(study, _called(study, order, phase1)))
    undecided = lfdr1[lfdr1 >= 0.005].sort_values(kind="stable")
    for j in spreads:
        take = dict(phase1)
        for u in undecided.index[:j]:
            take[u] = (0, min(size[u], first + budget // j))
        record(
            f"two phases, oracle lfdr, J = {j}", _oracle_flags(study, scenario, _called(study, order, take))
        )
    genie = dict(phase1)
    for u in study.inflated:
        genie[u] = (0, min(size[u], first + budget // len(study.inflated)))
    record(
        "two phases, genie (knows the inflating units)",
        _oracle_flags(study, scenario, _called(study, order, genie)),
    )
    record(
        "two phases, Huifang rule (γ = 0.4, honest rate given)",
        _huifang_rule(study, scenario, order, first, budget),
    )
    return rows


def _two_phase_summary(rows: pd.DataFrame) -> None:
    print(
        f"+10 points, {rows['cases'].iloc[0]} cases in all (32 a unit in one phase; phase 1 14 a unit), "
        f"{rows['seed'].nunique()} studies (seeds {rows['seed'].min()}–{rows['seed'].max()}), q = {Q}; mean ± MC SE"
    )
    print("design | recall | FDP")
    for label, r in rows.groupby("design", sort=False):
        print(f"{label} | {_cell(list(r['recall']))} | {_cell(list(r['fdp']))}")


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    command, *rest = sys.argv[1:] or ["summary"]
    if command == "summary":
        summary([Path(a) for a in rest])
    elif command == "two-phase":
        out = Path(rest[0])
        for seed in seed_range(rest[1:]):
            for row in two_phase_study(seed):
                rows = pd.DataFrame([row])
                rows.to_csv(out, mode="a", header=not out.exists(), index=False)
    else:  # run, or oracles (the oracles alone, for many more studies)
        points = [a for a in rest[1:] if a.split(":")[0] in SCENARIOS] or DEFAULT_POINTS
        run(Path(rest[0]), seed_range(rest[1:]), points, huifang=command != "oracles")
