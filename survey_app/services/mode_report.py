"""The report's mixed-mode figures from a stored study: web outcomes, rates by mode, the adjustment.

Why here: `analysis.modes` and `analysis.report.modes_section` know nothing of storage; this joins the
analysed respondents (their final weights and answers) with each interview's mode, and the web
invitations with their AAPOR internet codes at the report's date, so a rebuild prints the same figures.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.headline import satisfaction_indicator
from analysis.interviewer_variance import composition_cells
from analysis.modes import mode_adjusted
from analysis.report.modes_section import ModeSummary
from survey_app.services import web_invites
from survey_app.storage.models import Case, Interview, Study

SATISFACTION_ITEM = "sat_overall"
#: Where web and telephone answers are compared: the same stratum and the same system rating, given
#: before either from what the citizen thought, so a citizen who chose the web for being satisfied is
#: compared with the satisfied on the phone (ARCHITECTURE.md, "Mode adjustment").
MODE_CELLS = ("stratum", "system_rating")


def mode_summary(
    session: Session, study: Study, respondents: Any, *, lang: str = "zh", as_of: dt.datetime
) -> ModeSummary | None:
    """The section's figures; None for a CATI-only study without a single web interview."""
    design = web_invites.mode_design(study)
    modes = dict(
        session.execute(
            select(Interview.id, Interview.mode)
            .join(Case, Case.id == Interview.case_id)
            .where(Case.study_id == study.id)
        ).all()
    )
    if not design.web_first and "web" not in modes.values():
        return None
    data = respondents.assign(
        cell=composition_cells(respondents, MODE_CELLS),
        mode=respondents["interview_id"].map(modes).fillna("cati"),
        weight=respondents["nr_weight"],
        value=satisfaction_indicator(respondents[SATISFACTION_ITEM], tuple(study.satisfied_codes)),
    )
    estimates = mode_adjusted(data)
    by_mode = estimates.by_mode.set_index("mode")
    outcomes = web_invites.web_outcomes(session, study, now=as_of)
    invitations = tuple(
        (code, web_invites.WEB_DISPOSITIONS[code].label(lang), count)
        for code, count in sorted(outcomes.items())
        if code in web_invites.WEB_DISPOSITIONS
    )
    pending = outcomes.get("pending", 0)
    if pending:
        invitations += (("—", "链接仍有效" if lang == "zh" else "link still open", pending),)
    return ModeSummary(
        design=design.design,
        web_days=design.web_days,
        invitations=invitations,
        cati_n=int(by_mode.loc["cati", "n"]),
        web_n=int(by_mode.loc["web", "n"]),
        cati_rate=float(by_mode.loc["cati", "rate"]),
        web_rate=float(by_mode.loc["web", "rate"]),
        effect=float(estimates.effect),
        cells=len(estimates.cells),
        unadjusted=float(estimates.unadjusted),
        adjusted=float(estimates.adjusted),
    )
