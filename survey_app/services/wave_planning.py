"""Planning the next study from this one (`analysis.wave_power`): how many answers, and how many cases
released, each district (or domain, or channel) needs for the next study's comparison with this one
(`services.waves`) to find a fall or a rise of the size the office chooses.

Measure 十七 orders what citizens found unsatisfactory rectified; whether it was is the next study's
question, and a district sampled too thinly can only answer "no clear change". The plan says, before
the money is spent, which districts the next study can judge and what it costs; and where this study's
own interval is too wide for any next study to find the change, it says that instead of a size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.wave_power import DEFAULT_POWER, plan_changes
from analysis.waves import WAVE_Q
from survey_app.services import analysis_service
from survey_app.services.errors import InvalidState
from survey_app.services.waves import GROUPS, OUT_SUFFIXES

#: The metric a plan is made for: the one the assessment (measure 十八) reads.
PLANNED_METRIC = "满意率"
#: Why a group has no size, in words (`analysis.wave_power.LIMITS`).
LIMIT_WORDS = {
    "first_study": ("none: this study's interval is too wide", "无：本期区间过宽"),
    "bounds": ("none: the rate cannot move that far", "无：满意率无法变化这么多"),
    "no_interval": ("none: no interval in this study", "无：本期无区间"),
    "over_limit": ("none: over 20,000 answers", "无：需两万以上回答"),
}


@dataclass(frozen=True)
class WavePlan:
    """Per group: this study's estimate and interval, the answers and cases the next study needs for a
    fall and for a rise of `change`, the changes a next study as large as this one finds; and the
    overall row (its family has one member, so it is judged at `q` itself)."""

    study: str
    group: str
    change: float
    power: float
    alpha: float  # the two-sided level a group is judged at: q / (groups with an interval)
    groups: pd.DataFrame  # `analysis.wave_power.plan_changes`, with fall_cases and rise_cases
    overall: pd.DataFrame  # the same for the overall rate

    @property
    def family(self) -> int:
        """K, the groups with an interval in this study: the family the next comparison judges."""
        return len(self.groups) - int((self.groups["fall_limit"] == "no_interval").sum())


def _per_level(rows: pd.DataFrame, group: str | None) -> pd.Series:
    """Rows per level of `group` (overall: one level, "(all)"), indexed by the level as text."""
    counts = pd.Series({"(all)": len(rows)}) if group is None else rows.groupby(group, observed=True).size()
    counts.index = counts.index.astype(str)
    return counts


def _yields(result: analysis_service.StudyAnalysis, rows: pd.DataFrame, group: str | None) -> pd.Series:
    """Answers to the metric per case released, by level."""
    answers = rows.set_index("level")["n"].astype(float)
    return (answers / _per_level(result.cases, group).reindex(answers.index)).where(lambda y: y > 0)


def plan_next_wave(
    result: analysis_service.StudyAnalysis,
    change: float,
    *,
    group: str = "district",
    power: float = DEFAULT_POWER,
) -> WavePlan:
    """The plan for the study after `result`'s (see the module's docstring); raises `InvalidState` in
    one sentence where the study has no answer to plan from or the grouping is not one of `GROUPS`."""
    if group not in GROUPS:
        raise InvalidState(
            f"a next study is planned by {', '.join(GROUPS)}, not by {group!r}",
            zh=f"下一期只能按 {'、'.join(GROUPS)} 规划，不能按 {group!r}",
        )
    if result.third_party is None:
        raise InvalidState(
            f"study {result.study_name!r} has no answered callback yet: there is nothing to plan from",
            zh=f"调查 {result.study_name!r} 还没有完成的回访，无从规划下一期",
        )
    table = result.headline
    rows = table[(table["metric"] == PLANNED_METRIC) & (table["group"] == group)]
    overall = table[(table["metric"] == PLANNED_METRIC) & (table["group"] == "overall")]
    groups = plan_changes(rows, change, power=power, q=WAVE_Q, yields=_yields(result, rows, group))
    whole = plan_changes(overall, change, power=power, q=WAVE_Q, yields=_yields(result, overall, None))
    groups["frame_records"] = _records(result, groups["level"], group)
    whole["frame_records"] = _records(result, whole["level"], None)
    return WavePlan(result.study_name, group, change, power, groups.attrs["alpha"], groups, whole)


def _records(result: analysis_service.StudyAnalysis, levels: pd.Series, group: str | None) -> np.ndarray:
    """This study's eligible frame records per level: the next export is not known when the plan is
    made, and a group planned more cases than this one held is one to check before the draw."""
    held = _per_level(result.frame, group)
    return held.reindex(levels.astype(str)).fillna(0).astype("int64").to_numpy()


def _needed(plan_rows: pd.DataFrame) -> pd.Series:
    """Per row, the cases to release for a fall and a rise both to be found where each can be (the
    larger of the two; where only one can, that one's)."""
    return plan_rows[["fall_cases", "rise_cases"]].astype("Float64").max(axis=1, skipna=True)


def beyond_frame(plan_rows: pd.DataFrame) -> pd.Series:
    """Per row, whether the cases it needs (`_needed`) exceed this study's frame records."""
    return (_needed(plan_rows) > plan_rows["frame_records"]).fillna(False).astype(bool)


def totals(plan: WavePlan) -> dict[str, int]:
    """Cases to release over the groups with a size, groups with a size, and groups without."""
    needed = _needed(plan.groups)
    return {
        "cases": int(needed.sum(skipna=True)),
        "planned": int(needed.notna().sum()),
        "unplanned": int(needed.isna().sum()),
    }


def _share(x: float) -> str:
    return "—" if not np.isfinite(x) else f"{100 * x:.1f}"


def size_text(row: pd.Series, direction: str, lang: str = "en") -> str:
    """A row's size for a fall or a rise in words ("140 answers, 282 cases"), or why it has none."""
    zh = lang == "zh"
    if pd.isna(row[f"{direction}_answers"]):
        return LIMIT_WORDS[row[f"{direction}_limit"]][1 if zh else 0]
    answers, cases = int(row[f"{direction}_answers"]), row.get(f"{direction}_cases")
    if cases is None or pd.isna(cases):
        return f"{answers} 个回答" if zh else f"{answers} answers"
    return f"{answers} 个回答，{int(cases)} 个个案" if zh else f"{answers} answers, {int(cases)} cases"


def plan_text(plan: WavePlan) -> str:
    """What `huifang plan-wave` prints: how a group is judged, then per group its size for a fall and a
    rise, and what a next study as large as this one finds."""
    from survey_app.services.analysis_service import percent_text

    k = plan.family
    lines = [
        f"The study after {plan.study}: the answers and released cases each {plan.group} needs for its "
        f"{PLANNED_METRIC} to be found {100 * plan.change:.0f} points lower (or higher) than in "
        f"{plan.study}, with power {plan.power:.2f}. A {plan.group} is judged as `huifang waves` judges it, "
        f"at the two-sided level {WAVE_Q:g}/{k} = {plan.alpha:.4f} (a false discovery rate of {WAVE_Q:.0%} "
        f"over {k}, when it alone changes: the hardest case). Cases released per answer are this study's; "
        "the design effect is this study's, never below 1. \"This study's interval is too wide\": the next "
        "study is compared with this one's interval, and where that leaves too little room no next study, "
        "however large, finds the change with this power."
    ]
    overall = plan.overall.iloc[0]
    lines.append(
        f"Overall {percent_text(overall['estimate'])}: fall {size_text(overall, 'fall')}; "
        f"rise {size_text(overall, 'rise')}"
    )
    beyond = beyond_frame(plan.groups)
    for (_, row), over in zip(plan.groups.iterrows(), beyond, strict=True):
        held = (
            f" — more cases than this study's frame held there ({row['frame_records']} records)"
            if over
            else ""
        )
        lines.append(
            f"        {row['level']} {percent_text(row['estimate'])} ({row['n']:.0f} answers, design effect "
            f"{row['deff']:.2f}): fall {size_text(row, 'fall')}; rise {size_text(row, 'rise')}{held}; as "
            f"large as {plan.study}, it finds a fall of {_share(row['same_size_fall'])} or a rise of "
            f"{_share(row['same_size_rise'])} points"
        )
    total = totals(plan)
    lines.append(
        f"Cases to release: {total['cases']} over the {total['planned']} with a size (the larger of fall and "
        f"rise where both have one); {total['unplanned']} cannot be planned at this change."
        + (
            f" {int(beyond.sum())} need more cases than this study's frame held there: check the next "
            "export before the draw."
            if beyond.any()
            else ""
        )
    )
    return "\n".join(lines)


def write_plan(plan: WavePlan, path) -> None:
    """The plan's rows, the overall row first, as .csv (UTF-8 with a byte-order mark) or .xlsx."""
    from pathlib import Path

    from sampling.cells import write_csv, xlsx_bytes

    path = Path(path)
    if path.suffix.lower() not in OUT_SUFFIXES:
        raise InvalidState(
            f"{path.name}: write the plan as .csv or .xlsx", zh=f"{path.name}：规划只能保存为 .csv 或 .xlsx"
        )
    rows = pd.concat([plan.overall.assign(group="overall"), plan.groups.assign(group=plan.group)])
    rows = rows[["group", *[c for c in rows.columns if c != "group"]]]
    if path.suffix.lower() == ".xlsx":
        path.write_bytes(xlsx_bytes({"plan": rows}))
    else:
        write_csv(rows, path)
