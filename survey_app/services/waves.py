"""Two studies a period apart, compared (`analysis.waves`): what `huifang waves` and the comparison
page's "against an earlier study" show.

Each study is analysed as its own report would be (its settings, its verdict method); the headline rows
compared are the three metrics and the two sensitivity rows, by overall, district, domain and channel,
not the refusal range's bounds or the rows with phase 2's cases, which are not estimates of a rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy.orm import Session

from analysis.waves import compare_waves, follow_up_units
from survey_app.services import analysis_service
from survey_app.services.errors import InvalidState
from survey_app.storage.models import Study, User

#: The headline metrics compared across waves (`analysis.headline`'s and its sensitivity rows).
COMPARED_METRICS = ("满意率", "知晓率", "首选率", "满意率·说不清计为不满意", "满意率·仅最高一档")
GROUPS = ("district", "domain", "channel")
#: The files `write_changes` writes (the command line checks the name before analysing).
OUT_SUFFIXES = (".csv", ".xlsx")


@dataclass(frozen=True)
class WaveComparison:
    """Two studies' headline rows and flagged units side by side, with what limits the comparison."""

    earlier: str
    later: str
    changes: pd.DataFrame  # `analysis.waves.compare_waves`
    units: pd.DataFrame  # `analysis.waves.follow_up_units`, with `earlier_name` where the names differ
    caveats: tuple[tuple[str, str], ...]  # (English, Chinese)
    level: str = "organisation"  # whose flags `units` follows: organisations' or staff members'


def system_rates(result: analysis_service.StudyAnalysis) -> pd.DataFrame:
    """The published 满意率 overall and per district, domain and channel: a census of the study's
    eligible rated events (`group`, `level`, `system_rate`)."""
    frame = result.frame
    satisfied = frame["system_rating"].isin(result.satisfied_codes)
    parts = [
        pd.DataFrame({"group": ["overall"], "level": ["(all)"], "system_rate": [float(satisfied.mean())]})
    ]
    for group in GROUPS:
        rates = satisfied.groupby(frame[group], observed=True).mean()
        parts.append(
            pd.DataFrame({"group": group, "level": rates.index.astype(str), "system_rate": rates.to_numpy()})
        )
    return pd.concat(parts, ignore_index=True)


def _itself(name: str) -> InvalidState:
    return InvalidState(
        f"study {name!r} cannot be compared with itself: choose an earlier study",
        zh=f"调查 {name!r} 不能与自身对比：请选择上一期调查",
    )


def compare_analyses(
    earlier: analysis_service.StudyAnalysis,
    later: analysis_service.StudyAnalysis,
    unfinished: tuple[str, ...] = (),
    *,
    staff: tuple[pd.DataFrame, pd.DataFrame] | None = None,
) -> WaveComparison:
    """The comparison of two analyses already made (the app holds the later one); `unfinished` names
    those of the two studies not yet closed. With `staff` (each study's `staff_verdicts` table) the
    flagged staff members are followed up instead of the organisations."""
    if earlier.study_id == later.study_id:
        raise _itself(later.study_name)
    for result in (earlier, later):
        if result.third_party is None:  # its headline has no row to compare
            raise InvalidState(
                f"study {result.study_name!r} has no answered callback yet: there is nothing of it to compare",
                zh=f"调查 {result.study_name!r} 还没有完成的回访，没有可对比的数字",
            )

    def rows(result: analysis_service.StudyAnalysis) -> pd.DataFrame:
        table = result.headline
        return table[table["metric"].isin(COMPARED_METRICS) & table["group"].isin(("overall", *GROUPS))]

    changes = compare_waves(
        rows(earlier), rows(later), earlier_system=system_rates(earlier), later_system=system_rates(later)
    )
    judged = staff if staff is not None else (earlier.units, later.units)
    units = follow_up_units(*judged)
    names = judged[0]["name"].reindex(units["unit"]).fillna("").astype(str).to_numpy()
    units["earlier_name"] = [
        old if old not in ("", new) else "" for old, new in zip(names, units["name"], strict=True)
    ]
    caveats = _caveats(earlier, later, units, unfinished)
    level = "organisation" if staff is None else "staff"
    return WaveComparison(earlier.study_name, later.study_name, changes, units, caveats, level)


#: How far two studies' web shares or response rates may lie apart before the comparison says so.
MIX_GAP = 0.10


def _web_share(result: analysis_service.StudyAnalysis) -> float:
    answered = result.respondents
    return float((answered["mode"] == "web").mean()) if len(answered) and "mode" in answered else 0.0


def _caveats(
    earlier: analysis_service.StudyAnalysis,
    later: analysis_service.StudyAnalysis,
    units: pd.DataFrame,
    unfinished: tuple[str, ...],
) -> tuple[tuple[str, str], ...]:
    """What limits the comparison, each (English, Chinese)."""
    from survey_app.services.analysis_service import percent_text

    said = []
    for name in unfinished:
        said.append(
            (
                f"study {name} is not closed: its figures will move as its fieldwork goes on",
                f"调查 {name} 尚未结束，随着访问继续，其数字还会变化",
            )
        )
    if set(earlier.satisfied_codes) != set(later.satisfied_codes):
        before, after = "+".join(earlier.satisfied_codes), "+".join(later.satisfied_codes)
        said.append(
            (
                f"the two studies count different answers as satisfied ({before} earlier, {after} later): "
                "their 满意率 rows are not compared",
                f"两期调查计为满意的答案不同（上期 {before}，本期 {after}），满意率各行不作对比",
            )
        )
    webs = _web_share(earlier), _web_share(later)
    if abs(webs[1] - webs[0]) >= MIX_GAP:
        shares = f"{percent_text(webs[0])} → {percent_text(webs[1])}"
        said.append(
            (
                f"the share of answers given on the web moved {shares}: a change of mode moves the "
                "rates without any change in satisfaction (each study's report compares its modes)",
                f"网上作答的比例由 {shares}：访问方式的变化本身就会改变各项比率，并不代表满意度变化"
                "（各期报告均有分方式比较）",
            )
        )
    rates = earlier.rates.get("RR3"), later.rates.get("RR3")
    if None not in rates and abs(rates[1] - rates[0]) >= MIX_GAP:
        moved = f"{percent_text(rates[0])} → {percent_text(rates[1])}"
        said.append(
            (
                f"the response rate (AAPOR RR3) moved {moved}: who answered may differ between the studies "
                "beyond what their weights correct",
                f"应答率（AAPOR RR3）由 {moved}：两期的应答者构成可能不同，权数未必能完全校正",
            )
        )
    if earlier.verdict_method != later.verdict_method:
        methods = [analysis_service.VERDICT_WORDS[r.verdict_method] for r in (earlier, later)]
        said.append(
            (
                f"units were judged by the {methods[0]['en']} earlier and by the {methods[1]['en']} later: a "
                "unit's change of status may be the method's",
                f"两期对机构的判定方法不同（上期：{methods[0]['zh']}；本期：{methods[1]['zh']}），机构状态的变化"
                "可能来自方法本身",
            )
        )
    renamed = int((units["earlier_name"] != "").sum()) if "earlier_name" in units else 0
    if renamed:
        said.append(
            (
                f"{renamed} flagged id(s) carry another organisation's name in the earlier study: check that "
                "the rating system kept its ids before reading their follow-up",
                f"{renamed} 个被标记机构的编号在上期对应另一名称：请先核实评价系统的机构编号是否沿用",
            )
        )
    return tuple(said)


def compare_studies(
    session: Session,
    earlier: Study,
    later: Study,
    actor: User | None = None,
    *,
    start=None,
    level: str = "organisation",
) -> WaveComparison:
    """Analyse both studies (as `analysis_service.analyse`, the role checked there) and compare them;
    `level` "staff" follows up the flagged staff members (`staff_verdicts`) instead of the organisations."""
    if earlier.id == later.id:  # said before two analyses of one study are made
        raise _itself(later.name)
    first = analysis_service.analyse(session, earlier, actor, start=start)
    second = analysis_service.analyse(session, later, actor, start=start)
    staff = None
    if level == "staff":
        from survey_app.services.staff_verdicts import staff_verdicts

        staff = (staff_verdicts(first, start=start), staff_verdicts(second, start=start))
    return compare_analyses(first, second, unfinished_of(earlier, later), staff=staff)


def unfinished_of(*studies: Study) -> tuple[str, ...]:
    """The names of those studies not yet closed (their figures still move)."""
    return tuple(study.name for study in studies if study.state != "closed")


#: How a verdict reads in the summary.
VERDICT_WORDS = {
    "rose": "ROSE",
    "fell": "FELL",
    "no_clear_change": "no clear change",
    "insufficient": "with too few answers in a study for an interval",
    "only_earlier": "in the earlier study only",
    "only_later": "in the later study only",
    "redefined": "defined differently in each study, not compared",
}


def _points(x: float) -> str:
    return "—" if pd.isna(x) else f"{100 * x:+.1f}"


def _row_text(row: pd.Series) -> str:
    from survey_app.services.analysis_service import percent_text

    where = "overall" if row["group"] == "overall" else f"{row['group']} {row['level']}"
    text = f"{row['metric']} {where}: {percent_text(row['earlier'])} → {percent_text(row['later'])}"
    if not pd.isna(row.get("change_low")):
        text += (
            f", change {_points(row['change'])} points (95% CI {_points(row['change_low'])} to "
            f"{_points(row['change_high'])}, q = {row['q_value']:.3g})"
        )
    text += f": {VERDICT_WORDS[row['verdict']]}"
    if not pd.isna(row.get("gap_change_low", float("nan"))):
        text += (
            f"; published {percent_text(row['system_earlier'])} → {percent_text(row['system_later'])}, so "
            f"the gap published − callback moved {_points(row['gap_change'])} points "
            f"({_points(row['gap_change_low'])} to {_points(row['gap_change_high'])})"
        )
    return text


def wave_text(comparison: WaveComparison) -> str:
    """What `huifang waves` prints: the overall rows, every marked change, the count of each verdict,
    the flagged units' follow-up and the caveats."""
    changes = comparison.changes
    lines = [
        f"Study {comparison.earlier} (earlier) against study {comparison.later} (later). A change is marked "
        "where its 95% interval, built from each study's own interval, excludes zero, at a false discovery "
        "rate of 5% among each metric's districts, domains or channels; an unmarked change is not shown to "
        "be zero, and a change in how many were called by phone or on the web, or in who answered, moves a "
        "rate without any change in satisfaction."
    ]
    lines += [_row_text(row) for _, row in changes[changes["group"] == "overall"].iterrows()]
    marked = changes[(changes["group"] != "overall") & changes["verdict"].isin(("rose", "fell"))]
    counts = changes["verdict"].value_counts()
    lines.append(
        f"Marked changes by district, domain or channel: {len(marked) or 'none'} "
        f"({len(changes)} rows: "
        + ", ".join(f"{int(counts.get(v, 0))} {VERDICT_WORDS[v]}" for v in VERDICT_WORDS if counts.get(v, 0))
        + ")"
    )
    lines += [f"        {_row_text(row)}" for _, row in marked.iterrows()]
    units = comparison.units
    whom = "Staff members" if comparison.level == "staff" else "Units"
    if units.empty:
        lines.append(f"{whom} flagged in either study: none")
    else:
        lines.append(f"{whom} flagged in either study: {len(units)}")
        for row in units.itertuples():
            renamed = f" (named {row.earlier_name} earlier)" if row.earlier_name else ""
            lines.append(
                f"        {row.unit} {row.name}{renamed} ({row.domain}): {row.earlier_status} → "
                f"{row.later_status}: {row.outcome.replace('_', ' ')}"
            )
    lines += [f"Caveat: {english}" for english, _ in comparison.caveats]
    return "\n".join(lines)


def write_changes(comparison: WaveComparison, path) -> None:
    """The whole table of changes as .csv (UTF-8 with a byte-order mark, for Excel) or .xlsx (with the
    flagged units' follow-up as a second sheet)."""
    from pathlib import Path

    from sampling.cells import write_csv, xlsx_bytes

    path = Path(path)
    if path.suffix.lower() not in OUT_SUFFIXES:
        raise InvalidState(
            f"{path.name}: write the comparison as .csv or .xlsx",
            zh=f"{path.name}：对比结果只能保存为 .csv 或 .xlsx",
        )
    if path.suffix.lower() == ".xlsx":
        path.write_bytes(xlsx_bytes({"changes": comparison.changes, "units": comparison.units}))
    else:
        write_csv(comparison.changes, path)
