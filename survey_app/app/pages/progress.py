"""Supervisor: fieldwork progress per stratum, replicate and surveyor, AAPOR rates, charts, quality flags.

Everything comes from `services.supervision` (rates "as if fieldwork stopped now"); the page only
arranges it. Reserve replicates are released here too.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from survey_app.app import state
from survey_app.app.state import tr
from survey_app.services import auth, samples, supervision
from survey_app.services.errors import NotFound

RATES = ("RR1", "RR2", "RR3", "RR4", "RR5", "RR6", "COOP1", "REF1", "CON1")
COUNTS = ("cases", "attempted", "attempts", "contacts", "completes", "partials", "refusals", "finalised")
GROUPS = ("I", "P", "R", "NC", "O", "UH", "UO", "NE")

state.guard("supervisor", "admin")
st.header(tr("page.progress"))
state.show_flash()

with state.reading() as session:
    study = state.require_study(session)
    actor = state.actor(session)
    try:
        samples.current_design(session, study)
    except NotFound:
        st.info(tr("progress.no_sample"))
        st.stop()
    tables = {
        by: supervision.progress(session, actor, study, by=by) for by in ("stratum", "replicate", "surveyor")
    }
    # no complete interview yet, no quality flag (and supervision.interview_paradata fails on none)
    completes = int(tables["stratum"].iloc[-1]["completes"])
    flags = supervision.quality_flags(session, actor, study) if completes else []
    reserves = samples.reserve_replicates(session, actor, study)
    surveyors = auth.active_surveyors(session, actor)

total = tables["stratum"].iloc[-1]
top = st.columns(4)
top[0].metric(tr("progress.released"), int(total["cases"]))
top[1].metric(tr("progress.attempts"), int(total["attempts"]))
top[2].metric(tr("progress.completes"), int(total["completes"]))
top[3].metric(tr("progress.finalised"), int(total["finalised"]))

st.subheader(tr("progress.rates"))
st.dataframe(pd.DataFrame([{name: round(float(total[name]), 4) for name in RATES}]), hide_index=True)

labels = {
    "stratum": tr("progress.stratum"),
    "replicate": tr("progress.replicate"),
    "surveyor": tr("progress.surveyor"),
    **{name: tr(f"progress.{name}") for name in COUNTS},
}
for by, label in (("stratum", "progress.by_stratum"), ("replicate", "progress.by_replicate")):
    st.subheader(tr(label))
    st.dataframe(
        tables[by][[by, *COUNTS, "RR1", "COOP1"]], hide_index=True, width="stretch", column_config=labels
    )

st.subheader(tr("progress.by_surveyor"))
st.dataframe(
    tables["surveyor"][["surveyor", *COUNTS, "RR1", "COOP1"]],
    hide_index=True,
    width="stretch",
    column_config=labels,
)

st.subheader(tr("progress.dispositions"))
per_stratum = tables["stratum"].iloc[:-1].melt(id_vars="stratum", value_vars=list(GROUPS), var_name="AAPOR")
st.altair_chart(
    alt.Chart(per_stratum)
    .mark_bar()
    .encode(
        x=alt.X("sum(value):Q", stack="normalize", axis=alt.Axis(format="%"), title=tr("progress.share")),
        y=alt.Y("stratum:N", title=None),
        color=alt.Color("AAPOR:N", sort=list(GROUPS)),
        order=alt.Order("AAPOR:N"),
        tooltip=["stratum:N", "AAPOR:N", "value:Q"],
    ),
    width="stretch",
)
per_surveyor = tables["surveyor"].iloc[:-1]
if len(per_surveyor):
    st.altair_chart(
        alt.Chart(per_surveyor)
        .mark_bar()
        .encode(
            x=alt.X("RR1:Q", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
            y=alt.Y("surveyor:N", sort="-x", title=tr("progress.by_surveyor")),
            tooltip=["surveyor:N", alt.Tooltip("RR1:Q", format=".1%"), "completes:Q", "attempts:Q"],
        ),
        width="stretch",
    )

st.subheader(tr("progress.flags"))
if flags:
    st.dataframe(
        pd.DataFrame(
            [{"kind": f.kind, "surveyor": f.surveyor, "case": f.case_id, "detail": f.detail} for f in flags]
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.success(tr("progress.no_flags"))

if reserves:
    with state.reading() as session:
        reserve_strata = samples.reserve_strata(session, state.actor(session), state.study(session))
    release_strata = st.multiselect(
        tr("progress.release_strata"), reserve_strata, key="release_strata", placeholder=tr("comparison.all")
    )
for replicate in reserves:
    if st.button(tr("sample.release", replicate=replicate), key=f"release_{replicate}"):
        with state.action() as session:
            count = supervision.release_reserve(
                session, state.actor(session), state.study(session), replicate, release_strata or None
            )
            state.flash(tr("sample.released", count=count))
        if st.session_state.get(state.FLASH_KEY):
            st.rerun()

st.subheader(tr("progress.reassign"))
choices = {None: tr("progress.anyone"), **dict(surveyors)}
with st.form("reassign", clear_on_submit=True):
    case_id = st.number_input(tr("progress.case_id"), min_value=1, step=1, value=None, key="reassign_case")
    target = st.selectbox(
        tr("progress.to"), list(choices), format_func=choices.__getitem__, key="reassign_to"
    )
    reason = st.text_input(tr("progress.reason"), key="reassign_reason")
    reassign = st.form_submit_button(tr("progress.reassign"))
if reassign and case_id is not None:
    with state.action() as session:
        supervision.reassign_case(session, state.actor(session), int(case_id), target, reason)
        state.flash(tr("progress.reassigned", case=int(case_id), to=choices[target]))
    if st.session_state.get(state.FLASH_KEY):
        st.rerun()
