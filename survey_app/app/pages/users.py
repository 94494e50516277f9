"""Admin: list users, create one with a role, deactivate or activate, reset a password, move a
responsible office to another organisation."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from survey_app.app import state, tables
from survey_app.app.queries import users_table
from survey_app.app.state import tr
from survey_app.services import auth
from survey_app.storage.models import ROLES

state.guard("admin")
st.header(tr("page.users"))
state.show_flash()

with state.reading() as session:
    users = auth.list_users(session, state.actor(session))
    rows = users_table(users, auth.ROLE_LABELS, state.lang())
    offices = {u.id: u.organisation_id or "" for u in users if u.role == "remediation"}
st.subheader(tr("users.list"))
tables.show(
    pd.DataFrame(rows).astype({"active": str}),
    key="users",
    file_name="huifang-users.csv",
    words=["active"],
)


def _role_label(role: str) -> str:
    return auth.ROLE_LABELS[role][state.lang()]


st.subheader(tr("users.create"))
NEW_USER_KEYS = (
    "new_username",
    "new_display_name",
    "new_role",
    "new_password",
    "new_surveyor_no",
    "new_organisation_id",
)

# the form keeps what was typed until a user is made: a refused attempt (a short password, a taken
# name) leaves every field, the role included, as the admin left it
with st.form("create_user", clear_on_submit=False):
    username = st.text_input(tr("users.username"), key="new_username")
    display_name = st.text_input(tr("users.display_name"), key="new_display_name")
    role = st.selectbox(
        tr("users.role"), ROLES, format_func={r: _role_label(r) for r in ROLES}.__getitem__, key="new_role"
    )
    password = st.text_input(tr("users.password"), type="password", key="new_password")
    surveyor_no = st.text_input(tr("users.surveyor_no"), key="new_surveyor_no")
    organisation_id = st.text_input(tr("referral.organisation_id"), key="new_organisation_id")
    create = st.form_submit_button(tr("users.submit"))
if create:
    problem = auth.password_issue(password, username.strip())
    if problem:  # the policy's own sentence, before anything is sent to the database
        st.error(auth.password_advice(problem, state.lang()))
    else:
        with state.action() as session:
            made = auth.create_user(
                session,
                state.actor(session),
                username.strip(),
                password,
                role,
                display_name=display_name.strip() or None,
                surveyor_no=(surveyor_no.strip() or None) if role == "surveyor" else None,
                organisation_id=organisation_id.strip() or None,  # kept for a responsible office only
            )
            state.flash(tr("users.created", name=made.username))
        if st.session_state.get(state.FLASH_KEY):
            for key in NEW_USER_KEYS:
                st.session_state.pop(key, None)
            st.rerun()

st.subheader(tr("users.manage"))
choices = {
    row[
        "id"
    ]: f"{row['username']} · {row['role']} · {tr('users.active') if row['active'] else tr('users.inactive')}"
    for row in rows
}
if choices:
    picked = st.selectbox(tr("users.pick"), list(choices), format_func=choices.__getitem__, key="manage_user")
    left, right = st.columns(2)
    for column, label, active in ((left, "users.deactivate", False), (right, "users.activate", True)):
        if column.button(tr(label), key=label):
            with state.action() as session:
                user = auth.set_active(session, state.actor(session), picked, active)
                state.flash(tr("users.done", name=user.username))
            if st.session_state.get(state.FLASH_KEY):
                st.rerun()
    if picked in offices:  # a responsible office: move it to another organisation (its logins end)
        with st.form("move_organisation", clear_on_submit=True):
            st.caption(tr("referral.organisation_of", organisation=offices[picked]))
            new_organisation = st.text_input(tr("referral.new_organisation"), key="move_organisation_value")
            move = st.form_submit_button(tr("referral.move_organisation"))
        if move:
            with state.action() as session:
                moved = auth.move_organisation(session, state.actor(session), picked, new_organisation)
                state.flash(tr("referral.moved", name=moved.username, organisation=moved.organisation_id))
            if st.session_state.get(state.FLASH_KEY):
                st.rerun()
    with st.form("reset_password", clear_on_submit=True):
        new_password = st.text_input(tr("users.new_password"), type="password", key="reset_password_value")
        reset = st.form_submit_button(tr("users.reset"))
    if reset:
        problem = auth.password_issue(new_password)
        if problem:
            st.error(auth.password_advice(problem, state.lang()))
        else:
            with state.action() as session:
                auth.reset_password(session, state.actor(session), picked, new_password)
                st.success(tr("users.done", name=choices[picked]))
