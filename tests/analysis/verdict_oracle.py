"""The Bayes oracle for unit verdicts: the best recall any method can have at a given FDR level.

Why: the issue's recall targets (0.9 at +20 points, 0.8 for 30% proxy rating, with ~16 respondents a
unit) are only fair if some procedure could reach them. This oracle knows the whole data-generating
model of `tests/analysis/verdict_sim.py` — the prior of unit rates per domain, the honest mode effect
and recall flips, the backgrounds of "someone else rated" / "not rated" / "staff asked", the
inflation size, its mechanisms and the share of inflating units — everything except *which* units
inflate. From every observation the simulation hands out (each record's system rating, and for each
respondent the system rating of their record, their 满意 answer, who rated and whether staff asked)
it computes each unit's exact posterior probability of being honest, the local fdr, integrating the
unit's own rate and background over their priors on a grid. Flagging the units with the smallest lfdr
while their mean stays ≤ q (Sun & Cai 2007) maximises the expected number of true flags among all
procedures whose marginal FDR is ≤ q. Its recall is therefore a ceiling: where it is below a target,
no method reaches that target at that sample size.

Supported scenarios: nonresponse independent of satisfaction (`dissatisfied_response == 1`), which
holds for every inflation and proxy scenario; otherwise the sampled non-respondents would carry
evidence this oracle does not read, and it refuses.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special, stats

from tests.analysis.verdict_sim import DOMAINS, WHO, WHO_ANSWERS, Scenario, SimulatedStudy

#: dk share of the 满意 answers, and the prior of the per-unit "staff asked" propensity (as simulated)
DK = 0.03
ASK_PRIOR = (0.06 * 30, 0.94 * 30)
COACHED_ASK = 0.3
SMALL_EVENTS = 10
ANSWERS = ("satisfied", "dissatisfied", "dk")
#: cells of one record: system rating (satisfied, not) × answer × who rated; then census-only records
CELLS = [(s, a, w) for s in (1, 0) for a in ANSWERS for w in WHO]

_BG_GRID = stats.gamma.ppf((np.arange(24) + 0.5) / 24, 4.0, scale=0.25)


def _p_grid(scenario: Scenario, domain: int) -> tuple[np.ndarray, np.ndarray]:
    """Grid of a unit's true rate over its domain prior's support (step < 0.003, finer than a
    400-record census resolves) and the log prior weight of each point."""
    a, b = (
        scenario.domain_rates[domain] * scenario.spread,
        (1 - scenario.domain_rates[domain]) * scenario.spread,
    )
    low, high = stats.beta.ppf([1e-7, 1 - 1e-7], a, b)
    grid = np.linspace(max(low, 5e-4), min(high, 1 - 5e-4), 320)
    w = stats.beta.pdf(grid, a, b)
    return grid, np.log(w / w.sum())


def _logsumexp(x: np.ndarray) -> np.ndarray:
    top = x.max(axis=1, keepdims=True)
    return top[:, 0] + np.log(np.exp(x - top).sum(axis=1))


def _who_laws(bg: np.ndarray) -> dict[str, np.ndarray]:
    """P(answer w | background) for a record rated as the background says, and for turned records."""
    answers = {real: np.asarray(p)[:, None] for real, p in WHO_ANSWERS.items()}
    shares = {"other": 0.015 * bg, "not_rated": 0.010 * bg}
    shares["self"] = 1 - shares["other"] - shares["not_rated"]
    background = sum(shares[real][None, :] * answers[real] for real in WHO_ANSWERS)
    return {"background": background, "other": answers["other"], "not_rated": answers["not_rated"]}


def _cell_log_probs(scenario: Scenario, domain: int, model: str) -> np.ndarray:
    """log P(cell | p, bg) on the grid, shape (cells + 2, p, bg): the 24 respondent cells, then the
    census-only records rated satisfied and not. `model` is "honest", "proxy_share" or a mechanism."""
    bad = model != "honest"
    cap = 0.97 - scenario.inflation if bad else 1.0
    p = np.minimum(_p_grid(scenario, domain)[0], cap)[:, None]
    mode = scenario.mode_effect[domain]
    down = np.clip(-mode / p, 0, 1)
    up = np.clip(mode / (1 - p), 0, 1)
    flip = scenario.recall_flip
    c1 = (1 - down) * (1 - flip) + down * flip  # P(callback satisfied | truly satisfied)
    c0 = up * (1 - flip) + (1 - up) * flip
    answer = {  # P(answer | truly satisfied), P(answer | not)
        "satisfied": ((1 - DK) * c1, (1 - DK) * c0),
        "dissatisfied": ((1 - DK) * (1 - c1), (1 - DK) * (1 - c0)),
        "dk": (DK + 0 * c1, DK + 0 * c0),
    }
    who = _who_laws(_BG_GRID)
    j = {w: WHO.index(w) for w in WHO}
    proxy = scenario.proxy_share if model == "proxy_share" else 0.0
    lift = np.clip(scenario.inflation / (1 - p), 0, 1) if bad and model != "proxy_share" else 0 * p
    turned_who = {"proxy": who["other"], "unrated": who["not_rated"]}.get(model, who["background"])
    out = []
    for s, a, w in CELLS:
        a1, a0 = answer[a]
        bg_w = who["background"][j[w]][None, :]
        if s == 1:
            value = (1 - proxy) * p * a1 * bg_w
            value = value + (1 - p) * lift * a0 * turned_who[j[w]][None, :] * (1 - proxy)
            value = value + proxy * (p * a1 + (1 - p) * a0) * who["other"][j[w]][None, :]
        else:
            value = (1 - proxy) * (1 - p) * (1 - lift) * a0 * bg_w
        out.append(value)
    satisfied = proxy + (1 - proxy) * (p + (1 - p) * lift)
    out += [np.broadcast_to(satisfied, out[0].shape), np.broadcast_to(1 - satisfied, out[0].shape)]
    return np.log(np.clip(np.array(out), 1e-300, None))


_CACHE: dict[tuple, np.ndarray] = {}


def _cached_log_probs(scenario: Scenario, domain: int, model: str) -> np.ndarray:
    key = (
        scenario.inflation, scenario.proxy_share, scenario.mode_effect[domain], scenario.recall_flip,
        scenario.domain_rates[domain], scenario.spread, model,
    )  # fmt: skip
    if key not in _CACHE:
        _CACHE[key] = _cell_log_probs(scenario, domain, model).reshape(len(CELLS) + 2, -1)
    return _CACHE[key]


def _log_prior(scenario: Scenario, domain: int) -> np.ndarray:
    """log prior weight of each (p, bg) grid point: Beta(domain rate × spread, …) × equal bg quantiles."""
    log_w = _p_grid(scenario, domain)[1]
    return np.broadcast_to(log_w[:, None] - np.log(len(_BG_GRID)), (len(log_w), len(_BG_GRID)))


def unit_counts(study: SimulatedStudy, interviews: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per unit: respondents per cell, census-only records satisfied / not, respondents and staff asked.

    `interviews` defaults to the study's; pass a subset for a design that called fewer records."""
    interviews = study.interviews if interviews is None else interviews
    units = study.truth.index
    row = units.get_indexer(interviews["organisation_id"])
    s = (interviews["system_rating"] == "satisfied").to_numpy()
    a = pd.Categorical(interviews["sat_overall"], categories=ANSWERS).codes
    w = pd.Categorical(interviews["who_rated"], categories=WHO).codes
    cell = np.where(s, 0, 1) * len(ANSWERS) * len(WHO) + a * len(WHO) + w  # the order of CELLS
    cells = np.zeros((len(units), len(CELLS)), dtype=int)
    np.add.at(cells, (row, cell), 1)
    census = study.frame.groupby("organisation_id")["system_rating"].agg(
        S=lambda v: int((v == "satisfied").sum()), N="size"
    )
    census = census.reindex(units).fillna(0)
    out = pd.DataFrame(cells, index=units)
    resp_sat = cells[:, : len(CELLS) // 2].sum(axis=1)
    resp_all = cells.sum(axis=1)
    out["census_sat"] = census["S"] - resp_sat
    out["census_not"] = census["N"] - census["S"] - (resp_all - resp_sat)
    out["respondents"] = resp_all
    asked = (interviews["staff_asked_rating"] == "yes").groupby(interviews["organisation_id"]).sum()
    out["asked"] = asked.reindex(units).fillna(0).astype(int)
    out["N"] = census["N"]
    return out


def _models(scenario: Scenario) -> list[str]:
    return ["proxy_share"] if scenario.proxy_share > 0 else list(scenario.mechanisms)


def oracle_lfdr(
    study: SimulatedStudy,
    scenario: Scenario,
    counts: pd.DataFrame | None = None,
    *,
    census_level: bool = True,
    staff_asked: bool = True,
) -> pd.Series:
    """Each unit's posterior probability of being honest given everything observed (see the module
    docstring). `counts` from `unit_counts` (default: the study's own interviews).

    Two weaker oracles show where the full one's power comes from. `census_level=False` conditions on
    the unit's system census S of N: a unit is no longer suspect for publishing a rate that honest
    units of its domain rarely reach, only for what its callbacks and signs say given that rate — the
    evidence a test of the gap can use. `staff_asked=False` ignores the "staff asked" answers."""
    if scenario.dissatisfied_response != 1:
        raise ValueError("the oracle needs response independent of satisfaction (dissatisfied_response = 1)")
    counts = unit_counts(study) if counts is None else counts
    domain_of = {name: i for i, name in enumerate(DOMAINS)}
    unit_domain = study.frame.groupby("organisation_id")["domain"].first().reindex(counts.index)
    share = scenario.inflated_share
    lfdr = pd.Series(1.0, index=counts.index)
    if share <= 0:
        return lfdr
    matrix = counts[[*range(len(CELLS)), "census_sat", "census_not"]].to_numpy(float)
    census_matrix = np.column_stack([counts[list(range(len(CELLS) // 2))].sum(axis=1), counts["census_sat"]])
    census_matrix = np.column_stack(
        [census_matrix.sum(axis=1), counts["N"].to_numpy() - census_matrix.sum(axis=1)]
    ).astype(float)
    m = counts["respondents"].to_numpy()
    k = counts["asked"].to_numpy()
    asked_honest = stats.betabinom.logpmf(k, m, *ASK_PRIOR)
    asked_coached = stats.binom.logpmf(k, m, COACHED_ASK)
    for name, d in domain_of.items():
        rows = np.flatnonzero(unit_domain.to_numpy() == name)
        if not len(rows):
            continue
        prior = _log_prior(scenario, d)
        loglik = {}
        for model in ["honest", *_models(scenario)]:
            table = _cached_log_probs(scenario, d, model)
            grid = matrix[rows] @ table + prior.reshape(1, -1)
            loglik[model] = _logsumexp(grid)
            if not census_level:  # divide by P(S | model): the census level is no evidence
                census = census_matrix[rows] @ table[-2:] + prior.reshape(1, -1)
                loglik[model] = loglik[model] - _logsumexp(census)
            if staff_asked:
                loglik[model] = loglik[model] + (
                    asked_coached[rows] if model == "coached" else asked_honest[rows]
                )
        bad_models = _models(scenario)
        log_bad = special.logsumexp([loglik[x] for x in bad_models], axis=0) - np.log(len(bad_models))
        log_honest = loglik["honest"]
        odds = np.log(share) + log_bad - np.log(1 - share) - log_honest
        lfdr.iloc[rows] = special.expit(-odds)
    if scenario.small_share > 0:  # 5–10-event units are never planted as inflating
        lfdr[counts["N"] <= SMALL_EVENTS] = 1.0
    return lfdr


def sun_cai_flags(lfdr: pd.Series, q: float = 0.10) -> pd.Series:
    """Flag the units with the smallest lfdr, as many as keep their mean lfdr ≤ q (Sun & Cai 2007)."""
    order = lfdr.sort_values(kind="stable")
    running = order.cumsum().to_numpy() / np.arange(1, len(order) + 1)
    count = int(np.flatnonzero(running <= q)[-1] + 1) if (running <= q).any() else 0
    flags = pd.Series(False, index=lfdr.index)
    flags[order.index[:count]] = True
    return flags


def recall_and_fdp(flags: pd.Series, inflated: set[str]) -> tuple[float, float]:
    """(recall over the planted units or NaN, false discovery proportion; 0 when nothing is flagged)."""
    flagged = set(flags.index[flags])
    recall = len(flagged & inflated) / len(inflated) if inflated else float("nan")
    return recall, (len(flagged - inflated) / len(flagged) if flagged else 0.0)
