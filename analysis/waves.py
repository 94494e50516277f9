"""Two studies of one rating system a period apart (two waves), compared group by group.

Measure 十七 asks that what citizens found unsatisfactory be rectified (整改), and measure 十八 feeds
satisfaction into periodic assessments: the personnel office's question after a second survey is
whether a district's, domain's or channel's callback 满意率 moved, whether its gap to the rate the
system published closed, and what became of the units flagged the first time.

Two waves sample different periods' service records independently, so the change's interval combines
each wave's own interval by the method of variance estimates recovery (MOVER: Newcombe 1998's method 10
for Wilson intervals, Zou & Donner 2008 for any): it keeps each wave's design-based interval, skewed
near 100% and exact where every answer was satisfied, where a Wald difference of two standard errors
would claim certainty about a group whose 20 callbacks all said 满意. A citizen served in both periods
may answer both waves; their answers correlate positively, which makes the true variance of a
difference smaller than the independent one: the interval errs wide.

Whether a group rose or fell is a decision over many groups at once: each interval is inverted into a
p-value (the level at which it just reaches zero) and the marks are held to a false discovery rate
`WAVE_Q` within each family of one metric by one grouping (the districts of 满意率, say), by
Benjamini–Hochberg. `WAVE_Q` is 0.05 so that a group alone in its family (the overall rate) is marked
exactly when its printed 95% interval excludes zero: what the table says and what the interval shows
never disagree. What a mark does not prove: a change of the mix of modes or of who answers between the
waves moves the callback rate without any change in satisfaction (each wave's report says its modes and
response rates).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError
from analysis.intervals import proportion_interval
from analysis.multiplicity import bh

#: The false discovery rate of the rose / fell marks within one metric-by-grouping family.
WAVE_Q = 0.05
#: The level of the printed intervals (each wave's and the change's).
LEVEL = 0.95
#: What a group's row says: rose or fell (marked at `WAVE_Q`), no clear change, too few answers for an
#: interval in a wave, present in one wave only, or measured by another definition in each.
VERDICTS = ("rose", "fell", "no_clear_change", "insufficient", "only_earlier", "only_later", "redefined")
#: What became of a unit flagged in either wave (`follow_up_units`).
OUTCOMES = ("still_flagged", "no_longer_flagged", "not_judged_later", "newly_flagged")
HEADLINE_COLUMNS = ("metric", "group", "level", "estimate", "se", "n", "df", "definition")
_KEY = ["metric", "group", "level"]
_BISECTIONS = 50
#: The smallest p-value told apart (far below any level a decision uses).
P_FLOOR = 1e-14


def mover_interval(
    earlier: np.ndarray,
    earlier_low: np.ndarray,
    earlier_high: np.ndarray,
    later: np.ndarray,
    later_low: np.ndarray,
    later_high: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The interval of later − earlier from each estimate's own interval (Zou & Donner 2008, eq. 7):
    each end takes the distance to the nearer limit of each side, so a side's skewed interval keeps its
    skew in the difference."""
    change = later - earlier
    low = change - np.sqrt((later - later_low) ** 2 + (earlier_high - earlier) ** 2)
    high = change + np.sqrt((later_high - later) ** 2 + (earlier - earlier_low) ** 2)
    return low, high


def _sides(table: pd.DataFrame, ci: str, level: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return proportion_interval(
        table["estimate"].to_numpy(float),
        table["se"].to_numpy(float),
        table["df"].to_numpy(float),
        table["n"].to_numpy(float),
        ci,
        level,
    )


def _change_interval(
    earlier: pd.DataFrame, later: pd.DataFrame, ci: str, level: float | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    e_low, e_high = _sides(earlier, ci, level)
    l_low, l_high = _sides(later, ci, level)
    return mover_interval(
        earlier["estimate"].to_numpy(float), e_low, e_high, later["estimate"].to_numpy(float), l_low, l_high
    )


def change_p_values(earlier: pd.DataFrame, later: pd.DataFrame, ci: str = "logit") -> np.ndarray:
    """Per row pair, the smallest α at which the MOVER interval of level 1 − α excludes zero (the
    intervals widen as α falls, so one bisection on log α finds it); 1 where even a near-zero level's
    interval holds zero, `P_FLOOR` where even the level 1 − `P_FLOOR`'s excludes it, NaN where either
    side has no interval."""
    rows = len(earlier)
    lo = np.full(rows, np.log10(P_FLOOR))  # log10 α; a level nearer 1 than 1 − 1e-14 is not a float's
    hi = np.full(rows, np.log10(1 - 1e-9))
    excludes, untested = _excludes_zero(earlier, later, ci, 10.0**hi)
    for _ in range(_BISECTIONS):
        mid = (lo + hi) / 2
        out, _ = _excludes_zero(earlier, later, ci, 10.0**mid)
        hi, lo = np.where(out, mid, hi), np.where(out, lo, mid)
    p = np.where(excludes, 10.0**hi, 1.0)
    return np.where(untested, np.nan, p)


def _excludes_zero(
    earlier: pd.DataFrame, later: pd.DataFrame, ci: str, alpha: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Whether each interval of level 1 − α excludes zero, and where there is no interval at all."""
    low, high = _change_interval(earlier, later, ci, 1 - alpha)
    return (low > 0) | (high < 0), np.isnan(low)


def _checked(table: pd.DataFrame, which: str) -> pd.DataFrame:
    missing = [column for column in HEADLINE_COLUMNS if column not in table.columns]
    if missing:
        raise AnalysisError(f"the {which} wave's headline table lacks the column {missing[0]!r}")
    if table.duplicated(_KEY).any():
        row = table[table.duplicated(_KEY)].iloc[0]
        raise AnalysisError(
            f"the {which} wave's headline table has {row['metric']} / {row['group']} / {row['level']} twice"
        )
    return table.loc[:, list(HEADLINE_COLUMNS)]


def compare_waves(
    earlier: pd.DataFrame,
    later: pd.DataFrame,
    *,
    earlier_system: pd.DataFrame | None = None,
    later_system: pd.DataFrame | None = None,
    satisfaction: str = "满意率",
    ci: str = "logit",
    q: float = WAVE_Q,
) -> pd.DataFrame:
    """One row per metric × group × level of either headline table (`analysis.headline`'s columns):
    each wave's estimate and interval (`ci` at `LEVEL`, from its estimate, se, df and n), the change
    later − earlier with its MOVER interval and p-value, the Benjamini–Hochberg q-value within its
    metric-by-grouping family and the verdict (`VERDICTS`).

    With both `*_system` tables (`group`, `level`, `system_rate`: the rate the system published there,
    a census of its ratings) the `satisfaction` rows also carry the published rates and the change of
    the gap, published − callback, whose interval is the callback change's turned around: the census
    side has no sampling error."""
    old, new = _checked(earlier, "earlier"), _checked(later, "later")
    both = old.merge(new, on=_KEY, how="outer", suffixes=("_earlier", "_later"), indicator=True)
    pairs = both[both["_merge"] == "both"]
    sides = {
        name: pairs[[f"{column}_{name}" for column in ("estimate", "se", "n", "df")]].set_axis(
            ["estimate", "se", "n", "df"], axis=1
        )
        for name in ("earlier", "later")
    }
    result = both[_KEY].copy()
    for name, side in sides.items():
        low, high = _sides(side, ci, LEVEL)
        result.loc[pairs.index, name] = side["estimate"].to_numpy(float)
        result.loc[pairs.index, f"{name}_low"] = low
        result.loc[pairs.index, f"{name}_high"] = high
    for name, only in (("earlier", "left_only"), ("later", "right_only")):
        alone = both.index[both["_merge"] == only]
        result.loc[alone, name] = both.loc[alone, f"estimate_{name}"]
    result["earlier_n"] = both["n_earlier"]
    result["later_n"] = both["n_later"]
    result["change"] = result["later"] - result["earlier"]
    low, high = _change_interval(sides["earlier"], sides["later"], ci, LEVEL)
    result.loc[pairs.index, "change_low"] = low
    result.loc[pairs.index, "change_high"] = high
    redefined = pairs["definition_earlier"] != pairs["definition_later"]
    # measured otherwise in each study: both estimates shown, no change computed between them
    result.loc[redefined.index[redefined.to_numpy()], ["change", "change_low", "change_high"]] = np.nan
    tested = pairs.index[~redefined.to_numpy()]
    p = change_p_values(sides["earlier"], sides["later"], ci)
    result["p_value"] = np.nan
    result.loc[pairs.index, "p_value"] = np.where(redefined.to_numpy(), np.nan, p)
    result["q_value"] = np.nan
    marked = pd.Series(False, index=result.index)
    for _, family in result.loc[tested].groupby(["metric", "group"], sort=False):
        adjusted, rejected = bh(family["p_value"], q)
        result.loc[family.index, "q_value"] = adjusted
        marked[family.index] = rejected
    result["verdict"] = _verdicts(both, result, redefined, marked)
    if earlier_system is not None and later_system is not None:
        result = _with_gap(result, earlier_system, later_system, satisfaction)
    return result.reset_index(drop=True)


def _verdicts(
    both: pd.DataFrame, result: pd.DataFrame, redefined: pd.Series, marked: pd.Series
) -> np.ndarray:
    verdict = np.where(result["change"] > 0, "rose", "fell")
    verdict = np.where(marked, verdict, "no_clear_change")
    verdict = np.where(result["change_low"].isna(), "insufficient", verdict)
    verdict = np.where(both["_merge"] == "left_only", "only_earlier", verdict)
    verdict = np.where(both["_merge"] == "right_only", "only_later", verdict)
    verdict = pd.Series(verdict, index=result.index)
    verdict[redefined.index[redefined.to_numpy()]] = "redefined"
    return verdict.to_numpy()


def _with_gap(
    result: pd.DataFrame, earlier_system: pd.DataFrame, later_system: pd.DataFrame, satisfaction: str
) -> pd.DataFrame:
    for name, table in (("earlier", earlier_system), ("later", later_system)):
        missing = [column for column in ("group", "level", "system_rate") if column not in table.columns]
        if missing:
            raise AnalysisError(f"the {name} wave's system rates lack the column {missing[0]!r}")
        rates = table.set_index(["group", "level"])["system_rate"]
        keys = pd.MultiIndex.from_frame(result[["group", "level"]])
        result[f"system_{name}"] = np.where(
            result["metric"] == satisfaction, rates.reindex(keys).to_numpy(float), np.nan
        )
    system_change = result["system_later"] - result["system_earlier"]
    result["gap_change"] = system_change - result["change"]
    result["gap_change_low"] = system_change - result["change_high"]
    result["gap_change_high"] = system_change - result["change_low"]
    return result


def follow_up_units(earlier: pd.DataFrame, later: pd.DataFrame) -> pd.DataFrame:
    """Every unit flagged in either wave (units tables of `analysis.compare_units`, indexed by unit id,
    with `name`, `domain`, `status` and `inflation`): its status and estimated inflation in each wave and
    what became of it (`OUTCOMES`). A unit no longer flagged had no evidence of inflation in the later
    wave; that is not proof it stopped, and a unit the later wave could not judge says so."""
    for which, table in (("earlier", earlier), ("later", later)):
        missing = [column for column in ("name", "domain", "status", "inflation") if column not in table]
        if missing:
            raise AnalysisError(f"the {which} wave's units table lacks the column {missing[0]!r}")
    flagged_then = earlier.index[earlier["status"] == "flagged"]
    flagged_now = later.index[later["status"] == "flagged"]
    ids = flagged_then.union(flagged_now, sort=False)
    rows = []
    for unit in ids:
        before = earlier.loc[unit] if unit in earlier.index else None
        after = later.loc[unit] if unit in later.index else None
        source = after if after is not None else before
        status_then = str(before["status"]) if before is not None else "absent"
        status_now = str(after["status"]) if after is not None else "absent"
        if status_then != "flagged":
            outcome = "newly_flagged"
        elif status_now == "flagged":
            outcome = "still_flagged"
        elif status_now == "no_evidence":
            outcome = "no_longer_flagged"
        else:
            outcome = "not_judged_later"
        rows.append(
            {
                "unit": unit,
                "name": source["name"],
                "domain": source["domain"],
                "earlier_status": status_then,
                "later_status": status_now,
                "earlier_inflation": float(before["inflation"]) if before is not None else np.nan,
                "later_inflation": float(after["inflation"]) if after is not None else np.nan,
                "outcome": outcome,
            }
        )
    columns = ["unit", "name", "domain", "earlier_status", "later_status", "earlier_inflation"]
    return pd.DataFrame(rows, columns=[*columns, "later_inflation", "outcome"])
