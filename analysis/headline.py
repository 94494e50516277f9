"""The action plan's headline figures — 满意率, 知晓率, 首选率 — weighted, with intervals, overall and by group.

Definitions (printed with every figure, so a reader knows how it was made):

- 满意率: share of `sat_overall` answers in the study's satisfied codes (default 满意 + 基本满意) among
  answers on the rating scale. 说不清 (`dk`) and 拒答 (`refused`) are real answers but are excluded from
  the denominator; they are counted in `excluded`.
- 知晓率: share of `aware_12348` = `yes` among `yes`/`no` answers.
- 首选率: share of `first_choice` = `public_legal` among `public_legal`/`private_lawyer`/`other`;
  `dk` and `refused` are excluded from the denominator as for 满意率.

Cases where the item was not asked (skip logic, e.g. an ineligible respondent) are missing and drop
out as domain members with no answer (R's `na.rm=TRUE`), never as zeros.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.design import Design
from analysis.errors import AnalysisError
from analysis.intervals import proportion_interval
from analysis.interviewer_variance import COMPOSITION, add_interviewer_variance, composition_cells
from sampling.vocabulary import DEFAULT_SATISFIED_CODES, DONT_KNOW, REFUSED, SCALES

SPECIAL = (DONT_KNOW, REFUSED)
FIRST_CHOICE_OPTIONS = ("public_legal", "private_lawyer", "other")


def indicator(answers: pd.Series, yes: Sequence[str], valid: Sequence[str]) -> np.ndarray:
    """1 for answers in `yes`, 0 for other `valid` answers, NaN for everything else (dk, refused, not asked)."""
    text = answers.astype("string")
    out = np.where(text.isin(list(yes)).fillna(False), 1.0, 0.0)
    out[~text.isin(list(valid)).fillna(False).to_numpy()] = np.nan
    return out


def satisfaction_indicator(
    answers: pd.Series, satisfied_codes: Sequence[str] = DEFAULT_SATISFIED_CODES
) -> np.ndarray:
    scale_codes = {code for scale in SCALES.values() for code in scale.codes}
    unknown = set(satisfied_codes) - scale_codes
    if unknown:
        raise AnalysisError(f"satisfied code {sorted(unknown)[0]!r} is on no rating scale; use scale codes")
    return indicator(answers, satisfied_codes, sorted(scale_codes))


def definitions(
    satisfied_codes: Sequence[str] = DEFAULT_SATISFIED_CODES, item: str = "sat_overall"
) -> dict[str, str]:
    """How each headline figure is defined, in words for the report."""
    sat = " + ".join(satisfied_codes)
    return {
        "满意率": f"{item} in ({sat}) among answers on the rating scale; dk/refused excluded and counted",
        "知晓率": "aware_12348 = yes among yes/no answers",
        "首选率": "first_choice = public_legal among public_legal/private_lawyer/other; dk/refused excluded",
    }


def _rows(design: Design, values: np.ndarray, special: np.ndarray, by: str | None, ci: str, level: float):
    if by is None:
        est = design.proportion(values, ci=ci, level=level)
        frame = pd.DataFrame([est.as_dict()], index=pd.Index(["(all)"], name="level"))
        frame["excluded"] = int(special.sum())
        return frame
    frame = design.by(by).proportion(values, ci=ci, level=level)
    excluded = pd.Series(special.astype(int)).groupby(design.data[by].to_numpy()).sum()
    frame["excluded"] = excluded.reindex(frame.index, fill_value=0).to_numpy()
    frame.index.name = "level"
    return frame


def headline(
    design: Design,
    answers: pd.DataFrame | None = None,
    satisfied_codes: Sequence[str] = DEFAULT_SATISFIED_CODES,
    item: str = "sat_overall",
    by: Sequence[str] = ("district", "domain", "channel"),
    ci: str = "logit",
    level: float = 0.95,
) -> pd.DataFrame:
    """One row per metric × group level: estimate, se, ci_low, ci_high, n, df, excluded, definition.

    `answers` defaults to the design's own data; when given it must be row-aligned with it.
    """
    answers = design.data if answers is None else answers.reset_index(drop=True)
    if len(answers) != design.n:
        raise AnalysisError(f"answers has {len(answers)} rows but the design has {design.n}; align them")
    needed = [item, "aware_12348", "first_choice"]
    missing = [c for c in needed if c not in answers.columns]
    if missing:
        raise AnalysisError(
            f"answers lack the questionnaire item {missing[0]!r} (justice-callback item names)"
        )
    missing_by = [c for c in by if c not in design.data.columns]
    if missing_by:
        raise AnalysisError(f"by={missing_by[0]!r} is not a column of the design's data")
    text = {name: answers[name].astype("string") for name in needed}
    metrics = {
        "满意率": (satisfaction_indicator(answers[item], satisfied_codes), text[item].isin(SPECIAL)),
        "知晓率": (
            indicator(answers["aware_12348"], ["yes"], ["yes", "no"]),
            text["aware_12348"].isin(SPECIAL),
        ),
        "首选率": (
            indicator(answers["first_choice"], ["public_legal"], FIRST_CHOICE_OPTIONS),
            text["first_choice"].isin(SPECIAL),
        ),
    }
    words = definitions(satisfied_codes, item)
    parts = []
    for metric, (values, special) in metrics.items():
        special = special.fillna(False).to_numpy()
        for group in (None, *by):
            frame = _rows(design, values, special, group, ci, level).reset_index()
            frame.insert(0, "group", group or "overall")
            frame.insert(0, "metric", metric)
            frame["definition"] = words[metric]
            parts.append(frame)
    columns = [
        "metric",
        "group",
        "level",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "n",
        "df",
        "excluded",
        "definition",
    ]
    return pd.concat(parts, ignore_index=True)[columns]


#: Sensitivity rows printed beside the headline 满意率 (overall only).
DK_AS_DISSATISFIED, TOP_BOX = "满意率·说不清计为不满意", "满意率·仅最高一档"


def sensitivity_definitions(top_codes: Sequence[str], item: str = "sat_overall") -> dict[str, str]:
    return {
        DK_AS_DISSATISFIED: f"{item} satisfied among answers on the scale or dk (dk counted as dissatisfied)",
        TOP_BOX: f"{item} in ({' + '.join(top_codes)}) only (top box) among answers on the rating scale",
    }


def _metric_values(
    answers: pd.DataFrame, satisfied_codes: Sequence[str], item: str, top_codes: Sequence[str]
) -> dict[str, tuple[np.ndarray, np.ndarray, bool]]:
    """metric → (0/1/NaN values, special-answer mask, reported by group)."""
    needed = [item, "aware_12348", "first_choice"]
    missing = [c for c in needed if c not in answers.columns]
    if missing:
        raise AnalysisError(
            f"answers lack the questionnaire item {missing[0]!r} (justice-callback item names)"
        )
    text = {name: answers[name].astype("string") for name in needed}
    special = {name: text[name].isin(SPECIAL).fillna(False).to_numpy() for name in needed}
    sat = satisfaction_indicator(answers[item], satisfied_codes)
    dk = text[item].eq(DONT_KNOW).fillna(False).to_numpy()
    return {
        "满意率": (sat, special[item], True),
        "知晓率": (indicator(answers["aware_12348"], ["yes"], ["yes", "no"]), special["aware_12348"], True),
        "首选率": (
            indicator(answers["first_choice"], ["public_legal"], FIRST_CHOICE_OPTIONS),
            special["first_choice"],
            True,
        ),
        DK_AS_DISSATISFIED: (np.where(dk, 0.0, sat), special[item] & ~dk, False),
        TOP_BOX: (satisfaction_indicator(answers[item], top_codes), special[item], False),
    }


def headline_estimands(
    answers: pd.DataFrame,
    satisfied_codes: Sequence[str] = DEFAULT_SATISFIED_CODES,
    item: str = "sat_overall",
    by: Sequence[str] = ("district", "domain", "channel"),
    top_codes: Sequence[str] = ("satisfied",),
) -> tuple[list[tuple[str, str, object]], np.ndarray, np.ndarray]:
    """`replicate_headline`'s rows as ratios of per-answer columns: their keys (metric, group, level),
    and the numerator and denominator of each row for each of `answers` (rows × keys; 0 where an
    answer does not count), so that a variance computed elsewhere lines up with its rows."""
    keys, num, den, _, _ = _estimands(answers, _metric_values(answers, satisfied_codes, item, top_codes), by)
    return keys, num, den


def _estimands(answers: pd.DataFrame, metrics: dict, by: Sequence[str]):
    """(keys, numerators, denominators, special answers per key, each metric's span of keys)."""
    keys, numerators, denominators, specials, spans = [], [], [], [], {}
    for metric, (values, special, grouped) in metrics.items():
        first = len(keys)
        ok = ~np.isnan(values)
        y0 = np.where(ok, values, 0.0)
        for group in (None, *(by if grouped else ())):
            if group is None:
                members = [("(all)", np.ones(len(answers), bool))]
            else:
                column = answers[group]
                members = [
                    (value, (column == value).to_numpy()) for value in sorted(column.dropna().unique())
                ]
            for value, inside in members:
                keys.append((metric, group or "overall", value))
                numerators.append(y0 * inside)
                denominators.append(ok * inside)
                specials.append(int((special & inside).sum()))
        spans[metric] = (first, len(keys))
    return keys, np.column_stack(numerators), np.column_stack(denominators).astype(float), specials, spans


def replicate_headline(
    sample,
    satisfied_codes: Sequence[str] = DEFAULT_SATISFIED_CODES,
    item: str = "sat_overall",
    by: Sequence[str] = ("district", "domain", "channel"),
    ci: str = "logit",
    level: float = 0.95,
    top_codes: Sequence[str] = ("satisfied",),
    interviewer: str | None = None,
    composition: Sequence[str] = COMPOSITION,
) -> pd.DataFrame:
    """`headline`'s table from an `AdjustedSample`: weighted rates with jackknife standard errors.

    Every replicate re-runs the calibration and the nonresponse adjustment (`AdjustedSample.
    replicate_weights`), so the interval carries the uncertainty of the estimated weights. Intervals
    are `ci` (logit by default) with the design's degrees of freedom (PSUs − strata among the rows of
    each estimate). Two sensitivity rows follow the three metrics, overall only: 说不清 counted as
    不满意, and the top box alone.

    With `interviewer` (a column naming who asked each answer; missing where nobody did, as on the
    web) every estimate's variance also carries the interviewers' component
    (`analysis.interviewer_variance`, net of the answers' `composition`): `se` is then
    the total, `se_sampling` the jackknife's, `se_interviewer` the added part, and
    `interviewer_rho` / `interviewers` the measure's intra-interviewer correlation and how many
    interviewers it came from, `interviewer_sd` σ̂_b, the SD of the surveyors' shifts (what a plan
    takes as τ, `sampling.interviewers`).
    """
    recipe = sample.adjustment.recipe
    rows = np.flatnonzero(recipe.responded)
    answers = sample.cases.iloc[rows].reset_index(drop=True)
    missing_by = [c for c in by if c not in answers.columns]
    if missing_by:
        raise AnalysisError(f"by={missing_by[0]!r} is not a column of the cases")
    metrics = _metric_values(answers, satisfied_codes, item, top_codes)
    words = {**definitions(satisfied_codes, item), **sensitivity_definitions(top_codes, item)}
    keys, num, den, specials, spans = _estimands(answers, metrics, by)
    final = sample.cases["nr_weight"].to_numpy(float)[rows]
    with np.errstate(invalid="ignore", divide="ignore"):
        estimate = (num.T @ final) / (den.T @ final)
        squares = np.zeros(len(keys))
        for start, weights in sample.replicate_weights():
            w = weights[rows]
            theta = (num.T @ w) / (den.T @ w)
            rscales = sample.jackknife.rscales[start : start + w.shape[1]]
            squares += np.nansum((theta - estimate[:, None]) ** 2 * rscales[None, :], axis=1)
    se = np.sqrt(squares)
    jk = sample.jackknife
    psu, stratum = jk.psu[rows], jk.stratum[rows]
    df = np.array([len(np.unique(psu[d > 0])) - len(np.unique(stratum[d > 0])) for d in den.T], dtype=float)
    n = den.sum(axis=0)
    sampling_se = se.copy()
    extra = np.zeros(len(keys))
    rho, interviewers = np.full(len(keys), np.nan), np.zeros(len(keys), int)
    spread = np.full(len(keys), np.nan)
    who = answers[interviewer] if interviewer else None
    cells = composition_cells(answers, composition) if interviewer else None
    for metric, (begin, end) in spans.items():
        part = add_interviewer_variance(
            se[begin:end], metrics[metric][0], den[:, begin:end], final, who, cells
        )
        se[begin:end], extra[begin:end] = part.se, part.se_interviewer
        df[begin:end] = part.df(df[begin:end])
        rho[begin:end], interviewers[begin:end] = part.component.rho, part.component.interviewers
        spread[begin:end] = np.sqrt(part.component.sigma2) if part.component.interviewers else np.nan
    low, high = proportion_interval(estimate, se, df, n, ci, level)
    table = pd.DataFrame(keys, columns=["metric", "group", "level"])
    table["estimate"], table["se"], table["ci_low"], table["ci_high"] = estimate, se, low, high
    if interviewer:
        table["se_sampling"], table["se_interviewer"] = sampling_se, extra
        table["interviewer_rho"], table["interviewers"] = rho, interviewers
        table["interviewer_sd"] = spread
    table["n"], table["df"], table["excluded"] = n.astype(int), df, specials
    table["definition"] = table["metric"].map(words)
    return table[table["n"] > 0].reset_index(drop=True)
