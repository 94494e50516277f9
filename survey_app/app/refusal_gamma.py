"""The study's refusal-range Γ as a page control: shown to the roles that may change study settings.

Why a shared control: researchers set Γ with the other study settings (studies page), and an admin
may set it where its effect is read (comparison page); both go through `studies.set_refusal_gamma`,
which checks the role, refuses a value outside 1–10 in one sentence and audits before and after.
"""

from __future__ import annotations

import streamlit as st

from survey_app.app import state
from survey_app.app.state import tr
from survey_app.services import studies


def refusal_gamma_control(current: float) -> None:
    """A Γ input with a save button for a user who may change it, else one line saying who does."""
    if state.login().role not in studies.SETTINGS_ROLES:
        st.caption(tr("gamma.who"))
        return
    with st.form("refusal_gamma"):
        value = st.number_input(
            tr("gamma.label"),
            min_value=1.0,
            max_value=10.0,
            value=float(current),
            step=0.5,
            help=tr("gamma.help"),
            key="refusal_gamma_value",
        )
        save = st.form_submit_button(tr("gamma.save"))
    if save:
        with state.action() as session:
            study = state.require_study(session)
            before = studies.refusal_gamma(study)
            studies.set_refusal_gamma(session, state.actor(session), study, value)
            state.flash(tr("gamma.saved", before=f"{before:g}", after=f"{value:g}"))
        if st.session_state.get(state.FLASH_KEY):
            st.rerun()
