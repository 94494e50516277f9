"""Surveyor: the own call queue — take the next case, see it masked, reveal the number, record the outcome.

The system rating of a case is never on this page (blinding); the phone number shows masked until
the surveyor presses "reveal", which the service logs.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from survey_app.app import state
from survey_app.app.queries import held_case_id
from survey_app.app.recording_widgets import REVEALED_KEY, dial_link
from survey_app.app.state import tr
from survey_app.services import dispositions, fieldwork

#: Interview outcomes come from the interview page; the rest are recorded here.
CALL_CODES = [code for code in dispositions.DISPOSITIONS if not code.startswith("1.")]

state.guard("surveyor")
st.header(tr("page.queue"))
state.show_flash()
st.caption(tr("queue.blinding"))


def _disposition_label(code: str) -> str:
    return f"{code} · {dispositions.get(code).label(state.lang())}"


with state.reading() as session:
    study = state.require_study(session)
    actor = state.actor(session)
    counts = fieldwork.my_queue(session, actor, study)
    case_id = held_case_id(session, actor, study)
    view = fieldwork.view_case(session, actor, case_id) if case_id else None

columns = st.columns(len(counts))
for column, (name, value) in zip(columns, counts.items(), strict=True):
    column.metric(tr(f"queue.{name}"), value)

if view is None:
    st.info(tr("queue.no_held"))
    if st.button(tr("queue.next"), type="primary", key="next_case"):
        with state.action() as session:
            claimed = fieldwork.next_case(session, state.actor(session), state.study(session))
            state.flash(tr("queue.case", id=claimed.id) if claimed else tr("queue.empty"))
        if st.session_state.get(state.FLASH_KEY):
            st.rerun()
    st.stop()

st.subheader(tr("queue.case", id=view.case_id))
revealed = st.session_state.get(REVEALED_KEY, {}).get(view.case_id)
left, right = st.columns(2)
left.markdown(f"**{tr('queue.recipient')}**: {view.name_masked}")
left.markdown(f"**{tr('queue.phone')}**: `{revealed or view.phone_masked}`")
dial_link(left, revealed)  # click-to-dial (tel:), only after the audited reveal
if revealed is None and left.button(tr("queue.reveal"), key="reveal_phone"):
    with state.action() as session:
        phone = fieldwork.reveal_phone(session, state.actor(session), view.case_id)
        st.session_state[REVEALED_KEY] = {view.case_id: phone}
    st.rerun()
right.markdown(
    "\n".join(
        f"- **{tr(key)}**: {value}"
        for key, value in (
            ("queue.domain", view.domain),
            ("queue.event_type", view.event_type or ""),
            ("queue.channel", view.channel),
            ("queue.district", view.district),
            ("queue.organisation", view.organisation),
            ("queue.service_date", view.service_date.isoformat()),
            ("queue.attempts", view.attempts),
        )
    )
)
if view.appointment_at:
    local = fieldwork.shanghai_time(view.appointment_at)
    st.info(f"{tr('queue.appointment')}: {local:%Y-%m-%d %H:%M} {view.appointment_note or ''}")

if st.button(tr("queue.start_interview"), type="primary", key="start_interview"):
    st.switch_page("pages/interview.py")

st.subheader(tr("queue.outcome"))
code = st.selectbox(
    tr("queue.disposition"),
    CALL_CODES,
    format_func={c: _disposition_label(c) for c in CALL_CODES}.__getitem__,
    key="disposition",
)
needs_appointment = dispositions.get(code).appointment
with st.form("outcome"):
    tomorrow = fieldwork.shanghai_time(dt.datetime.now(dt.UTC).replace(tzinfo=None)) + dt.timedelta(days=1)
    if needs_appointment:
        day = st.date_input(tr("queue.appointment_date"), value=tomorrow.date(), key="appointment_date")
        at = st.time_input(tr("queue.appointment_time"), value=dt.time(10, 0), key="appointment_time")
    note = st.text_input(tr("queue.note"), key="attempt_note")
    save = st.form_submit_button(tr("queue.record"))
if save:
    appointment_utc = None
    if needs_appointment:
        local = dt.datetime.combine(day, at, tzinfo=fieldwork.SHANGHAI)
        appointment_utc = local.astimezone(dt.UTC).replace(tzinfo=None)
    with state.action() as session:
        fieldwork.record_attempt(
            session,
            state.actor(session),
            view.case_id,
            code,
            note=note or None,
            appointment_at=appointment_utc,
        )
        state.flash(tr("queue.recorded", label=_disposition_label(code)))
    st.session_state.pop(REVEALED_KEY, None)
    if st.session_state.get(state.FLASH_KEY):
        st.rerun()

if st.button(tr("queue.release"), key="release_case"):
    with state.action() as session:
        fieldwork.release_claim(session, state.actor(session), view.case_id)
        state.flash(tr("queue.released"))
    st.session_state.pop(REVEALED_KEY, None)
    if st.session_state.get(state.FLASH_KEY):
        st.rerun()
