"""Benchmark: two-phase adaptive sampling against one phase at the same total of cases.

Run on demand: `python tests/benchmarks/bench_two_phase.py [seeds]` (and `--sweep [seeds]` for the
recall at +10 points as the total budget grows). Prints, per design, the recall of
units inflated by +10 points and the false discovery proportion (BH at q = 0.10), averaged over
simulated studies, and the bias of the headline 满意率 (respondents' weighted share satisfied) over
repeated samples of one fixed population, for the Rao–Blackwell weights, the naive pooled weights
and phase 1 alone.

The simulated study: 100 units (organisations, each a stratum) of 150–400 rated events; honest system
rates uniform on 0.85–0.97 and callbacks agreeing with them (no honest gap); 10 units inflated by
+10 points (their callback rate is 10 points below the system rate); 60% answer, independently of
satisfaction. One phase: 27 cases per unit (≈ 16 respondents, the issue's setting) = 2,700 cases.
Two phases: m cases per unit first, the rest of the 2,700 to the units phase 1 could not clear.

**The evidence rule** (`--evidence OUT.csv [FIRST:LAST]`, then `--summary OUT.csv`; `--bias SAMPLES`):
on `tests/analysis/verdict_sim.py`'s +10-point studies (60 units, signs and "staff asked" simulated),
the setting of `bench_oracle_bound.py two-phase` — 1,920 cases in all (32 a unit in one phase), phase 1
14 a unit, the same studies and the same per-unit call order, so its figures sit beside these. Per
design, recall and FDP under two verdicts: the Bayes oracle's (Sun & Cai on its lfdr from every
answer: what the design's cases *could* show) and Huifang's valid two-phase verdict (BH on
`analysis.phase_two_test` on both phases' answers, against the known honest rate). Designs: one phase; phase 2 by
the rate rule (γ = 0.4, honest rate given); by the evidence rule (`sampling.screening`, default
constants, the J highest scores or a fixed threshold); by the oracle's phase-1 lfdr (J most suspicious,
as in `bench_oracle_bound`). `--bias` draws phase 1 and 2 again and again from one simulated population
and prints the headline's bias under the Rao–Blackwell weights of the evidence rule, the pooled
π = (m + k)/N and phase 1 alone; `--bias SAMPLES SEED --weekly W` lets memory fade W a week (phase 2
four weeks later), against the truth at phase 1's delays, and adds the Rao–Blackwell estimate with
each answer moved by phase 1's measured fade (as a slope, and as a share).

**The rate test of expanded units** (`--expanded-test OUT.csv [FIRST:LAST] [WORLD …] [--fade F]
[--weekly W]`, then `--expanded-summary OUT.csv`; `--fade` as below): in every `verdict_sim` world
(default: the ten honest ones, +10, +20, proxy 30%, the mixture and +10 near 100%), phase 2 by the
evidence rule (m = 14, top 12); Huifang's test (`analysis.phase_two_test`, null estimated as
`compare_units` does), as it was and with the fade phase 1 measured allowed for, against the
inverse-normal combination it replaced, with the honest gap 0, the true honest rate and the estimated
null. `--weekly W`: memory fades steadily, in both phases — a satisfied answer on a record rated
satisfied has turned with chance W for every week since the service; phase 1 calls about services
0–27 days old, phase 2 four weeks later (`verdict_sim.callback_days`), so W = 0.025 costs phase 2 a
tenth more of those answers than phase 1, as `--fade 0.1` does, but phase 1 can see it. Its shape:
`--fade-domains F,F,F,F` multiplies W per domain (`verdict_sim.DOMAINS`, e.g. `2,2,0,0`: a fade in
half the domains that one study-wide slope averages away), `--fade-cap WEEKS` stops it growing after
that many weeks (memory that levels off, so that phase 1's slope overstates phase 2's loss); both also
for `--grid`.

**The allocation grid** (`--grid OUT.csv [FIRST:LAST] [--scenario NAME] [--designs M/J[/equal],…]`, then
`--grid-summary OUT.csv …`): the same +10 studies (or any `verdict_sim` scenario, e.g. an honest one),
1,920 cases in all (`--per-unit N`: N a unit instead of 32, e.g. 12 for the 600-member staff worlds);
one phase, and the evidence rule for each phase-1 size m (cases a unit) and J (units
phase 2 goes to). Per design four verdicts on the same cases: Huifang's posterior (phases pooled, π0 at
its 97.5% bound, no level: the verdict a study with a phase 2 gets), the same fit with π0 at its
maximum-likelihood value (what the bound costs), the Bayes oracle, and the oracle without the level
(the ceiling of a verdict that, like Huifang's, does not read the published rate as evidence); and how
many inflating units phase 2 reached and how many of those each verdict flagged — where recall is lost.
Worlds whose response depends on satisfaction get no oracle rows (it assumes it does not).
`--fade F`: phase 2 is called weeks after phase 1 and recall of a good service has faded — a share F
of the satisfied answers on its records rated satisfied is "dissatisfied" instead
(`verdict_sim.faded`; one phase, called at once, keeps its answers). Without inflation this is an
honest gap that only the units phase 2 went to have, the suspicious ones: the run shows whether the
posterior, or the rate test of expanded units, then accuses them. `--weekly W`: memory fades steadily in both phases
instead, as `--expanded-test` below.

The evidence rule's proxied share (`sampling.screening.PROXIED_SHARE`) can be set for a run with the
environment variable `BENCH_PROXIED` (0: the score before proxied records were in its alternative);
`BENCH_NO_LEVEL=1` screens without the published level in every domain.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from analysis.phase_two_test import expanded_unit_p_values
from sampling.two_phase import (
    PhaseTwoRule,
    honest_rate,
    phase_two_allocation,
    planned_need,
    pooled_weights,
    rao_blackwell_weights,
)

UNITS, INFLATED, PER_UNIT, RESPONSE, DELTA, Q = 100, 10, 27, 0.6, 0.10, 0.10


@dataclass
class Population:
    sizes: np.ndarray
    system_rate: np.ndarray
    inflated: np.ndarray
    responds: list[np.ndarray]  # per unit, per event: answers when called
    satisfied: list[np.ndarray]  # per unit, per event: satisfied if asked


def population(seed: int, inflation: float = DELTA) -> Population:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(150, 401, UNITS)
    system_rate = rng.uniform(0.85, 0.97, UNITS)
    inflated = np.zeros(UNITS, dtype=bool)
    inflated[rng.choice(UNITS, INFLATED, replace=False)] = True
    true_rate = system_rate - inflation * inflated
    responds = [rng.random(n) < RESPONSE for n in sizes]
    satisfied = [rng.random(n) < p for n, p in zip(sizes, true_rate, strict=True)]
    return Population(sizes, system_rate, inflated, responds, satisfied)


def outcome(pop: Population, unit: int, rows: np.ndarray) -> np.ndarray:
    answered = pop.responds[unit][rows]
    sat = pop.satisfied[unit][rows]
    return np.where(~answered, "none", np.where(sat, "satisfied", "unsatisfied"))


def bh(p: np.ndarray) -> np.ndarray:
    return multipletests(p, alpha=Q, method="fdr_bh")[0]


def expanded_p(evidence: pd.DataFrame, phase2: pd.DataFrame, k: pd.Series) -> pd.Series:
    """The analysis's test of the units phase 2 expanded (`analysis.phase_two_test`: both phases pooled,
    p = 1 for a unit passed over) against the simulation's known honest rate (`honest_rate`, else the
    system rate): the honest log odds ratio known exactly, spread 0."""
    big_n = evidence["N_h"].to_numpy(float)
    edge = 0.5 / big_n
    system = np.clip(evidence["system_rate"].to_numpy(float), edge, 1 - edge)
    honest = np.clip(honest_rate(evidence), edge, 1 - edge)
    second = phase2.reindex(evidence.index).fillna(0)
    table = pd.DataFrame(
        {
            "S": np.round(evidence["system_rate"].to_numpy(float) * big_n),
            "N": big_n,
            "x": evidence["x"].to_numpy(float) + second["x"].to_numpy(float),
            "n": evidence["r"].to_numpy(float) + second["r"].to_numpy(float),
            "gap": stats.logistic.ppf(system) - stats.logistic.ppf(honest),
            "spread": 0.0,
            "expanded": k.reindex(evidence.index).fillna(0).to_numpy() > 0,
        },
        index=evidence.index,
    )
    return expanded_unit_p_values(table)


def one_phase(pop: Population, rng: np.random.Generator) -> tuple[np.ndarray, pd.DataFrame]:
    rows = [rng.choice(n, PER_UNIT, replace=False) for n in pop.sizes]
    x = np.array([(outcome(pop, u, r) == "satisfied").sum() for u, r in enumerate(rows)])
    answered = np.array([(outcome(pop, u, r) != "none").sum() for u, r in enumerate(rows)])
    p = np.where(answered > 0, stats.binom.cdf(x, answered, pop.system_rate), 1.0)
    cases = pd.DataFrame(
        {
            "stratum": np.repeat(np.arange(UNITS), PER_UNIT),
            "phase": 1,
            "outcome": np.concatenate([outcome(pop, u, r) for u, r in enumerate(rows)]),
        }
    )
    cases["weight"] = pop.sizes[cases["stratum"]] / PER_UNIT
    return bh(p), cases


def two_phase(pop: Population, rng: np.random.Generator, m: int, rule: PhaseTwoRule):
    order = [rng.permutation(n) for n in pop.sizes]
    first = [o[:m] for o in order]
    cases1 = pd.DataFrame(
        {
            "stratum": np.repeat(np.arange(UNITS), m),
            "outcome": np.concatenate([outcome(pop, u, r) for u, r in enumerate(first)]),
        }
    )
    grouped = cases1.groupby("stratum")["outcome"]
    evidence = pd.DataFrame(
        {
            "N_h": pop.sizes,
            "M_h": m,
            "m": m,
            "x": grouped.agg(lambda o: (o == "satisfied").sum()).to_numpy(),
            "r": grouped.agg(lambda o: (o != "none").sum()).to_numpy(),
            "system_rate": pop.system_rate,
        }
    )
    selected = pd.Series(rule.selected(evidence["x"], evidence["r"], evidence), index=evidence.index)
    need = planned_need(evidence, rule, list(evidence.index))
    k = phase_two_allocation(evidence, selected, need, UNITS * (PER_UNIT - m))
    second = {u: order[u][m : m + int(k[u])] for u in range(UNITS) if k[u] > 0}
    out2 = {u: outcome(pop, u, r) for u, r in second.items()}
    phase2 = pd.DataFrame(
        {
            "x": [int((out2[u] == "satisfied").sum()) if u in out2 else 0 for u in range(UNITS)],
            "r": [int((out2[u] != "none").sum()) if u in out2 else 0 for u in range(UNITS)],
        }
    )
    flagged = bh(expanded_p(evidence, phase2, k).to_numpy())
    cases2 = pd.DataFrame(
        {
            "stratum": np.concatenate([np.full(len(r), u) for u, r in second.items()]) if second else [],
            "outcome": np.concatenate(list(out2.values())) if out2 else [],
        }
    )
    cases = pd.concat([cases1.assign(phase=1), cases2.assign(phase=2)], ignore_index=True)
    cases["stratum"] = cases["stratum"].astype(int)
    cases["rb"] = rao_blackwell_weights(cases, evidence, k, rule.selected)
    cases["pooled"] = pooled_weights(cases, evidence)
    cases["phase1"] = np.where(cases["phase"] == 1, pop.sizes[cases["stratum"]] / m, 0.0)
    return flagged, cases, int(selected.sum())


def rate(cases: pd.DataFrame, weight: str) -> float:
    w = cases[weight].to_numpy(float)
    sat = (cases["outcome"] == "satisfied").to_numpy()
    answered = (cases["outcome"] != "none").to_numpy()
    return float((w * sat).sum() / (w * answered).sum())


def recall_fdp(flagged: np.ndarray, inflated: np.ndarray) -> tuple[float, float]:
    hits = (flagged & inflated).sum()
    return hits / inflated.sum(), ((flagged & ~inflated).sum() / flagged.sum()) if flagged.sum() else 0.0


def genie(pop: Population, rng: np.random.Generator) -> np.ndarray:
    """Flags when the whole budget goes to the inflated units (as if a design knew them) and BH runs over
    all units (the others' p = 1): no design with this many cases can find more — the bound for
    two phases. One phase's exact binomial test against the known system rate is itself the oracle test
    of a one-phase design (this simulation has no honest gap)."""
    budget = UNITS * PER_UNIT
    targets = np.flatnonzero(pop.inflated)
    p = np.ones(UNITS)
    for u in targets:
        rows = rng.choice(pop.sizes[u], min(budget // len(targets), int(pop.sizes[u])), replace=False)
        o = outcome(pop, u, rows)
        p[u] = stats.binom.cdf((o == "satisfied").sum(), (o != "none").sum(), pop.system_rate[u])
    return bh(p)


def verdicts(seeds: int, m: int, rule: PhaseTwoRule, inflation: float = DELTA) -> dict[str, float]:
    one, two, chosen, bound = [], [], [], []
    for seed in range(seeds):
        pop = population(seed, inflation)
        rng = np.random.default_rng(10_000 + seed)
        one.append(recall_fdp(one_phase(pop, rng)[0], pop.inflated))
        flagged, _, selected = two_phase(pop, rng, m, rule)
        two.append(recall_fdp(flagged, pop.inflated))
        chosen.append(selected)
        if pop.inflated.any():
            bound.append(recall_fdp(genie(pop, rng), pop.inflated)[0])
    one_a, two_a = np.array(one), np.array(two)
    return {
        "one_recall": one_a[:, 0].mean(),
        "one_fdp": one_a[:, 1].mean(),
        "two_recall": two_a[:, 0].mean(),
        "two_fdp": two_a[:, 1].mean(),
        "selected": float(np.mean(chosen)),
        "bound": float(np.mean(bound)) if bound else float("nan"),
    }


def headline_bias(samples: int, m: int, rule: PhaseTwoRule, seed: int = 0) -> dict[str, tuple[float, float]]:
    pop = population(seed)
    answered = np.concatenate(pop.responds)
    truth = (np.concatenate(pop.satisfied) & answered).sum() / answered.sum()
    rng = np.random.default_rng(seed + 1)
    estimates: dict[str, list[float]] = {"rb": [], "pooled": [], "phase1": [], "one": []}
    for _ in range(samples):
        _, cases, _ = two_phase(pop, rng, m, rule)
        for name in ("rb", "pooled", "phase1"):
            estimates[name].append(rate(cases, name))
        estimates["one"].append(rate(one_phase(pop, rng)[1], "weight"))
    return {
        name: ((np.mean(v) - truth) * 100, np.std(v, ddof=1) / np.sqrt(len(v)) * 100)
        for name, v in estimates.items()
    }


def sweep(seeds: int) -> None:
    """Recall at +10 points as the total grows: what one phase and two phases need for 0.8."""
    global PER_UNIT
    rule = PhaseTwoRule(inflation=DELTA, level=0.4, response_rate=RESPONSE)
    for per_unit in (27, 60, 120):  # the smallest unit has 150 records
        PER_UNIT = per_unit
        m = round(per_unit * 0.45)
        r = verdicts(seeds, m, rule)
        print(
            f"+10%, {per_unit:3d} cases per unit ({UNITS * per_unit} in all): one phase recall {r['one_recall']:.3f} "
            f"FDP {r['one_fdp']:.3f} | two-phase (m = {m}, γ = 0.4) recall {r['two_recall']:.3f} FDP {r['two_fdp']:.3f}"
            f" | bound {r['bound']:.3f}"
        )


# --- the evidence rule on verdict_sim's studies ------------------------------------------------------

EVIDENCE_FIRST, EVIDENCE_PER_UNIT = 14, 32


def _evidence_world(seed: int, name: str = "inflate_+10"):
    """One study of `verdict_sim`'s scenario `name` (+10 points by default) with every record simulated,
    and each unit's call order (the order `bench_oracle_bound.two_phase_study` uses for the same seed)."""
    import dataclasses

    from tests.analysis.verdict_sim import SCENARIOS, simulate

    scenario = dataclasses.replace(SCENARIOS[name], sample_per_unit=10**6)
    study = simulate(scenario, seed)
    rng = np.random.default_rng(50_000 + seed)
    records = study.frame.groupby("organisation_id")["record_id"].agg(list)
    order = {u: rng.permutation(np.array(records[u])) for u in study.truth.index}
    return scenario, study, order


def _called_cases(study, order: dict, take: dict, interviews: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every called record (respondent or not) with its stratum, phase, category and outcome (the
    answers of `interviews`, the study's by default)."""
    from sampling.screening import case_categories

    parts = []
    for u, ranges in take.items():
        for phase, (a, b) in ranges:
            if b > a:
                parts.append(pd.DataFrame({"record_id": order[u][a:b], "stratum": u, "phase": phase}))
    cases = pd.concat(parts, ignore_index=True)
    cases = cases.merge(study.frame[["record_id", "system_rating", "domain"]], on="record_id", how="left")
    answers = (study.interviews if interviews is None else interviews).drop(
        columns=["organisation_id", "domain", "system_rating"], errors="ignore"
    )
    cases = cases.merge(answers, on="record_id", how="left")
    cases["respondent"] = cases["sat_overall"].notna()
    cases["category"] = case_categories(cases, ["satisfied"], ["satisfied"]).to_numpy()
    answer = cases["category"].str.split("/").str[1]
    cases["outcome"] = answer.map({"sat": "satisfied", "unsat": "unsatisfied"}).fillna("none")
    return cases


def _design_evidence(study, scenario, order, first: int) -> pd.DataFrame:
    from tests.analysis.verdict_sim import honest_callback_rate

    units = study.truth.index
    size = study.frame.groupby("organisation_id").size().reindex(units)
    system = study.frame.groupby("organisation_id")["system_rating"].agg(lambda v: (v == "satisfied").mean())
    domain = study.frame.groupby("organisation_id")["domain"].first().reindex(units)
    m = np.minimum(first, size)
    honest = honest_callback_rate(system.reindex(units).to_numpy(), study.truth["mode"].to_numpy(), scenario)
    return pd.DataFrame(
        {
            "N_h": size,
            "M_h": m,
            "m": m,
            "system_rate": system.reindex(units),
            "honest_rate": honest,
            "domain": domain,
        }
    )


def _phase_one(study, order, evidence: pd.DataFrame, interviews: pd.DataFrame | None = None) -> pd.DataFrame:
    """Phase 1's called cases and their counts by category; `evidence` gains each unit's x and r."""
    from sampling.screening import category_counts

    cases = _called_cases(
        study, order, {u: [(1, (0, int(evidence.at[u, "m"])))] for u in evidence.index}, interviews
    )
    grouped = cases.groupby("stratum")["outcome"]
    evidence["x"] = grouped.agg(lambda o: int((o == "satisfied").sum())).reindex(evidence.index).fillna(0)
    evidence["r"] = grouped.agg(lambda o: int((o != "none").sum())).reindex(evidence.index).fillna(0)
    return cases, category_counts(cases, evidence.index)


def _run_design(study, scenario, order, evidence, counts, rule: PhaseTwoRule, budget: int):
    """Phase 2 by `rule`; returns (oracle flags, expanded-unit test flags, all called cases, allocation,
    decision). The oracle's flags are None where it does not apply (response tied to satisfaction)."""
    from tests.benchmarks.bench_oracle_bound import _oracle_flags

    units = evidence.index
    decision = rule.decide(evidence, counts, list(units))
    k, take = _phase_two_take(evidence, decision, rule, budget)
    cases = _called_cases(study, order, take)
    responded = cases[cases["respondent"]]
    flags_oracle = (
        _oracle_flags(
            study, scenario, study.interviews[study.interviews["record_id"].isin(responded["record_id"])]
        )
        if scenario.dissatisfied_response == 1
        else None
    )
    second = cases[cases["phase"] == 2].groupby("stratum")["outcome"]
    phase2 = pd.DataFrame(
        {
            "x": second.agg(lambda o: int((o == "satisfied").sum())),
            "r": second.agg(lambda o: int((o != "none").sum())),
        }
    )
    p = expanded_p(evidence, phase2, k)
    flags_test = pd.Series(bh(p.to_numpy()), index=units)
    return flags_oracle, flags_test, cases, k, decision


def _phase_two_take(
    evidence: pd.DataFrame, decision: pd.DataFrame, rule: PhaseTwoRule, budget: int
) -> tuple[pd.Series, dict]:
    """Each unit's phase-2 cases k (`rule`'s allocation of `budget` among the units `decision`
    selected) and the ranges of its call order each phase takes."""
    units = evidence.index
    need = planned_need(evidence, rule, list(units))
    k = phase_two_allocation(evidence, decision["selected"], need, budget, rule.allocation)
    take = {
        u: [
            (1, (0, int(evidence.at[u, "m"]))),
            (2, (int(evidence.at[u, "m"]), int(evidence.at[u, "m"] + k[u]))),
        ]
        for u in units
    }
    return k, take


EVIDENCE_DESIGNS = {  # label: (rule options, the published level in the score)
    "rate rule (γ = 0.4, honest rate given)": ({"kind": "rate", "level": 0.4}, False),
    "evidence rule, no level, top J = 12": ({"kind": "evidence", "select": "top", "top": 12}, False),
    "evidence rule, top J = 12": ({"kind": "evidence", "select": "top", "top": 12}, True),
    "evidence rule, top J = 18": ({"kind": "evidence", "select": "top", "top": 18}, True),
    "evidence rule, score ≥ 2 nats": ({"kind": "evidence", "select": "threshold", "threshold": 2.0}, True),
    "evidence rule, top J = 18 below 6 nats": ({"kind": "evidence", "top": 18, "ceiling": 6.0}, True),
    "evidence rule, top J = 18 below 9 nats": ({"kind": "evidence", "top": 18, "ceiling": 9.0}, True),
}


def _proxied_override() -> dict:
    """The screening's proxied share from `BENCH_PROXIED` (e.g. `BENCH_PROXIED=0` for the score before
    it existed), else the constants' default."""
    value = os.environ.get("BENCH_PROXIED")
    return {} if value is None else {"proxied_share": float(value)}


def _rule(options: dict, with_level: bool, evidence: pd.DataFrame, response_rate: float) -> PhaseTwoRule:
    from sampling.screening import EvidenceConstants, level_prior

    with_level = with_level and not os.environ.get("BENCH_NO_LEVEL")
    prior = level_prior(evidence["system_rate"], evidence["domain"], inflation=0.10) if with_level else {}
    return PhaseTwoRule(
        inflation=0.10,
        response_rate=response_rate,
        constants=EvidenceConstants(level_prior=prior, **_proxied_override()),
        **options,
    )


def evidence_study(seed: int, only: str | None = None) -> list[dict]:
    """One study, every design (or those whose label contains `only`): one row per (design, verdict)."""

    from tests.analysis import verdict_oracle as vo
    from tests.benchmarks.bench_oracle_bound import _oracle_flags

    scenario, study, order = _evidence_world(seed)
    units = study.truth.index
    total = len(units) * EVIDENCE_PER_UNIT
    rows: list[dict] = []

    def record(
        design: str,
        verdict: str,
        flags: pd.Series,
        selected: float = np.nan,
        hit: float = np.nan,
        cpu: float = np.nan,
    ) -> None:
        recall, fdp = vo.recall_and_fdp(flags, study.inflated)
        rows.append(
            {
                "seed": seed,
                "cases": total,
                "design": design,
                "verdict": verdict,
                "recall": recall,
                "fdp": fdp,
                "selected": selected,
                "selected_inflating": hit,
                "cpu": cpu,
            }
        )

    evidence = _design_evidence(study, scenario, order, EVIDENCE_FIRST)
    one = _called_cases(
        study, order, {u: [(1, (0, min(EVIDENCE_PER_UNIT, int(evidence.at[u, "N_h"]))))] for u in units}
    )
    one_resp = study.interviews[study.interviews["record_id"].isin(one.loc[one["respondent"], "record_id"])]
    if only is not None:
        _designs_only(study, scenario, order, evidence, only, record)
        return rows
    record("one phase", "oracle", _oracle_flags(study, scenario, one_resp))
    grouped = one.groupby("stratum")["outcome"]
    x = grouped.agg(lambda o: int((o == "satisfied").sum())).reindex(units).fillna(0)
    r = grouped.agg(lambda o: int((o != "none").sum())).reindex(units).fillna(0)
    p = np.where(r > 0, stats.binom.cdf(x, r, evidence["honest_rate"]), 1.0)
    record("one phase", "rate test, BH", pd.Series(bh(p), index=units))
    _designs_only(study, scenario, order, evidence, "", record)  # every design ("" is in every label)
    from tests.benchmarks.bench_oracle_bound import two_phase_study

    for row in two_phase_study(seed, spreads=(12, 18)):  # the oracle-steered designs on the same study
        if row["design"].startswith("two phases, oracle lfdr") or "genie" in row["design"]:
            rows.append(
                {
                    "seed": seed,
                    "cases": total,
                    "design": row["design"],
                    "verdict": "oracle",
                    "recall": row["recall"],
                    "fdp": row["fdp"],
                }
            )
    return rows


def _posterior_flags(study, cases: pd.DataFrame) -> pd.Series:
    """Huifang's posterior verdict (`analysis.unit_posterior`, Sun & Cai at q) on the called cases'
    interviews, phases pooled: a Bayesian verdict, so the adaptive design is ignorable (the rule read
    only data the posterior reads too)."""
    from analysis.unit_posterior import posterior

    called = study.interviews[study.interviews["record_id"].isin(cases.loc[cases["respondent"], "record_id"])]
    return (
        posterior(study.frame, called, q=Q)["flagged"].reindex(study.truth.index).fillna(False).astype(bool)
    )


def _lfdr_rule_design(study, scenario, order, evidence, phase1: pd.DataFrame, top: int, budget: int):
    """Phase 2 to the `top` units with the smallest `unit_posterior.screening_lfdr` on phase 1 (its
    nuisances fitted on phase 1 itself: the Rao–Blackwell weights are then not exact), need-proportional."""
    from analysis.unit_posterior import screening_lfdr

    called = study.interviews[
        study.interviews["record_id"].isin(phase1.loc[phase1["respondent"], "record_id"])
    ]
    lfdr = screening_lfdr(called, study.frame).reindex(evidence.index)
    ranked = lfdr.fillna(0.5).sort_values(kind="stable").index[:top]
    selected = pd.Series(evidence.index.isin(ranked), index=evidence.index)
    rule = PhaseTwoRule(inflation=0.10, response_rate=scenario.response_rate * 0.97)
    k = phase_two_allocation(evidence, selected, planned_need(evidence, rule, list(evidence.index)), budget)
    m = evidence["m"]
    take = {u: [(1, (0, int(m[u]))), (2, (int(m[u]), int(m[u] + k[u])))] for u in evidence.index}
    return _called_cases(study, order, take), k, selected


def evidence_extras(seed: int) -> list[dict]:
    """Huifang's posterior verdict on one phase and the evidence rule's designs, and phase 2 steered by
    `unit_posterior.screening_lfdr` (if it is there): one row per (design, verdict)."""
    from tests.analysis import verdict_oracle as vo
    from tests.benchmarks.bench_oracle_bound import _oracle_flags

    scenario, study, order = _evidence_world(seed)
    units = study.truth.index
    total = len(units) * EVIDENCE_PER_UNIT
    rows: list[dict] = []

    def record(design: str, verdict: str, flags: pd.Series, selected: pd.Series | None = None) -> None:
        recall, fdp = vo.recall_and_fdp(flags, study.inflated)
        chosen = set(units[selected.to_numpy()]) if selected is not None else set()
        rows.append(
            {"seed": seed, "cases": total, "design": design, "verdict": verdict, "recall": recall, "fdp": fdp,
             "selected": len(chosen) if selected is not None else np.nan,
             "selected_inflating": len(chosen & study.inflated) if selected is not None else np.nan, "cpu": np.nan}
        )  # fmt: skip

    evidence = _design_evidence(study, scenario, order, EVIDENCE_FIRST)
    one = _called_cases(
        study, order, {u: [(1, (0, min(EVIDENCE_PER_UNIT, int(evidence.at[u, "N_h"]))))] for u in units}
    )
    record("one phase", "posterior (unit_posterior)", _posterior_flags(study, one))
    phase1, counts = _phase_one(study, order, evidence)
    budget = total - int(evidence["m"].sum())
    for label in ("evidence rule, top J = 12", "evidence rule, top J = 18"):
        options, with_level = EVIDENCE_DESIGNS[label]
        rule = _rule(options, with_level, evidence, scenario.response_rate * 0.97)
        _, _, cases, _, decision = _run_design(study, scenario, order, evidence, counts, rule, budget)
        record(label, "posterior (unit_posterior)", _posterior_flags(study, cases), decision["selected"])
    for top in (12, 18):
        cases, _, selected = _lfdr_rule_design(study, scenario, order, evidence, phase1, top, budget)
        label = f"screening_lfdr (fitted on phase 1), top J = {top}"
        record(
            label,
            "oracle",
            _oracle_flags(
                study,
                scenario,
                study.interviews[
                    study.interviews["record_id"].isin(cases.loc[cases["respondent"], "record_id"])
                ],
            ),
            selected,
        )
        record(label, "posterior (unit_posterior)", _posterior_flags(study, cases), selected)
    return rows


GRID_FIRST, GRID_TOP = (10, 14, 20), (6, 9, 12)  # phase-1 cases a unit × units sent to phase 2


def _posterior_variants(study, cases: pd.DataFrame) -> dict[str, pd.Series]:
    """Huifang's posterior verdict on the called cases (phases pooled) and, from the same fit, the
    verdict with π0 at its maximum-likelihood value (what the verdicts' conservative π0 bound costs)."""
    import dataclasses

    from analysis.unit_posterior import fit, posterior_table, unit_evidence

    called = study.interviews[study.interviews["record_id"].isin(cases.loc[cases["respondent"], "record_id"])]
    table = unit_evidence(study.frame, called)
    result = fit(table, census_level=False, pi0_level=0.975)
    mle = dataclasses.replace(result, weights=result.weights_mle)
    units = study.truth.index
    return {
        name: posterior_table(table, r, Q, without_answers=False)["flagged"]
        .reindex(units)
        .fillna(False)
        .astype(bool)
        for name, r in (("posterior", result), ("posterior, π0 at its MLE", mle))
    }


def design_grid(
    seed: int,
    name: str = "inflate_+10",
    grid: list[tuple] | None = None,
    per_unit: int = EVIDENCE_PER_UNIT,
    fade: float = 0.0,
    weekly: float = 0.0,
    shape: dict | None = None,
) -> list[dict]:
    """One study of `name` (+10 by default), `per_unit` cases a unit in all (1,920 for 60 units at 32):
    one phase and the evidence rule (top J) for every phase-1 size m and J of the grid; per design the
    oracle's and the posterior's recall and FDP, the
    units phase 2 went to and the inflating ones among them, and the posterior's hits among those.
    With `fade`, phase 2's answers are `verdict_sim.faded`; with `weekly`, both phases' answers fade
    with the weeks since the service (`verdict_sim.weekly_faded`; `shape`: its ``by_domain`` and
    ``cap_weeks``). The oracles, which know no fading, are then left out."""
    import dataclasses
    import time

    from tests.analysis import verdict_oracle as vo
    from tests.analysis.verdict_sim import faded, weekly_faded

    scenario, study, order = _evidence_world(seed, name)
    units = study.truth.index
    total = len(units) * per_unit
    rows: list[dict] = []

    def verdicts(design: str, m: int, top: int, cases: pd.DataFrame, chosen: set, start: float) -> None:
        responded = study.interviews[
            study.interviews["record_id"].isin(cases.loc[cases["respondent"], "record_id"])
        ]
        late = cases.loc[cases["phase"] == 2, "record_id"]
        answers = weekly_faded(
            faded(study.interviews, late, fade, seed), cases, weekly, seed, **(shape or {})
        )
        flags = _posterior_variants(dataclasses.replace(study, interviews=answers), cases)
        if study.inflated and not (
            fade or weekly
        ):  # the oracles' ceiling (an honest world has no recall to bound)
            counts = vo.unit_counts(study, responded)
            flags["oracle"] = vo.sun_cai_flags(vo.oracle_lfdr(study, scenario, counts), Q)
            flags["oracle, no level"] = vo.sun_cai_flags(
                vo.oracle_lfdr(study, scenario, counts, census_level=False), Q
            )
        cpu = time.process_time() - start
        for verdict, f in flags.items():
            recall, fdp = vo.recall_and_fdp(f, study.inflated)
            hits = set(units[f.reindex(units).fillna(False).to_numpy(bool)]) & study.inflated
            rows.append(
                {"seed": seed, "scenario": name, "cases": total, "fade": fade, "weekly": weekly, **_shape_columns(shape), "design": design, "m": m, "top": top, "verdict": verdict,
                 "recall": recall, "fdp": fdp, "inflating": len(study.inflated), "selected": len(chosen),
                 "selected_inflating": len(chosen & study.inflated), "hits_selected": len(hits & chosen),
                 "cpu": cpu}
            )  # fmt: skip

    start = time.process_time()
    one = _called_cases(study, order, {u: [(1, (0, per_unit))] for u in units})
    verdicts("one phase", per_unit, 0, one, set(), start)
    grid = (
        [(*g, "need")[:3] for g in grid] if grid else [(m, t, "need") for m in GRID_FIRST for t in GRID_TOP]
    )
    for m in sorted({g[0] for g in grid}):
        evidence = _design_evidence(study, scenario, order, m)
        _, counts = _phase_one(study, order, evidence)
        budget = total - int(evidence["m"].sum())
        for _, top, share in [g for g in grid if g[0] == m]:
            start = time.process_time()
            options = {"kind": "evidence", "select": "top", "top": top, "allocation": share}
            rule = _rule(options, True, evidence, scenario.response_rate * 0.97)
            _, _, cases, _, decision = _run_design(study, scenario, order, evidence, counts, rule, budget)
            chosen = set(units[decision["selected"].to_numpy()])
            label = f"evidence rule, m = {m}, top J = {top}" + (", equal parts" if share == "equal" else "")
            verdicts(label, m, top, cases, chosen, start)
    return rows


def grid_summary(paths: list[Path]) -> None:
    rows = pd.concat([pd.read_csv(p) for p in paths], ignore_index=True).drop_duplicates(
        ["seed", "design", "verdict"]
    )
    print(
        f"{rows['scenario'].iloc[0]}, {rows['cases'].iloc[0]} cases in all, {rows['seed'].nunique()} studies; q = {Q};"
        " mean ± MC SE"
    )
    print("design | verdict | recall | FDP | phase 2 units (inflating; flagged of those) | CPU s")
    se = lambda v: v.std(ddof=1) / np.sqrt(len(v))  # noqa: E731
    for (design, verdict), r in rows.groupby(["design", "verdict"], sort=False):
        print(
            f"{design} | {verdict} | {r['recall'].mean():.3f} ± {se(r['recall']):.3f} | {r['fdp'].mean():.3f}"
            f" | {r['selected'].mean():.1f} ({r['selected_inflating'].mean():.1f}; {r['hits_selected'].mean():.1f})"
            f" | {r['cpu'].mean():.1f}"
        )


def _designs_only(study, scenario, order, evidence, only: str, record) -> None:
    import time

    _, counts = _phase_one(study, order, evidence)
    units = evidence.index
    budget = len(units) * EVIDENCE_PER_UNIT - int(evidence["m"].sum())
    for label, (options, with_level) in EVIDENCE_DESIGNS.items():
        if only not in label:
            continue
        start = time.process_time()
        rule = _rule(options, with_level, evidence, scenario.response_rate * 0.97)
        flags_oracle, flags_test, _, _, decision = _run_design(
            study, scenario, order, evidence, counts, rule, budget
        )
        chosen = set(units[decision["selected"].to_numpy()])
        cpu = time.process_time() - start
        if flags_oracle is not None:
            record(label, "oracle", flags_oracle, len(chosen), len(chosen & study.inflated), cpu)
        record(
            label,
            "rate test of expanded units, BH",
            flags_test,
            len(chosen),
            len(chosen & study.inflated),
            cpu,
        )


def evidence_summary(paths: list[Path]) -> None:
    rows = pd.concat([pd.read_csv(p) for p in paths], ignore_index=True).drop_duplicates(
        ["seed", "design", "verdict"]
    )
    print(
        f"+10 points, {rows['cases'].iloc[0]} cases in all (32 a unit; phase 1 {EVIDENCE_FIRST} a unit), "
        f"{rows['seed'].nunique()} studies (seeds {rows['seed'].min()}–{rows['seed'].max()}), q = {Q}; mean ± MC SE"
    )
    print("design | verdict | recall | FDP | units in phase 2 (inflating among them) | CPU s")
    for (design, verdict), r in rows.groupby(["design", "verdict"], sort=False):
        se = lambda v: v.std(ddof=1) / np.sqrt(len(v))  # noqa: E731
        print(
            f"{design} | {verdict} | {r['recall'].mean():.3f} ± {se(r['recall']):.3f} | {r['fdp'].mean():.3f} ± {se(r['fdp']):.3f}"
            f" | {r['selected'].mean():.1f} ({r['selected_inflating'].mean():.1f}) | {r['cpu'].mean():.2f}"
        )


def evidence_bias(samples: int, seed: int = 0, options: dict | None = None, weekly: float = 0.0) -> None:
    """Headline bias over repeated two-phase samples of one population, evidence rule (top J = 12).
    With `weekly`, memory fades W a week (`verdict_sim.fades_by_days`, each record's age and draw its
    own, phase 2 four weeks later): the truth is then every record called at phase 1's delays, and a
    fourth estimator, the Rao–Blackwell weights with each answer moved by phase 1's measured fade to
    phase 1's mean delay (`_fade_moved`)."""
    import time

    scenario, study, _ = _evidence_world(seed)
    all_cases = _called_cases(
        study,
        {u: np.array(v) for u, v in study.frame.groupby("organisation_id")["record_id"].agg(list).items()},
        {u: [(1, (0, 10**6))] for u in study.truth.index},
    )
    if weekly:
        all_cases = _weekly_outcomes(all_cases, weekly, seed)
    sat = (all_cases["outcome"] == "satisfied").sum()
    truth = sat / (all_cases["outcome"] != "none").sum()
    rule = None
    names = ["rb", "pooled", "phase1"] + (["rb_fade", "rb_fade_share"] if weekly else [])
    estimates: dict[str, list[float]] = {name: [] for name in names}
    totals: dict[str, list[float]] = {name: [] for name in names}
    start = time.process_time()
    for i in range(samples):
        rng = np.random.default_rng(seed * 1_000_003 + i + 1)
        records = study.frame.groupby("organisation_id")["record_id"].agg(list)
        order = {u: rng.permutation(np.array(records[u])) for u in study.truth.index}
        evidence = _design_evidence(study, scenario, order, EVIDENCE_FIRST)
        rule = rule or _rule(
            options or {"kind": "evidence", "top": 12}, True, evidence, scenario.response_rate * 0.97
        )
        _, counts = _phase_one(study, order, evidence)
        budget = len(evidence) * (EVIDENCE_PER_UNIT - EVIDENCE_FIRST)
        decision = rule.decide(evidence, counts, list(evidence.index))
        evidence["threshold"] = decision.get("threshold")
        k, take = _phase_two_take(evidence, decision, rule, budget)
        cases = _called_cases(study, order, take)
        cases["rb"] = rao_blackwell_weights(cases, evidence, k, rule).to_numpy()
        cases["pooled"] = pooled_weights(cases, evidence)
        cases["phase1"] = np.where(
            cases["phase"] == 1,
            evidence["N_h"].reindex(cases["stratum"]).to_numpy()
            / evidence["m"].reindex(cases["stratum"]).to_numpy(),
            0.0,
        )
        if weekly:
            cases = _weekly_outcomes(cases, weekly, seed)
        for name in estimates:
            moved = name.startswith("rb_fade")  # the Rao–Blackwell weights, the answers moved
            said = (
                _fade_moved(cases, share=name == "rb_fade_share")
                if moved
                else (cases["outcome"] == "satisfied").astype(float)
            )
            w = cases["rb" if moved else name].to_numpy(float)
            answered = (cases["outcome"] != "none").to_numpy()
            estimates[name].append(float((w * said).sum() / (w * answered).sum()))
            totals[name].append(float((w * said).sum()))
        if (i + 1) % 50 == 0 or i + 1 == samples:  # a run cut short still reports
            _print_bias(i + 1, seed, rule, truth, sat, estimates, totals, time.process_time() - start)


def _weekly_outcomes(
    cases: pd.DataFrame, weekly: float, seed: int, shape: dict | None = None
) -> pd.DataFrame:
    """`cases` with their callback ``days`` and the satisfied answers on records rated satisfied that
    faded by then (W a week, `verdict_sim.callback_days`, `domain_fades` and `fades_by_days` of study
    `seed`; `shape`: ``by_domain`` and ``cap_weeks``) turned "unsatisfied"."""
    from tests.analysis.verdict_sim import callback_days, domain_fades, fades_by_days

    shape = shape or {}
    out = cases.assign(days=callback_days(cases["record_id"], cases["phase"], seed))
    rates = domain_fades(out, weekly, shape.get("by_domain"))
    gone = fades_by_days(out["record_id"], out["days"].to_numpy(), rates, seed, shape.get("cap_weeks"))
    turned = gone & (out["system_rating"] == "satisfied") & (out["outcome"] == "satisfied")
    out.loc[turned, "outcome"] = "unsatisfied"
    return out


def _fade_moved(cases: pd.DataFrame, share: bool = False) -> pd.Series:
    """Each answer's "satisfied" (0/1, 0 without an answer), those on records rated satisfied moved by
    phase 1's measured fade (`phase_two_test.fade_per_week`, within strata) to phase 1's mean delay:
    what a headline allowing for phase 2's later calls would count. The move is the slope times the
    weeks, the same for every answer; with `share`, the fade is read as a share of the satisfied
    answers lost a week (the slope over phase 1's share satisfied), so a satisfied answer t weeks on
    counts (1 − ρ t̄₁) / (1 − ρ t): a unit satisfied less loses less."""
    from analysis.phase_two_test import fade_per_week

    said = (cases["outcome"] == "satisfied").astype(float)
    timed = (cases["system_rating"] == "satisfied") & (cases["outcome"] != "none")
    first = cases[timed & (cases["phase"] == 1)]
    fade = fade_per_week(
        pd.DataFrame(
            {"unit": first["stratum"], "days": first["days"], "satisfied": first["outcome"] == "satisfied"}
        )
    )
    if fade is None:
        return said
    if share:
        mean_weeks = first["days"].mean() / 7
        at_service = float((first["outcome"] == "satisfied").mean()) - fade.per_week * mean_weeks
        rho = -fade.per_week / at_service
        ratio = (1 - rho * mean_weeks) / np.clip(1 - rho * cases["days"] / 7, 0.05, None)
        return said * np.where(timed, ratio, 1.0)
    weeks = cases["days"] / 7 - first["days"].mean() / 7
    return said - np.where(timed, fade.per_week * weeks, 0.0)


def _print_bias(samples, seed, rule, truth, sat, estimates, totals, cpu) -> None:
    print(
        f"headline 满意率 over {samples} two-phase samples of one +10-point population (seed {seed}; "
        f"{rule.kind} rule, {rule.select} {rule.top if rule.select == 'top' else rule.threshold}); truth {truth:.4f}; "
        f"CPU {cpu:.0f} s:",
        flush=True,
    )
    for name, label in (
        ("rb", "Rao–Blackwell weights"),
        ("pooled", "pooled π = (m+k)/N"),
        ("phase1", "phase 1 only"),
        ("rb_fade", "Rao–Blackwell, fade moved"),
        ("rb_fade_share", "RB, fade as a share"),
    ):
        if name not in estimates:
            continue
        v, t = np.array(estimates[name]), np.array(totals[name])
        print(
            f"  {label:24s} 满意率 bias {(v.mean() - truth) * 100:+.3f} ± {v.std(ddof=1) / np.sqrt(len(v)) * 100:.3f} points;"
            f" total satisfied bias {(t.mean() / sat - 1) * 100:+.3f}% ± {t.std(ddof=1) / np.sqrt(len(t)) / sat * 100:.3f}%",
            flush=True,
        )
    rb, rb_total = np.array(estimates["rb"]), np.array(totals["rb"])
    for name in [
        n for n in ("pooled", "phase1", "rb_fade", "rb_fade_share") if n in estimates
    ]:  # paired: smaller MC error
        d = (np.array(estimates[name]) - rb) * 100
        t = (np.array(totals[name]) - rb_total) / sat * 100
        print(
            f"  {name} − Rao–Blackwell, paired: {d.mean():+.3f} ± {d.std(ddof=1) / np.sqrt(len(d)):.3f} points; "
            f"total satisfied {t.mean():+.3f}% ± {t.std(ddof=1) / np.sqrt(len(t)):.3f}%",
            flush=True,
        )


# --- the rate test of expanded units against its peers ----------------------------------------------
EXPANDED_WORLDS = (
    "honest", "honest_small_units", "honest_domains_differ", "honest_mode_-3", "honest_mode_by_domain",
    "honest_nonresponse", "honest_all", "honest_unit_gaps", "honest_high_rate_units", "honest_near_100",
    "inflate_+10", "inflate_+20", "proxy_30%", "mixture", "inflate_+10_near_100",
)  # fmt: skip


def _estimated_null(counts: pd.DataFrame):
    """The honest-gap null as `compare_units` estimates it (Mantel–Haenszel per domain, robust τ²),
    re-estimated without the units at p < 0.05 until it settles (3 rounds)."""
    from analysis import unit_model as um

    null = um.estimate_rate_null(counts)
    for _ in range(3):
        p = pd.Series(
            {
                u: um.rate_p_value(r.S, r.N, r.x, r.n, *null.for_unit(r.domain, r.S, r.N))
                for u, r in counts.iterrows()
            }
        )
        null = um.estimate_rate_null(counts[~(p < 0.05)])
    return null


def _inverse_normal(p1: np.ndarray, p2: np.ndarray, m: np.ndarray, k: np.ndarray) -> np.ndarray:
    """The inverse-normal combination (Lehmacher & Wassmer) the test replaced: weights by planned cases."""
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.sqrt(m / (m + k)) * stats.norm.isf(np.clip(p1, 1e-300, 1 - 1e-16)) + np.sqrt(
            k / (m + k)
        ) * stats.norm.isf(np.clip(p2, 1e-300, 1 - 1e-16))
    return np.where(k > 0, stats.norm.sf(z), 1.0)


def expanded_test_study(
    seed: int,
    name: str,
    m: int = 14,
    top: int = 12,
    fade: float = 0.0,
    weekly: float = 0.0,
    shape: dict | None = None,
) -> list[dict]:
    """One `verdict_sim` study of world `name`, phase 2 by the evidence rule (m a unit first, the top
    J, 1,920 cases in all); per test of the expanded units, BH at q: recall, FDP and honest units flagged.
    Tests: Huifang's (`analysis.phase_two_test`, the null estimated from the pooled counts) and, as
    peers, the inverse-normal combination against the rule's honest gap 0 (what the app printed before),
    against the simulation's true honest rate, and against the same estimated null. Every case is
    called some days after its service (`verdict_sim.callback_days`, phase 2 four weeks later). With
    `fade`, phase 2's answers are `verdict_sim.faded` (a fade phase 1 cannot see); with `weekly`, the
    satisfied answers on records rated satisfied fade by that chance a week in both phases
    (`verdict_sim.fades_by_days`; `shape`: ``by_domain`` and ``cap_weeks`` as `weekly_faded` takes
    them). Huifang's test is run as it was and with the fade phase 1 measured allowed for
    (`phase_two_test.fade_adjusted`)."""
    import tests.benchmarks.bench_oracle_bound as oracle_bound
    from analysis import unit_model as um
    from analysis.phase_two_test import fade_adjusted, fade_per_week
    from tests.analysis import verdict_oracle as vo
    from tests.analysis.verdict_sim import faded

    scenario, study, order = _evidence_world(seed, name)
    evidence = _design_evidence(study, scenario, order, m)
    _, counts = _phase_one(study, order, evidence)
    units = evidence.index
    budget = len(units) * EVIDENCE_PER_UNIT - int(evidence["m"].sum())
    rule = _rule(
        {"kind": "evidence", "select": "top", "top": top}, True, evidence, scenario.response_rate * 0.97
    )
    keep = oracle_bound._oracle_flags
    oracle_bound._oracle_flags = lambda study, scenario, answers: pd.Series(False, index=study.truth.index)
    try:  # the oracle is not needed here, and refuses worlds where response follows satisfaction
        _, _, cases, k, _ = _run_design(study, scenario, order, evidence, counts, rule, budget)
    finally:
        oracle_bound._oracle_flags = keep
    if fade:
        answers = faded(study.interviews, cases.loc[cases["phase"] == 2, "record_id"], fade, seed)
        turned = answers.loc[answers["sat_overall"] != study.interviews["sat_overall"], "record_id"]
        cases.loc[cases["record_id"].isin(turned), "outcome"] = "unsatisfied"
    cases = _weekly_outcomes(cases, weekly, seed, shape)  # the days, and the fade where there is one
    on_satisfied = (cases["system_rating"] == "satisfied") & (cases["outcome"] != "none")
    weeks = cases.loc[on_satisfied, "days"] / 7
    late_weeks = (weeks - weeks.mean()).groupby(cases.loc[on_satisfied, "stratum"]).sum()
    first_answers = cases[on_satisfied & (cases["phase"] == 1)]
    phase_one = pd.DataFrame(
        {
            "unit": first_answers["stratum"],
            "days": first_answers["days"],
            "satisfied": first_answers["outcome"] == "satisfied",
            "domain": first_answers["domain"],
        }
    )
    measured = fade_per_week(phase_one.drop(columns="domain"))
    by_domain = fade_per_week(phase_one)

    def tally(part: pd.DataFrame) -> pd.DataFrame:
        g = part.groupby("stratum")["outcome"]
        answered, rated = part["outcome"] != "none", part["system_rating"] == "satisfied"
        said = part["outcome"] == "satisfied"
        matched = {  # `unit_model.MATCHED`: answers on records rated satisfied / not
            "sat_records": answered & rated,
            "sat_records_not": answered & rated & ~said,
            "unsat_records": answered & ~rated,
            "unsat_records_sat": answered & ~rated & said,
        }
        table = pd.DataFrame(
            {
                "x": g.agg(lambda o: int((o == "satisfied").sum())),
                "n": g.agg(lambda o: int((o != "none").sum())),
                **{k: v.groupby(part["stratum"]).sum() for k, v in matched.items()},
            }
        )
        return table.reindex(units).fillna(0).astype(int)

    first, second, both = tally(cases[cases["phase"] == 1]), tally(cases[cases["phase"] == 2]), tally(cases)
    frame = study.frame.groupby("organisation_id")
    pooled = pd.DataFrame(
        {
            "domain": evidence["domain"].astype(str),
            "S": frame["system_rating"].agg(lambda v: int((v == "satisfied").sum())).reindex(units),
            "N": frame.size().reindex(units),
            "x": both["x"],
            "n": both["n"],
            **{k: both[k] for k in um.MATCHED},
        }
    )
    null = _estimated_null(pooled)
    gap_spread = np.array([null.for_unit(r.domain, r.S, r.N) for r in pooled.itertuples()])
    table = pooled.assign(
        gap=gap_spread[:, 0], spread=gap_spread[:, 1], expanded=k.reindex(units).to_numpy() > 0
    )

    def marginal(part: pd.DataFrame) -> np.ndarray:
        return np.array(
            [
                um.rate_p_value(int(r.S), int(r.N), int(c.x), int(c.n), r.gap, r.spread) if c.n > 0 else 1.0
                for (_, r), (_, c) in zip(table.iterrows(), part.iterrows(), strict=True)
            ]
        )

    m_, k_ = evidence["m"].to_numpy(float), k.reindex(units).fillna(0).to_numpy(float)

    def binomial(part: pd.DataFrame, rate: np.ndarray) -> np.ndarray:
        return np.where(part["n"] > 0, stats.binom.cdf(part["x"], part["n"], rate), 1.0)

    system = evidence["system_rate"].to_numpy(float)
    tests_ = {
        "rate test of expanded units (Huifang)": expanded_unit_p_values(table).to_numpy(),
        "rate test, phase 1's fade allowed for (Huifang)": expanded_unit_p_values(
            fade_adjusted(table.assign(late_weeks=late_weeks.reindex(units).fillna(0.0)), measured)
        ).to_numpy(),
        "rate test, each domain's fade allowed for (Huifang)": expanded_unit_p_values(
            fade_adjusted(table.assign(late_weeks=late_weeks.reindex(units).fillna(0.0)), by_domain)
        ).to_numpy(),
        "inverse-normal, honest gap 0": _inverse_normal(
            binomial(first, system), binomial(second, system), m_, k_
        ),
        "inverse-normal, true honest rate": _inverse_normal(
            binomial(first, honest_rate(evidence)), binomial(second, honest_rate(evidence)), m_, k_
        ),
        "inverse-normal, estimated null": _inverse_normal(marginal(first), marginal(second), m_, k_),
    }
    rows = []
    for label, p in tests_.items():
        flags = pd.Series(bh(p), index=units)
        recall, fdp = vo.recall_and_fdp(flags, study.inflated)
        false = int((flags & ~units.isin(list(study.inflated))).sum())
        rows.append(
            {
                "seed": seed,
                "scenario": name,
                "fade": fade,
                "weekly": weekly,
                **_shape_columns(shape),
                "fade_measured": measured.per_week if measured else np.nan,
                "fade_between": by_domain.between if by_domain else np.nan,
                "test": label,
                "recall": recall,
                "fdp": fdp,
                "false": false,
            }
        )
    return rows


def _shape_columns(shape: dict | None) -> dict:
    """The fade's shape as the output's columns (empty where the fade is the same everywhere and steady)."""
    shape = shape or {}
    by_domain, cap = shape.get("by_domain"), shape.get("cap_weeks")
    return {
        "fade_domains": ",".join(f"{f:g}" for f in by_domain) if by_domain else "",
        "fade_cap": np.nan if cap is None else cap,
    }


def _fade_shape(args: list[str]) -> dict:
    """`--fade-domains F,F,F,F` (multipliers of the weekly fade per `verdict_sim.DOMAINS`) and
    `--fade-cap WEEKS` (the fade stops growing after that many weeks), taken out of `args`."""
    shape: dict = {}
    if "--fade-domains" in args:
        shape["by_domain"] = tuple(float(v) for v in args.pop(args.index("--fade-domains") + 1).split(","))
        args.remove("--fade-domains")
    if "--fade-cap" in args:
        shape["cap_weeks"] = float(args.pop(args.index("--fade-cap") + 1))
        args.remove("--fade-cap")
    return shape


def expanded_summary(paths: list[Path]) -> None:
    rows = pd.concat([pd.read_csv(p) for p in paths], ignore_index=True).drop_duplicates(
        ["seed", "scenario", "test"]
    )
    print(f"phase 2 by the evidence rule (m = 14, top 12), 1,920 cases; BH at q = {Q}; mean over studies")
    print("world | test | studies | P(any honest unit flagged) | FDP | recall")
    for (world, test), r in rows.groupby(["scenario", "test"], sort=False):
        print(
            f"{world} | {test} | {len(r)} | {(r['false'] > 0).mean():.3f} | {r['fdp'].mean():.3f}"
            f" | {r['recall'].mean():.3f}"
        )


def main() -> None:
    from tests.analysis.verdict_sim import seed_range

    if "--evidence" in sys.argv:
        import warnings

        warnings.simplefilter("ignore")
        rest = sys.argv[sys.argv.index("--evidence") + 1 :]
        out = Path(rest[0])
        only = rest[rest.index("--only") + 1] if "--only" in rest else None
        for seed in seed_range(rest[1:]):
            pd.DataFrame(evidence_study(seed, only)).to_csv(
                out, mode="a", header=not out.exists(), index=False
            )
        return
    if (
        "--expanded-test" in sys.argv
    ):  # --expanded-test OUT.csv FIRST:LAST [WORLD ...] [--fade F] [--weekly W]
        import warnings

        warnings.simplefilter("ignore")
        rest = sys.argv[sys.argv.index("--expanded-test") + 1 :]
        shape = _fade_shape(rest)
        out = Path(rest[0])
        fade = float(rest.pop(rest.index("--fade") + 1)) if "--fade" in rest else 0.0
        weekly = float(rest.pop(rest.index("--weekly") + 1)) if "--weekly" in rest else 0.0
        worlds = [w for w in rest[2:] if w not in ("--fade", "--weekly")]
        for world in worlds or EXPANDED_WORLDS:
            for seed in seed_range(rest[1:2]):
                pd.DataFrame(expanded_test_study(seed, world, fade=fade, weekly=weekly, shape=shape)).to_csv(
                    out, mode="a", header=not out.exists(), index=False
                )
        return
    if "--expanded-summary" in sys.argv:
        expanded_summary([Path(a) for a in sys.argv[sys.argv.index("--expanded-summary") + 1 :]])
        return
    if "--extras" in sys.argv:
        import warnings

        warnings.simplefilter("ignore")
        rest = sys.argv[sys.argv.index("--extras") + 1 :]
        out = Path(rest[0])
        for seed in seed_range(rest[1:]):
            pd.DataFrame(evidence_extras(seed)).to_csv(out, mode="a", header=not out.exists(), index=False)
        return
    if "--grid" in sys.argv:  # --grid OUT.csv FIRST:LAST
        import warnings

        warnings.simplefilter("ignore")
        # [--scenario NAME] [--designs M/J,M/J] [--per-unit N] [--fade F] [--weekly W]
        rest = sys.argv[sys.argv.index("--grid") + 1 :]
        shape = _fade_shape(rest)
        out = Path(rest[0])
        name = rest[rest.index("--scenario") + 1] if "--scenario" in rest else "inflate_+10"
        grid = None
        if "--designs" in rest:
            grid = [  # M/J or M/J/equal
                tuple(int(v) if v.isdigit() else v for v in d.split("/"))
                for d in rest[rest.index("--designs") + 1].split(",")
            ]
        per_unit = int(rest[rest.index("--per-unit") + 1]) if "--per-unit" in rest else EVIDENCE_PER_UNIT
        fade = float(rest[rest.index("--fade") + 1]) if "--fade" in rest else 0.0
        weekly = float(rest[rest.index("--weekly") + 1]) if "--weekly" in rest else 0.0
        for seed in seed_range(rest[1:]):
            pd.DataFrame(design_grid(seed, name, grid, per_unit, fade, weekly, shape)).to_csv(
                out, mode="a", header=not out.exists(), index=False
            )
        return
    if "--grid-summary" in sys.argv:
        grid_summary([Path(a) for a in sys.argv[sys.argv.index("--grid-summary") + 1 :]])
        return
    if "--summary" in sys.argv:
        evidence_summary([Path(a) for a in sys.argv[sys.argv.index("--summary") + 1 :]])
        return
    if "--bias" in sys.argv:  # --bias SAMPLES [POPULATION_SEED] [--weekly W]
        weekly = float(sys.argv[sys.argv.index("--weekly") + 1]) if "--weekly" in sys.argv else 0.0
        rest = [a for a in sys.argv[sys.argv.index("--bias") + 1 :] if a.isdigit()]
        evidence_bias(int(rest[0]) if rest else 200, int(rest[1]) if len(rest) > 1 else 0, weekly=weekly)
        return
    if "--sweep" in sys.argv:
        sweep(int(sys.argv[-1]) if sys.argv[-1].isdigit() else 20)
        return
    seeds = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    print(
        f"{UNITS} units, {INFLATED} inflated by +{DELTA:.0%}, {PER_UNIT} cases per unit in one phase "
        f"({UNITS * PER_UNIT} in all), response {RESPONSE:.0%}, BH q = {Q}; {seeds} simulated studies"
    )
    for m, level, inflation in ((12, 0.2, DELTA), (12, 0.4, DELTA), (9, 0.3, DELTA), (12, 0.4, 0.20)):
        rule = PhaseTwoRule(inflation=DELTA, level=level, response_rate=RESPONSE)
        r = verdicts(seeds, m, rule, inflation)
        print(
            f"+{inflation:.0%}: phase 1 m = {m:2d}, clear at γ = {level}: two-phase recall {r['two_recall']:.3f}, "
            f"FDP {r['two_fdp']:.3f}, units sent to phase 2 {r['selected']:.1f} | one phase recall "
            f"{r['one_recall']:.3f} (= the one-phase oracle), FDP {r['one_fdp']:.3f} | bound for any design "
            f"with these cases {r['bound']:.3f}"
        )
    rule = PhaseTwoRule(inflation=DELTA, level=0.2, response_rate=RESPONSE)
    honest = verdicts(seeds, 12, rule, inflation=0.0)
    print(
        f"no inflation anywhere (m = 12, γ = 0.2): two-phase FDP {honest['two_fdp']:.3f}, one phase {honest['one_fdp']:.3f}"
    )
    bias = headline_bias(seeds * 2, 12, rule)
    print(f"headline 满意率 bias over {seeds * 2} samples of one population (points, ± Monte Carlo SE):")
    for name, label in (
        ("rb", "two-phase, Rao–Blackwell weights"),
        ("pooled", "two-phase, pooled π = (m+k)/N"),
        ("phase1", "two-phase, phase 1 only"),
        ("one", "one phase"),
    ):
        print(f"  {label:36s} {bias[name][0]:+.3f} ± {bias[name][1]:.3f}")


if __name__ == "__main__":
    main()
