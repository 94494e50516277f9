"""How the report prints numbers. Tests and the app use these same functions, so figures match."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from zoneinfo import ZoneInfo

NOT_AVAILABLE = "–"
#: A minimum detectable inflation beyond the largest inflation the unit model holds (50 points), as report
#: content holds it (content is finite; `analysis.report.content`'s `min_detectable`).
MDI_BEYOND = 1.0

#: where the report's readers are: every time in a report is shown in this zone (+08:00)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_rate(value: float | None, decimals: int = 1) -> str:
    """A proportion 0..1 as a percentage: 0.8734 → '87.3%'."""
    if _missing(value):
        return NOT_AVAILABLE
    return f"{100 * value:.{decimals}f}%"


def format_points(value: float | None, decimals: int = 1) -> str:
    """A difference of proportions in percentage points, signed: 0.052 → '+5.2'."""
    if _missing(value):
        return NOT_AVAILABLE
    text = f"{100 * value:+.{decimals}f}"
    return "0.0" if text in ("+0.0", "-0.0") else text


def format_mdi(value: float | None) -> str:
    """A minimum detectable inflation in whole points: 0.312 → '31'; not even 50 points — the content's
    `MDI_BEYOND`, or ``inf`` as `compare_units` gives it — '>50'."""
    if _missing(value):
        return NOT_AVAILABLE
    return ">50" if float(value) >= MDI_BEYOND else f"{100 * float(value):.0f}"


def format_ci(low: float | None, high: float | None, decimals: int = 1) -> str:
    """A confidence interval of proportions: '[85.1%, 89.2%]'."""
    if _missing(low) or _missing(high):
        return NOT_AVAILABLE
    return f"[{format_rate(low, decimals)}, {format_rate(high, decimals)}]"


def format_points_ci(low: float | None, high: float | None, decimals: int = 1) -> str:
    """A confidence interval of a difference in percentage points: '[+1.2, +8.9]'."""
    if _missing(low) or _missing(high):
        return NOT_AVAILABLE
    return f"[{format_points(low, decimals)}, {format_points(high, decimals)}]"


def format_count(value: int | float | None) -> str:
    """A count with thousands separators: 5000 → '5,000'."""
    if _missing(value):
        return NOT_AVAILABLE
    return f"{int(value):,}"


def format_number(value: float | None, decimals: int = 3) -> str:
    """A statistic such as kappa or chi-square: 0.61234 → '0.612'."""
    if _missing(value):
        return NOT_AVAILABLE
    return f"{value:.{decimals}f}"


def format_df(value: float | None) -> str:
    """Degrees of freedom: whole numbers without decimals, others with one."""
    if _missing(value):
        return NOT_AVAILABLE
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def format_p(value: float | None) -> str:
    """A p- or q-value: three decimals, '<0.001' below that."""
    if _missing(value):
        return NOT_AVAILABLE
    if value < 0.001:
        return "<0.001"
    return f"{value:.3f}"


def format_date(value: dt.date) -> str:
    """ISO date: '2026-11-26'."""
    return value.strftime("%Y-%m-%d")


def format_datetime(value: dt.datetime) -> str:
    """ISO date and time to the second, with the offset when the value has one.

    An aware time is shown in Beijing time (+08:00): the report's readers are in Shanghai, and the app
    shows every time the same way, so a time in the PDF and on the auditor's page can be compared at a
    glance. The offset is printed, so nothing is ambiguous.
    """
    if value.tzinfo is not None:
        value = value.astimezone(SHANGHAI)
    text = value.strftime("%Y-%m-%d %H:%M:%S")
    offset = value.strftime("%z")
    if offset:
        text += f" {offset[:3]}:{offset[3:]}"
    return text


def format_hash(value: str) -> str:
    """A SHA-256 in full, lower case: auditors compare every character."""
    return value.strip().lower()


def format_flag(value: bool, lang: str) -> str:
    if lang == "zh":
        return "是" if value else "否"
    return "yes" if value else "no"


#: how `sampling.risk` names a suspicious unit's own stratum, and how `sampling.selection` joins strata
RISK_PREFIX = "risk:"
STRATA_SEPARATOR = "|"


def format_stratum(stratum: object, lang: str, names: Mapping[str, str] | None = None) -> str:
    """A stratum key in words: "risk:ORG0057" → "重点单位：ORG0057 某调解委员会" (en "risk unit: …"), with
    the unit's name when `names` knows it; strata of several variables "浦东新区|公证" → "浦东新区 × 公证"."""
    text = str(stratum)
    if text.startswith(RISK_PREFIX):
        unit = text.removeprefix(RISK_PREFIX)
        name = (names or {}).get(unit)
        label = f"{unit} {name}" if name else unit
        return f"重点单位：{label}" if lang == "zh" else f"risk unit: {label}"
    return " × ".join(text.split(STRATA_SEPARATOR))


def plural(count: float, singular: str, plural: str | None = None) -> str:
    """The English word for `count` of something: 1 → `singular`, any other count → `plural`
    (default: `singular` + "s"). Chinese needs none: it counts with measure words."""
    return singular if count == 1 else (plural if plural is not None else singular + "s")
