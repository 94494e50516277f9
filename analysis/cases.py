"""Case-level comparison: the system's rating against the callback answer on the same case.

Flags per case (each needs the callback answers; a case without an interview gets no flags):

- `rated_by_other`: `who_rated` is `other` — someone else rated (代评).
- `not_rated`: `who_rated` is `not_rated` while the system holds a rating (every frame case does). Kept
  apart from `rated_by_other`: people forget that they rated, so honest units have a sizeable
  background of it (a default rating when the window closes is another cause).
- `service_denied`: `received_service` = `no`, or `identity` = `no` (the named person says it was not
  them) — 虚假评价.
- `staff_asked`: `staff_asked_rating` = `yes` — coaching.
- `contradicted`: system rating satisfied but callback answer on the dissatisfied side, or the reverse
  (under the study's satisfied codes; dk/refused answers contradict nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.agreement import Agreement, agreement
from analysis.design import Design, Estimate
from analysis.errors import AnalysisError
from sampling.vocabulary import DEFAULT_SATISFIED_CODES, SCALES

FLAGS = ("rated_by_other", "not_rated", "service_denied", "staff_asked", "contradicted")


def _text(cases: pd.DataFrame, column: str) -> pd.Series:
    if column not in cases.columns:
        return pd.Series(pd.NA, index=cases.index, dtype="string")
    return cases[column].astype("string")


def _is(series: pd.Series, *codes: str) -> pd.Series:
    return series.isin(codes).fillna(False).astype(bool)


def paired_table(
    cases: pd.DataFrame,
    scale: str = "justice3",
    system_col: str = "system_rating",
    answer_col: str = "sat_overall",
) -> pd.DataFrame:
    """Counts of system rating (rows) × callback answer (columns), both in the scale's order.

    Answers off the scale (dk, refused, not asked) are left out; count them with `answer_col` itself.
    """
    if scale not in SCALES:
        raise AnalysisError(f"scale {scale!r} is unknown; use one of {', '.join(SCALES)}")
    for column in (system_col, answer_col):
        if column not in cases.columns:
            raise AnalysisError(f"cases lack the column {column!r}")
    codes = SCALES[scale].codes
    system = pd.Categorical(cases[system_col].where(cases[system_col].isin(codes)), categories=codes)
    answer = pd.Categorical(cases[answer_col].where(cases[answer_col].isin(codes)), categories=codes)
    table = pd.crosstab(system, answer, dropna=False).reindex(index=codes, columns=codes, fill_value=0)
    table.index.name, table.columns.name = system_col, answer_col
    return table


def case_flags(
    cases: pd.DataFrame,
    satisfied_codes: Sequence[str] = DEFAULT_SATISFIED_CODES,
    scale: str = "justice3",
    system_col: str = "system_rating",
    answer_col: str = "sat_overall",
) -> pd.DataFrame:
    """The five flags per case (booleans) plus `any_flag`, indexed like `cases`."""
    who = _text(cases, "who_rated")
    has_rating = (
        cases[system_col].notna() if system_col in cases.columns else pd.Series(True, index=cases.index)
    )
    codes = SCALES[scale].codes
    satisfied = [c for c in codes if c in set(satisfied_codes)]
    unsatisfied = [c for c in codes if c not in set(satisfied_codes)]
    system = _text(cases, system_col)
    answer = _text(cases, answer_col)
    flags = pd.DataFrame(
        {
            "rated_by_other": _is(who, "other"),
            "not_rated": _is(who, "not_rated") & has_rating,
            "service_denied": _is(_text(cases, "received_service"), "no")
            | _is(_text(cases, "identity"), "no"),
            "staff_asked": _is(_text(cases, "staff_asked_rating"), "yes"),
            "contradicted": (_is(system, *satisfied) & _is(answer, *unsatisfied))
            | (_is(system, *unsatisfied) & _is(answer, *satisfied)),
        },
        index=cases.index,
    )
    flags["any_flag"] = flags[list(FLAGS)].any(axis=1)
    return flags


def not_own_rating(cases: pd.DataFrame, system_col: str = "system_rating") -> pd.Series:
    """Cases whose system rating is not the citizen's own: rated by someone else, or service denied."""
    flags = case_flags(cases, system_col=system_col)
    return flags["rated_by_other"] | flags["service_denied"]


def unsupported_rating(
    cases: pd.DataFrame,
    scale: str = "justice3",
    system_col: str = "system_rating",
    answer_col: str = "sat_overall",
) -> pd.Series:
    """Cases whose system rating the citizen does not back: rated by someone else, service denied,
    or a system rating better than the citizen's own answer on the scale.

    The unit-level integrity test counts these; in an honest unit they are rare (recall, a relative
    who rated), in a unit that intercepts ratings they are common.
    """
    flags = case_flags(cases, scale=scale, system_col=system_col, answer_col=answer_col)
    order = {code: i for i, code in enumerate(SCALES[scale].codes)}
    system = (
        cases[system_col].map(order) if system_col in cases.columns else pd.Series(np.nan, index=cases.index)
    )
    answer = (
        cases[answer_col].map(order) if answer_col in cases.columns else pd.Series(np.nan, index=cases.index)
    )
    better = (system < answer).fillna(False).astype(bool)
    return flags["rated_by_other"] | flags["service_denied"] | better


@dataclass(frozen=True)
class CaseComparison:
    table: pd.DataFrame  # paired counts, scale order
    agreement: Agreement | None  # None when no case has both a rating and an on-scale answer
    flags: pd.DataFrame  # per case
    flag_counts: pd.Series  # cases flagged, per flag


def compare_cases(
    cases: pd.DataFrame,
    satisfied_codes: Sequence[str] = DEFAULT_SATISFIED_CODES,
    scale: str = "justice3",
    weights: str = "linear",
) -> CaseComparison:
    """Paired table, agreement statistics and flags for interviewed cases."""
    table = paired_table(cases, scale)
    stats = agreement(table, weights=weights, satisfied=satisfied_codes) if table.to_numpy().sum() else None
    flags = case_flags(cases, satisfied_codes, scale)
    return CaseComparison(table, stats, flags, flags.sum().astype(int))


def paired_difference(
    design: Design,
    satisfied_codes: Sequence[str] = DEFAULT_SATISFIED_CODES,
    system_col: str = "system_rating",
    answer_col: str = "sat_overall",
    level: float = 0.95,
) -> Estimate:
    """Design-based mean of (system satisfied − callback satisfied) over cases with an on-scale answer.

    "Are the ratings themselves inflated?": positive means the system says 满意 more often than the same
    people do on the phone. Sharper than comparing two rates, because each case is its own control.
    """
    data = design.data
    scale_codes = {code for scale in SCALES.values() for code in scale.codes}
    answer = data[answer_col].astype("string")
    on_scale = answer.isin(scale_codes).fillna(False).to_numpy() & data[system_col].notna().to_numpy()
    sat = set(satisfied_codes)
    difference = data[system_col].isin(sat).to_numpy(float) - answer.isin(sat).fillna(False).to_numpy(float)
    return design.mean(np.where(on_scale, difference, np.nan), level=level)


def agreement_by_lag(
    cases: pd.DataFrame,
    lag: str = "lag_days",
    bins: Sequence[float] = (0, 7, 14, 30, 60, np.inf),
    scale: str = "justice3",
    satisfied_codes: Sequence[str] = DEFAULT_SATISFIED_CODES,
) -> pd.DataFrame:
    """Agreement of system rating and callback answer by days between service and callback.

    Recall fades: if agreement falls with the lag, late callbacks measure memory as much as the
    service. `lag` names a column of whole days (callback date − service date). One row per bin
    [a, b): cases with an on-scale answer, exact agreement, kappa with its interval, contradicted share.
    """
    if lag not in cases.columns:
        raise AnalysisError(f"cases lack the lag column {lag!r} (days between service and callback)")
    groups = pd.cut(cases[lag], bins=list(bins), right=False)
    rows = []
    for interval, part in cases.groupby(groups, observed=False):
        table = paired_table(part, scale)
        n = int(table.to_numpy().sum())
        row = {"lag": str(interval), "cases": n, "agreement": np.nan, "kappa": np.nan}
        row.update({"kappa_low": np.nan, "kappa_high": np.nan, "contradicted": np.nan})
        if n:
            stats = agreement(table, satisfied=satisfied_codes)
            row.update(
                agreement=float(np.trace(table.to_numpy()) / n),
                kappa=stats.kappa,
                kappa_low=stats.kappa_ci[0],
                kappa_high=stats.kappa_ci[1],
                contradicted=float(case_flags(part, satisfied_codes, scale)["contradicted"].sum() / n),
            )
        rows.append(row)
    return pd.DataFrame(rows).set_index("lag")
