"""Referrals and remediation (整改): the responsible office's own referrals; the supervisor's batch and
re-callback.

A responsible office (`remediation`) sees only its organisation's referrals, records the action taken
(延续服务 / 补充服务 / other) and closes them with a note. The supervisor creates referrals for the
chosen study and records the re-callback after closure. The page shows no rating, no other answer and
no satisfaction figure (the identity firewall); contact details are masked, and a full view goes
through the audited reveal.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from sampling.vocabulary import SCALES
from survey_app.app import state, tables
from survey_app.app.state import tr
from survey_app.services import referrals
from survey_app.storage.models_referrals import REFERRAL_ACTIONS

REVEALED_KEY = "referral_revealed"

login = state.guard("remediation", "supervisor", "admin")
st.header(tr("referral.page"))
state.show_flash()
st.caption(tr("referral.firewall"))
office = login.role in ("remediation", "admin")
manager = login.role in ("supervisor", "admin")

with state.reading() as session:
    actor = state.actor(session)
    if actor.role == "remediation":
        st.caption(tr("referral.organisation_of", organisation=actor.organisation_id))
    chosen = state.study(session)
    study_id = chosen.id if chosen is not None else None
    views = referrals.list_referrals(session, actor, study=chosen if actor.role == "supervisor" else None)

if manager and study_id is not None:
    st.caption(tr("referral.create_help"))
    if st.button(tr("referral.create"), key="referral_create"):
        with state.action() as session:
            made = referrals.create_referrals(session, state.actor(session), state.study(session))
            state.flash(tr("referral.created", count=made))
        if st.session_state.get(state.FLASH_KEY):
            st.rerun()

st.subheader(tr("referral.list"))
if not views:
    st.info(tr("referral.none"))
    st.stop()


def _status(code: str) -> str:
    return tr(f"referral.status.{code}")


def _action(code: str | None) -> str:
    return tr(f"referral.action.{code}") if code else ""


def _rating(code: str | None, scale: str) -> str:
    if not code:
        return ""
    if code in referrals.SPECIAL_RATINGS:
        return tr(f"referral.{code}")
    return SCALES[scale].label(code, state.lang())


st.caption(
    tr(
        "referral.counts",
        total=len(views),
        open=sum(v.status == "open" for v in views),
        progress=sum(v.status == "in_progress" for v in views),
        closed=sum(v.status == "closed" for v in views),
        overdue=sum(v.overdue for v in views),
    )
)
COLUMNS = (
    "ref_no",
    "organisation",
    "domain",
    "service_date",
    "name",
    "phone",
    "problem",
    "due",
    "status",
    "action",
    "overdue",
    "closed_at",
    "recallback",
)
rows = [
    {
        "ref_no": v.ref_no,
        "organisation": v.organisation,
        "domain": v.domain,
        "service_date": v.service_date.isoformat(),
        "name": v.name,
        "phone": v.phone,
        "problem": v.problem,
        "due": tables.shanghai(v.due_at),
        "status": _status(v.status),
        "action": _action(v.action),
        "overdue": tr("referral.yes") if v.overdue else tr("referral.no"),
        "closed_at": tables.shanghai(v.closed_at),
        "recallback": _rating(v.recallback_rating, v.scale),
    }
    for v in views
]
tables.show(
    pd.DataFrame(rows, columns=list(COLUMNS)),
    key="referrals",
    file_name="huifang-referrals.csv",
    labels={column: tr(f"referral.col.{column}") for column in COLUMNS},
)

by_id = {v.id: v for v in views}
picked = st.selectbox(
    tr("referral.pick"),
    list(by_id),
    format_func={
        i: f"{v.ref_no} · {v.organisation} · {_status(v.status)}" for i, v in by_id.items()
    }.__getitem__,
    key="referral_pick",
)
view = by_id[picked]
st.subheader(tr("referral.detail", ref_no=view.ref_no))
st.markdown(f"**{tr('referral.problem')}**: {view.problem or tr('referral.no_problem')}")
revealed = st.session_state.get(REVEALED_KEY, {}).get(view.id)
if revealed:
    st.markdown(tr("referral.contact", name=revealed[0], phone=revealed[1]))
else:
    st.markdown(tr("referral.contact", name=view.name, phone=view.phone))
    if st.button(tr("referral.reveal"), key="referral_reveal"):
        with state.action() as session:
            contact = referrals.reveal_contact(session, state.actor(session), view.id)
            st.session_state[REVEALED_KEY] = {view.id: contact}
        st.rerun()

action_labels = {code: _action(code) for code in REFERRAL_ACTIONS}
if office and view.status != "closed":
    # One form for the action and the closure: a select box in another form would not be sent with
    # the closing click, and the closure would record the default action instead of the chosen one.
    with st.form("referral_action"):
        st.markdown(f"**{tr('referral.action_form')}**")
        action = st.selectbox(
            tr("referral.action"),
            list(REFERRAL_ACTIONS),
            index=REFERRAL_ACTIONS.index(view.action) if view.action else 0,
            format_func=action_labels.__getitem__,
            key="referral_action",
        )
        note = st.text_area(
            tr("referral.action_note"), value=view.action_note or "", key="referral_action_note"
        )
        save = st.form_submit_button(tr("referral.save_action"))
        st.markdown(f"**{tr('referral.close_form')}**")
        closure = st.text_area(tr("referral.closure_note"), key="referral_closure_note")
        close = st.form_submit_button(tr("referral.close"))
    if save:
        with state.action() as session:
            referrals.record_action(session, state.actor(session), view.id, action, note)
            state.flash(tr("referral.action_saved", ref_no=view.ref_no))
        if st.session_state.get(state.FLASH_KEY):
            st.rerun()
    if close:
        with state.action() as session:
            referrals.close_referral(session, state.actor(session), view.id, closure, action=action)
            state.flash(tr("referral.closed_done", ref_no=view.ref_no))
        if st.session_state.get(state.FLASH_KEY):
            st.rerun()
elif office:
    st.info(tr("referral.is_closed"))

if manager:
    st.markdown(f"**{tr('referral.recallback_form')}**")
    if view.status != "closed":
        st.caption(tr("referral.not_closed"))
    else:
        st.caption(tr("referral.recallback_help"))
        scale = view.scale
        choices = [*SCALES[scale].codes, *referrals.SPECIAL_RATINGS]
        with st.form("referral_recallback"):
            rating = st.selectbox(
                tr("referral.recallback_rating"),
                choices,
                format_func={c: _rating(c, scale) for c in choices}.__getitem__,
                key="referral_rating",
            )
            recall_note = st.text_input(tr("referral.recallback_note"), key="referral_recall_note")
            recall = st.form_submit_button(tr("referral.save_recallback"))
        if recall:
            with state.action() as session:
                referrals.record_recallback(session, state.actor(session), view.id, rating, recall_note)
                state.flash(tr("referral.recallback_saved", ref_no=view.ref_no))
            if st.session_state.get(state.FLASH_KEY):
                st.rerun()
