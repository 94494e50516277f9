"""Simulated interviews for the report's surveyor checks (`analysis.surveyor_effects`): the studies,
scenarios and figures `tests/analysis/test_surveyor_checks_simulation.py` asserts and
`tests/benchmarks/bench_surveyor_checks.py` prints.

A study: `n` answered interviews in `strata` design strata (a stratum's satisfied rate uniform on
75–97%), 5% "don't know", `k` surveyors assigned at random within the study; S0 may record `effect`
fewer satisfied answers (points: a satisfied citizen recorded dissatisfied with probability effect /
rate, so the citizens S0 called are as satisfied as anyone's) or `dk_effect` more "don't know".
Nothing else differs.

Every record carries the system's own rating of the event (`system_rating`), given before the call
from the citizen's true opinion: 满意 for 97% of the truly satisfied, 35% of the others (rated at the
window, staff present) and 85% of those who answer "don't know" — an honest gap of ~6% between rated
satisfied and the callback, as the field has it. Drawn from its own stream, so it changes no answer.

Hard-to-reach citizens (`hard`, 30%) needed three or more call attempts in 70% of cases (others in
10%: attempts are a rough sign of it) and may be `hard_gap` less satisfied; S0 may be given
`s0_hard` of them (a refusal converter, or the surveyor whose appointments come back), the others
sharing the rest; or S0 may be given `s0_low_rated` of the records the system rated not satisfied
(the senior surveyor who takes the complaints). These draws come from their own streams, so the
scenarios without them are the same studies as before they existed (S0's `effect` became a recording
flip in stop 33, which changed those studies).

Every interview also answers who rated (`who_rated`, from its own stream, so it changes no other
answer): someone else or nobody (`surveyor_checks.NOT_SELF`, half each) for a stratum's share uniform on 3–15% of
the records rated satisfied, half that of the others, and 1.5 times as often among the hard to
reach (a relative picks up); "dk" for 3% of the rest, "self" for the others. So a surveyor given the
complaints or the hard to reach hears "someone else" at another rate than peers, honestly. S0 may
`lead` the question: a "self" recorded as "other" with that chance.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from analysis import surveyor_effects

#: A small planted table, (surveyor, stratum): (value 1, value 0), for the engine's and the
#: supervisor's unit tests. s1 is far above s2–s4 in both strata; s2–s4 differ by chance.
PLANTED = {
    ("s1", "X"): (10, 0),
    ("s2", "X"): (5, 5),
    ("s3", "X"): (6, 4),
    ("s4", "X"): (5, 5),
    ("s1", "Y"): (9, 1),
    ("s2", "Y"): (4, 6),
    ("s3", "Y"): (5, 5),
    ("s4", "Y"): (5, 5),
}
SURVEYORS = ("s1", "s2", "s3", "s4")

SCENARIOS = {
    "nobody deviates, 5 surveyors, 1,200 interviews": {},
    "nobody deviates, 10 surveyors": {"k": 10},
    "nobody deviates, 300 interviews": {"n": 300},
    "S0 records 10 points fewer satisfied": {"effect": 0.10},
    "S0 records 5 points fewer satisfied": {"effect": 0.05},
    "S0 −10 points, 10 surveyors, 2,400 interviews": {"effect": 0.10, "k": 10, "n": 2400},
    "S0 records 5 points more don't-know": {"dk_effect": 0.05},
    "nobody deviates, S0 given 60% of the hard-to-reach (10 points less satisfied)": {
        "s0_hard": 0.6,
        "hard_gap": 0.10,
    },
    "nobody deviates, hard-to-reach 10 points less satisfied, random": {"hard_gap": 0.10},
    "nobody deviates, S0 given half the citizens rated not satisfied": {"s0_low_rated": 0.5},
    "S0 leads who rated (10% of 'self' recorded 'other')": {"lead": 0.10},
    "S0 leads who rated (5%)": {"lead": 0.05},
}


def interviews(
    seed: int,
    n: int = 1200,
    strata: int = 60,
    k: int = 5,
    effect: float = 0.0,
    dk_effect: float = 0.0,
    hard: float = 0.3,
    hard_gap: float = 0.0,
    s0_hard: float = 0.0,
    s0_low_rated: float = 0.0,
    lead: float = 0.0,
) -> pd.DataFrame:
    """One simulated study's answered interviews (see the module docstring)."""
    rng = np.random.default_rng(seed)
    stratum = rng.integers(0, strata, n)
    surveyor = rng.integers(0, k, n)
    is_hard, surveyor, attempts = hard_to_reach(seed, surveyor, k, hard, s0_hard)
    rate = rng.uniform(0.75, 0.97, strata)[stratum] - np.where(is_hard, hard_gap, 0.0)
    dk = rng.random(n) < 0.05 + np.where(surveyor == 0, dk_effect, 0.0)
    satisfied = rng.random(n) < rate
    rated = np.random.default_rng([seed, 2])  # the system rating, from the citizen's true opinion
    rating = rated.random(n) < np.where(dk, 0.85, np.where(satisfied, 0.97, 0.35))
    if s0_low_rated:  # S0 takes that share of the records rated not satisfied (complaint callbacks)
        surveyor = give_s0(rated, ~rating, s0_low_rated, surveyor, k)
    if effect:  # S0 records a satisfied citizen as dissatisfied with probability effect / rate
        satisfied &= ~((surveyor == 0) & (rated.random(n) < effect / rate))
    answer = np.where(dk, "dk", np.where(satisfied, "satisfied", "dissatisfied"))
    who = who_rated(np.random.default_rng([seed, 3]), stratum, strata, rating, is_hard)
    if lead:  # S0's question leads: a "self" recorded as "other" with chance lead
        who = np.where((surveyor == 0) & (who == "self") & (rng_lead(seed, n) < lead), "other", who)
    return pd.DataFrame(
        {
            "surveyor_id": [f"S{s}" for s in surveyor],
            "stratum": stratum,
            "attempts": attempts,
            "system_rating": np.where(rating, "satisfied", "dissatisfied"),
            "sat_overall": answer,
            "who_rated": who,
        }
    )


def who_rated(
    stream: np.random.Generator,
    stratum: np.ndarray,
    strata: int,
    rated_satisfied: np.ndarray,
    hard: np.ndarray,
) -> np.ndarray:
    """Honest answers to who rated (see the module docstring)."""
    share = stream.uniform(0.03, 0.15, strata)[stratum] * np.where(rated_satisfied, 1.0, 0.5)
    share = share * np.where(hard, 1.5, 1.0)
    draw = stream.random(len(stratum))
    someone = np.where(stream.random(len(stratum)) < 0.5, "other", "not_rated")
    return np.where(draw < share, someone, np.where(draw < share + 0.03 * (1 - share), "dk", "self"))


def rng_lead(seed: int, n: int) -> np.ndarray:
    """S0's leading draws, from their own stream."""
    return np.random.default_rng([seed, 4]).random(n)


def give_s0(
    stream: np.random.Generator, cases: np.ndarray, share: float, surveyor: np.ndarray, k: int
) -> np.ndarray:
    """`surveyor` with S0 given `share` of the `cases` and the others sharing the rest at random."""
    others = stream.integers(1, k, len(surveyor))
    return np.where(cases, np.where(stream.random(len(surveyor)) < share, 0, others), surveyor)


def hard_to_reach(
    seed: int, surveyor: np.ndarray, k: int, hard: float = 0.3, s0_hard: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """From their own stream: who is hard to reach (`hard` of citizens), the surveyors with S0 given
    `s0_hard` of them, and each case's call attempts (three or more for 70% of the hard to reach, 10%
    of the others)."""
    n = len(surveyor)
    reach = np.random.default_rng([seed, 1])
    is_hard = reach.random(n) < hard
    if s0_hard:
        surveyor = give_s0(reach, is_hard, s0_hard, surveyor, k)
    attempts = np.where(reach.random(n) < np.where(is_hard, 0.7, 0.1), 3, reach.integers(1, 3, n))
    return is_hard, surveyor, attempts


def flagged(data: pd.DataFrame, who: str | None = "who_rated") -> set[str]:
    """The surveyors the check flags on any measure (without `who`, as before stop 36: the 满意率 and
    don't-know only)."""
    table = surveyor_effects(
        data, satisfied_codes=["satisfied"], attempts="attempts", rating="system_rating", who=who
    )
    return set(
        table.index[table["satisfied_flagged"] | table["dk_refused_flagged"] | table["who_rated_flagged"]]
    )


def measure(options: dict, studies: int, who: str | None = "who_rated") -> dict[str, tuple[float, float]]:
    """`flag_figures` over studies 0 … `studies` − 1 of the scenario `options`."""
    deviant = bool(options.get("effect") or options.get("dk_effect") or options.get("lead"))
    flags = (flagged(interviews(seed, **options), who) for seed in range(studies))
    return flag_figures(flags, deviant)


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
