"""Tables as their readers expect them: headers in the tab's language, shares as percentages, times in
Shanghai, and a CSV download under every table (what is shown is what is downloaded).

Pages hand over the service's DataFrame with its own (English, code-like) column names; this module
renames them for display only, so services and their tests keep one vocabulary.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from sampling.cells import csv_bytes
from survey_app.app.state import lang, tr

SHANGHAI = ZoneInfo("Asia/Shanghai")

#: column name → (Chinese, English) header. Codes everyone in the field reads as is (RR1, COOP1, n_h)
#: keep their code in both languages.
COLUMNS: dict[str, tuple[str, str]] = {
    "id": ("编号", "ID"),
    "stratum": ("层", "Stratum"),
    "replicate": ("批次", "Replicate"),
    "surveyor": ("访员", "Surveyor"),
    "cases": ("个案数", "Cases"),
    "attempted": ("已拨打个案", "Attempted"),
    "attempts": ("拨打次数", "Attempts"),
    "contacts": ("接触", "Contacts"),
    "completes": ("完成访问", "Completes"),
    "partials": ("部分完成", "Partials"),
    "refusals": ("拒访/中断", "Refusals"),
    "finalised": ("已结案", "Finalised"),
    "N_h": ("层内总体 N_h", "Frame N_h"),
    "n_h": ("释放样本 n_h", "Released n_h"),
    "reserve_h": ("后备样本", "Reserve"),
    "expected_completes": ("预期完成数", "Expected completes"),
    "margin_of_error": ("预期误差", "Expected margin"),
    "expected_margin": ("预期误差", "Expected margin"),
    "sampling_fraction": ("抽样比", "Sampling fraction"),
    "system_rate": ("系统满意率", "System 满意率"),
    "mdi": ("最小可检出虚高", "Minimum detectable inflation"),
    "needed": ("检出所需个案", "Cases needed"),
    "status": ("状态", "Status"),
    "weight": ("权数", "Weight"),
    "metric": ("指标", "Figure"),
    "level": ("取值", "Level"),
    "estimate": ("估计值", "Estimate"),
    "ci_low": ("95% 置信下限", "95% CI low"),
    "ci_high": ("95% 置信上限", "95% CI high"),
    "n": ("人数", "n"),
    "row": ("行号", "Row"),
    "field": ("字段", "Field"),
    "value": ("原值", "Value"),
    "reason": ("原因", "Reason"),
    "action": ("处理", "Action"),
    "file": ("文件", "File"),
    "encoding": ("编码", "Encoding"),
    "rows": ("行数", "Rows"),
    "rejected": ("拒绝行数", "Rejected"),
    "kind": ("类型", "Kind"),
    "detail": ("说明", "Detail"),
    "case": ("个案", "Case"),
    "case_id": ("个案编号", "Case"),
    "username": ("用户名", "User name"),
    "display_name": ("显示名", "Display name"),
    "role": ("角色", "Role"),
    "surveyor_no": ("访员工号", "Surveyor number"),
    "active": ("启用", "Active"),
    "at": ("时间（上海）", "Time (Shanghai)"),
    "code": ("代码", "Code"),
    "outcome": ("结果", "Outcome"),
    "note": ("备注", "Note"),
    "verdict": ("核实结论", "Verdict"),
    "by": ("记录人", "By"),
    "why": ("入选原因", "Why chosen"),
}

#: values shown in tables that are words, not data: (Chinese, English)
VALUES: dict[str, tuple[str, str]] = {
    "rejected": ("已拒绝", "rejected"),
    "repaired": ("已修正", "repaired"),
    "kept": ("保留", "kept"),
    "(all)": ("（合计）", "(all)"),
    "all": ("（合计）", "(all)"),
    "True": ("是", "yes"),
    "False": ("否", "no"),
}


def header(column: str) -> str:
    """The column's header in the tab's language (the name itself when it is not in the table)."""
    texts = COLUMNS.get(str(column))
    if texts is None:
        return str(column)
    return texts[0] if lang() == "zh" else texts[1]


def word(value: Any) -> Any:
    """A table value that is a word (a state, an action) in the tab's language; data unchanged."""
    texts = VALUES.get(str(value)) if isinstance(value, str | bool) else None
    if texts is None:
        return value
    return texts[0] if lang() == "zh" else texts[1]


def shanghai(moment: dt.datetime | None) -> str:
    """A stored time (naive UTC) as Shanghai's wall clock, 'YYYY-MM-DD HH:MM'."""
    if moment is None or pd.isna(moment):
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def localise(
    data: pd.DataFrame | list[dict[str, Any]],
    *,
    labels: Mapping[str, str] | None = None,
    percent: Iterable[str] = (),
    words: Iterable[str] = (),
) -> pd.DataFrame:
    """The table as shown: `percent` columns (shares 0–1) as percentages with one decimal, `words`
    columns translated, headers from `labels` or `COLUMNS`, a percent column's header marked (%)."""
    frame = pd.DataFrame(data).copy()
    percent = [c for c in percent if c in frame.columns]
    for column in percent:
        frame[column] = (pd.to_numeric(frame[column], errors="coerce") * 100).round(1)
    for column in words:
        if column in frame.columns:
            frame[column] = frame[column].map(word)
    for column in frame.columns:  # an empty text cell shows empty, not "None"
        if frame[column].dtype == object:
            frame[column] = frame[column].where(frame[column].notna(), "")
    names = {}
    for column in frame.columns:
        name = (labels or {}).get(column) or header(column)
        names[column] = f"{name} (%)" if column in percent else name
    return frame.rename(columns=names)


#: What a table shows in a cell with no value (Streamlit's own default is the English word "None").
MISSING = "—"


def grid(data: Any, **options: Any) -> None:
    """`st.dataframe` with an empty cell shown as `MISSING`: every table of the app is drawn here."""
    st.dataframe(data, placeholder=MISSING, **options)


def show(
    data: pd.DataFrame | list[dict[str, Any]],
    *,
    key: str,
    file_name: str,
    labels: Mapping[str, str] | None = None,
    percent: Iterable[str] = (),
    words: Iterable[str] = (),
    height: int | None = None,
) -> pd.DataFrame:
    """Show the table and offer it as a CSV (UTF-8 with BOM, which Excel opens in Chinese; text cells
    neutralised against formula injection by `sampling.cells.csv_bytes`); returns the table as shown."""
    shown = localise(data, labels=labels, percent=percent, words=words)
    options: dict[str, Any] = {"hide_index": True, "width": "stretch"}
    if height is not None:
        options["height"] = height
    grid(shown, **options)
    st.download_button(
        tr("tables.download"),
        csv_bytes(shown),  # formula-injection safe, UTF-8 with BOM
        file_name=file_name,
        mime="text/csv",
        key=f"download_{key}",
    )
    return shown
