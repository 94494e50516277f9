"""Screening on all of phase 1's evidence: a unit's suspicion score from its own phase-1 counts by category.

Why: a phase-1 *rate* cannot tell a +10-point unit from an honest one on ~7 answers; what separates them
is each case's system rating beside its callback answer (the system says 满意, the citizen does not),
the signs (someone else rated, not rated, service never happened or not me) and "staff asked for a
rating". Every released phase-1 case falls in one **category** — system satisfied or not × answer
(satisfied / not / 说不清 or ended early / no interview) × sign × staff asked — and a unit's
**score** is Σ_c w_c a_c over its phase-1 counts a_c, with w_c the log likelihood ratio of the
category under "this unit inflates by δ" against "honest", rounded to whole multiples of ``step``
(integers, so the split enumeration of the weights is an exact dynamic programme).

**The nuisances are design constants** (``EvidenceConstants``, stored with the design): the honest
discordance of callback and system rating, the honest shares of the signs per domain, the sign shares
of a turned record, the honest and inflating shares of "staff asked" — defaults, or estimated from a
previous study the researcher names (``estimate_constants``). Nothing is estimated from this study's
phase 1, so a unit's score depends on its own phase-1 data only, and its selection (a design-fixed
threshold, or the J highest scores) on its own score and the other units' — which is what the exact
Rao–Blackwell weights of ``sampling.two_phase`` need. Wrong constants cost power, never bias.

The inflation model behind w_c: a share τ = δ / p_s of the unit's system-satisfied records were turned
(truly not satisfied) and a share π (``proxied_share``) rated by staff for clients satisfied anyway; a
turned record's respondent answers as a dissatisfied one does, a proxied one's as a satisfied one, and
both show the turned sign shares; a record the system holds not satisfied is as in an honest unit. Staff asked is a
per-respondent Bernoulli at the honest or the inflating share. The unit's **published level** adds a
constant (``level_offset``): how much likelier its census rate p_s is for a unit whose honest rate is
p_s − δ than for an honest one, under a Beta law of the domain's system rates fitted to the frame
before phase 1 — fixed before any callback, so it shifts the unit's threshold and nothing else.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field
from scipy import stats

SYSTEM = ("S", "s")  # the record's system rating: satisfied / not
ANSWERS = ("sat", "unsat", "dk", "none")  # none = no interview answers at all (not reached, refused)
SIGNS = ("-", "other", "not_rated", "absent")  # absent = service never happened, or not me
ASKED = ("-", "asked")
CATEGORIES = tuple(
    f"{s}/{a}/{g}/{k}"
    for s in SYSTEM
    for a in ANSWERS
    for g in SIGNS
    for k in ASKED
    if a != "none" or (g == "-" and k == "-")
)
NO_ANSWER = ("dk", "refused")

Shares = tuple[float, float, float]  # other, not_rated, absent
#: The screening alternative's share of proxied satisfied records (``EvidenceConstants.proxied_share``).
#: Without it the score saw proxy rating only through the few records it turns: where staff rate 30%
#: of the events, the shipped design (14 a unit, top 12) reached 2.9 of 9 such units at 95–98% and two
#: phases found fewer than one (recall 0.40 against 0.54). 0.1 brings them to 4.7 (0.55) for −0.025 ±
#: 0.015 at +10 points; 0.2 costs +10 points 0.04 for no more (ARCHITECTURE.md, "Screening on proxy rating").
PROXIED_SHARE = 0.10


class EvidenceConstants(BaseModel):
    """The screening score's nuisance parameters, fixed before phase 1 (stored with the design)."""

    model_config = ConfigDict(extra="forbid")

    discordance_satisfied: float = Field(
        default=0.06, gt=0, lt=1
    )  # P(callback not 满意 | system 满意, honest)
    discordance_unsatisfied: float = Field(default=0.05, gt=0, lt=1)  # P(callback 满意 | system not, honest)
    background: dict[str, Shares] = Field(default_factory=dict)  # per domain: honest sign shares
    default_background: Shares = (0.02, 0.04, 0.01)
    turned_signs: Shares = (0.30, 0.30, 0.05)  # sign shares of a turned record's respondent
    # share of an inflating unit's system-satisfied records that staff rated for a client who was
    # satisfied anyway (proxy rating, 代评): the respondent answers as a satisfied one, with the turned
    # record's sign shares — near 100% proxy rating turns few records, and its signs are the evidence.
    # Designs stored before it existed screened without it (`PhaseTwoRule.stored` reads them with 0)
    proxied_share: float = Field(default=PROXIED_SHARE, ge=0, lt=1)
    asked_honest: float = Field(default=0.06, gt=0, lt=1)
    asked_inflating: float = Field(default=0.15, gt=0, lt=1)
    # the published level: per domain (mean, concentration) of a Beta law of honest units' system rates,
    # fitted to the frame's census before phase 1 (``level_prior``); empty = the level is no evidence
    level_prior: dict[str, tuple[float, float]] = Field(default_factory=dict)
    step: float = Field(default=0.1, gt=0)  # score unit (nats): w_c is rounded to whole steps
    source: str = "defaults"  # where the constants come from, said in the stored design


def log_likelihood_ratios(
    constants: EvidenceConstants, domain: str | None, system_rate: float, inflation: float
) -> dict[str, float]:
    """w_c = log P(category | inflating by δ) / P(category | honest) for one unit (see the module docstring)."""
    p = min(max(float(system_rate), 1e-6), 1.0) if not math.isnan(float(system_rate)) else 1.0
    tau = min(inflation / p, 1.0)
    d1, d0 = constants.discordance_satisfied, constants.discordance_unsatisfied
    honest_signs = _sign_law(constants.background.get(str(domain), constants.default_background))
    turned_signs = _sign_law(constants.turned_signs)
    a0, a1 = constants.asked_honest, constants.asked_inflating
    weights: dict[str, float] = {}
    for label in CATEGORIES:
        s, a, g, k = label.split("/")
        if a == "none":
            weights[label] = 0.0
            continue
        asked = math.log(a1 / a0) if k == "asked" else math.log((1 - a1) / (1 - a0))
        if s == "s":  # the system says not satisfied: only the staff-asked share differs
            weights[label] = asked
            continue
        answer_honest = {"sat": 1 - d1, "unsat": d1, "dk": 1.0}[a]
        answer_turned = {"sat": d0, "unsat": 1 - d0, "dk": 1.0}[a]
        honest = answer_honest * honest_signs[g]
        proxied = min(constants.proxied_share, 1 - tau)
        inflating = (1 - tau - proxied) * honest + (
            tau * answer_turned + proxied * answer_honest
        ) * turned_signs[g]
        weights[label] = math.log(inflating / honest) + asked
    return weights


def _sign_law(shares: Shares) -> dict[str, float]:
    other, not_rated, absent = (float(v) for v in shares)
    rest = 1.0 - other - not_rated - absent
    if min(other, not_rated, absent) <= 0 or rest <= 0:
        raise ValueError(f"sign shares must be positive and sum below 1 (got {shares})")
    return {"-": rest, "other": other, "not_rated": not_rated, "absent": absent}


def category_scores(
    constants: EvidenceConstants, domain: str | None, system_rate: float, inflation: float
) -> dict[str, int]:
    """The integer score of each category for one unit: w_c in whole ``step``s."""
    ratios = log_likelihood_ratios(constants, domain, system_rate, inflation)
    return {label: round(w / constants.step) for label, w in ratios.items()}


def level_offset(
    constants: EvidenceConstants, domain: str | None, system_rate: float, inflation: float
) -> int:
    """A unit's score before any callback, in whole steps: log f(p_s − δ) / f(p_s), f the domain's Beta law
    of honest system rates — a published rate that honest units of the domain rarely reach makes a unit
    worth more interviews. Fixed by the frame's census, so it shifts the unit's threshold, nothing else."""
    prior = constants.level_prior.get(str(domain))
    if prior is None or math.isnan(float(system_rate)):
        return 0
    mean, concentration = prior
    a, b = mean * concentration, (1 - mean) * concentration
    p = float(np.clip(system_rate, 1e-3, 1 - 1e-3))
    shifted = float(np.clip(system_rate - inflation, 1e-3, 1 - 1e-3))
    ratio = stats.beta.logpdf(shifted, a, b) - stats.beta.logpdf(p, a, b)
    return round(float(np.clip(ratio, -50.0, 50.0)) / constants.step)


def level_prior(
    system_rates: pd.Series, domains: pd.Series, min_units: int = 5, inflation: float = 0.0
) -> dict[str, tuple[float, float]]:
    """Per domain, the (mean, concentration) of a Beta law fitted by moments to its units' census rates
    (the frame, before phase 1); domains with fewer than ``min_units`` units or no spread get none, and
    so do domains whose mean leaves no room for the ``inflation`` the design looks for (mean + δ ≥ 1).

    Why the room: the level is evidence where inflating lifts a unit to a rate its domain's honest units
    rarely reach. At 95–98% an inflating unit must start lower to rise by δ and lands at a typical rate,
    so the offset only ranks the units by noise: without it the shipped design (14 a unit, top 12) found
    +10 points at 95–98% 0.32 → 0.38 (paired +0.054 ± 0.023, 40 studies), the demo's proxy law +0.046
    ± 0.035, and unchanged where domains sit near 85% (ARCHITECTURE.md, "Screening on proxy rating")."""
    out: dict[str, tuple[float, float]] = {}
    for domain, rates in system_rates.groupby(domains.reindex(system_rates.index).astype(str)):
        rates = rates.dropna()
        if len(rates) < min_units:
            continue
        mean, var = float(rates.mean()), float(rates.var(ddof=1))
        if not 0 < mean < 1 or var <= 0 or var >= mean * (1 - mean) or mean + inflation >= 1:
            continue
        out[str(domain)] = (round(mean, 6), round(mean * (1 - mean) / var - 1, 6))
    return out


def unit_scores(
    counts: pd.DataFrame, evidence: pd.DataFrame, constants: EvidenceConstants, inflation: float
) -> pd.Series:
    """Per stratum: Σ_c score_c × (phase-1 count of c). ``counts``: strata × category labels;
    ``evidence``: ``system_rate`` and (optional) ``domain`` per stratum."""
    out = pd.Series(0, index=evidence.index, dtype="int64", name="score")
    for key in evidence.index:
        scores = category_scores(
            constants, _domain(evidence, key), evidence.at[key, "system_rate"], inflation
        )
        row = counts.loc[key] if key in counts.index else pd.Series(dtype="int64")
        offset = level_offset(constants, _domain(evidence, key), evidence.at[key, "system_rate"], inflation)
        out[key] = offset + int(sum(int(n) * scores[label] for label, n in row.items() if n))
    return out


def _domain(evidence: pd.DataFrame, key) -> str | None:
    return str(evidence.at[key, "domain"]) if "domain" in evidence.columns else None


def top_thresholds(scores: pd.Series, candidates: pd.Series, top: int) -> pd.Series:
    """Per candidate unit h, the smallest own score t_h with which h is among the ``top`` highest
    scores (ties broken by stratum key order): t_h depends on the *other* units' scores only, so
    "h selected ⇔ S_h ≥ t_h" is a threshold rule on h's own data given the others. Non-candidates
    get a threshold no score reaches."""
    keys = [k for k in scores.index if bool(candidates.get(k, False))]
    never = int(np.iinfo(np.int64).max // 4)
    out = pd.Series(never, index=scores.index, dtype="int64", name="threshold")
    ordered = sorted(keys, key=str)
    rank = {k: i for i, k in enumerate(ordered)}
    for h in keys:
        others = np.array([int(scores[g]) for g in keys if g != h], dtype=np.int64)
        if len(others) < top:
            out[h] = -never
            continue
        c = int(np.sort(others)[::-1][top - 1])  # the top-th highest score among the others
        above = int((others > c).sum())
        tied_before = sum(1 for g in keys if g != h and int(scores[g]) == c and rank[g] < rank[h])
        out[h] = c if above + tied_before < top else c + 1
    return out


def case_categories(
    data: pd.DataFrame,
    satisfied_codes: list[str],
    system_satisfied_codes: list[str],
    item: str = "sat_overall",
) -> pd.Series:
    """Each released case's category label from its record's system rating and its interview's answers
    (``respondent``, ``item``, ``who_rated``, ``received_service``, ``identity``, ``staff_asked_rating``)."""

    def column(name: str) -> pd.Series:
        return data[name] if name in data.columns else pd.Series(pd.NA, index=data.index, dtype="object")

    answer = column(item)
    respondent = column("respondent").fillna(False).astype(bool)
    valid = respondent & answer.notna() & ~answer.isin(NO_ANSWER)
    interviewed = pd.concat(
        [
            column(c).notna()
            for c in (item, "who_rated", "received_service", "identity", "staff_asked_rating")
        ],
        axis=1,
    ).any(axis=1)
    answers = np.where(
        valid & answer.isin(satisfied_codes),
        "sat",
        np.where(valid, "unsat", np.where(interviewed, "dk", "none")),
    )
    who = column("who_rated")
    absent = (column("received_service") == "no") | (column("identity") == "no")
    signs = np.where(
        who == "other", "other", np.where(who == "not_rated", "not_rated", np.where(absent, "absent", "-"))
    )
    asked = np.where(column("staff_asked_rating") == "yes", "asked", "-")
    system = np.where(column("system_rating").astype("str").isin(system_satisfied_codes), "S", "s")
    none = answers == "none"
    signs = np.where(none, "-", signs)
    asked = np.where(none, "-", asked)
    labels = [f"{s}/{a}/{g}/{k}" for s, a, g, k in zip(system, answers, signs, asked, strict=True)]
    return pd.Series(labels, index=data.index, name="category")


def category_counts(cases: pd.DataFrame, strata: pd.Index) -> pd.DataFrame:
    """Strata × category labels: counts of ``cases`` (``stratum``, ``category``)."""
    codes = pd.Index(CATEGORIES).get_indexer(cases["category"])
    if (codes < 0).any():
        unknown = sorted(set(cases["category"][codes < 0].astype(str)))
        raise ValueError(f"unknown case categor{'y' if len(unknown) == 1 else 'ies'} {unknown[:3]}")
    rows = strata.get_indexer(cases["stratum"])
    table = np.zeros((len(strata), len(CATEGORIES)), dtype=np.int64)
    np.add.at(table, (rows[rows >= 0], codes[rows >= 0]), 1)
    return pd.DataFrame(table, index=strata, columns=list(CATEGORIES))


def estimate_constants(
    data: pd.DataFrame, domain: str = "domain", source: str = "a previous study"
) -> EvidenceConstants:
    """Constants from a previous study's cases (``category`` and ``domain`` columns): the honest
    discordances, the sign shares per domain and the staff-asked share, each a pooled share of that
    study's interviews (its inflating units included, which only makes the screening milder). The turned
    record's shares and the proxied share stay at their defaults and the inflating staff-asked share at least twice the honest
    one: no study observes them."""
    parts = data["category"].str.split("/", expand=True)
    parts.columns = ["system", "answer", "sign", "asked"]
    interviewed = parts["answer"] != "none"
    answered = parts["answer"].isin(["sat", "unsat"])

    def share(hit: pd.Series, among: pd.Series, default: float) -> float:
        n = int(among.sum())
        return float(np.clip((int((hit & among).sum()) + 0.5) / (n + 1.0), 1e-3, 0.5)) if n else default

    defaults = EvidenceConstants()
    background: dict[str, Shares] = {}
    if domain in data.columns:
        for name, rows in parts[interviewed].groupby(data.loc[interviewed, domain].astype(str)):
            every = pd.Series(True, index=rows.index)
            background[str(name)] = tuple(
                share(rows["sign"] == g, every, d)
                for g, d in zip(SIGNS[1:], defaults.default_background, strict=True)
            )
    every = interviewed
    asked = share(parts["asked"] == "asked", every, defaults.asked_honest)
    return EvidenceConstants(
        discordance_satisfied=share(
            parts["answer"] == "unsat", answered & (parts["system"] == "S"), defaults.discordance_satisfied
        ),
        discordance_unsatisfied=share(
            parts["answer"] == "sat", answered & (parts["system"] == "s"), defaults.discordance_unsatisfied
        ),
        background=background,
        default_background=tuple(
            share(parts["sign"] == g, every, d)
            for g, d in zip(SIGNS[1:], defaults.default_background, strict=True)
        ),
        asked_honest=asked,
        asked_inflating=min(max(defaults.asked_inflating, 2 * asked), 0.9),  # always above the honest share
        source=source,
    )


__all__ = [
    "CATEGORIES",
    "EvidenceConstants",
    "case_categories",
    "category_counts",
    "category_scores",
    "estimate_constants",
    "level_offset",
    "level_prior",
    "log_likelihood_ratios",
    "top_thresholds",
    "unit_scores",
]
