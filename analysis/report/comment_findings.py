"""The report's section on the open comments (measure 十七: opinions and suggestions summarised).

What the respondents said in their own words, coded against the study's codebook: weighted theme
frequencies overall and for the flagged (or most commented) units, how well two coders agreed (Cohen's
kappa per code on the double-coded sample), and a few short quotes, anonymised (names, numbers and
addresses scrubbed by `analysis.comments.anonymise` before they reach this module).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analysis.report.errors import ReportContentError
from analysis.report.formatting import format_ci, format_count, format_rate

THEME_COLUMNS = ("label", "mentions", "comments", "estimate", "ci_low", "ci_high")
UNIT_THEME_COLUMNS = ("unit", "label", "comments", "estimate", "ci_low", "ci_high")
KAPPA_COLUMNS = ("label", "n", "agreement", "kappa", "ci_low", "ci_high")
#: Quotes are cut to this many characters (with an ellipsis): the report quotes, it does not publish.
QUOTE_CHARS = 60


@dataclass(frozen=True)
class CommentFindings:
    """The coded comments as the report prints them (tables as in `*_COLUMNS`; estimates are shares)."""

    codebook: str  # name and version
    comments: int  # comments coded
    double_coded: int
    adjudicated: int
    themes: pd.DataFrame
    units: pd.DataFrame
    kappa: pd.DataFrame
    quotes: tuple[tuple[str, str], ...] = field(default=())  # (theme label, anonymised quote)

    def __post_init__(self) -> None:
        for name, columns in (
            ("themes", THEME_COLUMNS),
            ("units", UNIT_THEME_COLUMNS),
            ("kappa", KAPPA_COLUMNS),
        ):
            frame = getattr(self, name)
            missing = [c for c in columns if c not in getattr(frame, "columns", ())]
            if missing:
                raise ReportContentError(
                    f"comments.{name}", f"lacks column(s) {', '.join(missing)}", f"Give it columns {columns}."
                )


def quote(text: str) -> str:
    """`text` cut to `QUOTE_CHARS` characters."""
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1] + "…"


_TEXT = {
    "title": {"zh": "意见建议分析", "en": "Comments and suggestions"},
    "intro": {
        "zh": "受访者的意见建议（开放题原话）按编码簿 {codebook} 编码，共 {comments} 条；其中 {double} 条由第二名"
        "编码员在看不到第一编码的情况下独立编码，{adjudicated} 处分歧经裁决。占比为有意见的受访者中提及该"
        "主题者的加权比例（权重与满意率相同），区间为 95% 置信区间。",
        "en": "The respondents' comments and suggestions (open answers, in their words) were coded with codebook "
        "{codebook}: {comments} comments; {double} of them were coded again by a second coder who could not "
        "see the first coding, and {adjudicated} disagreements were adjudicated. Shares are weighted shares "
        "of the commenting respondents who mention the theme (the satisfaction rate's weights), with 95% "
        "confidence intervals.",
    },
    "themes": {"zh": "各主题的提及比例", "en": "How often each theme is mentioned"},
    "units": {"zh": "重点单位的意见主题", "en": "Themes in the units singled out"},
    "units_note": {
        "zh": "列出评价可能虚高的单位（若无，则为意见最多的单位）中提及最多的主题；单位内意见少时区间很宽。",
        "en": "The most mentioned themes in the units flagged as possibly inflated (or, if none, the units "
        "with the most comments); with few comments in a unit the intervals are wide.",
    },
    "kappa": {"zh": "编码一致性（科恩 κ 系数）", "en": "Agreement between coders (Cohen's kappa)"},
    "kappa_note": {
        "zh": "每个代码按“是否使用”单独计算；两名编码员都没有使用的代码不列出。κ ≥ 0.6 通常视为较好的一致性。",
        "en": "Each code is taken as used or not; codes neither coder used are left out. Kappa ≥ 0.6 is "
        "commonly read as good agreement.",
    },
    "no_kappa": {
        "zh": "尚无双重编码的意见，未计算编码一致性。",
        "en": "No comment was double-coded, so agreement was not computed.",
    },
    "quotes": {"zh": "受访者原话摘录（已脱敏）", "en": "In the respondents' words (anonymised)"},
    "theme": {"zh": "主题", "en": "Theme"},
    "unit": {"zh": "单位", "en": "Unit"},
    "code": {"zh": "代码", "en": "Code"},
    "mentions": {"zh": "提及", "en": "Mentions"},
    "comments": {"zh": "有意见人数", "en": "Commenters"},
    "share": {"zh": "加权占比", "en": "Weighted share"},
    "ci": {"zh": "95% 置信区间", "en": "95% CI"},
    "n": {"zh": "双编条数", "en": "Coded twice"},
    "agreement": {"zh": "一致率", "en": "Agreement"},
    "kappa_col": {"zh": "κ 系数", "en": "Kappa"},
}


def text(key: str, lang: str, **values: object) -> str:
    template = _TEXT[key][lang]
    return template.format(**values) if values else template


def comment_section(
    findings: CommentFindings,
    lang: str,
    *,
    para: Callable[..., Any],
    heading_style: Any,
    subheading: Callable[[str], Any],
    note_style: Any,
    table: Callable[..., Any],
) -> list[Any]:
    """The section's flowables, drawn with the report's own paragraph and table helpers."""
    story: list[Any] = [
        para(text("title", lang), heading_style),
        para(
            text(
                "intro",
                lang,
                codebook=findings.codebook,
                comments=findings.comments,
                double=findings.double_coded,
                adjudicated=findings.adjudicated,
            )
        ),
        subheading(text("themes", lang)),
        table(
            [
                text("theme", lang),
                text("mentions", lang),
                text("comments", lang),
                text("share", lang),
                text("ci", lang),
            ],
            [
                [
                    r.label,
                    format_count(r.mentions),
                    format_count(r.comments),
                    format_rate(r.estimate),
                    format_ci(r.ci_low, r.ci_high),
                ]
                for r in findings.themes.itertuples()
            ],
            [3, 1, 1.2, 1.2, 2],
        ),
    ]
    if len(findings.units):
        story += [
            subheading(text("units", lang)),
            table(
                [
                    text("unit", lang),
                    text("theme", lang),
                    text("comments", lang),
                    text("share", lang),
                    text("ci", lang),
                ],
                [
                    [
                        r.unit,
                        r.label,
                        format_count(r.comments),
                        format_rate(r.estimate),
                        format_ci(r.ci_low, r.ci_high),
                    ]
                    for r in findings.units.itertuples()
                ],
                [3, 2.5, 1.2, 1.2, 2],
                numeric_from=2,
            ),
            para(text("units_note", lang), note_style),
        ]
    story.append(subheading(text("kappa", lang)))
    if len(findings.kappa):
        story += [
            table(
                [
                    text("code", lang),
                    text("n", lang),
                    text("agreement", lang),
                    text("kappa_col", lang),
                    text("ci", lang),
                ],
                [
                    [
                        r.label,
                        format_count(r.n),
                        format_rate(r.agreement),
                        _kappa(r.kappa),
                        _kappa_ci(r.ci_low, r.ci_high),
                    ]
                    for r in findings.kappa.itertuples()
                ],
                [3.5, 1, 1, 1, 2],
            ),
            para(text("kappa_note", lang), note_style),
        ]
    else:
        story.append(para(text("no_kappa", lang), note_style))
    if findings.quotes:
        story.append(subheading(text("quotes", lang)))
        story += [
            para(f"{label}：“{words}”" if lang == "zh" else f"{label}: “{words}”")
            for label, words in findings.quotes
        ]
    return story


def _kappa(value: float) -> str:
    return "—" if pd.isna(value) else f"{value:.2f}"


def _kappa_ci(low: float, high: float) -> str:
    return "—" if pd.isna(low) or pd.isna(high) else f"{low:.2f} – {high:.2f}"
