"""Simulated interviews for the supervisor's quality flags (`services.supervision.surveyor_tests`):
the studies `tests/fieldwork/test_quality_flags_simulation.py` asserts and
`tests/benchmarks/bench_surveyor_checks.py` prints beside the report's checks.

A study: `n` complete interviews in `strata` design strata, `k` surveyors assigned at random. A
respondent answers 满意 to all seven satisfaction items with the stratum's probability (uniform on
25–50%: where most are satisfied, many say so to every item — 37% of the demo's interviews did);
otherwise the items are mixed (满意 / 基本满意 / 不满意 with 60 / 30 / 10%, never all equal), and the
overall item is 满意 with the stratum's rate. S0 may make up `uniform` more of their interviews as all
满意 (points of their interviews). Nothing else differs. Each case's call attempts (three or more for
70% of the 30% hard to reach, 10% of the others) come from their own stream, as the supervisor's
paradata carries them and the check compares within them (`surveyor_checks.comparable_cells`).

The hard to reach may answer the overall item 满意 `hard_gap` less often (they are often less
satisfied) and answer 满意 to every item `hard_uniform` more often (acquiescence: where they are
older or less used to surveys, "all fine" is the quick answer), and S0 may be given `s0_hard` of them
(a refusal converter, or the surveyor whose appointments come back), the others sharing the rest.
Those draws come from the same own stream, so the scenarios without them are the studies they were.

Every record carries the system's rating (`system_rating`), given before the call from the citizen's
true opinion — 满意 for 95% of those truly 满意 on the overall item, 30% of the others — from a stream
of its own: an interview S0 made up says 满意 whatever the citizen thought and rated. S0 may be given
`s0_low_rated` of the records rated below 满意 (the senior surveyor who takes the complaints).

Every interview answers who rated as in `surveyor_sim.who_rated` (its own stream; the share saying
someone else or nobody higher among records rated 满意 and the hard to reach), and S0 may `lead` the
question: a "self" recorded as "other" with that chance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from survey_app.services.supervision import SAT_ITEMS, surveyor_tests
from tests.analysis.surveyor_sim import flag_figures, give_s0, hard_to_reach, rng_lead, who_rated

SCENARIOS = {
    "nobody deviates, 5 surveyors, 1,200 interviews": {},
    "nobody deviates, 10 surveyors": {"k": 10},
    "S0 makes up 15% more uniform interviews": {"uniform": 0.15},
    "S0 makes up 30% more uniform interviews": {"uniform": 0.30},
    "nobody makes answers up, S0 given 60% of the hard-to-reach (10 points less 满意)": {
        "s0_hard": 0.6,
        "hard_gap": 0.10,
    },
    "nobody makes answers up, S0 given 60% of the hard-to-reach (10 points more uniform)": {
        "s0_hard": 0.6,
        "hard_uniform": 0.10,
    },
    "nobody makes answers up, S0 given half the records rated below 满意": {"s0_low_rated": 0.5},
    "S0 leads who rated (10% of 'self' recorded 'other')": {"lead": 0.10},
    "S0 leads who rated (5%)": {"lead": 0.05},
}
LEVELS = ("satisfied", "basically_satisfied", "dissatisfied")


def interviews(
    seed: int,
    n: int = 1200,
    strata: int = 60,
    k: int = 5,
    uniform: float = 0.0,
    hard_gap: float = 0.0,
    hard_uniform: float = 0.0,
    s0_hard: float = 0.0,
    s0_low_rated: float = 0.0,
    lead: float = 0.0,
) -> pd.DataFrame:
    """One simulated study's complete interviews in `interview_paradata`'s columns."""
    rng = np.random.default_rng(seed)
    stratum = rng.integers(0, strata, n)
    surveyor = rng.integers(0, k, n)
    hard, surveyor, attempts = hard_to_reach(seed, surveyor, k, s0_hard=s0_hard)
    draw = rng.random(n)
    genuine = rng.uniform(0.25, 0.50, strata)[stratum] + np.where(hard, hard_uniform, 0.0)
    same = draw < genuine + np.where(surveyor == 0, uniform, 0.0)
    items = rng.choice(np.array(LEVELS), size=(n, len(SAT_ITEMS)), p=(0.6, 0.3, 0.1))
    overall = rng.random(n) < rng.uniform(0.6, 0.9, strata)[stratum] - np.where(hard, hard_gap, 0.0)
    truly = overall | (draw < genuine)  # what the citizen thinks, whatever S0 wrote down
    rating_stream = np.random.default_rng([seed, 2])
    rated = rating_stream.random(n) < np.where(truly, 0.95, 0.30)
    if s0_low_rated:  # S0 takes that share of the records rated below 满意 (complaint callbacks)
        surveyor = give_s0(rating_stream, ~rated, s0_low_rated, surveyor, k)
    items[:, SAT_ITEMS.index("sat_overall")] = np.where(overall, "satisfied", "basically_satisfied")
    equal = (items == items[:, :1]).all(axis=1)  # a mixed interview is never uniform by chance
    items[equal, 0] = np.where(items[equal, 1] == "dissatisfied", "satisfied", "dissatisfied")
    items[same] = "satisfied"
    data = pd.DataFrame(items, columns=list(SAT_ITEMS))
    data.insert(0, "surveyor", [f"S{s}" for s in surveyor])
    data.insert(1, "stratum", stratum)
    data.insert(2, "attempts", attempts)
    data.insert(3, "system_rating", np.where(rated, "satisfied", "basically_satisfied"))
    who = who_rated(np.random.default_rng([seed, 3]), stratum, strata, rated, hard)
    if lead:  # S0's question leads: a "self" recorded as "other" with chance lead
        who = np.where((surveyor == 0) & (who == "self") & (rng_lead(seed, n) < lead), "other", who)
    data["who_rated"] = who
    return data


def flagged(data: pd.DataFrame, alpha: float = 0.05, who: bool = True) -> set[str]:
    """The surveyors the quality flags name (any test; without `who`, the 满意 and straight-lining
    tests only, as before stop 35)."""
    tests = surveyor_tests(data if who else data.drop(columns="who_rated"), alpha=alpha)
    return set().union(*(set(table.index[table["flagged"]]) for table in tests.values()))


def measure(options: dict, studies: int, who: bool = True) -> dict[str, tuple[float, float]]:
    """`surveyor_sim.flag_figures` over studies 0 … `studies` − 1 of the scenario `options`."""
    flag_sets = (flagged(interviews(seed, **options), who=who) for seed in range(studies))
    return flag_figures(flag_sets, deviant=bool(options.get("uniform") or options.get("lead")))
