"""Supervisor: fieldwork progress per stratum, replicate and surveyor, AAPOR rates, outcome charts."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

import analysis
from survey_app.app import state
from survey_app.app.queries import (
    attempt_codes,
    fieldwork_cases,
    provisional_dispositions,
    reserve_replicates,
)
from survey_app.app.state import tr
from survey_app.services import dispositions, samples
from survey_app.services.errors import NotFound

RATES = ("RR1", "RR2", "RR3", "RR4", "RR5", "RR6", "COOP1", "REF1", "CON1")

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
    cases = fieldwork_cases(session, actor, study)
    attempts = attempt_codes(session, actor, study)
    reserves = reserve_replicates(session, actor, study)

cases["disposition"] = provisional_dispositions(cases, attempts)
cases["group"] = cases["disposition"].map(lambda code: dispositions.get(code).group)
cases["complete"] = cases["disposition"].isin(["1.1", "1.2"])

top = st.columns(4)
top[0].metric(tr("progress.released"), len(cases))
top[1].metric(tr("progress.attempts"), len(attempts))
top[2].metric(tr("progress.completes"), int((cases["disposition"] == "1.1").sum()))
top[3].metric(tr("progress.finalised"), int((cases["state"] == "finalised").sum()))

st.subheader(tr("progress.rates"))
rates = analysis.aapor_rates(dispositions.group_counts(list(cases["disposition"])))
st.dataframe(
    pd.DataFrame([{name: round(rates[name], 4) for name in RATES}]), hide_index=True, width="stretch"
)


def _summary(by: str) -> pd.DataFrame:
    grouped = cases.groupby(by, dropna=False)
    return pd.DataFrame(
        {
            tr("progress.released"): grouped.size(),
            tr("progress.attempts"): grouped["attempts"].sum(),
            tr("progress.completes"): grouped["complete"].sum(),
            tr("progress.finalised"): grouped["state"].apply(lambda s: int((s == "finalised").sum())),
            "RR1": grouped["disposition"].apply(
                lambda codes: round(analysis.aapor_rates(dispositions.group_counts(list(codes)))["RR1"], 3)
            ),
        }
    )


for by, label in (("stratum", "progress.by_stratum"), ("replicate", "progress.by_replicate")):
    st.subheader(tr(label))
    st.dataframe(_summary(by), width="stretch")

st.subheader(tr("progress.by_surveyor"))
if attempts.empty:
    st.caption("—")
else:
    per_surveyor = attempts.groupby("surveyor").agg(
        **{
            tr("progress.attempts"): ("case_id", "size"),
            tr("progress.completes"): ("disposition", lambda c: int((c == "1.1").sum())),
        }
    )
    st.dataframe(per_surveyor, width="stretch")

st.subheader(tr("progress.dispositions"))
outcomes = cases.assign(
    label=cases["disposition"].map(lambda code: f"{code} {dispositions.get(code).label(state.lang())}")
)
chart = (
    alt.Chart(outcomes)
    .mark_bar()
    .encode(
        x=alt.X("count():Q", title=tr("progress.released")),
        y=alt.Y("label:N", sort="-x", title=None),
        color=alt.Color("group:N", title="AAPOR"),
        tooltip=["label:N", "count():Q"],
    )
)
st.altair_chart(chart, width="stretch")
by_stratum = cases.groupby("stratum")["complete"].mean().rename("share").reset_index()
st.altair_chart(
    alt.Chart(by_stratum)
    .mark_bar()
    .encode(
        x=alt.X("share:Q", axis=alt.Axis(format="%"), title=tr("progress.completes")),
        y=alt.Y("stratum:N", sort="-x"),
    ),
    width="stretch",
)

for replicate in reserves:
    if st.button(tr("sample.release", replicate=replicate), key=f"release_{replicate}"):
        with state.action() as session:
            count = samples.release_replicate(session, state.actor(session), state.study(session), replicate)
            state.flash(tr("sample.released", count=count))
        if st.session_state.get(state.FLASH_KEY):
            st.rerun()
