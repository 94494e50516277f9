"""The report's section on referral and remediation (measures 十二 and 十七): aggregates only.

How many respondents below 满意 agreed to be referred to the responsible organisation, how many
referrals were closed and how many on time, what was done (延续服务 / 补充服务 / other), and how
satisfied the people re-called after remediation were. Counts only: no referral, organisation or person
appears, so the section cannot link anyone's evaluation to their identity. The assembler counts what
had happened at the report's date, so a rebuild prints the same figures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from analysis.report.formatting import format_rate


@dataclass(frozen=True)
class ReferralSummary:
    """Counts at the report's date; `by_action` is ((action code, closed referrals), …)."""

    referred: int
    closed: int
    closed_on_time: int
    open_overdue: int
    by_action: tuple[tuple[str, int], ...]
    recalled: int
    recall_rated: int  # re-called people who gave a rating (not 说不清 / refused)
    recall_satisfied: int  # of those, satisfied by the study's definition of 满意率
    recall_top: int  # of those, 满意 or better
    due_days: int


ACTION_LABELS = {
    "continued_service": {"zh": "延续服务", "en": "continued service"},
    "supplementary_service": {"zh": "补充服务", "en": "supplementary service"},
    "other": {"zh": "其他", "en": "other"},
}

_TEXT = {
    "title": {"zh": "群众不满意问题的转办与整改", "en": "Referral and remediation of dissatisfaction"},
    "intro": {
        "zh": "总体评价为基本满意或不满意、并同意由责任单位联系的受访者，转办给提供该项服务的机构跟进"
        "（延续服务、补充服务等），整改后再次回访。转办单只含联系方式、所办事项和受访者对问题的描述，"
        "不含其评价和其他回答；本节只报告汇总数字。",
        "en": "Respondents who rated the service basically satisfied or dissatisfied and agreed to be "
        "contacted were referred to the organisation that provided it for follow-up (continued or "
        "supplementary service) and called again after remediation. A referral carries only contact "
        "details, the service and the respondent's own description of the problem, never their ratings "
        "or other answers; this section reports totals only.",
    },
    "none": {
        "zh": "截至本报告日期，本项目没有转办单。",
        "en": "No referrals had been made by the date of this report.",
    },
    "metric": {"zh": "指标", "en": "Measure"},
    "value": {"zh": "数值", "en": "Value"},
    "referred": {"zh": "转办", "en": "Referred"},
    "closed": {"zh": "已办结", "en": "Closed"},
    "on_time": {"zh": "按期办结（{days} 天内）", "en": "Closed on time (within {days} days)"},
    "on_time_rate": {"zh": "按期办结率", "en": "On-time closure rate"},
    "overdue": {"zh": "逾期未办结", "en": "Open past the due date"},
    "action": {"zh": "整改措施：{action}", "en": "Action: {action}"},
    "recalled": {"zh": "整改后回访", "en": "Called again after remediation"},
    "recall_rate": {
        "zh": "整改后满意率（按本项目满意率定义）",
        "en": "Satisfaction after remediation (the study's definition)",
    },
    "recall_top": {"zh": "整改后评价为满意及以上的比例", "en": "Share satisfied or better after remediation"},
    "caveat": {
        "zh": "整改后满意率只计整改后再次回访且给出评价的受访者（不含说不清和拒答），人数少时波动很大；"
        "被转办者原本都未给出“满意”，这一比例不能与全市满意率直接比较。",
        "en": "Satisfaction after remediation counts only the people called again who gave a rating "
        "(not can't say or refused); with few people it varies widely. Everyone referred had rated below "
        "'satisfied', so this share is not comparable with the overall satisfaction rate.",
    },
}


def section_text(key: str, lang: str, **values: object) -> str:
    return _TEXT[key][lang].format(**values)


def _share(part: int, whole: int) -> str:
    return format_rate(part / whole) if whole else "–"


def summary_rows(summary: ReferralSummary, lang: str) -> list[tuple[str, str]]:
    """(measure, value) rows of the section's table, in the report's language."""
    rows = [
        (section_text("referred", lang), str(summary.referred)),
        (section_text("closed", lang), str(summary.closed)),
        (section_text("on_time", lang, days=summary.due_days), str(summary.closed_on_time)),
        (section_text("on_time_rate", lang), _share(summary.closed_on_time, summary.closed)),
        (section_text("overdue", lang), str(summary.open_overdue)),
    ]
    rows += [
        (section_text("action", lang, action=ACTION_LABELS[action][lang]), str(count))
        for action, count in summary.by_action
    ]
    rows += [
        (section_text("recalled", lang), str(summary.recalled)),
        (
            section_text("recall_rate", lang),
            f"{_share(summary.recall_satisfied, summary.recall_rated)} "
            f"({summary.recall_satisfied}/{summary.recall_rated})",
        ),
        (
            section_text("recall_top", lang),
            f"{_share(summary.recall_top, summary.recall_rated)} ({summary.recall_top}/{summary.recall_rated})",
        ),
    ]
    return rows


def referral_section(
    summary: ReferralSummary,
    lang: str,
    *,
    para: Callable[..., Any],
    heading_style: Any,
    note_style: Any,
    table: Callable[[Sequence[str], Sequence[Sequence[Any]], Sequence[float]], Any],
) -> list[Any]:
    """The section's flowables, drawn with the report's own paragraph and table helpers."""
    story = [para(section_text("title", lang), heading_style), para(section_text("intro", lang))]
    if summary.referred == 0:
        return [*story, para(section_text("none", lang))]
    header = (section_text("metric", lang), section_text("value", lang))
    story.append(table(header, summary_rows(summary, lang), (4.0, 1.6)))
    return [*story, para(section_text("caveat", lang), note_style)]
