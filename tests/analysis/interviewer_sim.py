"""Simulated interviewer effects on the headline 满意率: the studies
`tests/analysis/test_interviewer_variance_simulation.py` asserts and
`tests/benchmarks/bench_interviewer_variance.py` prints.

Each study is `nonresponse_sim`'s (600 released events stratified by district, everyone answering
alike, 55%), its respondents handed to `k` surveyors at random. Surveyor j shifts the share answering
satisfied by s_j ~ N(0, `tau`) (points): with s_j > 0 a dissatisfied answer is recorded as 基本满意 with
probability s_j / (share not satisfied), with s_j < 0 a satisfied one as 不满意 with probability
|s_j| / (share satisfied), so the expected shift is exactly s_j. The truth is the population's true
满意率; the shifts are drawn afresh in every study, as a new team of surveyors would bring.

`unit_verdict_figures` puts the same surveyors on `verdict_sim`'s studies and judges the units, with
the respondents handed out at random or, `nested`, each surveyor calling a block of consecutive units
(a supervisor handing out offices), and S0 recording `deviant` more satisfied than their shift.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.headline import replicate_headline
from analysis.interviewer_variance import COMPOSITION
from analysis.respondents import AdjustedSample, adjusted_sample
from tests.analysis.nonresponse_sim import ORDER, Population, draw_study, make_population

SEED = 2026
SATISFIED = ("satisfied", "basically_satisfied")


def with_surveyors(
    cases: pd.DataFrame,
    seed: int,
    k: int,
    tau: float,
    *,
    nested: bool = False,
    deviant: float = 0.0,
    block: float = 1.0,
    leading: float = 0.0,
) -> pd.DataFrame:
    """`cases` with a `surveyor` for every respondent and the answers as they shifted them.

    `nested`: each surveyor calls a block of consecutive units (`unit_index`, as `verdict_sim` numbers
    them) instead of a random share of everyone — a supervisor handing out offices — each of its cases
    with chance `block`, the rest going to one of the others at random (cases reassigned, or a phase 2
    handed to the others); `deviant` is added to S0's shift (a surveyor who records differently);
    with `leading`, each "self" answer to who_rated S0 was given turns to "other" with that chance (a
    surveyor whose question leads the respondent)."""
    rng = np.random.default_rng([seed, 7])
    shift = rng.normal(0.0, tau, k)
    shift[0] += deviant
    who = rng.integers(0, k, len(cases))
    if nested:
        units = cases["unit_index"].to_numpy()
        who = (units * k) // (units.max() + 1)
        if block < 1:  # drawn only then, so that whole blocks keep the draws of the figures before
            other = (who + 1 + rng.integers(0, k - 1, len(cases))) % k
            who = np.where(rng.random(len(cases)) < block, who, other)
    answers = cases["sat_overall"].to_numpy(object).copy()
    answered = cases["sat_overall"].notna().to_numpy()
    satisfied = np.isin(answers, SATISFIED) & answered
    dissatisfied = (answers == "dissatisfied") & answered
    share = satisfied.sum() / max(satisfied.sum() + dissatisfied.sum(), 1)
    s, draw = shift[who], rng.random(len(cases))
    up = dissatisfied & (s > 0) & (draw < s / max(1 - share, 1e-9))
    down = satisfied & (s < 0) & (draw < -s / max(share, 1e-9))
    answers[up], answers[down] = "basically_satisfied", "dissatisfied"
    # the chance each answer was turned: the flips' own noise, apart from the shift they carry
    flip = np.where(dissatisfied & (s > 0), s / max(1 - share, 1e-9), 0.0)
    flip = np.where(satisfied & (s < 0), -s / max(share, 1e-9), flip)
    extra = {}
    if leading > 0 and "who_rated" in cases.columns:  # drawn only then, as `block`'s
        said = cases["who_rated"].to_numpy(object).copy()
        led = answered & (who == 0) & (said == "self") & (rng.random(len(cases)) < leading)
        said[led] = "other"
        extra["who_rated"] = pd.Series(said, index=cases.index)
    return cases.assign(
        **extra,
        sat_overall=pd.Series(answers, index=cases.index).where(answered),
        surveyor=pd.Series([f"S{j}" for j in who], index=cases.index).where(answered),
        flip_chance=np.clip(flip, 0, 1),
    )


def overall(
    cases: pd.DataFrame, totals: dict, interviewer: str | None, composition: tuple[str, ...] = COMPOSITION
) -> pd.Series:
    return overall_of(adjusted_sample(cases, totals, rating_order=ORDER), interviewer, composition)


def overall_of(
    sample: AdjustedSample, interviewer: str | None, composition: tuple[str, ...] = COMPOSITION
) -> pd.Series:
    """The 满意率 row of an adjusted sample's headline with the interviewers' component as asked."""
    table = replicate_headline(sample, by=(), interviewer=interviewer, composition=composition)
    return table[table["metric"] == "满意率"].iloc[0]


#: The intervals `coverage` compares: (interviewer column, composition taken out).
INTERVALS = {
    "jackknife only": (None, COMPOSITION),
    "one-way ANOVA": ("surveyor", ()),
    "net of the system rating": ("surveyor", COMPOSITION),
}


def coverage(studies: int, k: int, tau: float, population: Population | None = None) -> dict[str, tuple]:
    """Share of studies whose 95% interval covers the truth, for each of `INTERVALS` (with its
    Monte-Carlo SE), and the mean half-width of each in points."""
    population = population or make_population(SEED, events=30_000)
    covered = {name: [] for name in INTERVALS}
    width = {name: [] for name in INTERVALS}
    for study in range(studies):
        cases, totals = draw_study(population, SEED * 100_003 + study, "none", 600, "district")
        # one nonresponse adjustment serves the three intervals: they differ only in the variance
        sample = adjusted_sample(with_surveyors(cases, study, k, tau), totals, rating_order=ORDER)
        for name, (column, composition) in INTERVALS.items():
            row = overall_of(sample, column, composition)
            covered[name].append(row["ci_low"] <= population.truth <= row["ci_high"])
            width[name].append(50 * (row["ci_high"] - row["ci_low"]))
    return {
        name: (
            float(np.mean(hits)),
            float(np.std(hits, ddof=1) / np.sqrt(len(hits))),
            float(np.mean(width[name])),
        )
        for name, hits in covered.items()
    }


def unit_verdict_figures(
    world: str,
    studies: int,
    tau: float,
    k: int = 5,
    *,
    nested: bool = False,
    deviant: float = 0.0,
    block: float = 1.0,
    leading: float = 0.0,
    cases: int | None = None,
    guard: bool = True,
    method: str = "posterior",
) -> dict[str, float]:
    """The unit verdicts (`method`: the posterior's, or the empirical null's) of `verdict_sim`'s `world` (with `cases` sampled a unit when given)
    when k surveyors `tau` apart asked the callbacks (shifted and assigned as `with_surveyors` does):
    share of studies flagging an honest unit, mean FDP, recall, honest units flagged among S0's (the
    units S0 called most of), units held for their surveyors (`analysis.surveyor_bias`; `guard` off:
    the verdict without it) and of them cleared, and the recall among S0's units, over studies 0 … `studies` − 1."""
    import dataclasses

    from analysis.design import Design
    from tests.analysis.verdict_sim import SCENARIOS, recall_and_fdp, simulate, verdicts

    scenario = SCENARIOS[world]
    if cases is not None:
        scenario = dataclasses.replace(scenario, sample_per_unit=cases)
    any_false, fdp, recall, in_block, held, block_recall, cleared = [], [], [], [], [], [], []
    for seed in range(studies):
        study = simulate(scenario, seed)
        shifted = with_surveyors(
            study.interviews, seed, k, tau, nested=nested, deviant=deviant, block=block, leading=leading
        )
        design = Design(shifted, strata="organisation_id", weights="weight", lonely_psu="adjust")
        study = dataclasses.replace(study, interviews=shifted, design=design)
        options = {"interviewer": "surveyor"} if guard else {}
        # flags only: without the verdict's own MDI, nor the empirical null's tests beside the posterior's
        only = {"detectable": False, "empirical_null": method == "empirical_null"}
        table = verdicts(study, method=method, seed=seed, **only, **options)
        found, proportion, false = recall_and_fdp(study, table)
        by_s0 = (shifted["surveyor"] == "S0").groupby(shifted["organisation_id"]).mean()
        s0_units = set(by_s0.index[by_s0 > 0.5])  # S0's block: the units S0 called most of
        honest_flags = set(table.index[table["flagged"]]) - study.inflated
        any_false.append(false > 0)
        fdp.append(proportion)
        recall.append(found)
        in_block.append(len(honest_flags & s0_units))
        held.append(int(table["surveyor_held"].sum()) if "surveyor_held" in table else 0)
        if "surveyor_held" in table:
            cleared.append(int((table["surveyor_held"] & (table["status"] == "no_evidence")).sum()))
        planted = study.inflated & s0_units
        found_there = len(planted & set(table.index[table["flagged"]])) / len(planted) if planted else np.nan
        block_recall.append(found_there)
    return {
        "P(any honest unit flagged)": float(np.mean(any_false)),
        "FDP": float(np.mean(fdp)),
        "recall": float(np.nanmean(recall)) if not np.isnan(recall).all() else float("nan"),
        "honest flags among S0's units": float(np.mean(in_block)),
        "units held": float(np.mean(held)),
        "of them cleared": float(np.mean(cleared)) if cleared else 0.0,
        "recall in S0's units": float(np.nanmean(block_recall))
        if not np.isnan(block_recall).all()
        else np.nan,
    }


def plan_check(studies: int, k: int, tau: float, population: Population | None = None) -> dict[str, float]:
    """The variance the surveyors add to the headline 满意率, as `sampling.interviewers` plans it (τ² / k)
    against what the studies show (points²): the mean of what the headline printed for it
    (`se_interviewer`²); the mean squared error with these surveyors less that of the same studies
    without them (the shifts drawn afresh in every study), with its Monte-Carlo SE; and of that, the
    noise of the simulation's own answer flips (each shifted answer is a random flip: noise within
    the sample that the jackknife carries, not a surveyor's shared shift)."""
    population = population or make_population(SEED, events=30_000)
    added, printed, flips = [], [], []
    for study in range(studies):
        cases, totals = draw_study(population, SEED * 100_003 + study, "none", 600, "district")
        alike = overall(with_surveyors(cases, study, k, 0.0), totals, None)
        turned = with_surveyors(cases, study, k, tau)
        shifted = overall(turned, totals, "surveyor")
        added.append(
            (shifted["estimate"] - population.truth) ** 2 - (alike["estimate"] - population.truth) ** 2
        )
        printed.append(shifted["se_interviewer"] ** 2)
        chance = turned["flip_chance"][turned["sat_overall"].notna()].to_numpy()
        flips.append(float(np.sum(chance * (1 - chance)) / len(chance) ** 2))
    return {
        "planned added variance": 1e4 * tau**2 / k,
        "printed": 1e4 * float(np.mean(printed)),
        "realised added variance": 1e4 * float(np.mean(added)),
        "its Monte-Carlo SE": 1e4 * float(np.std(added, ddof=1) / np.sqrt(studies)),
        "of it the flips' own noise (the sampling part carries it)": 1e4 * float(np.mean(flips)),
    }
