"""Simulated studies with known truth for the headline 满意率 under nonresponse (tests and benchmark).

A frame of rated events (domains that really differ, units, districts, channels, event types) with a
true answer per event and a system rating that agrees with it imperfectly (an honest positive gap:
ratings given at the window) and, in a few inflated units, turns most dissatisfied ratings into 满意.
Open complaints are excluded by the study rule, and a few events never happened (4.11, ineligible):
the truth is the 满意率 of the true answers over the eligible events after exclusions — what both the
system side and the callback side should describe.

A stratified (by district) sample without replacement is released, and who responds follows one of:

- ``"frame"``: response depends on frame variables only (system rating, domain, channel, district);
- ``"refuse"``: the truly dissatisfied refuse twice as often (response depends on the answer itself,
  which no frame variable fully captures);
- ``"none"``: everyone answers at the same rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import respondent_design
from analysis.headline import headline, replicate_headline, satisfaction_indicator
from analysis.respondents import adjusted_sample

CODES = np.array(["satisfied", "basically_satisfied", "dissatisfied", "dk"])
DOMAINS = np.array(["投诉处理", "律师", "人民调解", "法律援助", "公证", "司法鉴定"])
DOMAIN_EFFECT = np.array([-0.2, 1.2, 1.6, 2.0, 2.9, 1.4])  # ~45% … ~95% satisfied
CHANNELS = np.array(["网络平台", "实体平台", "热线平台"])
EVENT_TYPES = np.array(["服务", "行政审批", "投诉处理"])


@dataclass(frozen=True)
class Population:
    frame: pd.DataFrame  # every event: frame fields, true answer, eligible, excluded
    truth: float  # 满意率 of true answers over eligible events after exclusions


def make_population(
    seed: int,
    events: int = 30_000,
    units: int = 120,
    districts: int = 12,
    honest_gap: float = 0.05,
    noise: float = 0.02,
) -> Population:
    """`honest_gap`: share of truly dissatisfied events rated 基本满意 in the system by honest units;
    `noise`: share of events whose system rating is unrelated to the answer."""
    rng = np.random.default_rng(seed)
    unit_district = rng.integers(0, districts, units)
    unit_domain = rng.integers(0, len(DOMAINS), units)
    unit_effect = rng.normal(0, 0.4, units)
    inflated = rng.random(units) < 0.1
    unit = rng.choice(units, events, p=rng.dirichlet(np.full(units, 3.0)))
    channel = rng.choice(3, events, p=[0.5, 0.35, 0.15])
    event_type = rng.choice(3, events, p=[0.7, 0.2, 0.1])
    eta = DOMAIN_EFFECT[unit_domain[unit]] + unit_effect[unit] + np.array([0.0, 0.3, -0.3])[channel]
    p_sat = 1 / (1 + np.exp(-eta))
    u = rng.random(events)
    level = np.where(u < p_sat * 0.6, 0, np.where(u < p_sat, 1, 2))
    level[rng.random(events) < 0.04] = 3  # 说不清
    system = np.where(level == 3, rng.choice(3, events, p=[0.6, 0.3, 0.1]), level)
    gap = (system == 2) & (rng.random(events) < honest_gap)  # rated at the window, staff present
    system[gap] = 1
    random = rng.random(events) < noise
    system[random] = rng.choice(3, int(random.sum()), p=[0.5, 0.3, 0.2])
    turned = inflated[unit] & (system == 2) & (rng.random(events) < 0.8)
    system[turned] = 0
    frame = pd.DataFrame(
        {
            "record_id": [f"R{i:06d}" for i in range(events)],
            "organisation_id": [f"ORG{k:04d}" for k in unit],
            "district": [f"D{d:02d}" for d in unit_district[unit]],
            "domain": DOMAINS[unit_domain[unit]],
            "channel": CHANNELS[channel],
            "event_type": EVENT_TYPES[event_type],
            "system_rating": CODES[system],
            "true_answer": CODES[level],
            "excluded": rng.random(events) < 0.03,  # open complaints (study rule)
            "never_happened": rng.random(events) < 0.02,  # 4.11 when called
        }
    )
    target = ~frame["excluded"] & ~frame["never_happened"]
    truth = float(np.nanmean(satisfaction_indicator(frame.loc[target, "true_answer"])))
    return Population(frame, truth)


def response_probability(cases: pd.DataFrame, scenario: str) -> np.ndarray:
    """P(response) of each released case under a scenario."""
    if scenario == "none":
        return np.full(len(cases), 0.55)
    if scenario == "refuse":
        dissatisfied = (cases["true_answer"] == "dissatisfied").to_numpy()
        return np.where(dissatisfied, 0.3, 0.6)
    if scenario == "frame":
        eta = (
            0.3
            + cases["system_rating"].map({"satisfied": 0.3, "basically_satisfied": 0.0, "dissatisfied": -0.9})
            + cases["domain"].map(dict(zip(DOMAINS, [-0.6, 0.2, 0.0, 0.3, 0.5, -0.2], strict=True)))
            + cases["channel"].map({"网络平台": 0.4, "实体平台": -0.2, "热线平台": -0.6})
            + cases["district"].str[1:].astype(int).mod(3).map({0: 0.3, 1: 0.0, 2: -0.4})
        )
        return (1 / (1 + np.exp(-eta))).to_numpy(float)
    raise ValueError(f"unknown scenario {scenario!r}")


def draw_study(
    population: Population, seed: int, scenario: str, n: int = 1200, strata: str = "district"
) -> tuple[pd.DataFrame, dict]:
    """Released cases with dispositions and answers, and the frame's eligible counts per system rating.

    `strata="organisation_id"` stratifies by unit, as risk-targeted designs do (about n / units cases
    per stratum: the setting in which the old weighting classes collapsed)."""
    rng = np.random.default_rng(seed)
    eligible_frame = population.frame[~population.frame["excluded"]]
    sizes = eligible_frame[strata].value_counts().sort_index()
    allocation = np.minimum(sizes, np.maximum(2, np.round(n * sizes / sizes.sum()))).astype(int)
    parts = []
    for key, rows in eligible_frame.groupby(strata).indices.items():
        chosen = rng.choice(rows, int(allocation[key]), replace=False)
        part = eligible_frame.iloc[chosen].copy()
        part["stratum"] = key
        part["N_h"] = int(sizes[key])
        part["design_weight"] = sizes[key] / allocation[key]
        parts.append(part)
    cases = pd.concat(parts, ignore_index=True)
    respond = rng.random(len(cases)) < response_probability(cases, scenario)
    never = cases["never_happened"].to_numpy()
    cases["disposition"] = np.where(never & respond, "4.11", np.where(respond, "1.1", "2.11"))
    answered = cases["disposition"] == "1.1"
    cases["sat_overall"] = cases["true_answer"].where(answered)
    cases["aware_12348"] = pd.Series(np.where(rng.random(len(cases)) < 0.4, "yes", "no")).where(answered)
    cases["first_choice"] = pd.Series(np.where(rng.random(len(cases)) < 0.6, "public_legal", "other")).where(
        answered
    )
    totals = eligible_frame["system_rating"].value_counts().to_dict()
    return cases, totals


def _overall(table: pd.DataFrame, metric: str = "满意率") -> pd.Series:
    return table[(table["metric"] == metric) & (table["group"] == "overall")].iloc[0]


ORDER = ("satisfied", "basically_satisfied", "dissatisfied")


def estimate_new(cases: pd.DataFrame, totals: dict) -> pd.Series:
    """The headline row of the new method (propensity classes in rating groups, JKn replicates)."""
    return _overall(replicate_headline(adjusted_sample(cases, totals, rating_order=ORDER), by=()))


def estimate_old(cases: pd.DataFrame) -> pd.Series:
    """The headline row of the first version: classes stratum × system-satisfied (min 20), weights fixed."""
    cases = cases.assign(system_satisfied=cases["system_rating"] != "dissatisfied")
    old_design = respondent_design(cases, classes=("stratum", "system_satisfied"), min_respondents=20).design
    return _overall(headline(old_design, by=()))


def estimate_both(cases: pd.DataFrame, totals: dict) -> dict[str, tuple[float, float, float]]:
    """(estimate, ci_low, ci_high) of the new and the old method."""
    return {
        name: (float(row["estimate"]), float(row["ci_low"]), float(row["ci_high"]))
        for name, row in (("new", estimate_new(cases, totals)), ("old", estimate_old(cases)))
    }


def simulate(
    scenario: str,
    studies: int,
    seed: int = 2026,
    n: int = 1200,
    events: int = 30_000,
    strata: str = "district",
    progress: bool = False,
    **population_options: float,
) -> pd.DataFrame:
    """Bias, RMSE (points) and 95% coverage of both methods over `studies` samples of one population."""
    population = make_population(seed, events=events, **population_options)
    rows = []
    for k in range(studies):
        if progress and k and k % 100 == 0:
            print(f"  … {k} studies", flush=True)
        cases, totals = draw_study(population, seed * 100_003 + k, scenario, n, strata)
        for method, (estimate, low, high) in estimate_both(cases, totals).items():
            rows.append((method, estimate - population.truth, low <= population.truth <= high))
    results = pd.DataFrame(rows, columns=["method", "error", "covered"])
    summary = results.groupby("method").agg(
        bias=("error", lambda e: 100 * e.mean()),
        rmse=("error", lambda e: 100 * np.sqrt((e**2).mean())),
        coverage=("covered", "mean"),
    )
    summary.attrs["truth"] = population.truth
    return summary
