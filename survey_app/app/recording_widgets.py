"""The surveyor's side of recorded calls: a click-to-dial link after the reveal, the consent script and the
upload of the call's recording. Pages call these with one line each, so the shared pages stay small.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from survey_app.app import state
from survey_app.app.state import tr
from survey_app.services import recordings

#: Where the queue page keeps the number it revealed (and audited): {case id: number}.
REVEALED_KEY = "revealed_phone"


def tel_href(phone: str) -> str:
    """The `tel:` address of a number: digits only (a leading + kept), nothing a browser could misread."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return f"tel:{'+' if phone.strip().startswith('+') else ''}{digits}"


def dial_link(place: Any, phone: str | None) -> None:
    """A click-to-dial link (`tel:`) in `place`, for a number already revealed; nothing otherwise."""
    if phone:
        place.markdown(f"[{tr('recording.dial', phone=phone)}]({tel_href(phone)})")


def revealed(case_id: int) -> str | None:
    """The number this tab revealed for the case on the queue page, if it did."""
    return st.session_state.get(REVEALED_KEY, {}).get(case_id)


def _seconds(value: float | None) -> str:
    return tr("recording.seconds", seconds=value) if value else "—"


def call_panel(case_id: int, *, expanded: bool = False) -> None:
    """On the interview page: the dial link (if the number was revealed), the consent script to read,
    and the upload of this call's recording, confirmed against the script."""
    dial_link(st, revealed(case_id))
    with state.reading() as session:
        study = state.require_study(session)
        script = recordings.consent_script(study)
        existing = recordings.pending_recording(session, state.actor(session), case_id)
        has_one = (existing.duration_seconds,) if existing is not None else None
    with st.expander(tr("recording.panel"), expanded=expanded):
        st.caption(tr("recording.script_intro"))
        st.info(script)
        if has_one is not None:
            st.caption(tr("recording.has_one", seconds=_seconds(has_one[0])))
        with st.form(f"recording-{case_id}", clear_on_submit=True):
            read = st.checkbox(tr("recording.consent_read"), key=f"recording_consent_{case_id}")
            upload = st.file_uploader(
                tr("recording.file", mb=recordings.MAX_BYTES // 2**20),
                type=list(recordings.FORMATS),
                key=f"recording_file_{case_id}",
            )
            attach = st.form_submit_button(tr("recording.attach"))
        if attach:
            if upload is None:
                st.error(tr("recording.choose_file"))
                return
            with state.action() as session:
                recording = recordings.upload(
                    session, state.actor(session), case_id, upload.getvalue(), upload.name, consent_read=read
                )
                st.success(tr("recording.attached", sha=recording.sha256[:12]))
