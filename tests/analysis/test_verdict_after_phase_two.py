"""After a phase 2 steered to the units whose phase-1 callbacks looked worst, the verdict the analysis
service then uses — the posterior on both phases pooled — still accuses no honest unit.

Why: phase 2 goes to units *because* their phase-1 answers were bad, so their pooled answers are biased
low; a likelihood-based verdict is unaffected by a selection that reads only data it reads too
(`services.analysis_service.resolve_verdict`). Checked where the truth is known: `verdict_sim`'s honest
world, every record callable, phase 1 = the first 14 records of each unit in a seeded random order,
phase 2 = the next 28 records of the 12 units with the lowest phase-1 callback 满意率.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from analysis import Design, compare_units
from tests.analysis.verdict_sim import SCENARIOS, faded, simulate

pytestmark = pytest.mark.slow

FIRST, SECOND, WORST = 14, 28, 12
STUDIES = range(8)
EVIDENCE_FIRST, EVIDENCE_TOTAL, EVIDENCE_TOP = 14, 32, 12  # the evidence rule's design, as benchmarked
EVIDENCE_STUDIES = range(6)
FADE, FADE_STUDIES = 0.2, range(4)


def _steered_study(seed: int, fade: float = 0.0):
    """(frame, design, interviews, selected units) of one honest study after a steered phase 2 (its
    answers `faded` by `fade`)."""
    study = simulate(dataclasses.replace(SCENARIOS["honest"], sample_per_unit=10**6), seed)
    rng = np.random.default_rng([seed, 2])
    records = study.frame.groupby("organisation_id")["record_id"].agg(list)
    order = {unit: rng.permutation(np.array(ids)) for unit, ids in records.items()}
    phase_one = np.concatenate([ids[:FIRST] for ids in order.values()])
    first = study.interviews[study.interviews["record_id"].isin(phase_one)]
    rate = (first["sat_overall"] == "satisfied").groupby(first["organisation_id"]).mean()
    worst = list(rate.reindex(list(order)).fillna(1.0).sort_values(kind="stable").index[:WORST])
    phase_two = np.concatenate([order[unit][FIRST : FIRST + SECOND] for unit in worst])
    answers = faded(study.interviews, phase_two, fade, seed)
    called = answers[answers["record_id"].isin(np.concatenate([phase_one, phase_two]))].copy()
    size = study.frame.groupby("organisation_id").size()
    called["w"] = called["organisation_id"].map(size) / called.groupby("organisation_id")[
        "record_id"
    ].transform("size")
    return (
        study.frame,
        Design(called, strata="organisation_id", weights="w", lonely_psu="adjust"),
        called,
        worst,
    )


def _posterior_verdict(frame, design, interviews):
    """The posterior's verdict on both phases pooled, its flags only (no MDI, no empirical null beside)."""
    return compare_units(
        frame,
        design,
        interviews=interviews,
        q=0.10,
        method="posterior",
        detectable=False,
        empirical_null=False,
    )


def _posterior_flags(steered) -> tuple[list[int], list[int]]:
    """Per study of `steered` (frame, design, interviews, the units phase 2 went to): the units the
    posterior on both phases pooled flags, and of them the ones phase 2 went to."""
    false_flags, selected_flags = [], []
    for frame, design, interviews, selected in steered:
        verdict = _posterior_verdict(frame, design, interviews)
        false_flags.append(int(verdict["flagged"].sum()))
        selected_flags.append(int(verdict.loc[selected, "flagged"].sum()))
    return false_flags, selected_flags


def test_the_posterior_on_pooled_phases_accuses_no_honest_unit_phase_two_was_steered_to():
    false_flags, selected_flags = _posterior_flags(_steered_study(seed) for seed in STUDIES)  # all honest
    # one-phase honest worlds: P(any false flag) 0.075 ± 0.042 (ARCHITECTURE, 40 studies)
    assert sum(f > 0 for f in false_flags) <= 1, false_flags
    assert sum(selected_flags) <= 1, selected_flags


def test_a_phase_two_called_after_memory_faded_accuses_none_of_the_honest_units_it_went_to():
    """Phase 2 is called weeks after phase 1, about services just as old. Where memory of a good service
    fades, that is an honest gap that only the units phase 2 went to have — the ones whose phase-1
    answers looked worst. Here a fifth of phase 2's satisfied answers on records rated satisfied turn
    (`verdict_sim.faded`). The posterior reads the gap with the whole study's spread of honest gaps and
    accuses none of them (`bench_two_phase.py --grid … --fade`: the evidence rule's phase 2 over 30
    studies; the rate test of expanded units does accuse them, ARCHITECTURE.md "Phase 2 called later")."""
    false_flags, selected_flags = _posterior_flags(_steered_study(seed, fade=FADE) for seed in FADE_STUDIES)
    assert sum(f > 0 for f in false_flags) <= 1, false_flags
    assert sum(selected_flags) <= 1, selected_flags


def test_the_faded_phase_two_turns_a_fifth_of_its_satisfied_answers_on_records_rated_satisfied():
    """What the test above simulates: only the answers of the units phase 2 went to move, to
    "dissatisfied", about a fifth of those on their 28 phase-2 records (their 14 of phase 1 keep theirs)."""
    _, _, before, worst = _steered_study(0)
    _, _, after, _ = _steered_study(0, fade=FADE)
    changed = before["sat_overall"] != after["sat_overall"]
    went = before["organisation_id"].isin(worst)
    satisfied = (before["sat_overall"] == "satisfied") & (before["system_rating"] == "satisfied")
    assert set(after.loc[changed, "sat_overall"]) == {"dissatisfied"}
    assert not changed[~went].any()
    share = changed[went & satisfied].mean()
    assert abs(share - FADE * SECOND / (FIRST + SECOND)) < 0.05, share


def _evidence_steered_study(
    name: str, seed: int, first: int = EVIDENCE_FIRST, total: int = EVIDENCE_TOTAL, top: int = EVIDENCE_TOP
):
    """(frame, design, interviews, selected units, inflating units) of one study whose phase 2 went
    where the evidence rule sent it (`sampling.screening`: the `top` highest phase-1 scores, the
    published level included), `first` records a unit first and the rest of `total` a unit after."""
    from sampling.screening import EvidenceConstants, case_categories, category_counts, level_prior
    from sampling.two_phase import PhaseTwoRule, phase_two_allocation, planned_need

    scenario = dataclasses.replace(SCENARIOS[name], sample_per_unit=10**6)
    study = simulate(scenario, seed)
    rng = np.random.default_rng([seed, 3])
    records = study.frame.groupby("organisation_id")["record_id"].agg(list)
    order = {unit: rng.permutation(np.array(ids)) for unit, ids in records.items()}
    units = pd.Index(list(order), name="stratum")
    frame = study.frame.set_index("organisation_id")
    evidence = pd.DataFrame(
        {
            "N_h": records.str.len().reindex(units).to_numpy(),
            "system_rate": (frame["system_rating"] == "satisfied").groupby(level=0).mean().reindex(units),
            "domain": frame["domain"].groupby(level=0).first().reindex(units),
        },
        index=units,
    )
    evidence["M_h"] = evidence["m"] = np.minimum(first, evidence["N_h"])
    called_first = pd.DataFrame(
        [(u, r) for u in units for r in order[u][: int(evidence.at[u, "m"])]],
        columns=["stratum", "record_id"],
    )
    called_first = called_first.merge(study.frame[["record_id", "system_rating"]], on="record_id").merge(
        study.interviews.drop(columns=["organisation_id", "domain", "system_rating"], errors="ignore"),
        on="record_id",
        how="left",
    )
    called_first["respondent"] = called_first["sat_overall"].notna()
    called_first["category"] = case_categories(called_first, ["satisfied"], ["satisfied"]).to_numpy()
    rule = PhaseTwoRule(
        kind="evidence",
        top=top,
        response_rate=scenario.response_rate,
        constants=EvidenceConstants(
            level_prior=level_prior(evidence["system_rate"], evidence["domain"], inflation=0.10)
        ),
    )
    selected = rule.decide(evidence, category_counts(called_first, units), list(units))["selected"]
    budget = len(units) * total - int(evidence["m"].sum())
    k = phase_two_allocation(evidence, selected, planned_need(evidence, rule, list(units)), budget)
    taken = np.concatenate([order[u][: int(evidence.at[u, "m"] + k[u])] for u in units])
    called = study.interviews[study.interviews["record_id"].isin(taken)].copy()
    size = study.frame.groupby("organisation_id").size()
    called["w"] = called["organisation_id"].map(size) / called.groupby("organisation_id")[
        "record_id"
    ].transform("size")
    design = Design(called, strata="organisation_id", weights="w", lonely_psu="adjust")
    return study.frame, design, called, list(units[selected.to_numpy()]), study.inflated


@pytest.mark.parametrize("name", ["honest_unit_gaps", "honest_high_rate_units", "honest_unit_gaps_near_100"])
def test_the_posterior_accuses_no_honest_unit_the_evidence_rule_sent_phase_two_to(name):
    # the shipped design's steering: it reads the published level (where the domain leaves room for
    # the inflation sought) and the signs, so in these misspecified honest worlds it sends phase 2 to
    # honest units with large gaps or high rates; at 95–98% (no level) to those with the most signs
    false_flags, selected_flags = _posterior_flags(
        _evidence_steered_study(name, seed)[:4] for seed in EVIDENCE_STUDIES
    )
    assert sum(f > 0 for f in false_flags) <= 1, false_flags
    assert sum(selected_flags) <= 1, selected_flags


def test_a_phase_two_that_leaves_most_units_below_five_respondents_does_not_make_honest_ones_suspect():
    """The staff level's two phases (`verdict_sim`'s 600 members of 10–60 events, 6 cases a member
    first, 12 a member in all, phase 2 to the 60 highest scores): only the members phase 2 expanded
    and a few others reach the 5 respondents a verdict needs. Fitted to those alone, the model saw a
    population chosen for looking suspicious, put π0 near 0.34 and flagged honest members (FDP 0.24
    over 30 such studies); fitted to every surveyed member (model 5) it keeps the FDP at q."""
    flagged = false = 0
    for seed in (22, 24):  # two of the studies where the fit on the judged members alone failed worst
        frame, design, interviews, _, inflated = _evidence_steered_study(
            "inflate_+20_staff", seed, first=6, total=12, top=60
        )
        verdict = _posterior_verdict(frame, design, interviews)
        hits = verdict["flagged"].fillna(False).astype(bool)
        flagged += int(hits.sum())
        false += int(hits[~hits.index.isin(list(inflated))].sum())
    assert flagged > 0
    assert false / flagged <= 0.10, (false, flagged)
