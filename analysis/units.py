"""Unit-level comparison: is a unit's published 满意率 above what its own service users say?

For each unit (organisation, staff member, district, domain):

- `system_rate`: the share of the unit's frame records rated satisfied — a census of the system's
  ratings, so it carries no sampling error.
- `third_party`: the weighted callback 满意率 of the unit's respondents, a domain estimate on the full
  design (`Design.by`), with its interval (`ci`, logit by default); `difference` = system − third
  party with the interval carried over (the system side has no variance).
- `p_value`: one-sided, H1 "the unit's true rate is below its system rate". A score-type test with
  the null variance: the respondent count is deflated to an effective size n* = n / deff_Kish
  (× 1/(1 − n/N) for a design with an fpc, N = the unit's frame records), and p = P(X ≤ n*·p̂) for
  X ~ Binomial(n*, system_rate) through the regularised incomplete beta function. Unlike a Wald test
  it stays honest when every respondent of a small unit gave the same answer.
- `p_adjusted` / `flagged`: Benjamini–Hochberg across the tested units at false discovery rate `q`
  (statsmodels `multipletests(method="fdr_bh")`).
- Shrinkage for small units (display and ranking only; flags come from the test): normal–normal
  empirical Bayes on the logit scale. Each unit's empirical logit ỹ = logit((x* + ½)/(n* + 1)) with
  variance 1/(n* p̃(1 − p̃)); the prior mean and variance τ² by DerSimonian–Laird moments; posterior
  mean B·μ + (1 − B)·ỹ with B = s²/(s² + τ²). `prob_below_system` is the posterior probability that
  the true rate is below the system rate; units are ranked by it (1 = most suspicious) and
  `rank_low`–`rank_high` is the central 95% range of that rank over posterior draws (seeded).
- Paired test (where the responses carry the system rating): on the unit's interviewed cases,
  b = system satisfied / callback not, c = the reverse; one-sided exact binomial P(B ≥ b | b + c, ½),
  BH-adjusted as well. Each case is its own control, so this is sharper than comparing two rates.
- Integrity test ("are the ratings themselves the citizens'?", needs the callback items): among the
  unit's interviews (`interviews`, by default the design's data; pass every started interview,
  including those that ended because the service never happened), the count k of ratings that are
  not the citizen's own (`analysis.cases.not_own_rating`: rated by someone else, or service denied)
  against the background share p₀ of such cases, one-sided exact binomial P(X ≥ k | n, p₀).
  p₀ is pooled over the units not flagged (iterated from all units until the flags settle), since
  honest units have a background too (relatives who rate, people who forget). Conditional on the
  interviewed cases and unweighted, like McNemar's test.
- `flagged`: BH at `q` on the unit's evidence p-value, Simes' combination of the two tests,
  min(2·p₍₁₎, p₍₂₎) — valid when the tests are positively dependent, as two signs of the same
  inflation are; with no integrity data, the rate test alone. `rate_flagged` is BH on the rate test
  alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special, stats
from statsmodels.stats.multitest import multipletests

from analysis.cases import not_own_rating
from analysis.design import Design
from analysis.errors import AnalysisError
from analysis.headline import satisfaction_indicator
from sampling.vocabulary import DEFAULT_SATISFIED_CODES


def _bh(p_values: pd.Series, q: float) -> tuple[pd.Series, pd.Series]:
    tested = p_values.dropna()
    adjusted = pd.Series(np.nan, index=p_values.index)
    flagged = pd.Series(False, index=p_values.index)
    if len(tested):
        reject, p_adj, _, _ = multipletests(tested.to_numpy(), alpha=q, method="fdr_bh")
        adjusted[tested.index] = p_adj
        flagged[tested.index] = reject
    return adjusted, flagged


def binomial_lower_tail(x: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """P(X ≤ x) for X ~ Binomial(n, p), continuous in x and n (regularised incomplete beta)."""
    x, n, p = (np.asarray(a, dtype=float) for a in (x, n, p))
    with np.errstate(invalid="ignore", divide="ignore"):
        inner = special.betainc(np.maximum(n - x, 1e-300), x + 1, 1 - p)
    out = np.where(x >= n, 1.0, inner)
    out = np.where(p >= 1, np.where(x >= n, 1.0, 0.0), out)
    return np.where(p <= 0, 1.0, out)


def shrink(x_eff: np.ndarray, n_eff: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Posterior means and variances on the logit scale, plus the prior mean and τ² (DerSimonian–Laird)."""
    p_tilde = (x_eff + 0.5) / (n_eff + 1)
    y = np.log(p_tilde / (1 - p_tilde))
    s2 = 1 / (n_eff * p_tilde * (1 - p_tilde))
    w = 1 / s2
    mu_fixed = (w * y).sum() / w.sum()
    q_stat = (w * (y - mu_fixed) ** 2).sum()
    k = len(y)
    tau2 = max(0.0, (q_stat - (k - 1)) / (w.sum() - (w**2).sum() / w.sum())) if k > 1 else 0.0
    w_re = 1 / (s2 + tau2)
    mu = (w_re * y).sum() / w_re.sum()
    b = s2 / (s2 + tau2) if tau2 > 0 else np.ones_like(s2)
    return b * mu + (1 - b) * y, (1 - b) * s2 + (b**2) / w_re.sum(), mu, tau2


def _ranks(mean: np.ndarray, var: np.ndarray, threshold: np.ndarray, seed: int, draws: int = 2000):
    rng = np.random.default_rng(seed)
    sample = mean + np.sqrt(var) * rng.standard_normal((draws, len(mean)))
    gap = threshold - sample  # larger = truth further below the system
    order = (-gap).argsort(axis=1).argsort(axis=1) + 1
    return np.percentile(order, 2.5, axis=0), np.percentile(order, 97.5, axis=0)


def compare_units(
    frame: pd.DataFrame,
    responses: Design | pd.DataFrame,
    unit: str = "organisation_id",
    *,
    satisfied_codes: Sequence[str] = DEFAULT_SATISFIED_CODES,
    item: str = "sat_overall",
    system_col: str = "system_rating",
    strata: str | None = None,
    weights: str | None = None,
    fpc: str | None = None,
    q: float = 0.10,
    ci: str = "logit",
    level: float = 0.95,
    seed: int = 0,
    interviews: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per unit of the frame: system against third-party 满意率, tests, BH flags, shrinkage.

    `responses` is a `Design` over the interviewed cases (or a DataFrame with `strata`, `weights`,
    `fpc` to build one); its data must carry `unit` and `item`. `seed` drives the rank intervals.
    """
    design = responses if isinstance(responses, Design) else Design(responses, strata, weights, fpc)
    data = design.data
    for name, table in (("frame", frame), ("responses", data)):
        if unit not in table.columns:
            raise AnalysisError(f"{name} lacks the unit column {unit!r}")
    if item not in data.columns or system_col not in frame.columns:
        raise AnalysisError(f"responses need {item!r} and the frame needs {system_col!r}")
    unknown = set(data[unit].dropna()) - set(frame[unit].dropna())
    if unknown:
        raise AnalysisError(f"unit {sorted(map(str, unknown))[0]!r} has responses but no frame records")
    sat_system = satisfaction_indicator(frame[system_col], satisfied_codes)
    system = (
        pd.DataFrame({"unit": frame[unit].to_numpy(), "s": sat_system})
        .groupby("unit")["s"]
        .agg(["mean", "count"])
    )
    result = pd.DataFrame(
        {"frame_records": frame.groupby(unit).size(), "system_rate": system["mean"]}
    ).rename_axis(unit)
    y = satisfaction_indicator(data[item], satisfied_codes)
    estimates = design.by(unit).proportion(y, ci=ci, level=level)
    result["respondents"] = estimates["n"].reindex(result.index).fillna(0).astype(int)
    for column in ("estimate", "se", "ci_low", "ci_high", "df"):
        result[column if column != "estimate" else "third_party"] = estimates[column].reindex(result.index)
    result["difference"] = result["system_rate"] - result["third_party"]
    result["difference_low"] = result["system_rate"] - result["ci_high"]
    result["difference_high"] = result["system_rate"] - result["ci_low"]

    answered = ~np.isnan(y)
    w = pd.Series(design.weights * answered)
    kish = (w**2).groupby(data[unit].to_numpy()).sum() / w.groupby(data[unit].to_numpy()).sum() ** 2
    n = result["respondents"].astype(float)
    n_eff = n / (n * kish.reindex(result.index)).where(n > 0)
    if design.fpc is not None:
        n_eff = n_eff / (1 - n / result["frame_records"]).clip(lower=1e-9)
    result["n_eff"] = n_eff
    x_eff = result["third_party"] * n_eff
    tested = n > 0
    p_values = binomial_lower_tail(x_eff[tested], n_eff[tested], result.loc[tested, "system_rate"])
    result["p_value"] = pd.Series(p_values, index=result.index[tested]).reindex(result.index)
    result["p_adjusted"], result["rate_flagged"] = _bh(result["p_value"], q)

    if tested.sum() >= 1:
        post_mean, post_var, _, _ = shrink(x_eff[tested].to_numpy(), n_eff[tested].to_numpy())
        z = stats.norm.ppf(0.5 + level / 2)
        expit = special.expit
        threshold = special.logit(result.loc[tested, "system_rate"].clip(1e-9, 1 - 1e-9)).to_numpy()
        sd = np.sqrt(post_var)
        result.loc[tested, "shrunk_rate"] = expit(post_mean)
        result.loc[tested, "shrunk_low"] = expit(post_mean - z * sd)
        result.loc[tested, "shrunk_high"] = expit(post_mean + z * sd)
        prob = stats.norm.cdf((threshold - post_mean) / sd)
        result.loc[tested, "prob_below_system"] = prob
        result.loc[tested, "rank"] = pd.Series(prob).rank(ascending=False, method="min").to_numpy()
        low, high = _ranks(post_mean, post_var, threshold, seed)
        result.loc[tested, "rank_low"], result.loc[tested, "rank_high"] = low, high
    result.attrs["seed"] = seed

    if system_col in data.columns:
        sat = set(satisfied_codes)
        on_scale = answered & data[system_col].notna().to_numpy()
        sys_sat = data[system_col].isin(sat).to_numpy()
        ans_sat = y == 1
        pairs = (
            pd.DataFrame({"b": on_scale & sys_sat & ~ans_sat, "c": on_scale & ~sys_sat & ans_sat})
            .groupby(data[unit].to_numpy())
            .sum()
        )
        b = pairs["b"].reindex(result.index).fillna(0).astype(int)
        c = pairs["c"].reindex(result.index).fillna(0).astype(int)
        result["paired_b"], result["paired_c"] = b, c
        discordant = b + c
        p = pd.Series(stats.binom.sf(b - 1, discordant, 0.5), index=result.index).where(discordant > 0)
        result["paired_p_value"] = p
        result["paired_p_adjusted"], result["paired_flagged"] = _bh(p, q)
    _integrity_counts(result, data if interviews is None else interviews, unit, system_col)
    _flag(result, q)
    return result.drop(columns=["df"]).rename(columns={"se": "third_party_se"})


def simes(first: pd.Series, second: pd.Series) -> pd.Series:
    """Simes' combination of two p-values, min(2·p₍₁₎, p₍₂₎); a lone p-value stands as it is."""
    both = np.sort(np.column_stack([first.to_numpy(float), second.to_numpy(float)]), axis=1)  # NaN last
    lone = np.isnan(both[:, 1])
    combined = np.where(lone, both[:, 0], np.minimum(2 * both[:, 0], both[:, 1]))
    return pd.Series(np.minimum(combined, 1.0), index=first.index)


def _integrity_counts(result: pd.DataFrame, interviews: pd.DataFrame, unit: str, system_col: str) -> None:
    """Interviews and ratings not the citizen's own per unit, when the interviews carry `who_rated`."""
    if unit not in interviews.columns or not {"who_rated", system_col}.issubset(interviews.columns):
        return
    not_own = not_own_rating(interviews, system_col=system_col)
    counts = pd.DataFrame({"k": not_own.to_numpy(), "n": 1}).groupby(interviews[unit].to_numpy()).sum()
    result["interviews"] = counts["n"].reindex(result.index).fillna(0).astype(int)
    result["not_own"] = counts["k"].reindex(result.index).fillna(0).astype(int)


def _flag(result: pd.DataFrame, q: float, max_rounds: int = 5) -> None:
    """Integrity p-values against a background share estimated from the units not flagged, then BH.

    Round one pools every unit; each later round pools the units not flagged in the round before,
    until the flags stop changing (at most `max_rounds`), so that faulty units do not raise the
    background they are measured against.
    """
    if "not_own" not in result or result["interviews"].sum() == 0:
        result["evidence_p_value"] = result["p_value"]
        result["evidence_p_adjusted"], result["flagged"] = _bh(result["p_value"], q)
        return
    k, n = result["not_own"], result["interviews"]
    flagged = pd.Series(False, index=result.index)
    for _ in range(max_rounds):
        clean = ~flagged & (n > 0)
        p0 = k[clean].sum() / n[clean].sum() if n[clean].sum() else k.sum() / n.sum()
        integrity = pd.Series(stats.binom.sf(k - 1, n, p0), index=result.index).where(n > 0)
        evidence = simes(result["p_value"], integrity)
        adjusted, now = _bh(evidence, q)
        if now.equals(flagged):
            break
        flagged = now
    result["not_own_background"] = p0
    result["integrity_p_value"] = integrity
    result["evidence_p_value"] = evidence
    result["evidence_p_adjusted"], result["flagged"] = adjusted, now


def _cmh(mine: np.ndarray, peers: np.ndarray, values: np.ndarray, strata: np.ndarray) -> tuple[float, float]:
    """Mantel–Haenszel pooled odds ratio and CMH p-value of `mine` against `peers` over strata."""
    from statsmodels.stats.contingency_tables import StratifiedTable

    tables = []
    for stratum in np.unique(strata):
        s = strata == stratum
        m, p, v = mine & s, peers & s, values
        table = np.array(
            [[(m & (v == 1)).sum(), (m & (v == 0)).sum()], [(p & (v == 1)).sum(), (p & (v == 0)).sum()]],
            float,
        )
        if table[0].sum() and table[1].sum() and table[:, 0].sum() and table[:, 1].sum():
            tables.append(table)
    if not tables:
        return np.nan, np.nan
    st = StratifiedTable(tables)
    return float(st.oddsratio_pooled), float(st.test_null_odds(correction=False).pvalue)


def surveyor_effects(
    responses: pd.DataFrame,
    surveyor: str = "surveyor_id",
    strata: str = "stratum",
    item: str = "sat_overall",
    satisfied_codes: Sequence[str] = DEFAULT_SATISFIED_CODES,
    q: float = 0.10,
    max_rounds: int = 5,
) -> pd.DataFrame:
    """Each surveyor against their peers on comparable cases (the same strata).

    Cochran–Mantel–Haenszel test over strata of surveyor-vs-peers × answer (statsmodels
    `StratifiedTable`), for the 满意率 and for the share of 说不清/拒答 answers, BH-adjusted across
    surveyors. Peers are the other surveyors not flagged in the previous round (at most `max_rounds`
    rounds), so one deviant surveyor does not make everybody else look deviant. A surveyor far from
    peers within strata is worth a listen-back, not a verdict.
    """
    for column in (surveyor, strata, item):
        if column not in responses.columns:
            raise AnalysisError(f"responses lack the column {column!r}")
    answers = responses[item].astype("string")
    measures = {
        "satisfied": satisfaction_indicator(responses[item], satisfied_codes),
        "dk_refused": np.where(
            answers.isna(), np.nan, answers.isin(["dk", "refused"]).fillna(False).to_numpy(float)
        ),
    }
    who = responses[surveyor].to_numpy()
    layer = responses[strata].to_numpy()
    people = sorted(pd.unique(responses[surveyor].dropna()))
    table = pd.DataFrame(index=pd.Index(people, name=surveyor))
    table["interviews"] = [int((who == person).sum()) for person in people]
    for name, values in measures.items():
        ok = ~np.isnan(values)
        flagged: set = set()
        for _ in range(max_rounds):
            rows = []
            for person in people:
                mine = (who == person) & ok
                peers = (who != person) & ok & ~np.isin(who, list(flagged - {person}))
                odds, p_value = _cmh(mine, peers, values, layer)
                rows.append(
                    (values[mine].mean() if mine.any() else np.nan, values[peers].mean(), odds, p_value)
                )
            current = pd.DataFrame(
                rows, index=table.index, columns=["rate", "peers", "odds_ratio", "p_value"]
            )
            adjusted, flags = _bh(current["p_value"], q)
            now = set(current.index[flags])
            if now == flagged:
                break
            flagged = now
        for column in current.columns:
            table[f"{name}_{column}"] = current[column]
        table[f"{name}_p_adjusted"], table[f"{name}_flagged"] = adjusted, flags
    return table
