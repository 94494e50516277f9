"""The rate test of the units a phase 2 expanded, valid although phase 2 chose them for looking bad.

Why pooling both phases is valid here: phase 2 goes to a unit only on its phase-1 answers, and a unit
it passes over is *cleared* (p = 1), never tested on phase 1 alone. Let A be the event that the exact
test on the unit's m + k cases rejects, k being the cases phase 2 gives the unit if it selects it (set
by the rule and the other units' answers, not by the unit's own). The m + k cases are a simple random
sample of the unit's records whether or not phase 2 happened, so under the null P(A) ≤ α; the unit is
rejected only on "selected and A", whose probability is at most P(A). This is a binding futility stop:
selection can only make the test conservative. The test is the empirical null's rate test
(`unit_model.rate_p_value`: conditional mid-p against the domain's estimated honest gap, averaged over
the honest units' spread), so a mode effect or honest units that differ accuse nobody.

The earlier inverse-normal combination (Lehmacher & Wassmer) of the two phases' p-values was tested
against p_s − g with the rule's g (0 unless the researcher set one). With an honest −3-point mode gap,
32% of honest studies had a unit flagged (BH, q = 0.10); with p-values against the estimated null, its
phase-2 p-value is not valid given phase 1 when honest units differ (phase 1 says which way the unit's
own gap lies): 16% against 11% for this test in `verdict_sim`'s unit-gaps world (ARCHITECTURE.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special

from analysis import unit_model as um

COLUMNS = ("S", "N", "x", "n", "gap", "spread", "expanded")

#: z of a 95% interval: `Fade`'s interval back to its standard error.
_Z95 = 1.959963984540054

#: Days by which phase 2 may be called later after the service than phase 1 before the test's
#: readers are cautioned. The test reads both phases' answers as one sample of the unit's records;
#: phase 2, called later about services just as old, answers lower where memory of a good service
#: fades. In simulation, with a tenth of the satisfied answers on phase 2's records rated satisfied
#: turned, the test accused an honest unit in 13–23% of honest studies, the posterior verdict in 0–3%
#: (ARCHITECTURE.md, "Phase 2 called later"). The test allows for the fade phase 1 measured
#: (`fade_adjusted`), but phase 1 cannot see a fade that begins only after its own calls, so the
#: caution stays. Two weeks is a judgement, not a measured threshold.
LATER_DAYS = 14


#: Fewest answers `fade_per_week` estimates from.
FADE_MIN_ANSWERS = 30

#: Fewest units a domain's own fade is estimated from: its standard error is clustered by unit, and
#: with fewer clusters that error is itself too unsure (Cameron & Miller 2015, section VI).
FADE_MIN_UNITS = 5


@dataclass(frozen=True)
class DomainFade:
    """One domain's own fade a week (`fade_per_week` on its answers alone), its standard error and the
    answers it came from."""

    per_week: float
    se: float
    answers: int

    @property
    def interval(self) -> tuple[float, float]:
        """Its 95% interval."""
        return self.per_week - _Z95 * self.se, self.per_week + _Z95 * self.se


@dataclass(frozen=True)
class Fade:
    """How the share of satisfied answers changes a week later after the service (a proportion;
    negative: they fade), its 95% interval, and the answers it was estimated from; with the answers'
    domains, each domain's own where its answers allow one (``by_domain``) and how far the domains'
    fades lie apart (``between``, the standard deviation of their true slopes; 0 where they look
    alike or fewer than two were measured)."""

    per_week: float
    low: float
    high: float
    answers: int
    by_domain: Mapping[str, DomainFade] = field(default_factory=dict)
    between: float = 0.0

    @property
    def se(self) -> float:
        """The study-wide slope's standard error (its 95% interval's half width over z)."""
        return (self.high - self.low) / (2 * _Z95)


def fade_per_week(answers: pd.DataFrame) -> Fade | None:
    """The change a week later after the service of the share who still say satisfied, within units;
    None where it cannot be estimated (fewer than `FADE_MIN_ANSWERS` answers, all alike, or no unit
    whose answers came at different times). With a ``domain`` column, each domain's too
    (`_domain_fades`).

    ``answers``: one row per substantive answer on a record rated satisfied, with ``unit``, ``days``
    (from the service to the callback), ``satisfied`` (bool) and optionally ``domain``. Read it from
    phase 1 only: phase 2's answers are in units chosen for their phase-1 answers, so within such a
    unit the two phases differ by that choice as well as by time.

    Why within units: the frame's services span weeks to months, so a phase's own answers come at many
    delays; units differ in both their satisfaction and when their services fell, and comparing within
    each keeps the one from passing for the other. A linear probability model with one intercept a unit,
    fitted as the within estimator (`statsmodels` OLS on the answers and weeks less their unit's means:
    the same slope as one dummy a unit, without a column per unit), its interval from standard errors
    clustered by unit; the units are nested in their clusters, so their intercepts are not counted in
    the small-sample correction (Cameron & Miller 2015, section IV.C, as Stata's `xtreg, fe`)."""
    data = pd.DataFrame(
        {
            "unit": answers["unit"].astype(str).to_numpy(),
            "weeks": answers["days"].to_numpy(float) / 7,
            "y": answers["satisfied"].astype(float).to_numpy(),
            "domain": answers["domain"].astype(str).to_numpy() if "domain" in answers else "",
        }
    ).dropna()
    overall = _within_slope(data)
    if overall is None:
        return None
    slope, se = overall
    by_domain, between = _domain_fades(data) if "domain" in answers else ({}, 0.0)
    return Fade(slope, slope - _Z95 * se, slope + _Z95 * se, len(data), by_domain, between)


def _within_slope(data: pd.DataFrame) -> tuple[float, float] | None:
    """`fade_per_week`'s within-unit slope of ``y`` on ``weeks`` and its clustered standard error; None
    where it cannot be estimated."""
    import statsmodels.api as sm

    within = data[["weeks", "y"]] - data.groupby("unit")[["weeks", "y"]].transform("mean")
    if len(data) < FADE_MIN_ANSWERS or data["y"].nunique() < 2 or not (within["weeks"].abs() > 1e-9).any():
        return None
    if data["unit"].nunique() < 2:  # one cluster: no clustered standard error
        return None
    fit = sm.OLS(within["y"].to_numpy(), within[["weeks"]].to_numpy()).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(data["unit"])[0]}
    )
    return float(fit.params[0]), float(fit.bse[0])


def _domain_fades(data: pd.DataFrame) -> tuple[dict[str, DomainFade], float]:
    """Each domain's own fade where its answers allow one (`_within_slope` on them alone), and how far
    the domains' true slopes lie apart (τ of a random-effects meta-analysis of them, `statsmodels`'
    `combine_effects`, Paule–Mandel), which a domain without its own slope may lie anywhere in.

    Why a domain's own, unshrunk: a fade may differ by domain — memory of a mediation is not memory
    of a notarised copy — and one study-wide slope then under-allows for the units of the domains that
    fade most. In simulation (ARCHITECTURE.md, "A fade that differs by domain"), with the weekly fade
    twice the study's in half the domains and none in the rest, the test allowing for the study-wide
    slope accused an honest unit in 12–22% of honest studies (q = 0.10), and one shrinking the
    domains' slopes toward their mean (empirical Bayes, DerSimonian–Laird) did no better: four
    domains' noisy slopes show little of their spread (τ a median 0.011 a week against the true
    0.025), so each domain kept a tenth of its own slope — and shrinkage is right on average over
    domains, not for the domain that fades most. Each domain's own slope, its noise carried into the
    test, accused one in 4–9%; its cost is power, which the rate test has little of (the posterior
    verdict is the one that finds inflation).
    A domain of fewer than `FADE_MIN_UNITS` units gets none of its own."""
    from statsmodels.stats.meta_analysis import combine_effects

    fades = {}
    for domain, part in data.groupby("domain"):
        if part["unit"].nunique() < FADE_MIN_UNITS:
            continue
        fitted = _within_slope(part)
        if fitted is not None and fitted[1] > 0:
            fades[str(domain)] = DomainFade(fitted[0], fitted[1], len(part))
    if len(fades) < 2:
        return fades, 0.0
    meta = combine_effects(
        np.array([f.per_week for f in fades.values()]),
        np.array([f.se for f in fades.values()]) ** 2,
        method_re="iterated",
    )
    return fades, float(np.sqrt(max(float(meta.tau2), 0.0)))


def fade_adjusted(counts: pd.DataFrame, fade: Fade | None) -> pd.DataFrame:
    """``counts`` (`expanded_unit_p_values`' columns and ``late_weeks``) with each unit's honest gap and
    spread moved for when its answers came, by the study's measured ``fade``; as given without one.

    ``late_weeks``: over the unit's answers on records rated satisfied, the sum of their weeks from
    service to callback less the mean of all such answers in the study (the null's honest gap is
    estimated from all callbacks, at their mean delay). Why: phase 2 calls the expanded units weeks
    after phase 1, about services just as old; where memory fades, their pooled answers are lower
    than the honest gap expects for that alone, and the test reads that as inflation (13–23% of
    honest studies with a tenth of phase 2's satisfied answers turned). The fade is phase 1's own, linear in
    weeks (`fade_per_week`), its domain's where ``counts`` has a ``domain`` and phase 1 measured
    one there (`_unit_fades`): the unit's expected satisfied answers move by ``per_week × late_weeks``,
    which moves its callback log odds at the null's callback rate; that move is added to the gap and
    the uncertainty of ``per_week`` (its interval's standard error, carried through the same move) to
    the spread the p-value already averages over. A fade that starts only after phase 1's calls is
    beyond what phase 1 can measure, and is not allowed for (`LATER_DAYS`)."""
    if fade is None or "late_weeks" not in counts.columns:
        return counts
    big_n = counts["N"].to_numpy(float)
    n = counts["n"].to_numpy(float)
    system = np.clip(counts["S"].to_numpy(float), 0.5, np.maximum(big_n - 0.5, 0.5)) / np.maximum(big_n, 1.0)
    null_logit = special.logit(system) - counts["gap"].to_numpy(float)
    null_rate = special.expit(null_logit)
    late = _mean_late_weeks(counts)

    def move(per_week: float) -> np.ndarray:
        moved = np.clip(null_rate + per_week * late, 1e-6, 1 - 1e-6)
        return np.where(n > 0, null_logit - special.logit(moved), 0.0)

    per_week, se = _unit_fades(counts, fade)
    uncertainty = np.abs(move(per_week + se) - move(per_week - se)) / 2
    return counts.assign(
        gap=counts["gap"].to_numpy(float) + move(per_week),
        spread=np.hypot(counts["spread"].to_numpy(float), uncertainty),
    )


def _unit_fades(counts: pd.DataFrame, fade: Fade) -> tuple[np.ndarray, np.ndarray]:
    """Per unit of ``counts``, the fade a week the test allows for and its standard error: its
    domain's (``fade.by_domain``, where ``counts`` has a ``domain``), else the study's, with the spread
    between domains added where the domains were measured (a domain not among them may lie anywhere
    in it)."""
    per_week = np.full(len(counts), fade.per_week)
    se = np.full(len(counts), float(np.hypot(fade.se, fade.between)))
    if fade.by_domain and "domain" in counts.columns:
        for i, domain in enumerate(counts["domain"].astype(str)):
            own = fade.by_domain.get(domain)
            if own is not None:
                per_week[i], se[i] = own.per_week, own.se
    return per_week, se


def fade_allowance(counts: pd.DataFrame, fade: Fade | None) -> pd.Series:
    """Per unit, the change in its callbacks' share satisfied that `fade_adjusted` expects for how late
    they came (a proportion; negative: lower): ``per_week`` times their mean weeks later than the
    study's. NaN without a measured fade, the timing or an answer. Why: the readers of the test see how
    much of a unit's gap its lateness was allowed to explain."""
    if fade is None or "late_weeks" not in counts.columns:
        return pd.Series(np.nan, index=counts.index, name="fade_allowance")
    per_week, _ = _unit_fades(counts, fade)
    shift = np.where(counts["n"].to_numpy(float) > 0, per_week * _mean_late_weeks(counts), np.nan)
    return pd.Series(shift, index=counts.index, name="fade_allowance")


def _mean_late_weeks(counts: pd.DataFrame) -> np.ndarray:
    """``late_weeks`` per answer (0 without answers)."""
    n = counts["n"].to_numpy(float)
    return counts["late_weeks"].fillna(0).to_numpy(float) / np.maximum(n, 1.0)


def called_later(days: Mapping[int, float]) -> bool:
    """Whether phase 2 was called `LATER_DAYS` or more later after the service than phase 1; ``days``:
    the median days from service to callback per phase (1, 2)."""
    first, second = days.get(1, float("nan")), days.get(2, float("nan"))
    return bool(np.isfinite(first) and np.isfinite(second) and second - first >= LATER_DAYS)


def expanded_unit_p_values(counts: pd.DataFrame) -> pd.Series:
    """One p-value per unit for "the callbacks lie below what an honest unit's would".

    ``counts``: per unit S, N (the unit's system census: satisfied, rated), x, n (satisfied and
    answered among the callbacks of both phases), gap, spread (the honest log odds ratio's centre and
    spread at its published rate in its domain, `unit_model.RateNull.for_unit`) and expanded (phase 2
    gave it cases).
    A unit phase 2 did not expand gets 1 (cleared); one without an answer gets 1 (nothing to test).
    """
    missing = [c for c in COLUMNS if c not in counts.columns]
    if missing:
        raise ValueError(f"expanded_unit_p_values needs the columns {missing}")
    p = pd.Series(1.0, index=counts.index, name="p_value")
    for key, row in counts[counts["expanded"].astype(bool) & (counts["n"] > 0)].iterrows():
        value = um.rate_p_value(
            int(row["S"]),
            int(row["N"]),
            int(row["x"]),
            int(row["n"]),
            float(row["gap"]),
            float(row["spread"]),
        )
        p[key] = value if np.isfinite(value) else 1.0
    return p


__all__ = [
    "LATER_DAYS",
    "DomainFade",
    "Fade",
    "called_later",
    "expanded_unit_p_values",
    "fade_adjusted",
    "fade_allowance",
    "fade_per_week",
]
