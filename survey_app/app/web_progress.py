"""The supervisor's view of a web-first study's invitations: AAPOR internet-survey codes in counts.

Kept out of `pages/progress.py` (shared) so that page only calls `section()`; it reads in its own short
session and draws nothing for a CATI-only study without invitations.
"""

from __future__ import annotations

import streamlit as st

from survey_app.app import state, tables
from survey_app.app.state import tr
from survey_app.services import web_invites


def section() -> None:
    """Invitations by web outcome (the link still running counts as waiting), with a CSV download."""
    with state.reading() as session:
        study = state.require_study(session)
        design = web_invites.mode_design(study)
        outcomes = web_invites.web_outcomes(session, study)
    if not design.web_first and not outcomes:
        return
    st.subheader(tr("web.outcomes_title"))
    st.caption(tr("web.outcomes_help", days=design.web_days))
    lang = state.lang()
    rows = [
        {
            "code": code if code in web_invites.WEB_DISPOSITIONS else "—",
            "outcome": web_invites.WEB_DISPOSITIONS[code].label(lang)
            if code in web_invites.WEB_DISPOSITIONS
            else tr("web.outcome_waiting"),
            "count": count,
        }
        for code, count in sorted(outcomes.items())
    ]
    labels = {"code": tr("web.code"), "outcome": tr("web.outcome"), "count": tr("web.count")}
    tables.show(rows, key="web_outcomes", file_name="web-invitations.csv", labels=labels)
