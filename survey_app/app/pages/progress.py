"""Supervisor: fieldwork progress per stratum, replicate and surveyor, AAPOR rates, charts, quality flags.

Everything comes from `services.supervision` (rates "as if fieldwork stopped now"); the page only
arranges it. Reserve replicates are released here too.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from survey_app.app import state, tables, web_progress, words
from survey_app.app.state import tr
from survey_app.services import auth, recontacts, samples, supervision
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
    progress_tables = {
        by: supervision.progress(session, actor, study, by=by) for by in ("stratum", "replicate", "surveyor")
    }
    # no complete interview yet, no quality flag (and supervision.interview_paradata fails on none)
    completes = int(progress_tables["stratum"].iloc[-1]["completes"])
    notes = recontacts.attempt_notes(session, actor, study)
    drawn = supervision.verification_history(session, actor, study)
    to_recontact = [(int(c), why) for c, why in drawn[-1]["cases"]] if drawn else []
    found = recontacts.verdicts(session, actor, study)
    flags = supervision.quality_flags(session, actor, study) if completes else []
    reserves = samples.reserve_replicates(session, actor, study)
    surveyors = auth.active_surveyors(session, actor)
    leaning = supervision.leaning_units(session, actor, study)

total = progress_tables["stratum"].iloc[-1]
top = st.columns(4)
top[0].metric(tr("progress.released"), int(total["cases"]))
top[1].metric(tr("progress.attempts"), int(total["attempts"]))
top[2].metric(tr("progress.completes"), int(total["completes"]))
top[3].metric(tr("progress.finalised"), int(total["finalised"]))

st.subheader(tr("progress.rates"))
st.caption(tr("progress.rates_help"))
tables.show(
    [{"metric": name, "estimate": float(total[name]), "detail": tr(f"aapor.{name}")} for name in RATES],
    key="rates",
    file_name="aapor-rates.csv",
    percent=["estimate"],
    labels={
        "metric": tr("progress.rate"),
        "estimate": tr("progress.rate_value"),
        "detail": tr("progress.definition"),
    },
)

web_progress.section()  # a web-first study's invitations by AAPOR internet code (issue 14)

labels = {
    "stratum": tr("progress.stratum"),
    "replicate": tr("progress.replicate"),
    "surveyor": tr("progress.surveyor"),
    **{name: tr(f"progress.{name}") for name in COUNTS},
}
for by, label in (
    ("stratum", "progress.by_stratum"),
    ("replicate", "progress.by_replicate"),
    ("surveyor", "progress.by_surveyor"),
):
    st.subheader(tr(label))
    shown = progress_tables[by][[by, *COUNTS, "RR1", "COOP1"]].astype({by: str})
    tables.show(
        shown,
        key=f"by_{by}",
        file_name=f"progress-by-{by}.csv",
        labels=labels,
        percent=["RR1", "COOP1"],
        words=[by],
    )

st.subheader(tr("progress.dispositions"))
per_stratum = (
    progress_tables["stratum"].iloc[:-1].melt(id_vars="stratum", value_vars=list(GROUPS), var_name="AAPOR")
)
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
per_surveyor = progress_tables["surveyor"].iloc[:-1]
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
    st.caption(tr("progress.flags_help"))
    tables.show(
        pd.DataFrame(
            [
                {
                    "kind": tr(f"flag.{f.kind}"),
                    "surveyor": f.surveyor,
                    "case": f.case_id,
                    "detail": words.flag_text(f.detail, state.lang()),
                }
                for f in flags
            ]
        ),
        key="flags",
        file_name="quality-flags.csv",
    )
else:
    st.success(tr("progress.no_flags"))

st.subheader(tr("progress.notes"))
if notes.empty:
    st.caption(tr("progress.no_notes"))
else:
    tables.show(
        notes.assign(at=notes["at"].map(tables.shanghai)),
        key="notes",
        file_name="attempt-notes.csv",
        labels={"attempt": tr("progress.attempt_no")},
    )

st.subheader(tr("progress.recontact"))
st.caption(tr("progress.recontact_help"))
if completes:
    with st.form("recontact_draw"):
        seed = st.number_input(tr("sample.seed"), min_value=0, value=20261201, step=1, key="recontact_seed")
        draw = st.form_submit_button(tr("progress.recontact_draw"))
    if draw:
        with state.action() as session:
            supervision.verification_subsample(
                session, state.actor(session), state.study(session), seed=int(seed)
            )
            state.flash(tr("progress.recontact_drawn"))
        if st.session_state.get(state.FLASH_KEY):
            st.rerun()
if to_recontact:
    listed = pd.DataFrame(to_recontact, columns=["case_id", "why"])
    listed = listed.merge(found, on="case_id", how="left")
    tables.show(
        listed.assign(
            why=listed["why"].map(lambda why: words.why_text(why, state.lang())),
            verdict=listed["verdict"].map(
                lambda v: recontacts.VERDICTS[v][state.lang()] if v in recontacts.VERDICTS else ""
            ),
            at=listed["at"].map(tables.shanghai),
        ).fillna(""),
        key="recontacts",
        file_name="recontacts.csv",
    )
    verdict_labels = {code: texts[state.lang()] for code, texts in recontacts.VERDICTS.items()}
    with st.form("recontact_verdict", clear_on_submit=False):
        case_pick = st.selectbox(tr("progress.case_id"), [c for c, _ in to_recontact], key="verdict_case")
        verdict = st.radio(
            tr("progress.verdict"),
            list(verdict_labels),
            format_func=verdict_labels.__getitem__,
            key="verdict",
        )
        note = st.text_input(tr("queue.note"), key="verdict_note")
        record = st.form_submit_button(tr("progress.record_verdict"))
    if record:
        with state.action() as session:
            recontacts.record_verdict(
                session, state.actor(session), state.study(session), int(case_pick), verdict, note
            )
            state.flash(tr("progress.verdict_recorded", case=int(case_pick)))
        if st.session_state.get(state.FLASH_KEY):
            st.session_state.pop("verdict_note", None)
            st.rerun()

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
        moved = supervision.reassign_case(session, state.actor(session), int(case_id), target, reason)
        most = supervision.unit_concentration(session, moved)
        state.flash(
            tr("progress.reassigned", case=int(case_id), to=choices[target]),
            tr(
                "progress.one_surveyor",
                unit=most.unit,
                who=most.surveyor,
                theirs=most.theirs,
                cases=most.cases,
                called=most.called,
                interviews=most.interviews,
            )
            if most
            else None,
        )
    if st.session_state.get(state.FLASH_KEY):
        st.rerun()

if len(leaning):
    st.subheader(tr("progress.leaning"))
    st.caption(tr("progress.leaning_help"))
    tables.show(
        leaning,
        key="leaning",
        file_name="units-leaning-on-one-surveyor.csv",
        labels={name: tr(f"progress.leaning_{name}") for name in leaning.columns},
    )
    spreadable = leaning.loc[leaning["open"] > 0, "unit"].tolist()
    with st.form("spread", clear_on_submit=True):
        chosen = st.multiselect(tr("progress.spread_units"), spreadable, key="spread_units")
        reason = st.text_input(tr("progress.reason"), key="spread_reason")
        spread = st.form_submit_button(tr("progress.spread"))
    if spread and chosen:
        with state.action() as session:
            done = []
            for unit in chosen:
                given = supervision.spread_unit(
                    session, state.actor(session), state.study(session), unit, reason
                )
                to = "、".join(f"{name} {count}" for name, count in sorted(given.items()))
                done.append(tr("progress.spread_done", unit=unit, count=sum(given.values()), to=to))
            state.flash(" ".join(done))
        if st.session_state.get(state.FLASH_KEY):
            st.rerun()
