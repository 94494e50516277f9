"""The study's unit verdict method as a page control on the studies page (researchers, admins).

Why here and not on the comparison page: the verdict method is a study setting like Γ — reports and
`verify` use it — and the roles that may change study settings work on the studies page; the reviewer
reads it on the comparison page, where a choice changes that page only. Saved through
`studies.set_verdict_method`, which checks the role and audits before and after.
"""

from __future__ import annotations

import streamlit as st

from survey_app.app import state
from survey_app.app.state import tr
from survey_app.services import studies

DEFAULT = "default"


def verdict_setting_control(current: str | None) -> None:
    """A select box of the methods (the default included) with a save button, for the settings roles."""
    if state.login().role not in studies.SETTINGS_ROLES:
        return
    st.subheader(tr("verdict.label"))
    options = [DEFAULT, *studies.VERDICT_METHODS]
    with st.form("verdict_setting"):
        picked = st.selectbox(
            tr("verdict.label"),
            options,
            index=options.index(current or DEFAULT),
            format_func={m: tr(f"verdict.{m}") for m in options}.__getitem__,  # worded at run time
            help=tr("verdict.setting_help"),
            key="verdict_setting_value",
        )
        save = st.form_submit_button(tr("verdict.setting_save"))
    if save:
        with state.action() as session:
            study = state.require_study(session)
            studies.set_verdict_method(session, state.actor(session), study, picked)
            state.flash(tr("verdict.saved", method=tr(f"verdict.{picked}")))
        if st.session_state.get(state.FLASH_KEY):
            st.rerun()
