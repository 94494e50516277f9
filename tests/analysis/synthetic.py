"""A small synthetic study with known truth, for tests that need one (independent of `fixtures`).

Units (organisations) sit in districts; every frame record has a true satisfaction answer and a
system rating. Honest units' system ratings equal the truth; inflated units turn most dissatisfied
ratings into 满意. A stratified (by unit) simple random sample is drawn and a random share responds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

CODES = np.array(["satisfied", "basically_satisfied", "dissatisfied"])


@dataclass(frozen=True)
class Study:
    frame: pd.DataFrame
    sample: pd.DataFrame  # released cases with `responded`, `design_weight`, `N`
    respondents: pd.DataFrame
    inflated: set[str]


def _ratings(p_sat: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Scale codes with P(satisfied side) = p_sat, split 2:1 between 满意 and 基本满意."""
    u = rng.random(p_sat.size)
    return np.where(u < p_sat * 2 / 3, 0, np.where(u < p_sat, 1, 2))


def make_study(
    seed: int,
    units: int = 60,
    inflated_share: float = 0.15,
    per_unit: int = 40,
    response_rate: float = 0.6,
    inflation: float = 0.8,
) -> Study:
    rng = np.random.default_rng(seed)
    names = np.array([f"ORG{i:04d}" for i in range(units)])
    size = rng.integers(150, 1200, units)
    p_true = rng.beta(12, 3, units)
    bad = rng.random(units) < inflated_share
    unit_of = np.repeat(np.arange(units), size)
    true_level = _ratings(p_true[unit_of], rng)
    system_level = true_level.copy()
    turn = bad[unit_of] & (true_level == 2) & (rng.random(unit_of.size) < inflation)
    system_level[turn] = 0
    frame = pd.DataFrame(
        {
            "record_id": [f"R{i:07d}" for i in range(unit_of.size)],
            "organisation_id": names[unit_of],
            "district": [f"D{u % 8}" for u in unit_of],
            "domain": np.array(["律师", "公证", "人民调解"])[unit_of % 3],
            "channel": np.array(["网络平台", "实体平台", "热线平台"])[rng.integers(0, 3, unit_of.size)],
            "system_rating": CODES[system_level],
            "true_answer": CODES[true_level],
        }
    )
    order = pd.Series(rng.random(len(frame))).groupby(frame["organisation_id"]).rank(method="first")
    sample = frame[order.to_numpy() <= per_unit].copy()
    sample["N"] = sample["organisation_id"].map(frame["organisation_id"].value_counts())
    sample["design_weight"] = sample["N"] / sample.groupby("organisation_id")["record_id"].transform("size")
    sample["responded"] = rng.random(len(sample)) < response_rate
    answers = sample["true_answer"].to_numpy().copy()
    answers[rng.random(len(sample)) < 0.05] = "dk"
    sample["sat_overall"] = np.where(sample["responded"], answers, None)
    sample["aware_12348"] = np.where(
        sample["responded"], np.where(rng.random(len(sample)) < 0.4, "yes", "no"), None
    )
    choice = np.array(["public_legal", "private_lawyer", "other", "dk"])[rng.integers(0, 4, len(sample))]
    sample["first_choice"] = np.where(sample["responded"], choice, None)
    respondents = sample[sample["responded"]].reset_index(drop=True)
    respondents["weight"] = respondents["N"] / respondents.groupby("organisation_id")["record_id"].transform(
        "size"
    )
    return Study(frame, sample.reset_index(drop=True), respondents, set(names[bad]))
