"""The honest-unit null: what an honest unit's system rate, callback answers and integrity answers look like.

Why: a unit must not be accused for the honest gap every unit shows (telephone mode, recall, rating at
the window with staff present), for belonging to a domain with a different background, or for being
small. So the null is estimated from the units themselves, per domain, and every test is exact.

Rate evidence — an exact conditional test. A unit's system side is a census of its N ratings, S of them
satisfied; its callback side has n (effective) answers, x satisfied. Both are draws from the unit's own
propensities, so the 2×2 table (S, N − S; x, n − x) given its margins follows Fisher's noncentral
hypergeometric law in the odds ratio ψ = odds(system) / odds(callback). An honest unit's log ψ is the
gap an honest unit shows at its own published rate, plus a unit deviation ε ~ N(0, τ²); the p-value is
P(S' ≥ S | margins) averaged over that null (Gauss–Hermite), so a 5-event unit at 100% is weak
evidence, as it should be. The honest gap is level-aware (`level_gap`): respondents whose record is
rated satisfied answer otherwise with the domain's share `miss`, the others answer satisfied with share
`lift` (both robust backgrounds of the matched answers), which at 97% is a log odds ratio three times
the one at 85% and at 100% an unbounded one — one odds ratio per domain accused honest units near 100%
in a quarter of simulated studies. On top of it a common offset γ_d per domain (conditional maximum
likelihood; Mantel–Haenszel where the answers carry no system rating), shrunk toward the overall one by
DerSimonian–Laird across domains; τ²: a median-based Paule–Mandel estimate over the reference units'
log odds ratios around their centres. Reference units = tested units not flagged (iterated by the caller).

Integrity evidence — an exact weighted-count test. Per interview three signs that a rating is not the
citizen's own: someone else rated (`who_rated` = other), no rating given though the system holds one
(`not_rated`, kept apart: people forget), service never happened or not me (4.11/4.12). Each sign's
honest law is a beta-binomial per domain (`fit_background`), fitted on the units themselves so that the
faulty units among them cannot carry it off; domains are pooled as far as their shares differ no more
than chance (DerSimonian–Laird). Each unit is tested against its domain's background fitted without it,
as a predictive law that carries the share's estimation error (`held_out_backgrounds`). The unit statistic is the integer-weighted sum Σ w_t K_t (likelihood-
ratio weights against proxy rating, `likelihood_ratio_weights`) and its exact null law the convolution
of the three laws. "Staff asked for a rating" has its own over-dispersed law and mid-p, reported beside
the verdict (see `PROXY_SIGNS`).
(The first version fitted the share by moments and one over-dispersion φ of the whole score over the
units not flagged: eight proxy-rating units of sixty doubled the "someone else rated" background and
gave φ ≈ 2.8 — proxy recall 0.11.)

Decision helpers: Simes' combination of the two p-values, the beta-uniform mixture local fdr
(Pounds & Morris 2003) and the minimum detectable inflation of the rate test.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import optimize, special

#: The signs of a rating not given by the citizen (someone else rated, not rated, service never happened
#: or not me), tested together as one weighted score. "Staff asked for a rating" is fitted and reported on
#: its own, beside the verdict and not in it: honest units differ so widely in it (ρ ≈ 0.03) that in the
#: score it buried the rarer signs of proxy rating in noise, and as a third test in the combination it
#: cost more than it found (16 studies: recall at +20 points 0.45 → 0.41, proxy rating 0.45 → 0.43).
PROXY_SIGNS = ("rated_by_other", "not_rated", "service_denied")
#: The proxy signs read from the answer to who rated: those a surveyor's way of asking can move, set aside
#: where it does (`analysis.surveyor_bias.unit_who_bias`); "service never happened" is another question.
WHO_SIGNS = ("rated_by_other", "not_rated")
#: The alternative the proxy score's weights are likelihood ratios against: the share of interviews that
#: show each sign in a unit whose staff rate for their clients (代评) — someone else rated ~20%, not rated
#: ~12% (the fixtures' and the field's figures); service never happened or not me only ~3%, because a
#: proxy rating is of a real service (weighing it as a fabricated event's ~10% did, 40 studies: proxy
#: recall 0.44 against 0.49).
INTERCEPTED: Mapping[str, float] = {"rated_by_other": 0.20, "not_rated": 0.12, "service_denied": 0.03}
#: Fixed integer weights (the likelihood-ratio weights at typical backgrounds 2% / 5% / 1%, in half units);
#: `likelihood_ratio_weights` gives them per domain from the fitted backgrounds.
INTEGRITY_WEIGHTS: Mapping[str, int] = {"rated_by_other": 5, "not_rated": 2, "service_denied": 2}
_NODES, _NODE_WEIGHTS = np.polynomial.hermite_e.hermegauss(24)
_NODE_WEIGHTS = _NODE_WEIGHTS / _NODE_WEIGHTS.sum()
#: Least pseudo-interviews of the overall share mixed into a domain's background share.
BACKGROUND_PRIOR = 50.0
#: A domain prior this strong or stronger is complete pooling (`_domain_prior` returns 1e9 for it).
_POOLED = 1e8


# ------------------------------------------------------------------ exact conditional rate test
def _log_choose(n: np.ndarray, k: np.ndarray) -> np.ndarray:
    """log C(n, k), broadcast. Whole n and k read gammaln from a table: the fits call this in every
    step of their optimisers, and a lookup gives the very values gammaln would (inf at 0 and below)."""
    n, k = np.asarray(n, dtype=float), np.asarray(k, dtype=float)
    key = (n.shape, k.shape, n.tobytes(), k.tobytes())
    known = _CHOSEN.get(key)
    if known is not None:
        return known
    if _whole(n) and _whole(k):
        whole_n, whole_k = n.astype(np.int64), k.astype(np.int64)
        table = _gammaln_table(int(max(whole_n.max(), whole_k.max(), whole_n.max() - whole_k.min())) + 2)
        value = (
            table[np.maximum(whole_n + 1, 0)]
            - table[np.maximum(whole_k + 1, 0)]
            - table[np.maximum(whole_n - whole_k + 1, 0)]
        )
    else:
        value = special.gammaln(n + 1) - special.gammaln(k + 1) - special.gammaln(n - k + 1)
    if isinstance(value, np.ndarray):
        value.flags.writeable = False  # shared by every later call with these n and k
    if len(_CHOSEN) >= 64:
        _CHOSEN.clear()
    _CHOSEN[key] = value
    return value


#: `_log_choose` by (shapes, n, k): an optimiser evaluates its loss at one set of counts again and again.
_CHOSEN: dict[tuple, np.ndarray] = {}


def _whole(values: np.ndarray) -> bool:
    """Every value a finite whole number (and at least one value)."""
    return bool(values.size) and bool(np.isfinite(values).all()) and bool((np.floor(values) == values).all())


_GAMMALN = special.gammaln(np.arange(1024.0))  # gammaln(0) = inf, gammaln(1), gammaln(2), …


def _gammaln_table(size: int) -> np.ndarray:
    """gammaln(0), …, gammaln(size − 1) at least (grown by doubling; the values are gammaln's own)."""
    global _GAMMALN
    if size > _GAMMALN.size:
        _GAMMALN = special.gammaln(np.arange(float(max(size, 2 * _GAMMALN.size))))
    return _GAMMALN


def _lse(values: np.ndarray, axis: int = -1) -> np.ndarray:
    top = np.max(values, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return np.squeeze(top, axis=axis) + np.log(np.exp(values - top).sum(axis=axis))


def conditional_upper_tail(s: int, big_n: int, x: int, n: int, log_psi: np.ndarray) -> np.ndarray:
    """P(S' ≥ s | S' + X' = s + x) under Fisher's noncentral hypergeometric law, for each log ψ given.

    S' ~ Bin(big_n, θ), X' ~ Bin(n, π), ψ = odds(θ)/odds(π).
    """
    log_psi = np.atleast_1d(np.asarray(log_psi, dtype=float))
    total = s + x
    support = np.arange(max(0, total - n), min(big_n, total) + 1)
    base = _log_choose(float(big_n), support) + _log_choose(float(n), total - support)
    logp = base[None, :] + log_psi[:, None] * support[None, :]
    return np.exp(_lse(logp[:, support >= s]) - _lse(logp))


def conditional_mid_p(s: int, big_n: int, x: int, n: int, log_psi: np.ndarray) -> np.ndarray:
    """Lancaster's mid-p: P(S' > s | margins) + ½ P(S' = s | margins), for each log ψ given."""
    log_psi = np.atleast_1d(np.asarray(log_psi, dtype=float))
    total = s + x
    support = np.arange(max(0, total - n), min(big_n, total) + 1)
    base = _log_choose(float(big_n), support) + _log_choose(float(n), total - support)
    logp = base[None, :] + log_psi[:, None] * support[None, :]
    weight = np.where(support > s, 1.0, np.where(support == s, 0.5, 0.0))
    top = logp.max(axis=1, keepdims=True)
    mass = np.exp(logp - top)
    return (mass * weight).sum(axis=1) / mass.sum(axis=1)


def rate_p_value(s: int, big_n: int, x: int, n: int, gap: float, spread: float) -> float:
    """Conditional mid-p value of "the system side is above the callback by more than the honest gap",
    averaged over log ψ ~ N(gap, spread²). Mid-p, because the exact tail on a support of n + 1 points
    is far below its nominal size (1% of honest units at p ≤ 0.05 in the simulations)."""
    if n <= 0 or big_n <= 0:
        return float("nan")
    nodes = gap + spread * _NODES if spread > 0 else np.array([gap])
    weights = _NODE_WEIGHTS if spread > 0 else np.array([1.0])
    return float(np.clip((weights * conditional_mid_p(s, big_n, x, n, nodes)).sum(), 0.0, 1.0))


_GRID = np.linspace(-15.0, 15.0, 1501)


def _crossing(values: np.ndarray, target: float) -> float:
    """log ψ where the increasing `values` (on `_GRID`) cross `target`, linear between grid points."""
    above = np.flatnonzero(values >= target)
    if above.size == 0:
        return np.inf
    i = int(above[0])
    if i == 0:
        return -np.inf
    lo, hi = values[i - 1], values[i]
    return float(_GRID[i - 1] + (_GRID[i] - _GRID[i - 1]) * (target - lo) / max(hi - lo, 1e-300))


def odds_ratio_interval(
    s: int, big_n: int, x: int, n: int, level: float = 0.95
) -> tuple[float, float, float]:
    """Conditional MLE of log ψ and its exact (Cornfield) interval on a grid of step 0.02; ±inf where
    the table is at the edge of its support."""
    if n <= 0 or big_n <= 0:
        return (np.nan, np.nan, np.nan)
    alpha = (1 - level) / 2
    total = s + x
    support = np.arange(max(0, total - n), min(big_n, total) + 1)
    base = _log_choose(float(big_n), support) + _log_choose(float(n), total - support)
    logp = base[None, :] + _GRID[:, None] * support[None, :]
    logp -= special.logsumexp(logp, axis=1, keepdims=True)
    prob = np.exp(logp)
    at_least = prob[:, support >= s].sum(axis=1)  # rises with ψ
    more = prob[:, support > s].sum(axis=1)  # P(S' > s) = 1 − P(S' ≤ s), rises with ψ
    mean = prob @ support
    estimate = -np.inf if s == support[0] else (np.inf if s == support[-1] else _crossing(mean, s))
    low = -np.inf if s == support[0] else _crossing(at_least, alpha)
    high = np.inf if s == support[-1] else _crossing(more, 1 - alpha)
    return (estimate, low, high)


def mantel_haenszel(s, big_n, x, n) -> tuple[float, float]:
    """log of the Mantel–Haenszel common odds ratio over units and its Robins–Breslow–Greenland variance."""
    a, b, c, d = (np.asarray(v, dtype=float) for v in (s, big_n - s, x, n - x))
    m = a + b + c + d
    r, q = a * d / m, b * c / m
    if r.sum() <= 0 or q.sum() <= 0:
        return (np.nan, np.nan)
    p_, q_ = (a + d) / m, (b + c) / m
    var = (p_ * r).sum() / (2 * r.sum() ** 2) + ((p_ * q + q_ * r).sum()) / (2 * r.sum() * q.sum())
    var += (q_ * q).sum() / (2 * q.sum() ** 2)
    return (float(np.log(r.sum() / q.sum())), float(var))


def haldane_log_or(s, big_n, x, n) -> tuple[np.ndarray, np.ndarray]:
    """Empirical log odds ratios with ½ added to every cell, and their variances."""
    a, b, c, d = (np.asarray(v, dtype=float) + 0.5 for v in (s, big_n - s, x, n - x))
    return np.log(a * d / (b * c)), 1 / a + 1 / b + 1 / c + 1 / d


#: Columns of the matched counts (`level_gap`): answering respondents whose record is rated satisfied,
#: those of them who answer not satisfied, those whose record is rated not satisfied, and those of them
#: who answer satisfied.
MATCHED = ("sat_records", "sat_records_not", "unsat_records", "unsat_records_sat")
#: A per-record misreport share is capped here, so that the honest callback rate still rises with the
#: published rate.
MAX_MISREPORT = 0.45


def published_rate(s, big_n) -> np.ndarray:
    """S/N kept half a rating inside (0, 1), so that its log odds are finite (a unit at 100%)."""
    s, big_n = np.asarray(s, dtype=float), np.asarray(big_n, dtype=float)
    edge = 0.5 / big_n
    return np.clip(s / big_n, edge, 1 - edge)


def level_gap(rate, miss: float, lift: float) -> np.ndarray:
    """The honest log odds ratio system/callback of a unit that publishes `rate`, when a respondent whose
    record is rated satisfied answers otherwise with probability `miss` and one whose record is rated not
    satisfied answers satisfied with probability `lift` (the mode, recall, rating at the window).

    Why: one odds ratio per domain is wrong where rates near 100% are the norm. The same −3-point mode
    effect and 3% recall flips are a log odds ratio of 0.34 at 85%, 1.12 at 97% and unbounded at 100%;
    a per-record gap is what the posterior's honest law assumes, and it holds at every level."""
    rate = np.asarray(rate, dtype=float)
    callback = rate * (1 - miss) + (1 - rate) * lift
    return special.logit(rate) - special.logit(callback)


@dataclass(frozen=True)
class RateNull:
    """The honest gap per domain (log odds ratio system/callback), its uncertainty, and τ² between units.

    Where the units' matched counts (`MATCHED`) are known, the gap is level-aware: an honest unit's
    centre is `level_gap` at its own published rate with the domain's misreport shares (`miss`,
    `lift`), plus the domain's remaining offset `gap`; without them `miss` and `lift` are empty and the
    centre is `gap` alone, one odds ratio per domain."""

    gap: dict[str, float]
    gap_var: dict[str, float]
    overall: float
    between_domains: float
    tau2: float
    miss: dict[str, float] = field(default_factory=dict)
    lift: dict[str, float] = field(default_factory=dict)

    def for_unit(self, domain: str, s: float, big_n: float) -> tuple[float, float]:
        """(centre, spread) of an honest unit's log ψ in `domain` publishing s of big_n satisfied."""
        offset = self.gap.get(domain, self.overall)
        var = self.gap_var.get(domain, self.between_domains)
        return offset + self._level(domain, s, big_n), float(np.sqrt(self.tau2 + var))

    def callback_rate(self, domain: str, rates: np.ndarray) -> np.ndarray:
        """The callback rate an honest unit of `domain` shows where its events are satisfied at `rates`."""
        rates = np.asarray(rates, dtype=float)
        offset = self.gap.get(domain, self.overall)
        level = level_gap(rates, self.miss[domain], self.lift[domain]) if domain in self.miss else 0.0
        return special.expit(special.logit(rates) - offset - level)

    def _level(self, domain: str, s: float, big_n: float) -> float:
        if domain not in self.miss or big_n <= 0:
            return 0.0
        return float(level_gap(published_rate(s, big_n), self.miss[domain], self.lift[domain]))


def misreport_shares(units: pd.DataFrame) -> tuple[dict[str, float], dict[str, float]]:
    """Per domain: the share of respondents whose record is rated satisfied who answer otherwise (miss)
    and of those whose record is rated not satisfied who answer satisfied (lift), each an honest
    background fitted on `units` (columns domain and `MATCHED`) by `fit_background`'s truncated
    likelihood, so that the turned records of inflating units among them do not carry it off (pooled,
    their misreports alone made the miss share in the tests' synthetic study); empty where the units
    carry no matched counts."""
    if any(c not in units.columns for c in MATCHED) or not units[list(MATCHED)].to_numpy().sum():
        return {}, {}
    domains = units["domain"].astype(str)
    shares = []
    for hits, base in (("sat_records_not", "sat_records"), ("unsat_records_sat", "unsat_records")):
        if not units[base].sum():  # no answer on such records: nothing to say, no misreport assumed
            shares.append(dict.fromkeys(domains.unique(), 0.0))
            continue
        law = fit_background(units[hits], units[base], domains)
        shares.append({d: float(min(law.share.get(d, law.overall), MAX_MISREPORT)) for d in domains.unique()})
    return shares[0], shares[1]


#: |log ψ offset| beyond which `_offset_mle` reports the offset as not set by the data (as Mantel–Haenszel
#: does when every table has an empty cell on the same side).
OFFSET_BOUND = 8.0


def _offset_mle(rows: pd.DataFrame, centre: np.ndarray) -> tuple[float, float]:
    """Conditional maximum likelihood of a common offset c of the units' log ψ around their centres
    (the noncentral hypergeometric law of each table given its margins), and its variance (the inverse
    of the information). The tables' supports are padded into one array so that each step is one
    vectorised pass; the log-likelihood is concave in c, so Newton's steps from 0 converge."""
    s, big_n, x, n = (rows[c].to_numpy(int) for c in ("S", "N", "x", "n"))
    low, high = np.maximum(0, s + x - n), np.minimum(big_n, s + x)
    keep = high > low
    if not keep.any():
        return (np.nan, np.nan)
    s, big_n, x, n, low, high, centre = (v[keep] for v in (s, big_n, x, n, low, high, np.asarray(centre)))
    support = low[:, None] + np.arange(int((high - low).max()) + 1)[None, :]
    inside = support <= high[:, None]
    base = np.where(
        inside,
        _log_choose(big_n[:, None].astype(float), support.astype(float))
        + _log_choose(n[:, None].astype(float), (s + x)[:, None] - support.astype(float)),
        -np.inf,
    )

    def moments(c: float) -> tuple[float, float]:
        logp = base + (centre[:, None] + c) * support
        logp = logp - special.logsumexp(logp, axis=1, keepdims=True)
        prob = np.exp(logp)
        mean = (prob * support).sum(axis=1)
        return float((s - mean).sum()), float((prob * (support - mean[:, None]) ** 2).sum())

    c = 0.0
    for _ in range(50):
        score, info = moments(c)
        if info <= 0:
            return (np.nan, np.nan)
        step = float(np.clip(score / info, -1.0, 1.0))
        c = float(np.clip(c + step, -OFFSET_BOUND, OFFSET_BOUND))
        if abs(step) < 1e-8:
            break
    if abs(c) >= OFFSET_BOUND:  # every table at an edge of its support: the data do not set the offset
        return (np.nan, np.nan)
    return c, 1 / moments(c)[1]


#: Median of χ²₁: what the median of (y − γ)²/(v + τ²) is when τ² is right.
_CHI2_MEDIAN = float(special.chdtri(1, 0.5))


def robust_tau2(squares: np.ndarray, variances: np.ndarray) -> float:
    """τ² such that the median of (y − γ)²/(v + τ²) over units is the median of χ²₁ — a median-based
    Paule–Mandel estimator: robust to a minority of faulty units, and right for units of any size (a
    small unit's large v makes its share of τ² small instead of diluting the estimate)."""
    if squares.size < 5:
        return 0.0

    def excess(tau2: float) -> float:
        return float(np.median(squares / (variances + tau2))) - _CHI2_MEDIAN

    if excess(0.0) <= 0:
        return 0.0
    high = 1.0
    while excess(high) > 0 and high < 1e4:
        high *= 4
    return float(optimize.brentq(excess, 0.0, high)) if excess(high) <= 0 else high


def estimate_rate_null(
    units: pd.DataFrame,
    spread_units: pd.DataFrame | None = None,
    shares: tuple[dict[str, float], dict[str, float]] | None = None,
) -> RateNull:
    """From reference units with columns domain, S, N, x, n (integers) and, where known, the matched
    counts `MATCHED`: the honest-gap model. The gaps come from `units`, τ² from `spread_units` (default:
    the same units) — units too small to show a spread of their own would only dilute it. `shares`:
    the misreport shares (miss, lift) if already fitted (`misreport_shares`: robust, so the caller fits
    them once on every unit), else from `units`.

    With matched counts each unit's centre is `level_gap` at its published rate with its domain's
    misreport shares (`misreport_shares`), and γ_d is the domain's remaining common offset by conditional
    maximum likelihood (`_offset_mle`); without them γ_d is the Mantel–Haenszel common log odds ratio of
    the domain's units (pooled, so the many units whose callback answers are all satisfied count as they
    should). Either way γ_d is shrunk toward the overall one by the DerSimonian–Laird variance between
    domains. Faulty units among the reference raise the gap, which makes the tests conservative; the
    caller drops flagged and extreme units and re-estimates. τ², the honest units' own spread, is
    robust: `robust_tau2` over their empirical log odds ratios (½ added to every cell) around their
    centres.
    """
    rows = units[(units["n"] > 0) & (units["N"] > 0)]
    miss, lift = misreport_shares(rows) if shares is None else shares

    def centres(table: pd.DataFrame) -> np.ndarray:
        if not miss:
            return np.zeros(len(table))
        domains = table["domain"].astype(str)
        return level_gap(
            published_rate(table["S"], table["N"]),
            domains.map(miss).fillna(0.0).to_numpy(),
            domains.map(lift).fillna(0.0).to_numpy(),
        )

    def common(part: pd.DataFrame) -> tuple[float, float]:
        if miss:
            return _offset_mle(part, centres(part))
        return mantel_haenszel(part["S"], part["N"], part["x"], part["n"])

    overall, overall_var = common(rows)
    if not (np.isfinite(overall) and np.isfinite(overall_var)):
        overall, overall_var = 0.0, 1.0
    estimates = {}
    for domain, part in rows.groupby(rows["domain"].astype(str)):
        g, v = common(part)
        if np.isfinite(g) and np.isfinite(v) and v > 0:
            estimates[domain] = (g, v)
    between = 0.0
    if len(estimates) > 1:
        g = np.array([e[0] for e in estimates.values()])
        v = np.array([e[1] for e in estimates.values()])
        w = 1 / v
        mean = (w * g).sum() / w.sum()
        q_stat = (w * (g - mean) ** 2).sum()
        between = max(0.0, (q_stat - (len(g) - 1)) / (w.sum() - (w**2).sum() / w.sum()))
        w_re = 1 / (v + between)
        overall, overall_var = float((w_re * g).sum() / w_re.sum()), float(1 / w_re.sum())
    gap, gap_var = {}, {}
    for domain, (g, v) in estimates.items():
        if between > 0:
            precision = 1 / v + 1 / between
            gap[domain] = (g / v + overall / between) / precision
            gap_var[domain] = 1 / precision
        else:
            gap[domain], gap_var[domain] = overall, overall_var
    spread = rows if spread_units is None else spread_units[(spread_units["n"] > 0) & (spread_units["N"] > 0)]
    if not len(spread):
        return RateNull(gap, gap_var, overall, overall_var, 0.0, miss, lift)
    y, v = haldane_log_or(spread["S"], spread["N"], spread["x"], spread["n"])
    centre = spread["domain"].astype(str).map(gap).fillna(overall).to_numpy() + centres(spread)
    tau2 = robust_tau2((y - centre) ** 2, v)
    return RateNull(gap, gap_var, float(overall), float(max(between, overall_var)), float(tau2), miss, lift)


# ------------------------------------------------------------------ integrity signs
@dataclass(frozen=True)
class Background:
    """One integrity sign's honest share per domain and its between-unit over-dispersion ρ."""

    share: dict[str, float]
    overall: float
    rho: float

    def law(self, domain: str, m: int) -> np.ndarray:
        """pmf of the sign's count among m interviews of an honest unit in `domain`."""
        mu = float(np.clip(self.share.get(domain, self.overall), 1e-6, 1 - 1e-6))
        k = np.arange(m + 1)
        if self.rho <= 1e-9:
            return np.exp(_log_choose(float(m), k) + k * np.log(mu) + (m - k) * np.log1p(-mu))
        scale = (1 - self.rho) / self.rho
        a, b = mu * scale, (1 - mu) * scale
        log_beta = special.betaln(k + a, m - k + b) - special.betaln(a, b)
        return np.exp(_log_choose(float(m), k) + log_beta)


#: Upper-tail level at which a unit leaves a rare sign's truncated fit (`_fit_truncated`; its likelihood is
#: truncated at the same point, so honest units are not under-represented).
TRUNCATION_TRIM = 0.05
#: A unit is never cut from a sign's background for a count this low (see `_fit_truncated`).
MIN_CUTOFF = 2
#: The least spread honest units are taken to have in a rare sign's share: a unit's share is the
#: domain's times a multiplier of mean 1 and variance 1 / `SIGN_SPREAD_SHAPE` (a Gamma shape), i.e. a
#: beta-binomial ρ of at least μ / (shape (1 − μ)) (`sign_rho_floor`). Sixty units of ~16 interviews
#: show one or two such answers each, and the truncated fit's ρ swung to ≈ 0.0005 in some studies (it
#: trims the honest tail it should measure); honest units with twice the usual share of "someone else
#: rated" were then accused by the sign test alone (40 studies at 95–98%: 0.125 with a false flag). At
#: shape 10 — the centre of the posterior's prior for the same spread (`unit_posterior.WHO_SHAPE_PRIOR`)
#: — 0.075, at 25 0.100, for proxy recall −0.018 ± 0.007 (ARCHITECTURE.md, "A floor under the signs' spread").
SIGN_SPREAD_SHAPE = 10.0


def sign_rho_floor(share: float, shape: float = SIGN_SPREAD_SHAPE) -> float:
    """The beta-binomial ρ of a share μ spread by a Gamma(shape) multiplier of mean 1: μ / (shape (1 − μ))."""
    share = float(np.clip(share, 1e-9, 0.5))
    return share / (shape * (1 - share))


#: Tuning β of the density power divergence (Basu, Harris, Hjort & Jones 1998) by which the backgrounds
#: are fitted: a unit whose count has honest probability f weighs as f^β in the estimating equation, so a
#: proxy-rating unit's 3 "someone else rated" of 16 (f ≈ 0.003 against 2%) weighs about a twentieth of an
#: honest unit; at β = 0.5 the estimator keeps most of the efficiency of maximum likelihood on honest data.
ROBUSTNESS = 0.5
#: A domain's count is in the domain-pooling check (`_domain_prior`) only up to its upper point at this level.
BACKGROUND_TRIM = 0.01


def _beta_binomial_logpmf(k: np.ndarray, m: np.ndarray, mu: np.ndarray, rho: float) -> np.ndarray:
    """log pmf of Beta-binomial(m, mean μ, intra-unit correlation ρ) at k (binomial when ρ ≈ 0)."""
    # not broadcast to one shape first: log C(m, k) and B(a, b) are computed at each distinct (m, k) and
    # μ only (the same values, spread out by the arithmetic), the fits' grids are units × counts
    # (k, m and μ each enter both terms, so the result has their broadcast shape)
    k, m, mu = np.asarray(k, float), np.asarray(m, float), np.asarray(mu, float)
    if rho <= 1e-9:
        return _log_choose(m, k) + special.xlogy(k, mu) + special.xlog1py(m - k, -mu)
    scale = (1 - rho) / rho
    a, b = mu * scale, (1 - mu) * scale
    return _log_choose(m, k) + special.betaln(k + a, m - k + b) - special.betaln(a, b)


def _divergence(k, m, mu, rho, grid, valid, beta) -> float:
    """Density power divergence of the beta-binomial(μ, ρ) laws from the units' counts (up to a constant):
    Σ_i [Σ_t f_i(t)^(1+β) − (1 + 1/β) f_i(k_i)^β]."""
    mu = np.broadcast_to(np.asarray(mu, float), k.shape)
    full = np.where(valid, np.exp(_beta_binomial_logpmf(grid[None, :], m[:, None], mu[:, None], rho)), 0.0)
    own = np.exp(beta * _beta_binomial_logpmf(k, m, mu, rho))
    return float((full ** (1 + beta)).sum() - (1 + 1 / beta) * own.sum())


def _rho_of(theta: float) -> float:
    rho = 0.5 * float(special.expit(theta))
    return 0.0 if rho < 1e-5 else rho


def fit_background(
    counts: pd.Series, interviews: pd.Series, domains: pd.Series, method: str = "truncated"
) -> Background:
    """One integrity sign's honest law: per-domain share μ_d and over-dispersion ρ of a beta-binomial,
    fitted on every surveyed unit (honest and faulty alike) so that the faulty minority does not carry
    it off. Two estimators (`units` picks one per sign):

    - `"divergence"` — minimum density power divergence (`_fit_divergence`), for "staff asked for a
      rating": honest units differ widely in it (ρ ≈ 0.03), and that spread must be in the law. The
      truncated fit cut the honest tail first, fitted ρ ≈ 0.006 and a share a third low; at ~60
      interviews a unit 15% of honest units had integrity p ≤ 0.05 (false discovery proportion 0.13 at
      +20 points over 40 studies), and at ~16, with it in its own test, 0.23 under proxy rating.
    - `"truncated"` — maximum likelihood truncated at each unit's upper 5% point (`_fit_truncated`),
      for the rare proxy signs (someone else rated ~2%, service never happened ~1%, not rated): with
      counts of 0–2 a faulty minority and over-dispersion cannot be told apart — the divergence fit
      gives eight proxy-rating units of sixty ρ ≈ 0.05 and proxy recall fell to 0.06), and the
      truncation keeps them out while ρ is fitted on the units kept.
    """
    if method == "divergence":
        return _fit_divergence(counts, interviews, domains)
    if method == "truncated":
        return _fit_truncated(counts, interviews, domains)
    raise ValueError(f"method={method!r}: use 'truncated' or 'divergence'")


def _surveyed(
    counts: pd.Series, interviews: pd.Series, domains: pd.Series
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """Both fits' inputs over the units with interviews: counts k, interviews m, domain names and each
    unit's domain index, the count grid 0..max m and which grid points each unit can reach; None if no
    unit has an interview."""
    keep = (interviews > 0).to_numpy()
    k = counts.to_numpy(float)[keep]
    m = interviews.to_numpy(float)[keep]
    if not k.size:
        return None
    names, index = np.unique(domains.astype(str).to_numpy()[keep], return_inverse=True)
    grid = np.arange(int(m.max()) + 1)
    return k, m, names, index, grid, grid[None, :] <= m[:, None]


def _fit_divergence(
    counts: pd.Series,
    interviews: pd.Series,
    domains: pd.Series,
    trim: float = BACKGROUND_TRIM,
    prior: float = BACKGROUND_PRIOR,
    robustness: float = ROBUSTNESS,
) -> Background:
    """A common sign's honest law (see `fit_background`): per-domain share μ_d and over-dispersion ρ of a
    beta-binomial, fitted by minimum density power divergence (`ROBUSTNESS`).

    Why: the divergence weighs each unit by its own honest probability to the power β, so counts the
    honest law makes rare barely move the share, while the fit stays consistent when every unit is
    honest and over-dispersed (the truncated fit is not: see `fit_background`). ρ is the larger of the
    divergence's and the plain maximum likelihood's over all units: with sixty units of ~16 interviews
    ρ is poorly determined, and the divergence's ρ alone put 0.3–0.4% of honest units at p ≤ 0.002
    (twice the nominal share); the plain likelihood's is right on honest units (0.1–0.17%) and only
    widens the law where faulty units are among them — conservative, never accusing.

    Steps: (μ, ρ) pooled over every unit; then each domain's μ_d with ρ fixed; then μ_d shrunk toward μ
    with the strength `_domain_prior` finds among the units inside their upper `trim` point (complete
    pooling when the domains differ no more than chance), never below `prior` pseudo-interviews. A share
    is never below ½ / (interviews + 1): a sign nobody showed is not proof against the first who does.
    Counts are per interview, unweighted: the test reads a unit's count of its own interviews.
    """
    return _divergence_background(_divergence_state(counts, interviews, domains, trim, prior, robustness))


def _divergence_background(state: _DivergenceState | None) -> Background:
    if state is None:
        return Background({}, 0.5, 0.0)
    share = np.full(len(state.names), state.overall)
    if len(state.names) > 1:
        inside = state.inside
        size = np.bincount(state.index[inside], state.m[inside], len(state.names))
        share = (state.raw * size + state.strength * state.overall) / (size + state.strength)
    share = np.maximum(share, state.floor)
    return Background(
        {str(d): float(v) for d, v in zip(state.names, share, strict=True)},
        float(max(state.overall, state.floor)),
        float(state.rho),
    )


@dataclass(frozen=True)
class _DivergenceState:
    """What `_fit_divergence` computes before it shrinks: counts k, interviews m, domain index, the pooled
    share and ρ, each domain's own divergence share (`raw`), the units inside the pooling check's upper
    point, the shrinkage strength and the share's floor."""

    k: np.ndarray
    m: np.ndarray
    names: np.ndarray
    index: np.ndarray
    grid: np.ndarray
    valid: np.ndarray
    overall: float
    rho: float
    raw: np.ndarray
    inside: np.ndarray
    strength: float
    floor: float
    prior: float
    robustness: float


def _divergence_share(k, m, grid, valid, rho, robustness) -> float:
    """The share μ minimising the density power divergence of beta-binomial(μ, ρ) from these counts."""
    g = grid[: int(m.max()) + 1]

    def loss(theta: float) -> float:
        return _divergence(k, m, special.expit(theta), rho, g, valid[:, : g.size], robustness)

    return float(special.expit(optimize.minimize_scalar(loss, bounds=(-12.0, 0.0), method="bounded").x))


def _divergence_state(
    counts: pd.Series, interviews: pd.Series, domains: pd.Series, trim: float, prior: float, robustness: float
) -> _DivergenceState | None:
    surveyed = _surveyed(counts, interviews, domains)
    if surveyed is None:
        return None
    k, m, names, index, grid, valid = surveyed
    floor = 0.5 / (m.sum() + 1.0)
    raw = float(np.clip((k.sum() + 0.5) / (m.sum() + 1.0), 1e-5, 0.5))

    def pooled(theta: np.ndarray) -> float:
        return _divergence(k, m, special.expit(theta[0]), _rho_of(theta[1]), grid, valid, robustness)

    starts = [np.array([special.logit(raw), special.logit(2 * r)]) for r in (1e-3, 0.05)]
    bounds = [(-12.0, 0.0), (-12.0, 6.0)]
    fit = min(
        (optimize.minimize(pooled, s, method="L-BFGS-B", bounds=bounds) for s in starts), key=lambda f: f.fun
    )
    overall, rho = float(special.expit(fit.x[0])), _rho_of(fit.x[1])

    def likelihood(theta: np.ndarray) -> float:
        return -float(_beta_binomial_logpmf(k, m, special.expit(theta[0]), _rho_of(theta[1])).sum())

    plain = min(
        (optimize.minimize(likelihood, s, method="L-BFGS-B", bounds=bounds) for s in starts),
        key=lambda f: f.fun,
    )
    rho = max(rho, _rho_of(plain.x[1]))
    domain_share = np.full(len(names), overall)
    inside = np.ones(k.size, bool)
    strength = _POOLED
    if len(names) > 1:
        for j in range(len(names)):
            mine = index == j
            domain_share[j] = _divergence_share(k[mine], m[mine], grid, valid[mine], rho, robustness)
        law = np.exp(_beta_binomial_logpmf(grid[None, :], m[:, None], overall, rho))
        upper = np.cumsum(np.where(valid, law, 0.0)[:, ::-1], axis=1)[:, ::-1]  # P(K ≥ t)
        inside = k <= np.where(valid & (upper > trim), grid[None, :], 0).max(axis=1)
        strength = _domain_prior(k[inside], m[inside], index[inside], len(names), rho, prior)
    return _DivergenceState(
        k,
        m,
        names,
        index,
        grid,
        valid,
        overall,
        rho,
        domain_share,
        inside,
        strength,
        floor,
        prior,
        robustness,
    )


def _fit_truncated(
    counts: pd.Series,
    interviews: pd.Series,
    domains: pd.Series,
    trim: float = TRUNCATION_TRIM,
    prior: float = BACKGROUND_PRIOR,
    rounds: int = 20,
) -> Background:
    """A rare sign's honest law (see `fit_background`): per-domain share μ_d and over-dispersion ρ of a
    beta-binomial, fitted by maximum likelihood truncated at each unit's upper `trim` point.

    Why truncated: the units themselves include the faulty ones, and a few of them dominate every
    moment (eight proxy-rating units of 60, each with ~3 "someone else rated" of 16 against a
    background of 0.3, tripled the share and made ρ so large that nothing looked extreme — proxy
    recall 0.11). A unit whose count lies beyond its own upper `trim` point under the current fit
    leaves the fit, and the likelihood of the units kept is that of the law truncated at the same
    point — so the fit stays consistent when every unit is honest (an honest unit beyond the point is
    accounted for, not lost). Iterated until the set of units kept settles: first with ρ = 0, then
    with ρ free from there (started from the raw moments, the fit settles where ρ has absorbed the
    faulty units and nothing is trimmed). ρ is free in the second pass, with no evidence bar: a bar
    (likelihood ratio at 5%) kept ρ at 0 where sixty units cannot show an over-dispersion of 0.001,
    yet at ~57 interviews a unit that much moves the upper 0.2% tail twofold (honest units at
    p ≤ 0.002: 0.39% with the bar, 0.19% without; the price: proxy units at p ≤ 0.002 at 16
    interviews 41% → 28%; 60 simulated sets of 60 units). μ_d is shrunk toward the overall share by a Beta prior
    worth `prior` interviews. Counts are per interview, unweighted: the test reads a unit's count of
    its own interviews, whose honest law is what is fitted.
    """
    return _truncated_background(_truncated_state(counts, interviews, domains, trim, prior, rounds))


def _truncated_background(state: _TruncatedState | None) -> Background:
    if state is None:
        return Background({}, 0.5, 0.0)
    return Background(
        {str(d): float(v) for d, v in zip(state.names, state.share, strict=True)},
        float(state.overall),
        float(state.rho),
    )


@dataclass(frozen=True)
class _TruncatedState:
    """What `_fit_truncated` ends with: the units' counts k and interviews m, their domain index, the
    units kept in the fit, each kept unit's cutoff, and the fitted shares, ρ and overall share."""

    k: np.ndarray
    m: np.ndarray
    names: np.ndarray
    index: np.ndarray
    grid: np.ndarray
    valid: np.ndarray
    kept: np.ndarray
    cutoff: np.ndarray
    share: np.ndarray
    rho: float
    overall: float
    trim: float
    prior: float


def _cutoffs(m: np.ndarray, mu: np.ndarray, rho: float, grid: np.ndarray, trim: float) -> np.ndarray:
    """Each unit's truncation point: the largest count whose upper tail P(K ≥ t) under (μ, ρ) is above
    `trim`, never below `MIN_CUTOFF` — a cutoff at 0 keeps only units that say nothing about μ, and the
    fit then spirals down (a rare sign's share ran to a tenth of its value)."""
    valid = grid[None, :] <= m[:, None]
    law = np.exp(_beta_binomial_logpmf(grid[None, :], m[:, None], np.asarray(mu, float)[:, None], rho))
    upper = np.cumsum(np.where(valid, law, 0.0)[:, ::-1], axis=1)[:, ::-1]  # P(K ≥ t)
    return np.maximum(np.where(valid & (upper > trim), grid[None, :], -1).max(axis=1), MIN_CUTOFF)


def _truncated_state(
    counts: pd.Series, interviews: pd.Series, domains: pd.Series, trim: float, prior: float, rounds: int
) -> _TruncatedState | None:
    surveyed = _surveyed(counts, interviews, domains)
    if surveyed is None:
        return None
    k, m, names, index, grid, valid = surveyed
    overall = float((k.sum() + 0.5) / (m.sum() + 1.0))
    share = np.array(
        [(k[index == j].sum() + prior * overall) / (m[index == j].sum() + prior) for j in range(len(names))]
    )
    rho = 0.0
    for free in (False, True):
        kept = None
        for _ in range(rounds):
            now_cutoff = _cutoffs(m, share[index], rho, grid, trim)
            now = k <= now_cutoff
            if kept is not None and np.array_equal(now, kept):
                break
            kept, cutoff = now, now_cutoff
            args = (k[now], m[now], index[now], cutoff[now], grid)
            strength = _domain_prior(k[now], m[now], index[now], len(names), rho, prior)
            share, rho, overall, _ = _truncated_fit(*args, share, rho, free, strength)
    return _TruncatedState(k, m, names, index, grid, valid, kept, cutoff, share, rho, overall, trim, prior)


def _domain_prior(k, m, index, domains, rho, floor):
    """Prior strength (pseudo-interviews) pulling domain shares toward the overall one: μ(1 − μ)/τ² − 1,
    τ² the DerSimonian–Laird moment of the domains' shares beyond their sampling (and ρ) variance;
    complete pooling (1e9) when the domains differ no more than sampling explains — a rare sign's
    per-domain share from a handful of events was a quarter of the truth in some honest studies and
    accused units with two such answers. Never below `floor`."""
    if domains < 2 or not k.size:
        return floor
    mu = (k.sum() + 0.5) / (m.sum() + 1.0)
    kd = np.bincount(index, k, domains)
    md = np.bincount(index, m, domains)
    inflate = np.bincount(index, m * (1 + (m - 1) * rho), domains) / np.maximum(md, 1e-12)
    ok = md > 0
    if ok.sum() < 2:  # one domain with interviews (a unit left out may leave just one): nothing to compare
        return floor
    var = mu * (1 - mu) * inflate[ok] / md[ok]
    share = kd[ok] / md[ok]
    w = 1 / var
    q_stat = float((w * (share - mu) ** 2).sum())
    excess = q_stat - (ok.sum() - 1)
    if excess <= 0:
        return 1e9
    tau2 = excess / float(w.sum() - (w**2).sum() / w.sum())
    return float(max(mu * (1 - mu) / tau2 - 1, floor))


def _truncated_fit(k, m, index, cutoff, grid, share, rho, free, prior):
    """Maximum likelihood of (μ_d, ρ) from the units kept, each unit's law truncated at its cutoff."""
    if not k.size:
        return share, rho, float(share.mean()), 0.0
    grid = grid[: int(cutoff.max()) + 1]  # the truncated law needs the counts up to each cutoff only
    inside = (grid[None, :] <= cutoff[:, None]) & (grid[None, :] <= m[:, None])
    base = float((k.sum() + 0.5) / (m.sum() + 1.0))

    def loss(theta: np.ndarray) -> float:
        mu_d = special.expit(theta[: share.size])
        r = 0.5 * float(special.expit(theta[-1])) if free else 0.0
        mu = mu_d[index]
        full = np.exp(_beta_binomial_logpmf(grid[None, :], m[:, None], mu[:, None], r))
        mass = np.clip(np.where(inside, full, 0.0).sum(axis=1), 1e-300, None)
        log_prior = prior * (base * np.log(mu_d) + (1 - base) * np.log1p(-mu_d))
        return -float(_beta_binomial_logpmf(k, m, mu, r).sum() - np.log(mass).sum() + log_prior.sum())

    start = special.logit(np.clip(share, 1e-5, 0.5))
    bounds = [(-12.0, 0.0)] * share.size
    if free:
        start = np.append(start, special.logit(max(2 * rho, 1e-3)))
        bounds.append((-12.0, 6.0))
    fit = optimize.minimize(loss, start, method="L-BFGS-B", bounds=bounds)
    new_rho = 0.5 * float(special.expit(fit.x[-1])) if free else 0.0
    return special.expit(fit.x[: share.size]), (0.0 if new_rho < 1e-5 else new_rho), base, float(fit.fun)


# ------------------------------------------------------------------ held-out backgrounds
@dataclass(frozen=True)
class HeldOut:
    """One sign's honest law fitted on every surveyed unit (`full`: the domain's background the report
    prints) and, per unit, the law that unit's count is tested against (`units`, keyed as the counts):
    fitted without it, with the share's estimation error in its spread (`held_out_backgrounds`)."""

    full: Background
    units: dict[Hashable, Background]

    def __getitem__(self, key: Hashable) -> Background:
        return self.units[key]


def held_out_backgrounds(
    counts: pd.Series, interviews: pd.Series, domains: pd.Series, method: str = "truncated"
) -> HeldOut:
    """`fit_background`, and for each surveyed unit the background of its own domain fitted without it.

    Why: a unit tested against a background it helped to fit pulls that background toward itself. In a
    domain of a handful of surveyed units a faulty unit's own "not rated" answers were a third of its
    domain's (the demo's 司法鉴定, 16 units: the planted ORG0238's 5 of 10 against a background its own
    answers had raised; evidence p 0.04, missed). So unit i's domain share μ_d(−i) is refitted without
    i — the same estimator (truncated likelihood, or divergence), its own domain's units re-trimmed
    under the new share, the domain prior's strength (`_domain_prior`, the between-domain variance by
    which a small domain borrows from the pooled share) and the pooled share recomputed without i —
    while ρ and the other domains' trimming stay at the fit on all units (one unit of sixty moves
    them little; exact refits of all of it cost ~50 ms a unit and sign, 10 s a study). A unit the full
    fit trimmed gets that fit's share exactly: it was not in it.

    A held-out share is an estimate from the other units, and testing against it as if it were known
    makes honest p-values liberal where it rests on few interviews. So the law is the predictive one:
    the unit's rate has variance ρμ(1 − μ) + Var(μ̂_d(−i)), i.e. the beta-binomial's ρ grows by
    Var/(μ(1 − μ)). Var(μ̂_d) = 1/(I_d + P) + (P/(I_d + P))²·V₀: I_d = Σ m_j / (μ(1 − μ)(1 + (m_j − 1)ρ))
    the information of the domain's other units, P = strength/(μ(1 − μ)) the prior's precision, V₀
    the pooled share's sampling variance (complete pooling: Var = V₀).
    """
    keep = (interviews > 0).to_numpy()
    keys = list(counts.index[keep])
    if method == "truncated":
        state = _truncated_state(counts, interviews, domains, TRUNCATION_TRIM, BACKGROUND_PRIOR, 20)
        if state is not None:  # a unit is tested against a spread no narrower than the floor
            state = replace(state, rho=max(state.rho, sign_rho_floor(state.overall)))
        full, held = _truncated_background(state), _held_out_truncated
        members = None if state is None else state.kept
    elif method == "divergence":
        state = _divergence_state(counts, interviews, domains, BACKGROUND_TRIM, BACKGROUND_PRIOR, ROBUSTNESS)
        full, held = _divergence_background(state), _held_out_divergence
        members = None if state is None else state.inside
    else:
        raise ValueError(f"method={method!r}: use 'truncated' or 'divergence'")
    if state is None:
        return HeldOut(full, {})
    units: dict[Hashable, Background] = {}
    # a held-out fit depends on the unit left out only through its domain, count, interviews and whether
    # the fit on all units kept it: units alike share one refit (most units have a count of 0 or 1)
    refits: dict[tuple, Background] = {}
    for i, key in enumerate(keys):
        alike = (int(state.index[i]), float(state.k[i]), float(state.m[i]), bool(members[i]))
        if alike not in refits:
            share, overall, rho = held(state, i)
            refits[alike] = Background({**full.share, str(state.names[state.index[i]]): share}, overall, rho)
        units[key] = refits[alike]
    return HeldOut(full, units)


def _predictive_rho(mu: float, rho: float, m: np.ndarray, strength: float, pooled_m: np.ndarray) -> float:
    """ρ of the predictive law of a unit's count when the share μ is estimated: ρ + Var(μ̂)/(μ(1 − μ)),
    Var(μ̂) from the information of the domain's units `m`, the prior's strength and the pooled share's
    sampling variance over the units `pooled_m` (see `held_out_backgrounds`)."""
    mu = float(np.clip(mu, 1e-6, 1 - 1e-6))
    spread = mu * (1 - mu)
    pooled_var = spread * float((pooled_m * (1 + (pooled_m - 1) * rho)).sum()) / max(pooled_m.sum(), 1.0) ** 2
    if strength >= _POOLED:
        var = pooled_var
    else:
        information = float((m / (spread * (1 + (m - 1) * rho))).sum())
        precision = strength / spread
        var = 1 / (information + precision) + (precision / (information + precision)) ** 2 * pooled_var
    return float(min(rho + var / spread, 0.5))


def _held_out_truncated(state: _TruncatedState, i: int, rounds: int = 5) -> tuple[float, float, float]:
    """(share of unit i's domain, pooled share, predictive ρ) of the truncated fit without unit i."""
    k, m, index = state.k, state.m, state.index
    j = index[i]
    mates = index == j
    mates[i] = False
    others = state.kept & (index != j)
    share, now = float(state.share[j]), state.kept & (np.arange(k.size) != i)
    base, strength = (
        float(state.overall),
        _domain_prior(k[now], m[now], index[now], len(state.names), state.rho, state.prior),
    )
    if state.kept[i]:  # i was in the fit: refit its domain's share without it
        previous = None
        for _ in range(rounds):
            cutoff = np.full(k.size, -1)
            cutoff[mates] = _cutoffs(
                m[mates], np.full(int(mates.sum()), share), state.rho, state.grid, state.trim
            )
            now = others | (mates & (k <= cutoff))
            if previous is not None and np.array_equal(now, previous):
                break
            previous = now
            base = float((k[now].sum() + 0.5) / (m[now].sum() + 1.0))
            strength = _domain_prior(k[now], m[now], index[now], len(state.names), state.rho, state.prior)
            mine = now & mates
            share = _truncated_domain_share(
                k[mine], m[mine], cutoff[mine], state.grid, state.rho, base, strength
            )
    rho = _predictive_rho(share, state.rho, m[now & mates], strength, m[now])
    return share, base, rho


def _truncated_domain_share(k, m, cutoff, grid, rho, base, strength) -> float:
    """One domain's share by the truncated likelihood with ρ fixed and the Beta prior of `strength`
    pseudo-interviews centred on `base` (the domain part of `_truncated_fit`'s loss)."""
    if strength >= _POOLED or not k.size:
        return base
    g = grid[: int(cutoff.max()) + 1]
    inside = (g[None, :] <= cutoff[:, None]) & (g[None, :] <= m[:, None])

    def loss(theta: float) -> float:
        mu = float(special.expit(theta))
        full = np.exp(_beta_binomial_logpmf(g[None, :], m[:, None], mu, rho))
        mass = np.clip(np.where(inside, full, 0.0).sum(axis=1), 1e-300, None)
        log_prior = strength * (base * np.log(mu) + (1 - base) * np.log1p(-mu))
        return -float(_beta_binomial_logpmf(k, m, mu, rho).sum() - np.log(mass).sum() + log_prior)

    return float(special.expit(optimize.minimize_scalar(loss, bounds=(-12.0, 0.0), method="bounded").x))


def _held_out_divergence(state: _DivergenceState, i: int) -> tuple[float, float, float]:
    """(share of unit i's domain, pooled share, predictive ρ) of the divergence fit without unit i; the
    pooled share and ρ stay (the divergence bounds one unit's pull on them)."""
    k, m, index = state.k, state.m, state.index
    j = index[i]
    mates = index == j
    mates[i] = False
    overall = max(state.overall, state.floor)
    if len(state.names) == 1:
        return overall, overall, _predictive_rho(overall, state.rho, m[mates], _POOLED, m)
    raw = (
        _divergence_share(k[mates], m[mates], state.grid, state.valid[mates], state.rho, state.robustness)
        if mates.any()
        else state.overall
    )
    inside = state.inside & (np.arange(k.size) != i)
    strength = _domain_prior(k[inside], m[inside], index[inside], len(state.names), state.rho, state.prior)
    size = float(m[inside & mates].sum())
    share = max((raw * size + strength * state.overall) / (size + strength), state.floor)
    return share, overall, _predictive_rho(share, state.rho, m[inside & mates], strength, m)


def integrity_law(
    m: int,
    domain: str,
    backgrounds: Mapping[str, Background],
    weights: Mapping[str, int] = INTEGRITY_WEIGHTS,
    sizes: Mapping[str, int] | None = None,
) -> np.ndarray:
    """pmf of the weighted sign score W = Σ w_t K_t of an honest unit with m interviews: the exact
    convolution of the signs' laws (taken as independent given the unit; `dispersion` corrects that).
    `sizes` gives a sign counted on fewer interviews its own number (a held unit's who-rated answers
    read only where the surveyor who heard them hears them like their peers)."""
    law = np.array([1.0])
    for sign, weight in weights.items():
        if sign in backgrounds:
            size = m if sizes is None else int(sizes.get(sign, m))
            spread = np.zeros(weight * size + 1)
            spread[::weight] = backgrounds[sign].law(domain, size)
            law = np.convolve(law, spread)
    return law


def integrity_score(counts: Mapping[str, int], weights: Mapping[str, int] = INTEGRITY_WEIGHTS) -> int:
    return int(sum(weight * int(counts.get(sign, 0)) for sign, weight in weights.items()))


def likelihood_ratio_weights(
    backgrounds: Mapping[str, Background], domain: str, alternative: Mapping[str, float] = INTERCEPTED
) -> dict[str, int]:
    """Integer weights of the proxy score in `domain`: each sign's log odds ratio of `alternative` against
    its honest share, log[a(1 − μ) / (μ(1 − a))] — the Neyman–Pearson weight of one count of a binomial
    sign — in half units, rounded, at least 1 (a sign at or above the alternative in honest units still
    counts once). Integer, so the score's null law stays an exact convolution."""
    weights = {}
    for sign, a in alternative.items():
        if sign not in backgrounds:
            continue
        mu = float(np.clip(backgrounds[sign].share.get(domain, backgrounds[sign].overall), 1e-6, 0.5))
        log_or = np.log(a * (1 - mu) / (mu * (1 - a)))
        weights[sign] = int(max(1, round(2 * log_or)))
    return weights


def sign_mid_p(count: int, law: np.ndarray) -> float:
    """Mid-p P(K > k) + ½ P(K = k) of one sign's count under its honest law."""
    return float(np.clip(law[count + 1 :].sum() + 0.5 * law[count], 0.0, 1.0)) if count < law.size else 0.0


def score_moments(law: np.ndarray) -> tuple[float, float]:
    values = np.arange(law.size)
    mean = float((law * values).sum())
    return mean, float((law * (values - mean) ** 2).sum())


def integrity_p_value(score: int, law: np.ndarray, dispersion: float = 1.0) -> float:
    """Mid-p P(W > w) + ½ P(W = w) of the weighted sign score, with between-unit over-dispersion φ ≥ 1
    taken in quasi-likelihood fashion: the score is moved to E + (w − E)/√φ before the tail is read
    (linearly between whole scores). φ is shared by the signs, so signs that rise together in honest
    units (relatives who rate also leave ratings undone) do not add up to false evidence."""
    if law.size <= 1:
        return float("nan")
    mean, _ = score_moments(law)
    point = mean + (score - mean) / np.sqrt(max(dispersion, 1.0))
    upper = np.concatenate([np.cumsum(law[::-1])[::-1][1:], [0.0]])  # P(W > w)
    tail = upper + 0.5 * law
    position = float(np.clip(point, 0, law.size - 1))
    low = int(np.floor(position))
    high = min(low + 1, law.size - 1)
    value = tail[low] + (tail[high] - tail[low]) * (position - low)
    return float(np.clip(value, 0.0, 1.0))


# ------------------------------------------------------------------ decisions
def simes_pair(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Simes' combination min(2·p₍₁₎, p₍₂₎) of two p-values; a lone p-value stands as it is."""
    return combine(first, second)


def combine(*p_values: np.ndarray, method: str = "simes") -> np.ndarray:
    """One p-value per row from several (NaN = not available): Simes' min_j k·p₍ⱼ₎/j over the k available
    (valid under independence and positive dependence) or Fisher's −2Σlog p ~ χ²₂ₖ (independence); a lone
    p-value stands as it is, none gives NaN."""
    table = np.column_stack([np.asarray(p, float) for p in p_values])
    available = (~np.isnan(table)).sum(axis=1)
    if method == "simes":
        ordered = np.sort(table, axis=1)  # NaN last
        rank = np.arange(1, table.shape[1] + 1)[None, :]
        with np.errstate(invalid="ignore"):
            scaled = np.where(rank <= available[:, None], ordered * available[:, None] / rank, np.inf)
        out = np.minimum(scaled.min(axis=1), 1.0)
    elif method == "fisher":
        with np.errstate(divide="ignore"):
            statistic = -2 * np.nansum(np.log(table), axis=1)
        out = special.chdtrc(2 * available, statistic)
    else:
        raise ValueError(f"combine={method!r}: use 'simes' or 'fisher'")
    return np.where(available > 0, out, np.nan)


def local_fdr(p_values: np.ndarray) -> np.ndarray:
    """Local false discovery rate from the beta-uniform mixture f(p) = λ + (1 − λ)·a·p^(a−1)
    (Pounds & Morris 2003): lfdr(p) = (λ + (1 − λ)a) / f(p), at most 1. NaN stays NaN."""
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if ok.sum() < 3:
        out[ok] = 1.0
        return out
    pv = np.clip(p[ok], 1e-12, 1.0)

    def nll(params: np.ndarray) -> float:
        lam, a = special.expit(params[0]), special.expit(params[1])
        return -np.log(lam + (1 - lam) * a * pv ** (a - 1)).sum()

    fit = optimize.minimize(nll, np.array([1.0, 0.0]), method="Nelder-Mead")
    lam, a = special.expit(fit.x[0]), special.expit(fit.x[1])
    pi0 = lam + (1 - lam) * a
    out[ok] = np.minimum(1.0, pi0 / (lam + (1 - lam) * a * pv ** (a - 1)))
    return out


def minimum_detectable_inflation(
    s: int,
    big_n: int,
    n: int,
    gap: float,
    spread: float,
    alpha: float = 0.01,
    power: float = 0.8,
    callback: Callable[[np.ndarray], np.ndarray] | None = None,
) -> float:
    """Smallest inflation (points of the system rate, 0–1) the rate test finds with `power` at level `alpha`.

    An inflated unit publishes S/N while its honest system rate would be S/N − δ, so its callback
    answers x ~ Bin(n, π_δ), π_δ the honest callback rate at S/N − δ: `callback(rates)` where the gap
    depends on the level (`RateNull.callback_rate`), else logit π_δ = logit(S/N − δ) − gap. NaN when
    even δ = S/N is not enough.
    """
    if n <= 0 or big_n <= 0:
        return float("nan")
    # the p-value rises with x (a larger total shifts the conditional law of S' up), so the rejection
    # region is x ≤ c: find c by bisection
    if rate_p_value(s, big_n, 0, n, gap, spread) > alpha:
        return float("nan")
    low, high = 0, n + 1  # p(low) ≤ α; p(high) > α or past the end
    while high - low > 1:
        middle = (low + high) // 2
        if rate_p_value(s, big_n, middle, n, gap, spread) <= alpha:
            low = middle
        else:
            high = middle
    rejects = np.arange(n + 1) <= low
    rate = s / big_n
    deltas = np.arange(0.0, rate + 1e-9, 0.005)
    honest = np.clip(rate - deltas, 1e-6, 1 - 1e-6)
    pi = callback(honest) if callback is not None else special.expit(special.logit(honest) - gap)
    pi = np.clip(pi, 1e-6, 1 - 1e-6)
    k = np.arange(n + 1)
    log_pmf = _log_choose(float(n), k)[None, :] + k * np.log(pi)[:, None] + (n - k) * np.log1p(-pi)[:, None]
    reached = np.flatnonzero(np.exp(log_pmf)[:, rejects].sum(axis=1) >= power)
    return float(round(deltas[reached[0]], 3)) if reached.size else float("nan")
