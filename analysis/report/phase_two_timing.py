"""What the readers of the rate test of expanded units are told about when each phase was called.

Why one module: the comparison page, `huifang analyse` and the report say the same sentences, and
the caution follows one rule (`analysis.phase_two_test.called_later`): the test reads both phases'
answers as one sample, and phase 2, called later about services just as old, answers lower where
memory of a good service fades. The test allows for the fade phase 1's answers show
(`phase_two_test.fade_adjusted`), not for one phase 1 cannot see (ARCHITECTURE.md, "Phase 2 called
later").
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from analysis.phase_effect import AGREEMENT_LEVEL, PhaseEffect
from analysis.phase_two_test import FADE_MIN_UNITS, Fade, called_later
from analysis.report.formatting import format_count, format_p, format_points, format_points_ci
from analysis.report.i18n import text


def timing_sentences(days: Mapping[int, float], fade: Fade | None, lang: str) -> tuple[list[str], str | None]:
    """(what is said, the caution or None): the median days from service to callback of each phase,
    how phase 1's satisfied answers changed a week later after the service (the test allows for it,
    `phase_two_test.fade_adjusted`), and the caution where phase 2 was called much later — that a fade
    phase 1 cannot see is not allowed for, or, with no fade measured, that none is; nothing until both
    phases have answers."""
    first, second = days.get(1, float("nan")), days.get(2, float("nan"))
    if not (np.isfinite(first) and np.isfinite(second)):
        return [], None
    said = [text("phase2_days", lang, first=f"{first:.0f}", second=f"{second:.0f}")]
    if fade is not None:
        said.append(
            text(
                "phase2_fade",
                lang,
                points=format_points(fade.per_week),
                low=format_points(fade.low),
                high=format_points(fade.high),
                answers=format_count(fade.answers),
            )
        )
        if fade.by_domain:
            said.append(_by_domain(fade, lang))
    if not called_later(days):
        return said, None
    return said, text("phase2_later" if fade is not None else "phase2_later_unmeasured", lang)


def _by_domain(fade: Fade, lang: str) -> str:
    """Each measured domain's own fade with its 95% interval, and that each unit's test allows for its
    domain's (`phase_two_test.fade_adjusted`)."""
    parts = [
        f"{domain} {format_points(own.per_week)} {format_points_ci(*own.interval)}"
        for domain, own in sorted(fade.by_domain.items())
    ]
    domains = ("；" if lang == "zh" else "; ").join(parts)
    return text("phase2_fade_domains", lang, domains=domains, units=FADE_MIN_UNITS)


def phase_effect_sentence(effect: PhaseEffect | None, lang: str) -> str:
    """Whether phase 2's answers agree with phase 1's (`analysis.phase_effect`), said under the 满意率
    with phase 2's cases, and what a small p means for the expanded units' two-phase test ("" before
    a phase 2 anyone answered in)."""
    if effect is None:
        return ""
    return text(
        "phase2_effect",
        lang,
        points=format_points(effect.difference),
        ci=format_points_ci(*effect.interval()),
        p=format_p(effect.p_value),
        answers=format_count(effect.phase_two_answers),
        level=f"{AGREEMENT_LEVEL:g}",
    )
