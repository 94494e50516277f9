"""The report's section on a mixed-mode study: web invitations, answers by mode, the mode adjustment.

Why a section of its own: once some respondents answer on the web, the published 满意率 mixes two
ways of asking. The section states how many answered in each mode, the 满意率 in each, the web − CATI
difference estimated within strata (`analysis.modes`), and the headline with the web answers adjusted
to the telephone reference — beside the headline as estimated, which the rest of the report uses.
Totals only; no person appears. The web invitations' outcomes use AAPOR's codes for internet surveys
of specifically named persons.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from analysis.report.formatting import format_rate


@dataclass(frozen=True)
class ModeSummary:
    """What the section prints; rates are weighted shares in [0, 1] (NaN when unknown)."""

    design: str  # web_first | cati_only
    web_days: int
    invitations: tuple[tuple[str, str, int], ...]  # (AAPOR code, label in the report's language, count)
    cati_n: int
    web_n: int
    cati_rate: float
    web_rate: float
    effect: float  # web − CATI within cells (stratum × system rating), pooled
    cells: int  # cells holding both modes
    unadjusted: float
    adjusted: float


_TEXT = {
    "title": {"zh": "网上自填与电话回访（混合模式）", "en": "Web self-completion and telephone (mixed mode)"},
    "intro": {
        "zh": "本项目先以短信发送一次性链接邀请受访者网上自填（链接 {days} 天内有效，须输入手机号码后四位），"
        "逾期未答的个案转入电话回访。网上与电话使用同一份问卷和同一答案存储。",
        "en": "Respondents were first invited by SMS to answer on the web through a one-time link (valid for "
        "{days} days, opened with the last four digits of their number); cases unanswered by then were "
        "called. Both modes use the same questionnaire and the same answer store.",
    },
    "invitations": {
        "zh": "网上邀请结果（AAPOR 网络调查代码）",
        "en": "Web invitations (AAPOR internet codes)",
    },
    "count": {"zh": "数量", "en": "Count"},
    "metric": {"zh": "指标", "en": "Measure"},
    "value": {"zh": "数值", "en": "Value"},
    "cati": {"zh": "电话回访 满意率（{n} 人）", "en": "Telephone satisfaction ({n} respondents)"},
    "web": {"zh": "网上自填 满意率（{n} 人）", "en": "Web satisfaction ({n} respondents)"},
    "effect": {
        "zh": "方式效应：网上 − 电话（{cells} 个“层 × 系统评价”单元内估计）",
        "en": "Mode effect: web − telephone (cells of stratum × system rating with both modes: {cells})",
    },
    "unadjusted": {"zh": "满意率（按实际作答方式）", "en": "Satisfaction as answered"},
    "adjusted": {
        "zh": "满意率（网上答案调整至电话口径）",
        "en": "Satisfaction, web answers adjusted to telephone",
    },
    "method": {
        "zh": "调整方法：在同时有两种方式作答的各单元（同一抽样层、同一系统评价）内，比较网上与电话的加权满意率，"
        "按各单元网上受访者权重合并得到方式效应 δ；每个网上答案按减去 δ 计入，其余估计方法不变，即调整后满意率 = "
        "满意率 − δ × 网上权重占比。受访者自行选择作答方式；按系统评价分组比较，可去除一部分因本来满意程度不同而"
        "选择不同方式的差异，但无法全部去除，因此调整值作为敏感性参考，报告其余部分使用按实际作答方式的估计。",
        "en": "Method: within every cell (the same stratum and system rating) where both modes answered, the "
        "weighted satisfaction of web and telephone answers is compared, and the differences are pooled "
        "with the web respondents' weights into the mode effect δ; every web answer then counts as its "
        "value minus δ, so the adjusted rate = rate − δ × web share of the weight. Respondents chose their "
        "mode; comparing them within the system's rating takes out part of the difference between those "
        "who chose the web because they were more (or less) satisfied, not all of it, so the adjusted "
        "figure is a sensitivity check, and the rest of the report uses the estimate as answered.",
    },
    "unknown": {
        "zh": "没有同时有两种方式作答的单元（同一抽样层、同一系统评价），无法估计方式效应。",
        "en": "No cell (the same stratum and system rating) has answers in both modes, so the mode effect "
        "cannot be estimated.",
    },
}


def section_text(key: str, lang: str, **values: object) -> str:
    return _TEXT[key][lang].format(**values)


def _rate(value: float) -> str:
    return "–" if math.isnan(value) else format_rate(value)


def _points(value: float, lang: str) -> str:
    if math.isnan(value):
        return "–"
    points = 100 * value
    return f"{points:+.1f} 个百分点" if lang == "zh" else f"{points:+.1f} points"


def summary_rows(summary: ModeSummary, lang: str) -> list[tuple[str, str]]:
    """(measure, value) rows of the by-mode table, in the report's language."""
    return [
        (section_text("cati", lang, n=summary.cati_n), _rate(summary.cati_rate)),
        (section_text("web", lang, n=summary.web_n), _rate(summary.web_rate)),
        (section_text("effect", lang, cells=summary.cells), _points(summary.effect, lang)),
        (section_text("unadjusted", lang), _rate(summary.unadjusted)),
        (section_text("adjusted", lang), _rate(summary.adjusted)),
    ]


def mode_section(
    summary: ModeSummary,
    lang: str,
    *,
    para: Callable[..., Any],
    heading_style: Any,
    note_style: Any,
    table: Callable[[Sequence[str], Sequence[Sequence[Any]], Sequence[float]], Any],
) -> list[Any]:
    """The section's flowables, drawn with the report's own paragraph and table helpers."""
    story = [
        para(section_text("title", lang), heading_style),
        para(section_text("intro", lang, days=summary.web_days)),
    ]
    if summary.invitations:
        header = (section_text("invitations", lang), section_text("count", lang))
        rows = [(f"{code} {label}", str(count)) for code, label, count in summary.invitations]
        story.append(table(header, rows, (4.0, 1.6)))
    header = (section_text("metric", lang), section_text("value", lang))
    story.append(table(header, summary_rows(summary, lang), (4.0, 1.6)))
    story.append(para(section_text("method" if summary.cells else "unknown", lang), note_style))
    return story
