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
from analysis.wave_power import change_alpha, plan_changes
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


def _wave(
    rng: np.random.Generator, rates: np.ndarray, per_district: int | np.ndarray, refusal: float
) -> pd.DataFrame:
    """One wave's respondents: `per_district` calls a district (one number, or one per district), each
    answered with probability 0.6 (0.6 / `refusal` for a dissatisfied citizen); weights from the
    district's 5,000 events."""
    rows = []
    calls = np.broadcast_to(np.asarray(per_district), rates.shape)
    for d, rate in enumerate(rates):
        satisfied = rng.random(int(calls[d])) < rate
        answers = rng.random(int(calls[d])) < np.where(satisfied, 0.6, 0.6 / refusal)
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


def true_rates(world: World) -> tuple[np.ndarray, np.ndarray]:
    """The districts' true rates in the earlier and the later study."""
    before = np.linspace(world.low, world.high, DISTRICTS)
    shift = np.zeros(DISTRICTS)
    shift[: len(world.shift)] = world.shift
    return before, np.clip(before + shift, 0, 1)


def one_study(world: World, seed: int, per_district: int = 32, naive: bool = False) -> Scores:
    rng = np.random.default_rng(seed)
    before, after = true_rates(world)
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


@dataclass(frozen=True)
class PlannedScores:
    changed: int  # districts whose true rate changed
    planned: int  # ...of them, those the plan could give a size (the others no size can find)
    found: int  # ...of the planned ones, marked in the direction of their change
    false_marks: int
    marked: int
    calls: int  # the later study's calls, all districts


def statsmodels_answers(districts: pd.DataFrame, change: float, power: float = 0.8) -> pd.Series:
    """The peer planner: what a statistician's calculator gives, statsmodels' two-sample power for
    proportions (Cohen's h, a normal approximation) solved for the later study's size with the earlier
    study's answers fixed, at the same level q/K; NaN where it finds none."""
    import warnings

    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    alpha = change_alpha(len(districts))
    sizes = {}
    for row in districts.itertuples():
        h = abs(proportion_effectsize(row.estimate, max(row.estimate - change, 0.0)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                ratio = NormalIndPower().solve_power(
                    effect_size=h, nobs1=row.n, alpha=alpha, power=power, ratio=None
                )
            except (ValueError, RuntimeError, ZeroDivisionError):
                ratio = np.nan
        sizes[row.level] = np.ceil(ratio * row.n) if np.isfinite(ratio) and ratio > 0 else np.nan
    return pd.Series(sizes, dtype=float)


def planned_study(
    world: World, seed: int, per_district: int, change: float, power: float = 0.8, peer: bool = False
) -> PlannedScores:
    """An earlier study of `per_district` calls a district; the later one calls each district as many
    times as `analysis.wave_power.plan_changes` (or, with `peer`, `statsmodels_answers`) asks for a fall
    of `change` at the earlier study's yield (as many as before where no size can find it); then
    compared as `compare_waves` does."""
    rng = np.random.default_rng(seed)
    before, after = true_rates(world)
    earlier = _district_rows(_wave(rng, before, per_district, world.refusal))
    districts = earlier[earlier["group"] == "district"].sort_values("level")
    yields = districts.set_index("level")["n"] / per_district
    if peer:
        answers = statsmodels_answers(districts, change, power)
        plan = pd.DataFrame({"level": answers.index, "fall_answers": answers.to_numpy()})
        plan["fall_cases"] = np.ceil(answers / yields.reindex(answers.index)).to_numpy()
    else:
        plan = plan_changes(districts, change, power=power, yields=yields, directions=("fall",))
    calls = plan["fall_cases"].astype(float).fillna(per_district).to_numpy(int)
    later = _district_rows(_wave(rng, after, calls, world.refusal))
    rows = compare_waves(earlier, later).set_index("level").sort_index()
    rows = rows[rows["group"] == "district"]
    truth = pd.Series(after - before, index=[f"D{d:02d}" for d in range(DISTRICTS)])
    planned = pd.Series(plan["fall_answers"].notna().to_numpy(), index=plan["level"].to_numpy())
    marked = rows["verdict"].isin(["rose", "fell"])
    changed = truth != 0
    right_way = np.sign(rows["change"]) == np.sign(truth)
    return PlannedScores(
        changed=int(changed.sum()),
        planned=int((changed & planned).sum()),
        found=int((marked & changed & planned & right_way).sum()),
        false_marks=int((marked & ~changed).sum()),
        marked=int(marked.sum()),
        calls=int(calls.sum()),
    )


def planned_summary(
    world: World, seeds: range, per_district: int, change: float, power: float = 0.8, peer: bool = False
) -> dict[str, float]:
    """Over studies planned for a fall of `change` (with `peer`, by `statsmodels_answers`): the share of
    changed districts a size could be planned for, the recall among them (the plan promises `power`),
    P(any false mark), the false discovery proportion (mean over studies, 0 where none marked) and the
    mean number of calls the later study made."""
    scores = [planned_study(world, seed, per_district, change, power, peer) for seed in seeds]
    planned = sum(s.planned for s in scores)
    changed = sum(s.changed for s in scores)
    return {
        "studies": len(scores),
        "plannable": planned / changed if changed else float("nan"),
        "recall": sum(s.found for s in scores) / planned if planned else float("nan"),
        "any_false": float(np.mean([s.false_marks > 0 for s in scores])),
        "fdp": float(np.mean([s.false_marks / s.marked if s.marked else 0.0 for s in scores])),
        "calls": float(np.mean([s.calls for s in scores])),
    }


#: Worlds for a planned later study: (world, the earlier study's calls a district, the fall planned for).
PLAN_WORLDS = {
    "one district falls 15 points": (World("one falls 15", 0.85, 0.97, shift=(-0.15,)), 300, 0.15),
    "three districts fall 15 points": (World("three fall 15", 0.85, 0.97, shift=(-0.15,) * 3), 300, 0.15),
    "nothing changes": (World("nothing changes", 0.85, 0.97), 300, 0.15),
    "one district falls 30 points": (World("one falls 30", 0.85, 0.97, shift=(-0.30,)), 100, 0.30),
}
