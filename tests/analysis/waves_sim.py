"""Simulated pairs of waves for `analysis.waves`: districts at the field's satisfaction levels, a
stratified callback sample in each wave, answers drawn from each district's true rate in that wave.

Worlds (`WORLDS`): nothing changes (at ~85% and at the field's 95-100%, where many districts' callbacks
are all satisfied); nonresponse tied to dissatisfaction, the same in both waves; three districts fall by
10 or 20 points; every district rises by 3. Each study is scored on its district rows of 满意率: the
marks among unchanged districts (false) and changed ones (found), and whether each district's 95%
interval of the change holds its true change (coverage)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis import Design, headline
from analysis.waves import compare_waves

DISTRICTS = 16


@dataclass(frozen=True)
class World:
    name: str
    low: float  # the districts' true rates in wave 1 run evenly from `low` to `high`
    high: float
    shift: tuple[float, ...] = ()  # per district, the change of its true rate in wave 2 (else 0)
    refusal: float = 1.0  # how much more often the dissatisfied refuse (both waves alike)


WORLDS = {
    "no change at ~85%": World("no change at ~85%", 0.78, 0.92),
    "no change at 95-100%": World("no change at 95-100%", 0.95, 1.0),
    "no change, dissatisfied refuse twice as often": World("no change, refusal", 0.78, 0.92, refusal=2.0),
    "three districts fall 10 points": World("fall 10", 0.85, 0.97, shift=(-0.10,) * 3),
    "three districts fall 20 points": World("fall 20", 0.85, 0.97, shift=(-0.20,) * 3),
    "every district rises 3 points": World("rise 3", 0.80, 0.94, shift=(0.03,) * DISTRICTS),
}


def _wave(rng: np.random.Generator, rates: np.ndarray, per_district: int, refusal: float) -> pd.DataFrame:
    """One wave's respondents: `per_district` calls a district, each answered with probability 0.6
    (0.6 / `refusal` for a dissatisfied citizen); weights from the district's 5,000 events."""
    rows = []
    for d, rate in enumerate(rates):
        satisfied = rng.random(per_district) < rate
        answers = rng.random(per_district) < np.where(satisfied, 0.6, 0.6 / refusal)
        kept = satisfied[answers]
        rows.append(
            pd.DataFrame(
                {
                    "district": f"D{d:02d}",
                    "w": 5000.0 / max(len(kept), 1),
                    "sat_overall": np.where(kept, "satisfied", "dissatisfied"),
                }
            )
        )
    data = pd.concat(rows, ignore_index=True)
    data["aware_12348"] = "yes"
    data["first_choice"] = "public_legal"
    return data


def _district_rows(data: pd.DataFrame) -> pd.DataFrame:
    table = headline(Design(data, strata="district", weights="w"), by=("district",))
    return table[table["metric"] == "满意率"]


@dataclass(frozen=True)
class Scores:
    false_marks: int  # unchanged districts marked
    found: int  # changed districts marked in the direction of their change
    changed: int
    marked: int
    covered: int  # district intervals of the change that hold the true change
    intervals: int


def naive_comparison(earlier: pd.DataFrame, later: pd.DataFrame) -> pd.DataFrame:
    """The peer: what a spreadsheet does, a Wald difference of the two printed standard errors, each
    district tested alone at 5%."""
    both = earlier.merge(later, on=["metric", "group", "level"], suffixes=("_e", "_l"))
    change = both["estimate_l"] - both["estimate_e"]
    half = stats.norm.ppf(0.975) * np.sqrt(both["se_e"] ** 2 + both["se_l"] ** 2)
    low, high = change - half, change + half
    verdict = np.where(low > 0, "rose", np.where(high < 0, "fell", "no_clear_change"))
    return both[["metric", "group", "level"]].assign(
        change=change, change_low=low, change_high=high, verdict=verdict
    )


def one_study(world: World, seed: int, per_district: int = 32, naive: bool = False) -> Scores:
    rng = np.random.default_rng(seed)
    before = np.linspace(world.low, world.high, DISTRICTS)
    shift = np.zeros(DISTRICTS)
    shift[: len(world.shift)] = world.shift
    after = np.clip(before + shift, 0, 1)
    earlier = _district_rows(_wave(rng, before, per_district, world.refusal))
    later = _district_rows(_wave(rng, after, per_district, world.refusal))
    result = naive_comparison(earlier, later) if naive else compare_waves(earlier, later)
    rows = result[result["group"] == "district"].set_index("level").sort_index()
    truth = pd.Series(after - before, index=[f"D{d:02d}" for d in range(DISTRICTS)])
    marked = rows["verdict"].isin(["rose", "fell"])
    changed = truth != 0
    right_way = np.sign(rows["change"]) == np.sign(truth)
    held = rows["change_low"].notna()
    covered = (rows["change_low"] <= truth) & (truth <= rows["change_high"])
    return Scores(
        false_marks=int((marked & ~changed).sum()),
        found=int((marked & changed & right_way).sum()),
        changed=int(changed.sum()),
        marked=int(marked.sum()),
        covered=int((covered & held).sum()),
        intervals=int(held.sum()),
    )


def summary(world: World, seeds: range, per_district: int = 32, naive: bool = False) -> dict[str, float]:
    """P(any false mark), the false discovery proportion (mean over studies, 0 where none marked),
    recall of the changed districts, and coverage of the districts' 95% intervals of the change
    (`naive`: of the peer, `naive_comparison`)."""
    scores = [one_study(world, seed, per_district, naive) for seed in seeds]
    changed = sum(s.changed for s in scores)
    return {
        "studies": len(scores),
        "any_false": float(np.mean([s.false_marks > 0 for s in scores])),
        "fdp": float(np.mean([s.false_marks / s.marked if s.marked else 0.0 for s in scores])),
        "recall": sum(s.found for s in scores) / changed if changed else float("nan"),
        "coverage": sum(s.covered for s in scores) / sum(s.intervals for s in scores),
    }
