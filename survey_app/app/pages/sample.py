"""Researcher: the sample design — strata, size, allocation — the plan table and chart, then the draw."""

from __future__ import annotations

import altair as alt
import streamlit as st

from sampling.errors import SamplingError
from survey_app.app import state
from survey_app.app.state import tr
from survey_app.services import frames, samples
from survey_app.services.errors import NotFound

STRATA_CHOICES = ["domain", "district", "channel", "event_type"]
METHODS = ["proportional", "equal", "neyman", "optimal"]
PLAN_KEY = "sample_plan"
UNITS = ["person", "event"]

state.guard("researcher", "admin")
st.header(tr("page.sample"))
state.show_flash()

with state.reading() as session:
    study = state.require_study(session)
    try:
        design = samples.current_design(session, study)
    except NotFound:
        design = None
    try:
        frame_row = frames.latest_frame(session, study)
    except NotFound as exc:
        st.info(str(exc))
        st.stop()

if design is not None:
    st.subheader(tr("sample.current"))
    st.json(
        {
            "seed": design.seed,
            "params": design.params,
            "sample_sha256": design.sample_sha256,
            "frame_id": design.frame_id,
            "drawn_at": design.drawn_at.isoformat(timespec="seconds"),
        }
    )
    st.dataframe(
        [{"stratum": k, "n_h": v} for k, v in design.allocation.items()], hide_index=True, width="stretch"
    )
    if st.button(tr("sample.verify"), key="verify_sample"):
        with state.action() as session:
            ok, message = samples.verify_sample(session, state.study(session))
            (st.success if ok else st.error)(message)
    st.stop()

with st.form("design"):
    strata = st.multiselect(tr("sample.strata"), STRATA_CHOICES, default=["domain"], key="design_strata")
    left, right = st.columns(2)
    n = left.number_input(tr("sample.n"), min_value=1, value=min(400, frame_row.row_count), key="design_n")
    method = right.selectbox(tr("sample.method"), METHODS, key="design_method")
    minimum = left.number_input(tr("sample.minimum"), min_value=0, value=0, key="design_minimum")
    reserve = right.number_input(tr("sample.reserve"), 0.0, 1.0, 0.2, 0.05, key="design_reserve")
    response_rate = left.number_input(tr("sample.response_rate"), 0.05, 1.0, 0.5, 0.05, key="design_rr")
    seed = right.number_input(tr("sample.seed"), min_value=0, value=20261126, step=1, key="design_seed")
    unit = left.selectbox(
        tr("sample.unit"),
        UNITS,
        format_func={u: tr(f"sample.unit_{u}") for u in UNITS}.__getitem__,
        key="design_unit",
    )
    risk = right.checkbox(tr("sample.risk"), value=False, key="design_risk", help=tr("sample.risk_help"))
    planned = st.form_submit_button(tr("sample.plan"))

params = {
    "strata": strata,
    "n": int(n),
    "method": method,
    "minimum": int(minimum),
    "reserve": float(reserve),
    "response_rate": float(response_rate),
    "seed": int(seed),
    "unit": unit,
}
if risk:  # suspicious organisations become strata of their own; the other records keep the chosen strata
    params["risk"] = {
        "unit": "organisation_id",
        "min_records": 30,
        "min_rate": 0.93,
        "base": strata[0] if strata else "district",
    }
    params["strata"] = ["risk_stratum"]
if planned and strata:
    with state.action() as session:
        # phone numbers are read only so that the person unit can group events by number; the page
        # shows nothing but the plan's counts
        data = frames.frame_records(
            session, frames.latest_frame(session, state.study(session)), personal=True
        )
        try:
            table = samples.plan(data, state.study(session), params)
        except SamplingError as exc:
            st.error(str(exc))
        else:
            labels = [" | ".join(map(str, k if isinstance(k, tuple) else (k,))) for k in table.index]
            st.session_state[PLAN_KEY] = (params, table.reset_index(drop=True).assign(stratum=labels))

plan = st.session_state.get(PLAN_KEY)
if plan is not None and plan[0] == params:
    table = plan[1]
    st.dataframe(
        table[["stratum", *[c for c in table.columns if c != "stratum"]]], hide_index=True, width="stretch"
    )
    st.altair_chart(
        alt.Chart(table)
        .mark_bar()
        .encode(
            x=alt.X("n_h:Q"),
            y=alt.Y("stratum:N", sort="-x"),
            tooltip=["stratum:N", "N_h:Q", "n_h:Q", "margin_of_error:Q"],
        ),
        width="stretch",
    )
    if st.button(tr("sample.draw"), type="primary", key="draw_sample"):
        with state.action() as session:
            try:
                drawn = samples.draw_sample(session, state.actor(session), state.study(session), params)
            except SamplingError as exc:
                st.error(str(exc))
            else:
                state.flash(tr("sample.drawn", seed=drawn.seed))
        if st.session_state.get(state.FLASH_KEY):
            st.session_state.pop(PLAN_KEY, None)
            st.rerun()
