"""Supervisor: listen back to recorded calls beside the case's interview; every playback is audited.

The list shows no audio and no personal data. Pressing "play" decrypts one recording through
`services.recordings.play` (which checks its SHA-256 and writes the audit entry); the tab keeps only
that one recording's audio for its player until another is played.
"""

from __future__ import annotations

import streamlit as st

from survey_app.app import state, tables
from survey_app.app.state import tr
from survey_app.services import recordings

PLAYING_KEY = "recording_playing"
SHOWN = (
    "recording",
    "case_id",
    "attempt",
    "disposition",
    "surveyor",
    "attached_by",
    "source",
    "consent",
    "seconds",
)

state.guard("supervisor")
st.header(tr("recording.page"))
state.show_flash()

with state.reading() as session:
    study = state.require_study(session)
    table = recordings.recordings_table(session, state.actor(session), study)

if table.empty:
    st.info(tr("recording.none"))
    st.stop()

st.subheader(tr("recording.list"))
st.caption(tr("recording.list_help"))
shown = table.assign(
    source=table["source"].map(lambda s: tr(f"recording.source.{s}")),
    consent=table["consent"].map(lambda s: tr(f"recording.consent_{s}")),
    seconds=table["seconds"].round(1),
    attached_at=table["attached_at"].map(tables.shanghai),
    status=table["status"].map(lambda s: tr(f"recording.status.{s}")),
)[[*SHOWN, "attached_at", "status"]]
tables.show(
    shown,
    key="recordings",
    file_name="recordings.csv",
    labels={column: tr(f"recording.col.{column}") for column in (*SHOWN, "attached_at", "status")},
)

by_id = table.set_index("recording")
options = [int(i) for i in by_id.index]
labels = {
    i: tr("recording.option", id=i, case=int(by_id.at[i, "case_id"]), attempt=int(by_id.at[i, "attempt"]))
    for i in options
}
chosen = st.selectbox(tr("recording.choose"), options, format_func=labels.__getitem__, key="recording_pick")
row = by_id.loc[chosen]

left, right = st.columns(2)
with left:
    if row["status"] == "purged":
        st.info(tr("recording.purged"))
    elif st.button(tr("recording.play"), key="play_recording", type="primary"):
        with state.action() as session:
            played = recordings.play(session, state.actor(session), state.study(session), chosen)
            st.session_state[PLAYING_KEY] = (played.recording_id, played.data, played.mime_type)
    playing = st.session_state.get(PLAYING_KEY)
    if playing is not None and playing[0] == chosen and row["status"] != "purged":
        st.caption(tr("recording.played", id=chosen))
        st.audio(playing[1], format=playing[2])
    st.caption(tr("recording.sha256", sha=row["sha256"]))
    how = tr(f"recording.consent_{row['consent']}")
    st.markdown(f"**{tr('recording.consent')}**（{how}）")
    st.caption(row["consent_script"])
with right:
    st.markdown(f"**{tr('recording.interview')}**")
    with state.reading() as session:
        beside = recordings.interview_beside(
            session, state.actor(session), state.study(session), chosen, state.lang()
        )
    if beside:
        tables.show(
            beside,
            key="recording_interview",
            file_name=f"interview-case-{int(row['case_id'])}.csv",
            labels={"item": tr("recording.item"), "answer": tr("recording.answer")},
        )
    else:
        st.caption(tr("recording.no_interview"))
