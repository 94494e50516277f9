"""Unit-level verdicts: does a unit's published 满意率 hold up against its own service users?

The contract (one row per unit of the frame, indexed by the unit id; the reviewer page, the report and
`analysis.verdicts.explain_unit` read these columns):

| column | meaning |
|---|---|
| `domain` | the unit's null group (its most frequent `null_by` value in the frame) |
| `frame_records`, `system_satisfied` | N and S: the unit's rated records and those rated satisfied |
| `system_rate` | S / N — a census of the unit's ratings (exact, but with few events a small number) |
| `respondents`, `third_party`, `third_party_se`, `ci_low`, `ci_high` | the weighted callback 满意率, a domain estimate on the full design (`Design.by`) |
| `difference`, `difference_low`, `difference_high` | system − third party, with the third party's interval carried over |
| `n_eff`, `x_eff` | Kish effective respondents n / deff (no finite-population blow-up) and satisfied among them |
| `shrunk_rate`, `shrunk_low`, `shrunk_high` | callback 满意率 shrunk toward the unit's domain (beta-binomial empirical Bayes) |
| `prob_below_system`, `rank`, `rank_low`, `rank_high` | posterior P(callback rate < system rate), rank by it, 95% rank range (seeded draws) |
| `honest_gap` | the domain's honest system/callback gap, log odds ratio (estimated, never assumed zero) |
| `honest_spread` | the sd of an honest unit's log odds ratio around `honest_gap` (the units' own spread and the gap's uncertainty) |
| `expected_honest` | the system rate an honest unit with these callback answers would publish |
| `inflation`, `inflation_low`, `inflation_high` | points of the published rate the honest gap does not explain, with interval |
| `min_detectable` | smallest inflation (0–1) the verdict in use finds with 80% power from the rate gap alone: under the empirical null the rate test's at one-sided α = q / K (K = units tested), `sampling.power`'s definition, as in the plan; under `method="posterior"` the posterior verdict's own (`analysis.posterior_power`; `inf` = not even 50 points) |
| `rate_min_detectable` | `method="posterior"` only: the rate test's MDI above (the plan's), beside the verdict's |
| `interviews`, `rated_by_other`, `not_rated`, `service_denied`, `staff_asked` | started interviews and the signs among them |
| `not_own`, `not_own_background` | rated by someone else or service denied; its honest share in the domain |
| `p_value`, `p_adjusted`, `rate_flagged` | the rate test (exact, against the honest gap), BH on it alone |
| `integrity_p_value` | the proxy signs (someone else rated, not rated, service never happened or not me): one score with likelihood-ratio weights against its exact beta-binomial null per domain |
| `staff_asked_mid_p` | staff asked for a rating, against its own over-dispersed domain background (mid-p); beside the verdict, not in it (see `unit_model.PROXY_SIGNS`) |
| `evidence_p_value`, `evidence_p_adjusted`, `flagged` | Simes' combination of the rate test and the proxy-signs test, BH at `q` across tested units |
| `lfdr`, `prob_inflated` | local false discovery rate (beta-uniform mixture) and 1 − lfdr |
| `driver` | the evidence that drives the verdict: rate_gap, rated_by_other, not_rated, service_denied, staff_asked |
| `status` | `flagged`, `no_evidence`, `insufficient_evidence` (never flagged, never cleared), `not_surveyed` |
| `verdict_method` | `empirical_null` (these tests, BH) or `posterior` (`analysis.unit_posterior`, Sun & Cai on its lfdr) |
| `posterior_inflation`, `posterior_inflation_low`, `posterior_inflation_high`, `posterior_inflation_capped`, `posterior_mechanism`, `bf_<evidence>` | `method="posterior"` only: posterior median inflation with its 95% interval, the law's quantiles with tails widened by `unit_posterior.INTERVAL_TAILS` (calibrated by simulation; capped: its upper end is the largest inflation the model's components allow, so the interval is open above), the most probable inflating mechanism, log Bayes factors of each piece of evidence |
| `lfdr_without_answers`, `posterior_inflation*_without_answers`, `posterior_mechanism_without_answers`, `respondents_kept`, `interviews_who_kept`, `bf_<rate_gap, rated_by_other, not_rated>_kept`, `min_detectable_kept` | `method="posterior"` only: P(honest), the inflation with its interval and the likeliest mechanism from everything but the callback answers and the who-rated answers of surveyors who record them differently (`unit_posterior.Kept`; every callback answer with `interviewer` unset), the answers and who-rated answers read, their log Bayes factors and the verdict's MDI on the answers read; the verdict takes these for a held unit (with no unit held, the `*_without_answers` and `bf_*_kept` columns are NaN: nobody reads them) |
| `who_bias`, `who_main`, `who_main_share`, `who_main_shift`, `who_held`, `answers_held` | with `interviewer` and who rated: the same for the share of interviews saying someone else rated or nobody did (`surveyor_bias.unit_who_bias`), and whether the verdict set those surveyors' who-rated answers aside (`surveyor_bias.WHO_HOLD`); `answers_held`: whether it set aside satisfaction answers (`surveyor_bias.HOLD`) |
| `respondents_kept`, `rate_p_value_kept` (`method="empirical_null"`, a unit held) | the answers of surveyors who record like their peers that the verdict of an answers-held unit read (none where fewer than `min_respondents`), and their rate test's p-value |
| `interviews_who_kept`, `rated_by_other_kept`, `not_rated_kept`, `integrity_p_value_kept` (`method="empirical_null"`, who-rated answers set aside) | the interviews whose who-rated answer the verdict reads (a who-held unit: those of surveyors who hear it like their peers, and the web's; any other unit: all), the who-rated signs among them, and a who-held unit's signs test on them (service never happened counted on every interview) |
| `surveyor_bias`, `surveyor_main`, `surveyor_main_share`, `surveyor_main_shift`, `surveyor_held` | with `interviewer` only: how far the unit's callback 满意率 leans on surveyors who record differently from peers on like records (`analysis.surveyor_bias`), the surveyor who asked most of its answers with their share and shift, and whether the verdict set some of its answers aside (these, or who rated: then "insufficient evidence" unless the answers kept, `min_respondents` or more, and the rest of its evidence judge it) |
| `paired_b`, `paired_c`, `paired_sat`, `paired_unsat`, `paired_p_value` | the paired table (system vs callback on the same cases): its sign test is descriptive; its counts set the rate null's per-record misreport shares |

Why this shape (see `analysis.unit_model` for the statistics): the honest gap is estimated per domain
from the units themselves, at each unit's own published rate (a per-record gap: the same mode effect
is a far larger odds ratio near 100%), and every unit is tested against it with an exact conditional
test, so a mode effect, domain differences, rates near 100% or a 5-event unit at 100% accuse nobody;
the integrity signs are tested against per-domain beta-binomial backgrounds fitted robustly (truncated likelihood); both are combined
into one p-value per unit, and the null is re-estimated without the flagged units until the flags
settle. A unit whose rate test could not find even a `max_detectable` inflation, or with fewer than
`min_respondents` answers, is "insufficient evidence": it is not tested, so it is neither flagged
nor cleared.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import special, stats

from analysis import surveyor_bias
from analysis import unit_model as um
from analysis.cases import case_flags
from analysis.design import Design
from analysis.errors import AnalysisError
from analysis.headline import satisfaction_indicator
from analysis.multiplicity import bh
from sampling.power import unit_alpha
from sampling.vocabulary import DEFAULT_SATISFIED_CODES

SIGNS = ("rated_by_other", "not_rated", "service_denied", "staff_asked")
STATUSES = ("flagged", "no_evidence", "insufficient_evidence", "not_surveyed")
#: A unit whose own p-value on a piece of evidence is below this leaves that evidence's null estimate
#: (robustness against the faulty units it is measured against; an honest unit is trimmed 1 time in 100).
TRIM = 0.01
#: Where `compare_units` runs its posterior model: given the model, start it (here, in a forked child, in
#: a worker process) and return the function that waits for its table.
Start = Callable[[Callable[[], pd.DataFrame]], Callable[[], pd.DataFrame]]


def _modal(values: pd.Series, groups: pd.Series) -> pd.Series:
    """The most frequent value of `values` per group (ties: the first in sorted order)."""
    table = pd.DataFrame({"g": groups.to_numpy(), "v": values.astype(str).to_numpy()})
    counts = table.groupby(["g", "v"]).size().reset_index(name="k")
    counts = counts.sort_values(["g", "k", "v"], ascending=[True, False, True])
    return counts.drop_duplicates("g").set_index("g")["v"]


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
    null_by: str = "domain",
    min_respondents: int = 5,
    max_detectable: float = 0.50,
    max_rounds: int = 6,
    combine: str = "simes",
    fdr: str = "fdr_bh",
    method: str = "empirical_null",
    census_level: bool = False,
    interviewer: str | None = None,
    start: Start | None = None,
    detectable: bool = True,
    empirical_null: bool = True,
) -> pd.DataFrame:
    """One row per unit of the frame with its verdict (see the module docstring for the columns).

    `method="posterior"` takes the verdict (`flagged`, `status`, `lfdr`, `prob_inflated`, `driver`)
    from the empirical-Bayes posterior model (`analysis.unit_posterior`, Sun & Cai at `q`; the published
    level is evidence when `census_level`) and adds its columns `posterior_inflation`,
    `posterior_inflation_low`, `posterior_inflation_high`, `posterior_inflation_capped`, `posterior_mechanism`
    and `bf_<evidence>`;
    the empirical-null tests' p-values stay beside it. `verdict_method` names the method in every row.

    `responses` is a `Design` over the interviewed cases (or a DataFrame with `strata`, `weights`,
    `fpc` to build one); its data must carry `unit` and `item`. `interviews` are every started
    interview (those that ended because the service never happened or the person was not the client
    included; default: the design's data). The integrity backgrounds are laws of a unit's own
    interview counts, fitted unweighted (`unit_model.fit_background`). `null_by` names the frame column whose levels get their own honest gap and
    backgrounds. `seed` drives the rank intervals and is recorded in `attrs["seed"]`.

    `interviewer` names the column of the design's data saying who asked each answer (empty on the
    web): with it, a unit whose callback 满意率 its surveyors' shifts move by `surveyor_bias.HOLD` or more
    is judged without its callback answers (`_surveyor_guard`).

    `start` runs the posterior model (`method="posterior"`, which reads only the frame and the
    interviews): it is given the model as a function of no arguments and returns the function that
    waits for its table. The default runs it here, after the rest; the demo starts it in a forked
    process first, so that it runs beside the rest (the same inputs, so the same table).

    `detectable=False` leaves out the posterior verdict's own MDI (`min_detectable`,
    `min_detectable_kept` NaN; the rate test's stays in `rate_min_detectable`): a bisection over every
    unit's possible outcomes, about a third of the model's time, that a caller reading only the
    verdicts (a simulation study) need not pay. Nothing else changes.

    `empirical_null=False` (`method="posterior"` only) leaves out the empirical null's tests that stay
    beside the posterior's verdict: their columns (`p_value`, `integrity_p_value`, the signs' p-values,
    `evidence_p_value`, the rate test's inflation) are absent and `rate_min_detectable` is NaN. They
    are ~40% of a simulated study's time, and the posterior's verdict reads none of them, so every
    column it writes is the same.
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
    if method not in ("posterior", "empirical_null"):
        raise AnalysisError(f"method={method!r}: use 'empirical_null' or 'posterior'")
    if not empirical_null and method != "posterior":
        raise AnalysisError("empirical_null=False leaves out the very verdict method='empirical_null' gives")
    started = data if interviews is None else interviews
    bias = _surveyor_bias(frame, data, started, unit, interviewer, null_by, item, system_col, satisfied_codes)
    posterior_table = None
    if method == "posterior":
        aside = None
        if bias is not None:  # the column, whose answers and whose who-rated answers, the units held
            aside = (interviewer, bias.attrs["aside"], bias.attrs["who_aside"], bias.index[_held(bias)])
        model = PosteriorModel(
            frame, started, unit, null_by, item, system_col, tuple(satisfied_codes),
            q, census_level, min_respondents, level, aside, detectable,
        )  # fmt: skip
        posterior_table = start(model) if start is not None else model
    sat_system = satisfaction_indicator(frame[system_col], satisfied_codes)
    system = (
        pd.DataFrame({"unit": frame[unit].to_numpy(), "s": sat_system})
        .groupby("unit")["s"]
        .agg(["mean", "count", "sum"])
    )
    result = pd.DataFrame(index=pd.Index(sorted(frame[unit].dropna().unique()), name=unit))
    groups = frame[null_by] if null_by in frame.columns else pd.Series("all", index=frame.index)
    result["domain"] = _modal(groups, frame[unit]).reindex(result.index)
    result["frame_records"] = frame.groupby(unit).size().reindex(result.index)
    result["system_satisfied"] = system["sum"].reindex(result.index).fillna(0).astype(int)
    result["system_rate"] = system["mean"].reindex(result.index)
    y = satisfaction_indicator(data[item], satisfied_codes)
    estimates = design.by(unit).proportion(y, ci=ci, level=level)
    result["respondents"] = estimates["n"].reindex(result.index).fillna(0).astype(int)
    for column in ("estimate", "se", "ci_low", "ci_high"):
        result[column if column != "estimate" else "third_party"] = estimates[column].reindex(result.index)
    result["difference"] = result["system_rate"] - result["third_party"]
    result["difference_low"] = result["system_rate"] - result["ci_high"]
    result["difference_high"] = result["system_rate"] - result["ci_low"]

    answered = ~np.isnan(y)
    w = pd.Series(design.weights * answered)
    by_unit = data[unit].to_numpy()
    result["n_eff"] = _effective_size(w, by_unit, result["respondents"])
    result["x_eff"] = result["third_party"] * result["n_eff"]
    result = result.rename(columns={"se": "third_party_se"})
    _shrink(result, level, seed)
    _paired(result, data, unit, system_col, satisfied_codes, y)
    _signs(result, data if interviews is None else interviews, unit, system_col)
    nulls = None
    if empirical_null:
        nulls = _verdicts(result, q, level, min_respondents, max_detectable, max_rounds, combine, fdr)
    else:
        result["min_detectable"] = np.nan  # the rate test's, kept as `rate_min_detectable`
    result["verdict_method"] = method
    if posterior_table is not None:
        _posterior_verdict(result, posterior_table(), census_level)
    if interviewer is not None:
        kept = kept_signs = None
        if method == "empirical_null" and bias is not None and _held(bias).any():
            kept = _kept_answers(data, w, y, unit, interviewer, bias.attrs["aside"], result.index)
            if len(bias.attrs["who_aside"]):
                kept_signs = _kept_who_signs(
                    started, unit, interviewer, bias.attrs["who_aside"], system_col, result.index
                )
        _surveyor_guard(
            result, bias, min_respondents, q, fdr, kept_answers=kept, kept_signs=kept_signs,
            nulls=nulls, combine=combine, max_detectable=max_detectable,
        )  # fmt: skip
    result.attrs["seed"] = seed
    result.attrs["method"] = method
    result.attrs["q"] = q
    return result


def _shrink(result: pd.DataFrame, level: float, seed: int) -> None:
    """Beta-binomial empirical Bayes of the callback rate toward the unit's domain mean."""
    tested = result["n_eff"] > 0
    x, m = result["x_eff"].where(tested), result["n_eff"].where(tested)
    rates = (x / m).dropna()
    overall_mean = float((x.sum() + 0.5) / (m.sum() + 1))
    prior = {}
    for domain, idx in rates.groupby(result.loc[rates.index, "domain"]).groups.items():
        k, mm = x[idx], m[idx]
        mean = float((k.sum() + 20 * overall_mean) / (mm.sum() + 20))
        # method of moments for the prior strength a + b (between-unit spread of true rates)
        spread = float(np.average((k / mm - mean) ** 2, weights=mm)) if len(idx) > 1 else 0.0
        binomial = mean * (1 - mean) * float(np.mean(1 / mm))
        between = max(spread - binomial, 1e-4 * mean * (1 - mean))
        # at most 100 pseudo-respondents: a moment estimate of zero spread would pool units completely
        strength = float(np.clip(mean * (1 - mean) / between - 1, 1.0, 100.0))
        prior[domain] = (mean * strength, (1 - mean) * strength)
    a = result["domain"].map(lambda d: prior.get(d, (overall_mean * 10, (1 - overall_mean) * 10))[0])
    b = result["domain"].map(lambda d: prior.get(d, (overall_mean * 10, (1 - overall_mean) * 10))[1])
    post_a, post_b = (a + x).where(tested), (b + m - x).where(tested)
    tail = (1 - level) / 2
    result["shrunk_rate"] = post_a / (post_a + post_b)
    result["shrunk_low"] = stats.beta.ppf(tail, post_a, post_b)
    result["shrunk_high"] = stats.beta.ppf(1 - tail, post_a, post_b)
    result["prob_below_system"] = stats.beta.cdf(result["system_rate"], post_a, post_b)
    result["rank"] = result["prob_below_system"].rank(ascending=False, method="min")
    if tested.any():
        rng = np.random.default_rng(seed)
        draws = rng.beta(post_a[tested].to_numpy(), post_b[tested].to_numpy(), (2000, int(tested.sum())))
        gap = result.loc[tested, "system_rate"].to_numpy() - draws
        order = (-gap).argsort(axis=1).argsort(axis=1) + 1
        result.loc[tested, "rank_low"] = np.percentile(order, 2.5, axis=0)
        result.loc[tested, "rank_high"] = np.percentile(order, 97.5, axis=0)


def _paired(result, data, unit, system_col, satisfied_codes, y) -> None:
    """Paired counts on interviewed cases that carry the system rating (b: system satisfied, callback
    not; c: the reverse; sat / unsat: answers on records rated satisfied / not) with the exact sign-test
    p-value. The sign test is descriptive; the counts set the rate null's misreport shares
    (`unit_model.level_gap`)."""
    if system_col not in data.columns:
        return
    sat = set(satisfied_codes)
    on_scale = ~np.isnan(y) & data[system_col].notna().to_numpy()
    sys_sat = data[system_col].isin(sat).to_numpy()
    pairs = (
        pd.DataFrame(
            {
                "b": on_scale & sys_sat & (y != 1),
                "c": on_scale & ~sys_sat & (y == 1),
                "sat": on_scale & sys_sat,
                "unsat": on_scale & ~sys_sat,
            }
        )
        .groupby(data[unit].to_numpy())
        .sum()
        .reindex(result.index)
        .fillna(0)
        .astype(int)
    )
    b, c = pairs["b"], pairs["c"]
    result["paired_b"], result["paired_c"] = b, c
    result["paired_sat"], result["paired_unsat"] = pairs["sat"], pairs["unsat"]
    discordant = b + c
    result["paired_p_value"] = pd.Series(stats.binom.sf(b - 1, discordant, 0.5), index=result.index).where(
        discordant > 0
    )


def _signs(result, interviews, unit, system_col) -> None:
    """Per unit: started interviews and the four integrity signs among them."""
    result["interviews"] = 0
    for sign in SIGNS:
        result[sign] = 0
    if unit not in interviews.columns or not len(interviews):
        return
    flags = case_flags(interviews, system_col=system_col) if "who_rated" in interviews.columns else None
    if flags is None:
        return
    table = pd.DataFrame({s: flags[s].to_numpy(int) for s in SIGNS})
    table["interviews"] = 1
    sums = table.groupby(interviews[unit].to_numpy()).sum().reindex(result.index).fillna(0)
    for column in table.columns:
        result[column] = sums[column].astype(int)
    result["not_own"] = result["rated_by_other"] + result["service_denied"]


def _rate_inputs(result: pd.DataFrame, level: float) -> pd.DataFrame:
    n = result["n_eff"].fillna(0).round().clip(lower=0)
    n = n.where((n > 0) | (result["respondents"] == 0), 1)
    x = (result["third_party"].fillna(0) * n).round()
    table = pd.DataFrame(
        {
            "domain": result["domain"].astype(str),
            "S": result["system_satisfied"].astype(int),
            "N": result["frame_records"].fillna(0).astype(int),
            "x": x.astype(int),
            "n": n.astype(int),
        },
        index=result.index,
    )
    if "paired_sat" in result.columns:
        matched = ("paired_sat", "paired_b", "paired_unsat", "paired_c")
        for name, column in zip(um.MATCHED, matched, strict=True):
            table[name] = result[column].astype(int)
    intervals = {
        key: um.odds_ratio_interval(row.S, row.N, row.x, row.n, level)
        for key, row in table[table["n"] > 0].iterrows()
    }
    ends = pd.DataFrame.from_dict(intervals, orient="index", columns=["log_or", "log_or_low", "log_or_high"])
    return table.join(ends)


@dataclass(frozen=True, eq=False)
class PosteriorModel:
    """The posterior model of the units (`analysis.unit_posterior.posterior`) as a function of no
    arguments, for `compare_units` to run where its `start` says: an object that pickles with its
    inputs, so that a `start` may run it in another process (the app's `posterior_worker`). `aside`:
    (the interviewer column, the surveyors whose answers a held unit's verdict sets aside, those whose
    who-rated answers it sets aside, the units held: their MDI on the answers kept is read too), or
    None."""

    frame: pd.DataFrame
    interviews: pd.DataFrame
    unit: str
    null_by: str
    item: str
    system_col: str
    satisfied_codes: tuple[str, ...]
    q: float
    census_level: bool
    min_respondents: int
    level: float
    aside: tuple | None
    detectable: bool

    def __call__(self) -> pd.DataFrame:
        from analysis import posterior_power, unit_posterior

        frame, interviews, unit, aside = self.frame, self.interviews, self.unit, self.aside
        table, fitted = unit_posterior.posterior_fit(
            frame, interviews, unit, domain=self.null_by, item=self.item, system_col=self.system_col,
            satisfied_codes=self.satisfied_codes, census_level=self.census_level,
            min_respondents=self.min_respondents,
        )  # fmt: skip

        def evidence(rows: np.ndarray) -> pd.DataFrame | None:
            return unit_posterior.unit_evidence(
                frame, interviews[rows], unit, domain=self.null_by, item=self.item,
                system_col=self.system_col, satisfied_codes=self.satisfied_codes,
            ) if rows.any() else None  # fmt: skip

        # without the interviewer column every answer of a held unit is set aside; with no unit held
        # what a held unit would read is never used, so it is neither built nor read
        held = aside is not None and len(aside[3]) > 0
        kept = None
        if held and aside[0] in interviews.columns:
            answer_out = interviews[aside[0]].isin(aside[1]).to_numpy()
            who_out = interviews[aside[0]].isin(aside[2]).to_numpy()
            kept = unit_posterior.Kept(
                whole=evidence(~answer_out & ~who_out),
                answer=evidence(~answer_out & who_out),
                who=evidence(answer_out & ~who_out),
            )
        verdict = unit_posterior.posterior_table(
            table, fitted, self.q, self.level, kept=kept, without_answers=held
        )
        verdict["min_detectable"] = (
            posterior_power.verdict_detectable(table, fitted, verdict) if self.detectable else np.nan
        )
        verdict["min_detectable_kept"] = np.nan  # of the answers kept, where some were set aside
        answers = evidence(~answer_out) if kept is not None and self.detectable else None
        if answers is not None:  # the MDI of the answers a held unit's verdict reads
            some = verdict.loc[verdict.index.intersection(aside[3])]
            some.attrs = verdict.attrs
            verdict["min_detectable_kept"] = posterior_power.verdict_detectable(answers, fitted, some)
        return verdict


def _posterior_verdict(result: pd.DataFrame, table: pd.DataFrame, census_level: bool) -> None:
    """The posterior model's verdict (its `table`) in place of the empirical null's (see
    `compare_units`)."""
    table = table.reindex(result.index)
    for column in ("flagged", "status", "lfdr", "prob_inflated", "driver", "lfdr_without_answers"):
        result[column] = table[column]
    for column in ("respondents_kept", "interviews_who_kept", "min_detectable_kept"):
        result[column] = table[column]
    for column in table.columns[table.columns.str.endswith("_without_answers")]:
        if column.startswith(("inflation", "mechanism")):  # a held unit's (`_surveyor_guard`)
            result[f"posterior_{column}"] = table[column]
    # the MDI of the verdict in use; the plan's (the rate test's at q / K) stays beside it
    result["rate_min_detectable"] = result["min_detectable"]
    result["min_detectable"] = table["min_detectable"]
    result["flagged"] = result["flagged"].fillna(False).astype(bool)
    for column in ("inflation", "inflation_low", "inflation_high", "inflation_capped", "mechanism"):
        result[f"posterior_{column}"] = table[column]
    for column in table.columns[table.columns.str.startswith("bf_")]:
        result[column] = table[column]
    result.attrs["pi0"] = table.attrs["pi0"]
    result.attrs["census_level"] = census_level


def _surveyor_bias(frame, data, interviews, unit, interviewer, null_by, item, system_col, satisfied_codes):
    """`surveyor_bias.unit_surveyor_bias` of the units' answers (`data`) joined with
    `surveyor_bias.unit_who_bias` of their who-rated answers (`interviews`, where they carry the
    interviewer and who rated); None without an `interviewer` column or any surveyor in it. Found
    before the posterior model, which reads the surveyors set aside (`attrs["aside"]`, `["who_aside"]`)."""
    if interviewer is None or interviewer not in data.columns or data[interviewer].notna().sum() == 0:
        return None
    groups = frame[null_by] if null_by in frame.columns else pd.Series("all", index=frame.index)
    domains = _modal(groups, frame[unit])
    table = surveyor_bias.unit_surveyor_bias(
        data, unit, interviewer, data[unit].map(domains), item=item, system_col=system_col,
        satisfied_codes=satisfied_codes,
    )  # fmt: skip
    aside, who_aside = table.attrs["aside"], ()
    if {interviewer, "who_rated"} <= set(interviews.columns) and interviews[interviewer].notna().any():
        who = surveyor_bias.unit_who_bias(
            interviews, unit, interviewer, interviews[unit].map(domains), system_col=system_col
        )
        who_aside = who.attrs["aside"]
        table = table.join(who, how="outer")
    for column in surveyor_bias.WHO_COLUMNS:
        if column not in table.columns:
            table[column] = 0.0 if column == "who_bias" else np.nan
    table.attrs.update({"aside": aside, "who_aside": who_aside})
    return table


def _held(bias: pd.DataFrame) -> pd.Series:
    """Units whose answers, or whose who-rated answers, lean on surveyors who record differently."""
    answers = bias["surveyor_bias"].abs() >= surveyor_bias.HOLD
    return answers.fillna(False) | (bias["who_bias"].abs() >= surveyor_bias.WHO_HOLD).fillna(False)


def _kept_answers(data, weights, y, unit, interviewer, aside, index) -> pd.DataFrame:
    """Per unit, the answers of the surveyors not set `aside` (and the web's, which no surveyor asked):
    `respondents`, and the weighted 满意率 as the rate test reads it, `x` of `n` on Kish's effective
    size (`compare_units`' `n_eff`, `x_eff`)."""
    keep = ~data[interviewer].isin(list(aside)).to_numpy() & ~np.isnan(y)
    w = pd.Series(np.where(keep, weights, 0.0))
    by_unit = data[unit].to_numpy()
    satisfied = (w * np.nan_to_num(y)).groupby(by_unit).sum() / w.groupby(by_unit).sum()
    respondents = pd.Series(keep.astype(int)).groupby(by_unit).sum()
    table = pd.DataFrame({"respondents": respondents}).reindex(index).fillna(0)
    table["n"] = _effective_size(w, by_unit, table["respondents"]).fillna(0).round().astype(int)
    table["x"] = (satisfied.reindex(index).fillna(0) * table["n"]).round().astype(int)
    return table


def _kept_who_signs(interviews, unit, interviewer, aside, system_col, index) -> pd.DataFrame:
    """Per unit, the interviews whose who-rated answer the verdict reads — those of the surveyors not set
    `aside` (`surveyor_bias.unit_who_bias`) and the web's — as `interviews_who_kept`, and the who-rated
    signs among them as `<sign>_kept` (`unit_model.WHO_SIGNS`)."""
    keep = ~interviews[interviewer].isin(list(aside)).to_numpy()
    flags = case_flags(interviews, system_col=system_col)
    table = pd.DataFrame({f"{s}_kept": flags[s].to_numpy(int) * keep for s in um.WHO_SIGNS})
    table["interviews_who_kept"] = keep.astype(int)
    return table.groupby(interviews[unit].to_numpy()).sum().reindex(index).fillna(0).astype(int)


def _kept_signs_test(result, kept_signs, nulls: _Nulls) -> tuple[pd.Series, dict[str, pd.Series]]:
    """The empirical null's proxy-signs score of a who-held unit with its who-rated signs counted on the
    interviews whose who-rated answer is kept (`_kept_who_signs`) and "service never happened" on every
    interview, against the same held-out backgrounds at those sizes; and each who-rated sign's p-value
    there. NaN where the unit's signs were not tested (or no who-rated answer is set aside)."""
    p = pd.Series(np.nan, index=result.index)
    sign_p = {s: pd.Series(np.nan, index=result.index) for s in um.WHO_SIGNS}
    if kept_signs is None:
        return p, sign_p
    for key in result.index[result["who_held"] & result["integrity_p_value"].notna()]:
        m, domain = int(result.at[key, "interviews"]), str(result.at[key, "domain"])
        size = int(kept_signs.at[key, "interviews_who_kept"])
        mine = {s: nulls.held_out[s][key] for s in um.PROXY_SIGNS}
        counts = {s: int(kept_signs.at[key, f"{s}_kept"]) for s in um.WHO_SIGNS}
        counts["service_denied"] = int(result.at[key, "service_denied"])
        sizes = dict.fromkeys(um.WHO_SIGNS, size)
        p[key] = _integrity_p(counts, m, domain, mine, nulls.backgrounds, sizes)
        for s in um.WHO_SIGNS:
            sign_p[s][key] = float(mine[s].law(domain, size)[counts[s] :].sum())
    return p, sign_p


def _effective_size(weights: pd.Series, by_unit: np.ndarray, respondents: pd.Series) -> pd.Series:
    """Per unit (the index of `respondents`), Kish's effective sample size (Σw)² / Σw² of its answers'
    `weights` (0 for a row that does not count), at most its `respondents`; NaN where it has none."""
    kish = (weights**2).groupby(by_unit).sum() / weights.groupby(by_unit).sum() ** 2
    n = respondents.astype(float)
    return (1 / kish.reindex(respondents.index)).where(n > 0).clip(upper=n)


def _kept_rate_test(result, kept, null, min_respondents, max_detectable, q) -> tuple[pd.Series, pd.Series]:
    """The empirical null's rate test and MDI of an answers-held unit on its kept answers, where they
    pass the test's own bar for any unit (`_verdicts`: `min_respondents` or more, and sampling error
    alone could not hide a `max_detectable` inflation); NaN elsewhere."""
    p, mdi = pd.Series(np.nan, index=result.index), pd.Series(np.nan, index=result.index)
    alpha = unit_alpha(q, max(int(result["status"].isin(["flagged", "no_evidence"]).sum()), 1))
    for key in result.index[result["answers_held"] & (kept["respondents"] >= min_respondents)]:
        domain, big_s = str(result.at[key, "domain"]), int(result.at[key, "system_satisfied"])
        big_n = int(result.at[key, "frame_records"])
        x, n = int(kept.at[key, "x"]), int(kept.at[key, "n"])
        if um.minimum_detectable_inflation(big_s, big_n, n, 0.0, 0.0) > max_detectable:
            continue
        gap, spread = null.for_unit(domain, big_s, big_n)
        p[key] = um.rate_p_value(big_s, big_n, x, n, gap, spread)
        mdi[key] = _rate_mdi(null, domain, big_s, big_n, n, alpha)
    return p, mdi


def _rate_mdi(null: um.RateNull, domain: str, big_s: int, big_n: int, n: int, alpha: float) -> float:
    """The rate test's minimum detectable inflation for a unit of `domain` with `big_s` of `big_n`
    ratings satisfied and `n` effective answers, against its honest gap and spread under `null`."""
    gap, spread = null.for_unit(domain, big_s, big_n)
    return um.minimum_detectable_inflation(
        big_s, big_n, n, gap, spread, alpha=alpha, callback=lambda rates: null.callback_rate(domain, rates)
    )


def _surveyor_guard(
    result,
    bias,
    min_respondents,
    q,
    fdr,
    *,
    kept_answers=None,
    kept_signs=None,
    nulls=None,
    combine,
    max_detectable,
) -> None:
    """Judge a unit whose answers lean on surveyors who record differently (`surveyor_bias.HOLD`) —
    or whose who-rated answers do (`surveyor_bias.WHO_HOLD`) — without those surveyors' answers (or
    their who-rated answers), and re-select the flags over every unit.

    The posterior's verdict takes such a unit's `lfdr_without_answers` (the answers of the other
    surveyors, who rated, the signs) in place of its lfdr before Sun & Cai, its inflation and likeliest
    mechanism without the answers set aside too, and the Bayes factors of what it reads. The empirical
    null's runs the rate test of an answers-held unit on the answers kept (`kept_answers`, against
    the same rate null of `nulls`, where they pass the bar any unit's test does), its MDI on them too,
    and the signs test of a who-held unit on the who-rated answers kept (`kept_signs`, against the same
    backgrounds), and combines the two as for any unit. A held unit that is not flagged is cleared
    only on `min_respondents` or more answers kept, else "insufficient evidence" (`surveyor_held`): the
    answers set aside can neither accuse nor clear it. `bias`: `_surveyor_bias`'s table (None: nothing
    to hold). Adds `analysis.surveyor_bias`'s columns, `surveyor_held` and, under the empirical null
    with a unit held, `rate_p_value_kept` and, where who-rated answers are set aside,
    `integrity_p_value_kept`, `interviews_who_kept` and `<sign>_kept`."""
    from analysis.unit_posterior import LFDR_FLOOR, sun_cai

    if bias is None:
        result["surveyor_held"] = result["answers_held"] = result["who_held"] = False
        return
    for column in (*surveyor_bias.BIAS_COLUMNS, *surveyor_bias.WHO_COLUMNS):
        result[column] = bias[column].reindex(result.index)
    judged = result["status"].isin(["flagged", "no_evidence"])
    held = judged & _held(bias).reindex(result.index, fill_value=False)
    answers_held = held & (result["surveyor_bias"].abs() >= surveyor_bias.HOLD)
    result["surveyor_held"] = held
    result["answers_held"] = answers_held
    result["who_held"] = held & (result["who_bias"].abs() >= surveyor_bias.WHO_HOLD)
    if not held.any():
        return
    posterior = result["verdict_method"].iloc[0] == "posterior"
    if posterior:
        lfdr = result["lfdr"].where(~held, result["lfdr_without_answers"])
        result["lfdr"], result["prob_inflated"] = lfdr, 1 - lfdr
        result["flagged"] = sun_cai(lfdr.where(judged), q, LFDR_FLOOR)
        for name in ("inflation", "inflation_low", "inflation_high", "inflation_capped", "mechanism"):
            column = f"posterior_{name}"
            result[column] = result[column].where(~held, result[f"{column}_without_answers"])
        for name in ("rate_gap", "rated_by_other", "not_rated"):
            result[f"bf_{name}"] = result[f"bf_{name}"].where(~held, result[f"bf_{name}_kept"])
        kept = result["respondents_kept"].fillna(0)
        result["min_detectable"] = result["min_detectable"].where(~held, result["min_detectable_kept"])
    else:  # an answers-held unit's rate test on the kept answers, a who-held one's signs on the kept ones
        rate_kept, mdi_kept = _kept_rate_test(
            result, kept_answers, nulls.rate, min_respondents, max_detectable, q
        )
        signs_kept, who_p = _kept_signs_test(result, kept_signs, nulls)
        rate = result["p_value"].where(~answers_held, rate_kept)
        signs = result["integrity_p_value"].where(~result["who_held"], signs_kept)
        combined = pd.Series(um.combine(rate, signs, method=combine), index=result.index)
        evidence = result["evidence_p_value"].where(~held, combined)
        result["evidence_p_value"] = evidence
        result["evidence_p_adjusted"], result["flagged"] = bh(evidence.where(judged), q, fdr)
        result["rate_p_value_kept"] = rate_kept
        result["min_detectable"] = result["min_detectable"].where(~answers_held, mdi_kept)
        # what its sentence says it read: the kept answers where their rate test ran, else none
        read = kept_answers["respondents"].where(rate_kept.notna(), 0)
        kept = result["respondents"].where(~answers_held, read)
        result["respondents_kept"] = kept
        if kept_signs is not None:
            result["integrity_p_value_kept"] = signs_kept
            for column in kept_signs.columns:
                whole = result[
                    "interviews" if column == "interviews_who_kept" else column.removesuffix("_kept")
                ]
                result[column] = whole.where(~result["who_held"], kept_signs[column])
    cleared = judged & ~result["flagged"] & (~held | (kept >= min_respondents))
    result["status"] = np.where(
        result["flagged"],
        "flagged",
        np.where(cleared, "no_evidence", np.where(judged, "insufficient_evidence", result["status"])),
    )
    # what drives a held unit's verdict is the strongest evidence left: its kept answers' rate gap at most
    if posterior:
        left = result[[c for c in result.columns if c.startswith("bf_") and not c.endswith("_kept")]]
        strongest = left.fillna(-np.inf).idxmax(axis=1).str.removeprefix("bf_")
        strongest = strongest.where(left.max(axis=1) > 0, "")
    else:
        left = result[[f"{s}_p_value" for s in um.PROXY_SIGNS]].copy()
        for s in um.WHO_SIGNS:
            left[f"{s}_p_value"] = left[f"{s}_p_value"].where(~result["who_held"], who_p[s])
        left = left.assign(rate_gap_p_value=rate)
        strongest = left.fillna(np.inf).idxmin(axis=1).str.removesuffix("_p_value")
        strongest = strongest.where(left.notna().any(axis=1), "")
    result.loc[held, "driver"] = strongest[held].where(result.loc[held, "flagged"], "")
    # a held unit left undecided judged nothing: no MDI, as for any unit with insufficient evidence
    result.loc[held & (result["status"] == "insufficient_evidence"), "min_detectable"] = np.nan


class _Nulls(NamedTuple):
    """What the empirical null tested each unit against (`_verdicts`), which a held unit's kept answers
    are tested against too (`_surveyor_guard`): the rate null, each sign's held-out backgrounds, and the
    backgrounds fitted on every unit, which choose the score's weights (no signs: both empty)."""

    rate: um.RateNull
    held_out: dict[str, um.HeldOut]
    backgrounds: dict[str, um.Background]


def _verdicts(result, q, level, min_respondents, max_detectable, max_rounds, combine, fdr) -> _Nulls:
    """The empirical null's verdict (columns in place); returns what it tested against."""
    counts = _rate_inputs(result, level)
    surveyed = result["respondents"] > 0
    candidates = surveyed & (result["respondents"] >= min_respondents)
    # sufficiency from the design alone: could sampling error by itself hide a `max_detectable` inflation?
    floor = pd.Series(np.nan, index=result.index)
    for key in result.index[candidates]:
        row = counts.loc[key]
        floor[key] = um.minimum_detectable_inflation(row["S"], row["N"], row["n"], 0.0, 0.0)
    tested = candidates & (floor <= max_detectable)
    has_signs = result["interviews"].sum() > 0
    flagged = pd.Series(False, index=result.index)
    rate_p = pd.Series(np.nan, index=result.index)
    sign_p = {s: pd.Series(np.nan, index=result.index) for s in SIGNS}
    previous = None
    # integrity backgrounds: a beta-binomial per sign and domain, fitted on every surveyed unit with the
    # likelihood truncated at each unit's upper tail (`unit_model.fit_background`) — robust to the faulty
    # units among them by construction, so it does not depend on which units are flagged; each unit is
    # tested against its domain's background fitted without it (`unit_model.held_out_backgrounds`)
    backgrounds, held_out = {}, {}
    if has_signs:
        pool = surveyed & (result["interviews"] > 0)
        for s in SIGNS:
            held_out[s] = um.held_out_backgrounds(
                result.loc[pool, s],
                result.loc[pool, "interviews"],
                result.loc[pool, "domain"].astype(str),
                method="truncated" if s in um.PROXY_SIGNS else "divergence",
            )
            backgrounds[s] = held_out[s].full
    integrity_p = pd.Series(np.nan, index=result.index)
    asked_p = pd.Series(np.nan, index=result.index)
    for key in result.index[surveyed & (result["interviews"] > 0)] if has_signs else []:
        m, domain = int(result.at[key, "interviews"]), counts.at[key, "domain"]
        mine = {s: held_out[s][key] for s in SIGNS}
        laws = {s: mine[s].law(domain, m) for s in SIGNS}
        for s in SIGNS:
            sign_p[s][key] = float(laws[s][int(result.at[key, s]) :].sum())
        if tested[key]:
            integrity_p[key] = _integrity_p(
                {s: result.at[key, s] for s in SIGNS}, m, domain, mine, backgrounds
            )
            asked_p[key] = um.sign_mid_p(int(result.at[key, "staff_asked"]), laws["staff_asked"])
    # the misreport shares behind each unit's level-aware honest gap: robust backgrounds, as the signs'
    # are, fitted once on every surveyed unit
    shares = um.misreport_shares(counts[surveyed])
    for _ in range(max_rounds):
        # the rate null from every surveyed unit (small ones too: pooled tables carry their information,
        # and with risk-targeted strata the tested units are the suspicious ones) that is neither
        # flagged nor extreme on the rate itself; τ² weighs each unit by size
        clear = surveyed & ~flagged
        null = um.estimate_rate_null(counts[clear & ~(rate_p < TRIM)], shares=shares)
        rate_p = pd.Series(np.nan, index=result.index)
        for key in result.index[tested]:
            row = counts.loc[key]
            gap, spread = null.for_unit(row["domain"], row["S"], row["N"])
            rate_p[key] = um.rate_p_value(row["S"], row["N"], row["x"], row["n"], gap, spread)
        evidence = pd.Series(um.combine(rate_p, integrity_p, method=combine), index=result.index)
        evidence = evidence.where(tested)
        adjusted, flagged = bh(evidence, q, fdr)
        state = (tuple(flagged), tuple(rate_p < TRIM))
        if state == previous:
            break
        previous = state
    now = flagged
    result["p_value"] = rate_p
    result["p_adjusted"], result["rate_flagged"] = bh(rate_p, q)
    result["integrity_p_value"], result["staff_asked_mid_p"] = integrity_p, asked_p
    for s in SIGNS:
        result[f"{s}_p_value"] = sign_p[s]
    if has_signs:
        result["not_own_background"] = (
            result["domain"]
            .astype(str)
            .map(
                lambda d: (
                    backgrounds["rated_by_other"].share.get(d, backgrounds["rated_by_other"].overall)
                    + backgrounds["service_denied"].share.get(d, backgrounds["service_denied"].overall)
                )
            )
        )
    result["evidence_p_value"] = evidence
    result["evidence_p_adjusted"], result["flagged"] = adjusted, now
    result["lfdr"] = pd.Series(um.local_fdr(evidence.to_numpy()), index=result.index)
    result["prob_inflated"] = 1 - result["lfdr"]
    # the plan's definition (`sampling.power`): power 0.8 at one-sided α = q / K, K = the units tested
    alpha = unit_alpha(q, max(int(tested.sum()), 1))
    mdi = pd.Series(np.nan, index=result.index)
    for key in result.index[surveyed]:
        row = counts.loc[key]
        mdi[key] = _rate_mdi(null, row["domain"], row["S"], row["N"], row["n"], alpha)
    result["min_detectable"] = mdi
    _inflation(result, counts, null, level)
    _driver(result, rate_p, sign_p)
    result.loc[~tested, "driver"] = ""
    result["status"] = np.select(
        [result["flagged"], tested, surveyed],
        ["flagged", "no_evidence", "insufficient_evidence"],
        "not_surveyed",
    )
    return _Nulls(null, held_out, backgrounds)


def _integrity_p(counts, m, domain, mine, backgrounds, sizes=None) -> float:
    """The proxy-signs score's p-value of a unit with `counts` of each sign among `m` interviews (a sign
    in `sizes` among that many), against its held-out backgrounds `mine`. The weights choose the
    statistic: from the fit on all units (`backgrounds`), so a unit's own counts do not pick the sign
    they weigh most (held-out weights: honest units at p ≤ 0.05 5.35% against 4.75%)."""
    weights = um.likelihood_ratio_weights(backgrounds, domain)
    law = um.integrity_law(m, domain, mine, weights, sizes=sizes)
    return um.integrity_p_value(um.integrity_score(counts, weights), law)


def _inflation(result: pd.DataFrame, counts: pd.DataFrame, null: um.RateNull, level: float) -> None:
    """Points of the published rate the honest gap does not explain: S/N − expit(logit(S/N) − Δ), where
    Δ = log ψ̂ − gap is the unit's excess log odds ratio; the interval widens the exact conditional
    interval of log ψ by the honest spread (in quadrature)."""
    z = stats.norm.ppf(0.5 + level / 2)
    rows = {}
    for key in result.index[result["respondents"] > 0]:
        row = counts.loc[key]
        gap, spread = null.for_unit(row["domain"], row["S"], row["N"])
        estimate, low, high = row["log_or"], row["log_or_low"], row["log_or_high"]
        big_n = max(row["N"], 1)
        rate = float(um.published_rate(row["S"], big_n))
        callback = float(np.clip(row["x"] / row["n"], 0.5 / row["n"], 1 - 0.5 / row["n"]))
        excess = special.logit(rate) - special.logit(callback) - gap
        ends = [
            excess - np.hypot(estimate - low if np.isfinite(low) else np.inf, z * spread),
            excess,
            excess + np.hypot(high - estimate if np.isfinite(high) else np.inf, z * spread),
        ]
        real = row["S"] / big_n
        low_, mid, high_ = (real - float(special.expit(special.logit(rate) - e)) for e in ends)
        rows[key] = (gap, spread, float(special.expit(special.logit(callback) + gap)), mid, low_, high_)
    columns = [
        "honest_gap",
        "honest_spread",
        "expected_honest",
        "inflation",
        "inflation_low",
        "inflation_high",
    ]
    table = pd.DataFrame.from_dict(rows, orient="index", columns=columns).reindex(result.index)
    for column in columns:
        result[column] = table[column]


def _driver(result: pd.DataFrame, rate_p: pd.Series, sign_p: dict[str, pd.Series]) -> None:
    """The single strongest piece of evidence per unit (smallest p-value), '' where nothing was tested."""
    # the evidence in the verdict only: staff asked is reported beside it (`unit_model.PROXY_SIGNS`)
    table = pd.DataFrame({"rate_gap": rate_p, **{s: sign_p[s] for s in um.PROXY_SIGNS}})
    best = table.fillna(np.inf).idxmin(axis=1)
    result["driver"] = best.where(table.notna().any(axis=1), "")


def simes(first: pd.Series, second: pd.Series) -> pd.Series:
    """Simes' combination of two p-values, min(2·p₍₁₎, p₍₂₎); a lone p-value stands as it is."""
    both = np.sort(np.column_stack([first.to_numpy(float), second.to_numpy(float)]), axis=1)  # NaN last
    lone = np.isnan(both[:, 1])
    combined = np.where(lone, both[:, 0], np.minimum(2 * both[:, 0], both[:, 1]))
    return pd.Series(np.minimum(combined, 1.0), index=first.index)
