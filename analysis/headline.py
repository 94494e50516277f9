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
