"""Benchmark: the headline after a phase 2 — its interval's coverage, and the test of whether phase 2's
answers differ from what phase 1's imply (`analysis.phase_effect`).

Run on demand: `PYTHONPATH=. python tests/benchmarks/bench_phase_effect.py SAMPLES [SEED] [--weekly W]
[--late F] [--rate] [--out OUT.csv]`. One `verdict_sim` +10-point population (seed SEED), drawn SAMPLES times
in two phases as `bench_two_phase.py --bias` draws it (evidence rule, phase 1 14 a unit, top 12, 1,920
cases; `--rate`: the rate rule, γ = 0.4, whose Rao–Blackwell split is enumerated rather than scored) — but here a fade reaches the answers *before* the design reads them: phase 1's evidence, the
selection, the cases' categories and so the Rao–Blackwell weights all see the answers a study would
have. `--weekly W`: memory fades W a week in both phases (`verdict_sim.weekly_faded`, phase 2 four
weeks on); `--late F`: a share F of phase 2's satisfied answers on records rated satisfied turn, a
fade phase 1 cannot see (`verdict_sim.faded`). The truth is every record called as phase 1 calls.

Prints, per estimator (the Rao–Blackwell headline, phase 1 alone, and the rule "phase 1 alone where
the test rejects at 5%, else the headline"): bias, SD over the samples, 95% interval coverage (the
app's: stratified jackknife with the weights fixed, logit, design df; before the nonresponse
adjustment, which these studies do not need: response does not depend on the answers) and mean
width; and for the test: the mean and SD of its z, the SD of the difference over the samples against
its mean standard error, and how often it rejected at 5%.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.intervals import proportion_interval
from analysis.phase_effect import phase_effect
from analysis.replicates import jackknife
from sampling.two_phase import (
    phase_one_splits,
    rao_blackwell_weights,
)
from tests.benchmarks.bench_two_phase import (
    EVIDENCE_FIRST,
    EVIDENCE_PER_UNIT,
    _called_cases,
    _design_evidence,
    _evidence_world,
    _phase_one,
    _phase_two_take,
    _rule,
)

ESTIMATORS = ("rb", "rb_decomposed", "phase1", "switch")
LABELS = {
    "rb": "Rao–Blackwell (the headline)",
    "rb_decomposed": "the same, Var(phase 1) − Var(test)",
    "phase1": "phase 1 alone",
    "switch": "phase 1 alone where the test rejects",
}


def turned_answers(study, called: pd.DataFrame, seed: int, weekly: float, late: float) -> pd.DataFrame:
    """The study's interviews as `called` (record_id, phase, domain) would hear them: faded W a week
    since the service, and a share `late` of phase 2's satisfied answers on records rated satisfied
    turned."""
    from tests.analysis.verdict_sim import faded, weekly_faded

    interviews = study.interviews
    if weekly:
        interviews = weekly_faded(interviews, called, weekly, seed)
    if late:
        interviews = faded(interviews, called.loc[called["phase"] == 2, "record_id"], late, seed)
    return interviews


def heard(study, order: dict, take: dict, seed: int, weekly: float, late: float) -> pd.DataFrame:
    """`_called_cases` with each record's answer as the phase that called it heard it."""
    cases = _called_cases(study, order, take)
    if not (weekly or late):
        return cases
    turned = turned_answers(study, cases[["record_id", "phase", "domain"]], seed, weekly, late)
    return _called_cases(study, order, take, turned)


def ratio_interval(cases: pd.DataFrame, weight: np.ndarray) -> tuple[float, float, float, float, int]:
    """(estimate, 95% low, high, standard error, df) of the weighted share satisfied among the answers,
    the app's way: stratified jackknife over the cases with weight, fpc N_h, logit, df = PSUs − strata
    answered."""
    keep = weight > 0
    data = cases[keep].reset_index(drop=True)
    w = weight[keep]
    y = (data["outcome"] == "satisfied").to_numpy(float)
    a = (data["outcome"] != "none").to_numpy(float)
    estimate = float(w @ y / (w @ a))
    jk = jackknife(data, strata="stratum", fpc="N_h")
    thetas = np.concatenate([(f * w[:, None]).T @ y / ((f * w[:, None]).T @ a) for _, f in jk.chunks()])
    se = float(np.sqrt(jk.variance(thetas, np.array([estimate]))[0]))
    answered = a > 0
    df = len(np.unique(jk.psu[answered])) - len(np.unique(jk.stratum[answered]))
    low, high = proportion_interval(estimate, se, df, answered.sum())
    return estimate, float(low[0]), float(high[0]), se, df


EVIDENCE_RULE = {"kind": "evidence", "top": 12}
RATE_RULE = {"kind": "rate", "level": 0.4}  # as bench_two_phase's rate-rule design


def one_sample(
    scenario, study, seed: int, i: int, rule, weekly: float, late: float, options: dict = EVIDENCE_RULE
) -> tuple[dict, object]:
    rng = np.random.default_rng(seed * 1_000_003 + i + 1)
    records = study.frame.groupby("organisation_id")["record_id"].agg(list)
    order = {u: rng.permutation(np.array(records[u])) for u in study.truth.index}
    evidence = _design_evidence(study, scenario, order, EVIDENCE_FIRST)
    rule = rule or _rule(options, True, evidence, scenario.response_rate * 0.97)
    phase_one = {u: [(1, (0, int(evidence.at[u, "m"])))] for u in evidence.index}
    called = _called_cases(study, order, phase_one)
    _, counts = _phase_one(study, order, evidence, turned_answers(study, called, seed, weekly, late))
    decision = rule.decide(evidence, counts, list(evidence.index))
    evidence["threshold"] = decision.get("threshold")
    k, take = _phase_two_take(evidence, decision, rule, len(evidence) * (EVIDENCE_PER_UNIT - EVIDENCE_FIRST))
    cases = heard(study, order, take, seed, weekly, late)
    cases["N_h"] = evidence["N_h"].reindex(cases["stratum"]).to_numpy(float)
    rb = rao_blackwell_weights(cases, evidence, k, rule)
    splits = phase_one_splits(cases, evidence, k, rule, pairs=True)
    cases["satisfied"] = cases["outcome"].map({"satisfied": 1.0, "unsatisfied": 0.0})
    effect = phase_effect(cases, rb, evidence["N_h"], splits)
    m = evidence["m"].reindex(cases["stratum"]).to_numpy(float)
    phase1 = np.where(cases["phase"] == 1, cases["N_h"].to_numpy() / m, 0.0)
    row = {"sample": i, "z": effect.z, "difference": effect.difference, "se": effect.se}
    for name, weight in (("rb", rb.to_numpy(float)), ("phase1", phase1)):
        row[name], row[f"{name}_low"], row[f"{name}_high"], row[f"{name}_se"], df = ratio_interval(
            cases, weight
        )
    # the Rao–Blackwell decomposition: Var(phase 1) = Var(RB) + E[Var(phase 1 | final sample)], the
    # last being the test's own variance given the final sample
    row["rb_decomposed_se"] = float(np.sqrt(max(row["phase1_se"] ** 2 - effect.se**2, 0.0)))
    answered = int((cases["outcome"] != "none").sum())
    low, high = proportion_interval(row["rb"], row["rb_decomposed_se"], df, answered)
    row["rb_decomposed"], row["rb_decomposed_low"], row["rb_decomposed_high"] = row["rb"], low[0], high[0]
    chosen = "phase1" if effect.p_value < 0.05 else "rb"
    for part in ("", "_low", "_high"):
        row[f"switch{part}"] = row[f"{chosen}{part}"]
    return row, rule


def summary(rows: pd.DataFrame, truth: float, label: str) -> None:
    n = len(rows)
    print(f"{label}; {n} samples; truth {truth:.4f}")
    for name in ESTIMATORS:
        est = rows[name]
        covered = ((rows[f"{name}_low"] <= truth) & (truth <= rows[f"{name}_high"])).mean()
        print(
            f"  {LABELS[name]:38s} bias {(est.mean() - truth) * 100:+.2f} ± {est.std(ddof=1) / np.sqrt(n) * 100:.2f} "
            f"points, SD {est.std(ddof=1) * 100:.2f}; coverage {covered:.3f} ± {np.sqrt(covered * (1 - covered) / n):.3f}, "
            f"mean width {(rows[f'{name}_high'] - rows[f'{name}_low']).mean() * 100:.2f}"
        )
    z = rows["z"]
    print(
        f"  the test: z mean {z.mean():+.3f}, SD {z.std(ddof=1):.3f}; difference (RB − phase 1) mean "
        f"{rows['difference'].mean() * 100:+.2f} points, SD {rows['difference'].std(ddof=1) * 100:.2f} against "
        f"its RMS standard error {np.sqrt((rows['se'] ** 2).mean()) * 100:.2f}; rejected at 5% in "
        f"{(2 * (1 - _normal_cdf(z.abs())) < 0.05).mean():.3f} (z < −1.96 in {(z < -1.96).mean():.3f})",
        flush=True,
    )


def _normal_cdf(z: pd.Series) -> np.ndarray:
    from scipy import stats

    return stats.norm.cdf(z.to_numpy(float))


def main() -> None:
    warnings.simplefilter("ignore")
    args = sys.argv[1:]
    weekly = float(args.pop(args.index("--weekly") + 1)) if "--weekly" in args else 0.0
    late = float(args.pop(args.index("--late") + 1)) if "--late" in args else 0.0
    out = Path(args.pop(args.index("--out") + 1)) if "--out" in args else None
    options = RATE_RULE if "--rate" in args else EVIDENCE_RULE
    numbers = [int(a) for a in args if a.isdigit()]
    samples = numbers[0] if numbers else 200
    seed = numbers[1] if len(numbers) > 1 else 0
    scenario, study, _ = _evidence_world(seed)
    everyone = {
        u: np.array(v) for u, v in study.frame.groupby("organisation_id")["record_id"].agg(list).items()
    }
    truth_cases = heard(
        study, everyone, {u: [(1, (0, 10**6))] for u in study.truth.index}, seed, weekly, late
    )
    truth = float((truth_cases["outcome"] == "satisfied").sum() / (truth_cases["outcome"] != "none").sum())
    rule, rows, start = None, [], time.process_time()
    label = f"seed {seed}, {options['kind']} rule, weekly {weekly}, phase-2-only {late}"
    for i in range(samples):
        row, rule = one_sample(scenario, study, seed, i, rule, weekly, late, options)
        rows.append(row)
        if (i + 1) % 50 == 0 or i + 1 == samples:
            summary(pd.DataFrame(rows), truth, f"{label}; CPU {time.process_time() - start:.0f} s")
    if out is not None:
        pd.DataFrame(rows).assign(
            seed=seed, rule=options["kind"], weekly=weekly, late=late, truth=truth
        ).to_csv(out, mode="a", header=not out.exists(), index=False)


if __name__ == "__main__":
    main()
