"""Simulated studies for unit verdicts: honest units with realistic honest gaps, and planted faults.

Why: the verdicts must be judged where the truth is known, under conditions normal in this field —
small units, domains that really differ, a telephone-mode effect, recall noise, nonresponse tied to
dissatisfaction, published rates near 100% as the field's are — and against each kind of fault:
inflation of +5/+10/+20 points by coaching (staff ask, citizens rate 满意 and say otherwise on the
phone), by interception (someone else rates, or a default rating where the citizen gave none), silent
inflation (no sign but the rate), and proxy rating of a share of all events or, as the demo's inflated
units do, of a share of the satisfied events and most of the unsatisfied ones. Vectorised and independent of `fixtures`, so many seeds run in
seconds. `tests/benchmarks/bench_verdicts.py` prints recall and FDP per scenario over many seeds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from analysis import Design, compare_units

DOMAINS = ("律师", "公证", "人民调解", "法律援助")
#: Names for small domains of a few offices each (`Scenario.extra["small_domains"]`).
SMALL_DOMAINS = ("仲裁", "司法鉴定", "法律职业资格考试")
WHO = ("self", "dk", "not_rated", "other")
#: What citizens answer to who_rated, given who really rated (as in fixtures.simulate).
WHO_ANSWERS = {
    "self": (0.88, 0.07, 0.04, 0.01),
    "other": (0.05, 0.10, 0.25, 0.60),
    "not_rated": (0.05, 0.15, 0.75, 0.05),
}
MECHANISMS = ("coached", "proxy", "unrated")


@dataclass(frozen=True)
class Scenario:
    """One simulated situation; all rates are shares (0–1), `inflation` in points of the system rate."""

    name: str
    units: int = 60
    events: tuple[int, int] = (40, 400)
    small_share: float = 0.0  # share of units with only 5–10 rated events
    domain_rates: tuple[float, ...] = (0.85, 0.85, 0.85, 0.85)
    spread: float = 40.0  # Beta concentration of unit rates around their domain's rate
    mode_effect: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0)  # callback − system, honest, per domain
    recall_flip: float = 0.03  # honest answers flipped to the other side, either way
    dissatisfied_response: float = 1.0  # response odds of the dissatisfied relative to the satisfied
    inflated_share: float = 0.0
    inflation: float = 0.0
    mechanisms: tuple[str, ...] = MECHANISMS
    proxy_share: float = 0.0  # proxy scenario: share of an inflated unit's events rated by staff
    # with it, the share of an inflated unit's truly *unsatisfied* events rated by staff (`proxy_share`
    # is then the share of its satisfied ones): the demo's law (`fixtures.faults.intercepted`)
    proxy_unsatisfied: float | None = None
    sample_per_unit: int = 32
    response_rate: float = 0.5
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SimulatedStudy:
    frame: pd.DataFrame
    design: Design
    interviews: pd.DataFrame
    inflated: set[str]
    truth: pd.DataFrame | None = None  # per unit: what only the simulation knows (see `oracle_p_values`)


def simulate(scenario: Scenario, seed: int) -> SimulatedStudy:
    """Frame, callback design and interviews of one simulated study (see the module docstring)."""
    rng = np.random.default_rng(seed)
    k = scenario.units
    names = np.array([f"U{i:03d}" for i in range(k)])
    domain_of = np.arange(k) % len(DOMAINS)
    small = rng.random(k) < scenario.small_share
    size = np.where(small, rng.integers(5, 11, k), rng.integers(*scenario.events, k))
    base = np.asarray(scenario.domain_rates)[domain_of]
    p_true = rng.beta(base * scenario.spread, (1 - base) * scenario.spread)
    bad = ~small & (rng.random(k) < scenario.inflated_share)
    if scenario.inflated_share > 0 and not bad.any():
        bad[rng.choice(np.flatnonzero(~small))] = True
    mechanism = np.array(scenario.mechanisms)[rng.integers(0, len(scenario.mechanisms), k)]
    # misspecifications no model assumes, from streams of their own (the other draws stay as they were):
    # a share of honest units from a second, high-rate component; honest gaps that vary by unit
    extra_rng = np.random.default_rng([seed, 1])
    high = ~bad & (extra_rng.random(k) < scenario.extra.get("high_share", 0.0))
    high_rate = scenario.extra.get("high_rate", 0.97)
    p_true = np.where(high, extra_rng.beta(high_rate * 100, (1 - high_rate) * 100, k), p_true)
    unit_mode = extra_rng.normal(0.0, scenario.extra.get("unit_mode_sd", 0.0), k)
    if "office_size" in scenario.extra:  # staff of one office (consecutive units) share its honest gap
        office = int(scenario.extra["office_size"])
        unit_mode = np.repeat(unit_mode[: -(-k // office)], office)[:k]
    # inflating units are no better than others and leave room for the inflation planted
    p_true = np.where(bad, np.minimum(p_true, 0.97 - scenario.inflation), p_true)
    unit_of = np.repeat(np.arange(k), size)
    e = unit_of.size
    true_sat = rng.random(e) < p_true[unit_of]
    system_sat = true_sat.copy()
    rated_by = np.full(e, "self", dtype=object)
    background = rng.gamma(4.0, 0.25, k)  # honest units differ in how often others rate for them
    # domains whose clients are often rated for (family members at 法律援助, a mediator's clerk at
    # 人民调解): the honest "someone else rated" and "not rated" multiplied per domain, no draw changed
    background = background * np.asarray(scenario.extra.get("sign_factor", (1.0,) * len(DOMAINS)))[domain_of]
    u = rng.random(e)
    rated_by[u < 0.015 * background[unit_of]] = "other"
    rated_by[(u >= 0.015 * background[unit_of]) & (u < 0.025 * background[unit_of])] = "not_rated"
    ask = rng.beta(0.06 * 30, 0.94 * 30, k)
    if "asked_by_domain" in scenario.extra:
        # domains where inviting a rating is the procedure (a 公证 window's "请您评价"): each unit's
        # honest share moved to its domain's mean by its quantile, so no draw changes
        mean = np.asarray(scenario.extra["asked_by_domain"])[domain_of]
        ask = stats.beta.ppf(stats.beta.cdf(ask, 0.06 * 30, 0.94 * 30), mean * 30, (1 - mean) * 30)
    if scenario.proxy_share > 0:
        unsatisfied = (
            scenario.proxy_share if scenario.proxy_unsatisfied is None else scenario.proxy_unsatisfied
        )
        proxied = bad[unit_of] & (rng.random(e) < np.where(true_sat, scenario.proxy_share, unsatisfied))
        rated_by[proxied] = "other"
        system_sat[proxied] = True
    else:
        lift = np.clip(scenario.inflation / np.maximum(1 - p_true, 1e-9), 0, 1)
        turned = bad[unit_of] & ~true_sat & (rng.random(e) < lift[unit_of])
        system_sat[turned] = True
        how = mechanism[unit_of]
        rated_by[turned & (how == "proxy")] = "other"
        rated_by[turned & (how == "unrated")] = "not_rated"
        ask[bad & (mechanism == "coached")] = 0.3
    frame = pd.DataFrame(
        {
            "record_id": [f"R{i:07d}" for i in range(e)],
            "organisation_id": names[unit_of],
            "domain": _domain_labels(domain_of, scenario.extra.get("small_domains", ()))[unit_of],
            "system_rating": np.where(system_sat, "satisfied", "dissatisfied"),
        }
    )
    # callback answer: the true opinion, after the honest mode effect and recall noise
    mode = (np.asarray(scenario.mode_effect)[domain_of] + unit_mode)[unit_of]
    p_flip_down = np.clip(-mode / np.maximum(p_true[unit_of], 1e-9), 0, 1)
    p_flip_up = np.clip(mode / np.maximum(1 - p_true[unit_of], 1e-9), 0, 1)
    callback_sat = np.where(true_sat, rng.random(e) >= p_flip_down, rng.random(e) < p_flip_up)
    flip = rng.random(e) < scenario.recall_flip
    callback_sat = np.where(flip, ~callback_sat, callback_sat)
    # sample: simple random sample of each unit's events, then response
    order = pd.Series(rng.random(e)).groupby(unit_of).rank(method="first").to_numpy()
    sampled = order <= scenario.sample_per_unit
    odds = scenario.response_rate / (1 - scenario.response_rate)
    odds = np.where(callback_sat, odds, odds * scenario.dissatisfied_response)
    responded = sampled & (rng.random(e) < odds / (1 + odds))
    cases = frame[sampled].assign(
        responded=responded[sampled], callback_sat=callback_sat[sampled], unit_index=unit_of[sampled]
    )
    n_h = cases.groupby("organisation_id")["record_id"].transform("size")
    cases["design_weight"] = size[cases["unit_index"]] / n_h
    cls = [cases["organisation_id"], cases["system_rating"]]
    eligible = cases.groupby(cls)["design_weight"].transform("sum")
    resp_w = (cases["design_weight"] * cases["responded"]).groupby(cls).transform("sum")
    unit_eligible = cases.groupby("organisation_id")["design_weight"].transform("sum")
    unit_resp = (
        (cases["design_weight"] * cases["responded"]).groupby(cases["organisation_id"]).transform("sum")
    )
    factor = np.where(
        resp_w > 0, eligible / resp_w.where(resp_w > 0, 1), unit_eligible / unit_resp.clip(lower=1e-9)
    )
    cases["weight"] = cases["design_weight"] * factor
    interviews = cases[cases["responded"]].copy()
    m = len(interviews)
    answer = np.where(interviews["callback_sat"], "satisfied", "dissatisfied")
    interviews["sat_overall"] = np.where(rng.random(m) < 0.03, "dk", answer)
    truth_who = rated_by[sampled][cases["responded"].to_numpy()]
    draws = rng.random(m)
    who = np.empty(m, dtype=object)
    for real, probabilities in WHO_ANSWERS.items():
        mine = truth_who == real
        who[mine] = np.array(WHO)[np.searchsorted(np.cumsum(probabilities), draws[mine] * 0.999999)]
    interviews["who_rated"] = who
    interviews["received_service"] = np.where(rng.random(m) < 0.01, "no", "yes")
    interviews["identity"] = "yes"
    asked = rng.random(m) < ask[interviews["unit_index"].to_numpy()]
    interviews["staff_asked_rating"] = np.where(asked, "yes", "no")
    interviews = interviews.reset_index(drop=True)
    design = Design(interviews, strata="organisation_id", weights="weight", lonely_psu="adjust")
    truth = pd.DataFrame(
        {
            "background": background,
            "true_rate": pd.Series(true_sat).groupby(unit_of).mean().reindex(range(k)).to_numpy(),
            "mode": np.asarray(scenario.mode_effect)[domain_of] + unit_mode,
            "inflated": bad,
        },
        index=pd.Index(names, name="organisation_id"),
    )
    return SimulatedStudy(frame, design, interviews, set(names[bad]), truth)


def _domain_labels(domain_of: np.ndarray, small_domains: tuple[int, ...]) -> np.ndarray:
    """Each unit's domain name; with `small_domains` (counts), the last units are relabelled into
    `SMALL_DOMAINS` of those sizes — the field's 仲裁 or 法律职业资格考试 with two or three offices. Only
    the label changes: the units behave as their own domain's, and every random draw stays as it was."""
    labels = np.array(DOMAINS, dtype=object)[domain_of]
    start = len(labels) - sum(small_domains)
    for name, count in zip(SMALL_DOMAINS, small_domains, strict=False):
        labels[start : start + count] = name
        start += count
    return labels


def honest_callback_rate(rate: np.ndarray, mode: np.ndarray, scenario: Scenario) -> np.ndarray:
    """The respondents' expected 满意率 of a unit whose events are satisfied at `rate`: the simulation's
    honest mode effect, recall flips and satisfaction-dependent response, in that order."""
    rate = np.clip(np.asarray(rate, float), 1e-9, 1 - 1e-9)
    down = np.clip(-mode / rate, 0, 1)
    up = np.clip(mode / (1 - rate), 0, 1)
    c = rate * (1 - down) + (1 - rate) * up
    c = c * (1 - scenario.recall_flip) + (1 - c) * scenario.recall_flip
    return c / (c + (1 - c) * scenario.dissatisfied_response)


def _who_shares(background: np.ndarray, proxy: float) -> tuple[np.ndarray, np.ndarray]:
    """Per unit, P(answer "someone else rated") and P(answer "not rated") when a share `proxy` of its
    events is rated by staff on top of its honest background."""
    other_real = proxy + (1 - proxy) * 0.015 * background
    unrated_real = (1 - proxy) * 0.010 * background
    self_real = 1 - other_real - unrated_real
    answers = {real: np.asarray(p) for real, p in WHO_ANSWERS.items()}
    share = [
        self_real * answers["self"][j]
        + other_real * answers["other"][j]
        + unrated_real * answers["not_rated"][j]
        for j in (3, 2)
    ]
    return share[0], share[1]


def oracle_p_values(study: SimulatedStudy, scenario: Scenario) -> pd.Series:
    """p-values of a test that knows everything the simulation does except which units are faulty
    (BH on them gives the oracle recall): what a valid test on the same evidence can reach.

    Inflation scenarios: the exact one-sided binomial test of the unit's satisfied callbacks x of n
    (说不清 left out) against the honest callback rate its system census S/N implies (the known mode
    effect, recall flips and response). Proxy-rating scenario: the Neyman–Pearson test of "honest" against
    "a share `proxy_share` of the events rated by staff" on everything that differs — the callbacks
    against the census, and the counts of "someone else rated" and "not rated" answers (the unit's own
    known background) — with its exact null law by enumeration.

    Not a bound on everything: the inflation oracle reads the callback count alone, non-randomised,
    while the unit model also uses which respondents the system holds as satisfied (its callback rate
    is post-stratified by system rating) and mid-p values — it can exceed this oracle; the mid-p
    version of the oracle is a fairer yardstick (the benchmark's ARCHITECTURE notes give both).
    """
    from scipy import stats

    if scenario.proxy_unsatisfied is not None:
        raise ValueError("oracle_p_values knows proxy rating of a random share of events only")
    truth = study.truth
    system = study.frame.groupby("organisation_id")["system_rating"].agg(
        S=lambda v: int((v == "satisfied").sum()), N="size"
    )
    answers = study.interviews.groupby("organisation_id")
    n = answers["sat_overall"].agg(lambda v: int((v != "dk").sum())).reindex(truth.index).fillna(0)
    x = answers["sat_overall"].agg(lambda v: int((v == "satisfied").sum())).reindex(truth.index).fillna(0)
    rate = (system["S"] / system["N"]).reindex(truth.index).to_numpy()
    null_cb = honest_callback_rate(rate, truth["mode"].to_numpy(), scenario)
    if scenario.proxy_share <= 0:
        p = stats.binom.cdf(x.to_numpy(), n.to_numpy(), null_cb)
        return pd.Series(np.where(n > 0, p, np.nan), index=truth.index)
    proxy = scenario.proxy_share
    alt_cb = honest_callback_rate(
        np.clip((rate - proxy) / (1 - proxy), 0, 1), truth["mode"].to_numpy(), scenario
    )
    o0, r0 = _who_shares(truth["background"].to_numpy(), 0.0)
    o1, r1 = _who_shares(truth["background"].to_numpy(), proxy)
    m = answers.size().reindex(truth.index).fillna(0).astype(int)
    k_other = answers["who_rated"].agg(lambda v: int((v == "other").sum())).reindex(truth.index).fillna(0)
    k_unrated = (
        answers["who_rated"].agg(lambda v: int((v == "not_rated").sum())).reindex(truth.index).fillna(0)
    )
    out = pd.Series(np.nan, index=truth.index)
    for i, unit in enumerate(truth.index):
        if m.iloc[i] == 0 or n.iloc[i] == 0:
            continue
        mm, nn = int(m.iloc[i]), int(n.iloc[i])
        ko, kr = np.meshgrid(np.arange(mm + 1), np.arange(mm + 1), indexing="ij")
        ok = ko + kr <= mm
        rest = np.where(ok, mm - ko - kr, 0)

        who0 = np.where(ok, _trinomial(ko, kr, rest, mm, o0[i], r0[i]), -np.inf)
        who1 = np.where(ok, _trinomial(ko, kr, rest, mm, o1[i], r1[i]), -np.inf)
        xs = np.arange(nn + 1)
        cb0 = stats.binom.logpmf(xs, nn, null_cb[i])
        cb1 = stats.binom.logpmf(xs, nn, alt_cb[i])
        score = (who1 - who0)[:, :, None] + (cb1 - cb0)[None, None, :]
        null = np.exp(who0[:, :, None] + cb0[None, None, :])
        observed = score[int(k_other.iloc[i]), int(k_unrated.iloc[i]), int(x.iloc[i])]
        out[unit] = float(null[np.where(ok[:, :, None], score >= observed - 1e-9, False)].sum())
    return out


def _trinomial(ko, kr, rest, m, po, pr):
    """log pmf of the trinomial (ko, kr, rest) with probabilities (po, pr, 1 − po − pr)."""
    from scipy.special import gammaln, xlogy

    return (
        gammaln(m + 1) - gammaln(ko + 1) - gammaln(kr + 1) - gammaln(rest + 1)
        + xlogy(ko, po) + xlogy(kr, pr) + xlogy(rest, 1 - po - pr)
    )  # fmt: skip


def oracle_recall(study: SimulatedStudy, scenario: Scenario, q: float = 0.10) -> float:
    """Recall of BH at `q` on `oracle_p_values` over the units with respondents (NaN where that oracle
    does not know the world: staff rating the unsatisfied events more often)."""
    from statsmodels.stats.multitest import multipletests

    if scenario.proxy_unsatisfied is not None:
        return float("nan")
    p = oracle_p_values(study, scenario).dropna()
    if not study.inflated or not len(p):
        return float("nan")
    flagged = set(p.index[multipletests(p.to_numpy(), alpha=q, method="fdr_bh")[0]])
    return len(flagged & study.inflated) / len(study.inflated)


def verdicts(study: SimulatedStudy, q: float = 0.10, **options) -> pd.DataFrame:
    """`compare_units` on the simulated study, as the analysis service calls it."""
    return compare_units(study.frame, study.design, interviews=study.interviews, q=q, **options)


def faded(
    interviews: pd.DataFrame, late: pd.Series | np.ndarray, fade: float, study: int = 0
) -> pd.DataFrame:
    """`interviews` with a share `fade` of the satisfied answers on the `late` records (ids) rated
    satisfied turned "dissatisfied": those were called weeks after the others about services just as
    old, and memory of a good service fades. Each record's draw is fixed by its id and the `study`
    (its seed: the simulated studies reuse record ids, and must not share their draws)."""
    late = pd.Series(np.asarray(late, dtype=object))
    return _turned(interviews, late[_record_draw(late, "huifang-fade-ph2", study) < fade])


#: Days by which the simulated phase 2 is called later than phase 1: the cases of a unit phase 2
#: expanded can be drawn only once phase 1 is final.
PHASE_TWO_LATER = 28


def callback_days(
    record_ids: pd.Series | np.ndarray, phase: pd.Series | np.ndarray, study: int = 0
) -> np.ndarray:
    """Days from the service to the callback: phase 1 calls about services 0–27 days old (the frame's
    month), phase 2 the same ages `PHASE_TWO_LATER` days on. Each record's age is fixed by its id and
    the `study` (its seed: the simulated studies reuse record ids, and must not share their ages)."""
    return np.floor(_record_draw(record_ids, "huifang-age-days", study) * 28) + PHASE_TWO_LATER * (
        np.asarray(phase) == 2
    )


def fades_by_days(
    record_ids: pd.Series | np.ndarray,
    days: np.ndarray,
    per_week: float | np.ndarray,
    study: int = 0,
    cap_weeks: float | None = None,
) -> np.ndarray:
    """Which records' satisfied answers have faded to "dissatisfied" by the callback: each with chance
    ``per_week`` for every week since the service (memory of a good service fading steadily, so that
    phase 1's own answers show it). Each record's draw is fixed by its id and the `study`.
    ``per_week`` may be one rate a record (a fade that differs by domain); with ``cap_weeks`` the fade
    stops growing after that many weeks (memory that levels off). Either leaves every draw as it was."""
    weeks = np.asarray(days, dtype=float) / 7
    if cap_weeks is not None:
        weeks = np.minimum(weeks, cap_weeks)
    return _record_draw(record_ids, "huifang-fade-wks", study) < np.asarray(per_week, dtype=float) * weeks


def _record_draw(record_ids: pd.Series | np.ndarray, key: str, study: int) -> np.ndarray:
    """A uniform draw per record, the same for its id in every design of one study (`key`: 16 characters)."""
    ids = pd.Series(np.asarray(record_ids, dtype=object)).astype(str) + f"#{study}"
    return pd.util.hash_array(ids.to_numpy(dtype=object), hash_key=key) / 2.0**64


def weekly_faded(
    interviews: pd.DataFrame,
    called: pd.DataFrame,
    per_week: float,
    study: int = 0,
    by_domain: tuple[float, ...] | None = None,
    cap_weeks: float | None = None,
) -> pd.DataFrame:
    """`interviews` with the satisfied answers on records rated satisfied that have faded by the time
    `called` (record_id, phase; domain with `by_domain`) reached them turned "dissatisfied"
    (`callback_days`, `fades_by_days` of the `study`): memory fading steadily in both phases, phase 2
    four weeks on; `by_domain` and `cap_weeks` as in `domain_fades` and `fades_by_days`."""
    days = callback_days(called["record_id"], called["phase"], study)
    rates = domain_fades(called, per_week, by_domain)
    gone = fades_by_days(called["record_id"], days, rates, study, cap_weeks)
    return _turned(interviews, called.loc[gone, "record_id"])


def domain_fades(
    called: pd.DataFrame, per_week: float, by_domain: tuple[float, ...] | None = None
) -> float | np.ndarray:
    """Each called record's fade a week: ``per_week`` times its domain's multiplier in ``by_domain``
    (one per `DOMAINS`, in order; a domain beyond them, 1), or ``per_week`` for all without it. Why: a
    fade may differ by domain (a mediation's outcome is remembered differently from a notarised
    copy's), which one study-wide slope measured on phase 1 does not see."""
    if by_domain is None:
        return per_week
    factor = dict(zip(DOMAINS, by_domain, strict=True))
    return per_week * called["domain"].map(factor).fillna(1.0).to_numpy(float)


def _turned(interviews: pd.DataFrame, gone: pd.Series) -> pd.DataFrame:
    """`interviews` with the satisfied answers on records rated satisfied among `gone` (ids) turned
    "dissatisfied"."""
    out = interviews.copy()
    turned = (
        out["record_id"].isin(gone)
        & (out["system_rating"] == "satisfied")
        & (out["sat_overall"] == "satisfied")
    )
    out.loc[turned, "sat_overall"] = "dissatisfied"
    return out


def recall_and_fdp(study: SimulatedStudy, table: pd.DataFrame) -> tuple[float, float, int]:
    """(recall over the planted units or NaN, false discovery proportion, false flags)."""
    flagged = set(table.index[table["flagged"]])
    false = len(flagged - study.inflated)
    recall = len(flagged & study.inflated) / len(study.inflated) if study.inflated else float("nan")
    return recall, (false / len(flagged) if flagged else 0.0), false


HONEST_DOMAINS = (0.80, 0.95, 0.85, 0.45)
NEAR_100 = (0.97, 0.98, 0.96, 0.95)
SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("honest"),
        Scenario("honest_small_units", small_share=0.4),
        Scenario("honest_domains_differ", domain_rates=HONEST_DOMAINS),
        Scenario("honest_mode_-3", mode_effect=(-0.03,) * 4),
        Scenario("honest_mode_by_domain", domain_rates=HONEST_DOMAINS, mode_effect=(-0.01, -0.02, -0.04, -0.06)),
        Scenario("honest_nonresponse", dissatisfied_response=0.5, mode_effect=(-0.03,) * 4),
        Scenario(
            "honest_all", small_share=0.3, domain_rates=HONEST_DOMAINS, mode_effect=(-0.03,) * 4,
            dissatisfied_response=0.5,
        ),
        # misspecified honest worlds (`extra`): offices that rate at the window with staff present have
        # larger honest gaps (unit mode effects sd 4 points), and a fifth of the units come from a
        # second component of rates near 97%
        Scenario("honest_unit_gaps", mode_effect=(-0.03,) * 4, extra={"unit_mode_sd": 0.04}),
        Scenario("honest_high_rate_units", domain_rates=HONEST_DOMAINS, extra={"high_share": 0.2, "high_rate": 0.97}),
        # the field's level: published rates of 95–98% in every domain. The same −3-point mode effect and
        # 3% recall flips are a far larger honest log odds ratio here than at 85% (about 1.1 at 97%, 0.34
        # at 85%), and units at 100% are common: a null of one odds ratio per domain cannot hold
        Scenario("honest_near_100", domain_rates=NEAR_100, mode_effect=(-0.03,) * 4),
        # the field's level with everything else the field has: small units, the dissatisfied refusing
        # twice as often, and (apart) honest gaps that vary by office
        Scenario(
            "honest_all_near_100", small_share=0.3, domain_rates=NEAR_100, mode_effect=(-0.03,) * 4,
            dissatisfied_response=0.5,
        ),
        Scenario(
            "honest_unit_gaps_near_100", domain_rates=NEAR_100, mode_effect=(-0.03,) * 4,
            extra={"unit_mode_sd": 0.04},
        ),
        # small domains: three of a few offices each (3, 3 and 2 units, ~16 respondents a unit), whose
        # answers may all be satisfied by chance — a domain's honest gap must not then be read as zero
        Scenario("honest_small_domains", mode_effect=(-0.03,) * 4, extra={"small_domains": (3, 3, 2)}),
        Scenario(
            "honest_small_domains_near_100", domain_rates=NEAR_100, mode_effect=(-0.03,) * 4,
            extra={"small_domains": (3, 3, 2)},
        ),
        # honest domains that differ in the signs: clients of 人民调解 and 法律援助 are rated for by family
        # or a clerk three times as often; at 公证 staff invite a rating 30% of the time by procedure
        Scenario("honest_signs_by_domain", mode_effect=(-0.03,) * 4, extra={"sign_factor": (1, 1, 3, 3)}),
        Scenario("honest_asked_by_domain", mode_effect=(-0.03,) * 4, extra={"asked_by_domain": (0.06, 0.30, 0.06, 0.06)}),
        Scenario(
            "honest_signs_differ_near_100", domain_rates=NEAR_100, mode_effect=(-0.03,) * 4,
            extra={"sign_factor": (1, 1, 3, 3), "asked_by_domain": (0.06, 0.30, 0.06, 0.06)},
        ),
        # the staff level: many units (600 staff members), 10–60 rated events each, a few respondents
        # each (CASES 12 ≈ 6): most have too few to be judged, and those judged are the small-unit regime
        Scenario("honest_staff", units=600, events=(10, 60), sample_per_unit=12, mode_effect=(-0.03,) * 4),
        Scenario(
            "honest_staff_near_100", units=600, events=(10, 60), sample_per_unit=12, domain_rates=NEAR_100,
            mode_effect=(-0.03,) * 4,
        ),
        Scenario("inflate_+5", inflated_share=0.15, inflation=0.05, mode_effect=(-0.03,) * 4),
        Scenario("inflate_+10", inflated_share=0.15, inflation=0.10, mode_effect=(-0.03,) * 4),
        Scenario("inflate_+20", inflated_share=0.15, inflation=0.20, mode_effect=(-0.03,) * 4),
        Scenario(
            "inflate_+10_near_100", domain_rates=NEAR_100, inflated_share=0.15, inflation=0.10,
            mode_effect=(-0.03,) * 4,
        ),
        Scenario(
            "inflate_+20_near_100", domain_rates=NEAR_100, inflated_share=0.15, inflation=0.20,
            mode_effect=(-0.03,) * 4,
        ),
        # staff of offices of six whose honest gaps differ by office (sd 4 points, as `honest_unit_gaps`)
        Scenario(
            "honest_staff_office_gaps", units=600, events=(10, 60), sample_per_unit=12, mode_effect=(-0.03,) * 4,
            extra={"unit_mode_sd": 0.04, "office_size": 6},
        ),
        Scenario(
            "inflate_+20_staff", units=600, events=(10, 60), sample_per_unit=12, inflated_share=0.05,
            inflation=0.20, mode_effect=(-0.03,) * 4,
        ),
        Scenario(
            "proxy_30%_staff", units=600, events=(10, 60), sample_per_unit=12, inflated_share=0.05,
            proxy_share=0.30, mode_effect=(-0.03,) * 4,
        ),
        Scenario(
            "inflate_+20_silent", inflated_share=0.15, inflation=0.20, mode_effect=(-0.03,) * 4,
            mechanisms=("silent",),
        ),
        Scenario("proxy_30%", inflated_share=0.15, proxy_share=0.30, mode_effect=(-0.03,) * 4),
        # staff rate a share of the events, more often the unsatisfied ones (30% of the satisfied, 90%
        # of the unsatisfied, as the demo's inflated units do): the published rate rises by 0.9 (1 − p)
        Scenario(
            "proxy_dependent", inflated_share=0.15, proxy_share=0.30, proxy_unsatisfied=0.90,
            mode_effect=(-0.03,) * 4,
        ),
        # near 100% a proxy share moves the published rate by a point or less: the evidence is the
        # answers (someone else rated, staff asked), not the gap
        Scenario(
            "proxy_30%_near_100", domain_rates=NEAR_100, inflated_share=0.15, proxy_share=0.30,
            mode_effect=(-0.03,) * 4,
        ),
        Scenario(
            "proxy_30%_signs_by_domain", inflated_share=0.15, proxy_share=0.30, mode_effect=(-0.03,) * 4,
            extra={"sign_factor": (1, 1, 3, 3), "asked_by_domain": (0.06, 0.30, 0.06, 0.06)},
        ),
        Scenario(
            "proxy_dependent_near_100", domain_rates=NEAR_100, inflated_share=0.15, proxy_share=0.30,
            proxy_unsatisfied=0.90, mode_effect=(-0.03,) * 4,
        ),
        Scenario(
            "mixture", small_share=0.3, domain_rates=HONEST_DOMAINS, mode_effect=(-0.03,) * 4,
            dissatisfied_response=0.5, inflated_share=0.15, inflation=0.15,
        ),
    )
}  # fmt: skip


def seed_range(arguments: list[str], default: int = 40) -> range:
    """The seeds a benchmark's command line names as FIRST:LAST (the first such argument), else 0 … default − 1."""
    for a in arguments:
        if ":" in a and a.replace(":", "").isdigit():
            first, last = a.split(":")
            return range(int(first), int(last))
    return range(default)
