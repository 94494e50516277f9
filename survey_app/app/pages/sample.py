"""Researcher: the sample design — strata, size, allocation — the plan table and chart, then the draw."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from sampling.errors import SamplingError
from survey_app.app import phase_two_form, state, tables, words
from survey_app.app.state import tr
from survey_app.services import do_not_call, frames, recent_contacts, samples, studies
from survey_app.services.errors import NotFound

STRATA_CHOICES = ["domain", "district", "channel", "event_type"]
METHODS = ["proportional", "equal", "neyman", "optimal", "audit"]
PLAN_KEY = "sample_plan"
COST_KEY = "sample_costs"
UNITS = ["person", "event"]
#: What risk targeting gives strata of their own: suspicious offices, or suspicious staff members (the
#: staff level's design: with the audit allocation it funds members one by one, ARCHITECTURE.md).
RISK_UNITS = ["organisation_id", "staff_id"]
#: a stratum expecting fewer completes than this gives no estimate of its own worth reading
FEW_COMPLETES = 30
CHART_STRATA = 40

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
    drawn_with = (design.params or {}).get("sampling", {})
    facts = st.columns(4)
    facts[0].metric(tr("sample.seed"), str(design.seed))
    facts[1].metric(tr("sample.method"), tr(f"sample.method_{drawn_with.get('method', 'given')}"))
    facts[2].metric(tr("sample.n"), sum(int(v) for v in design.allocation.values()))
    facts[3].metric(tr("sample.drawn_at"), tables.shanghai(design.drawn_at))
    st.caption(tr("sample.fingerprint", sha=design.sample_sha256, frame=design.frame_id))
    phase2 = (design.params or {}).get("phase2")
    if phase2:
        st.caption(
            tr(
                "sample.phase2_done",
                seed=phase2["seed"],
                selected=len(phase2["selected"]),
                units=len(phase2["allocation"]),
                cases=sum(phase2["allocation"].values()),
            )
        )
    with st.expander(tr("sample.all_parameters")):
        st.json(design.params, expanded=False)
    tables.show(
        [{"stratum": k, "n_h": v} for k, v in design.allocation.items()],
        key="allocation",
        file_name="sample-allocation.csv",
    )
    if st.button(tr("sample.verify"), key="verify_sample"):
        with state.action() as session:
            ok, message = samples.verify_sample(session, state.study(session))
            (st.success if ok else st.error)(message)
    phase_two_form.show(design, study.state)
    st.info(tr("sample.replan_info"))

with st.expander(tr("sample.do_not_call"), expanded=False):
    st.caption(tr("sample.do_not_call_help"))
    with state.reading() as session:
        listed = do_not_call.count(state.study(session))
    st.caption(tr("sample.do_not_call_count", count=listed))
    with st.form("do_not_call"):
        numbers = st.text_area(tr("sample.do_not_call_numbers"), key="dnc_numbers", height=120)
        upload = st.file_uploader(tr("sample.do_not_call_file"), type=["txt", "csv"], key="dnc_file")
        replace = st.form_submit_button(tr("sample.do_not_call_save"))
    if replace:
        lines = numbers.splitlines() + (do_not_call.file_lines(upload.getvalue()) if upload else [])
        with state.action() as session:
            count = studies.set_do_not_call(session, state.actor(session), state.study(session), lines)
            state.flash(
                tr("sample.do_not_call_saved", count=count)
                + (tr("sample.do_not_call_masked", numbers=do_not_call.masked(lines)) if count else "")
            )
        if st.session_state.get(state.FLASH_KEY):
            st.session_state.pop("dnc_numbers", None)
            st.rerun()

with st.expander(tr("sample.recent"), expanded=False):
    st.caption(tr("sample.recent_help"))
    with state.reading() as session:
        recent = recent_contacts.exclusion_args(state.study(session))
        days_now = int((state.study(session).settings or {}).get(recent_contacts.SETTING) or 0)
    if design is not None:
        if recent:
            st.caption(
                tr(
                    "sample.recent_drawn",
                    as_of=recent["as_of"].isoformat(),
                    days=recent["within_days"],
                    count=len(recent["recent_records"]),
                )
            )
        else:
            st.caption(tr("sample.recent_off"))
    else:
        if recent:
            st.caption(
                tr("sample.recent_now", days=recent["within_days"], count=len(recent["recent_records"]))
            )
        else:
            st.caption(tr("sample.recent_off"))
        with st.form("recent_contact"):
            days = st.number_input(
                tr("sample.recent_days"),
                min_value=0,
                max_value=recent_contacts.MAX_DAYS,
                value=days_now,
                key="recent_days",
            )
            save_days = st.form_submit_button(tr("sample.recent_save"))
        if save_days:
            with state.action() as session:
                recent_contacts.set_days(session, state.actor(session), state.study(session), int(days))
                state.flash(tr("sample.recent_saved", days=int(days)))
            if st.session_state.get(state.FLASH_KEY):
                st.rerun()

with st.form("design"):
    strata = st.multiselect(
        tr("sample.strata"),
        STRATA_CHOICES,
        default=["domain"],
        format_func={c: words.field_label(c, state.lang()) for c in STRATA_CHOICES}.__getitem__,
        placeholder=tr("common.choose"),
        key="design_strata",
    )
    left, right = st.columns(2)
    n = left.number_input(tr("sample.n"), min_value=1, value=min(400, frame_row.row_count), key="design_n")
    method = right.selectbox(
        tr("sample.method"),
        METHODS,
        format_func={m: tr(f"sample.method_{m}") for m in METHODS}.__getitem__,
        key="design_method",
    )
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
    risk_unit = right.radio(
        tr("sample.risk_level"),
        RISK_UNITS,
        format_func={u: tr(f"sample.risk_level_{u}") for u in RISK_UNITS}.__getitem__,
        horizontal=True,
        key="design_risk_unit",
        help=tr("sample.risk_level_help"),
    )
    inflation = left.number_input(
        tr("sample.inflation"), 1, 50, 10, 1, key="design_inflation", help=tr("sample.inflation_help")
    )
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
        "unit": risk_unit,
        "min_records": 30,
        "min_rate": 0.93,
        "base": strata[0] if strata else "district",
    }
    params["strata"] = ["risk_stratum"]
if method == "audit":
    params["inflation"] = inflation / 100
costs = st.session_state.get(COST_KEY, {})
if method == "optimal":
    if len(params["strata"]) == 1:
        params["cost"] = costs or None
    else:
        st.warning(tr("sample.cost_one_variable"))
if planned and strata:
    with st.spinner(tr("sample.plan")), state.action() as session:
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
            coverage = samples.staff_coverage(data, state.study(session), params, table)
            st.session_state[PLAN_KEY] = (
                params,
                table.reset_index(drop=True).assign(stratum=labels),
                coverage,
            )

plan = st.session_state.get(PLAN_KEY)
if plan is not None and plan[0] == params:
    table = plan[1]
    ordered = table[["stratum", *[c for c in table.columns if c != "stratum"]]]
    tables.show(
        ordered,
        key="plan",
        file_name="sample-plan.csv",
        percent=[
            c
            for c in ("margin_of_error", "expected_margin", "sampling_fraction", "system_rate", "mdi")
            if c in ordered.columns
        ],
    )
    st.caption(tr("sample.plan_help"))
    if "mdi" in table.columns:
        st.caption(tr("sample.mdi_help"))
    if table.attrs.get("overall_margin"):  # what the surveyors' differences add (`sampling.interviewers`)
        planned = st.number_input(tr("sample.surveyors"), min_value=1, value=5, step=1, key="plan_surveyors")
        for line in samples.surveyor_lines(table, int(planned), None, state.lang()):
            st.caption(line)
    coverage = plan[2]
    if coverage is not None:  # what the staff level will be able to judge (`services.staff_verdicts`)
        st.caption(
            tr(
                "sample.staff_judged",
                judged=f"{coverage.attrs['expected_judged']:,.0f}",
                named=f"{len(coverage):,}",
                least=coverage.attrs["min_respondents"],
            )
        )
    if "expected_completes" in table.columns:
        few = table[table["expected_completes"] < FEW_COMPLETES]
        if len(few):
            margin = next((c for c in ("expected_margin", "margin_of_error") if c in few.columns), None)
            worst = float(few[margin].max()) if margin else float("nan")
            st.warning(
                tr(
                    "sample.few_completes",
                    count=len(few),
                    total=len(table),
                    least=FEW_COMPLETES,
                    worst=f"{worst:.0%}",
                )
            )
    shown = table.sort_values("n_h", ascending=False).head(CHART_STRATA)
    if len(table) > CHART_STRATA:
        st.caption(tr("sample.chart_limit", shown=CHART_STRATA, total=len(table)))
    st.altair_chart(
        alt.Chart(shown)
        .mark_bar()
        .encode(
            x=alt.X("n_h:Q", title="n_h"),
            y=alt.Y("stratum:N", sort="-x", title=tr("progress.stratum")),
            tooltip=["stratum:N", "N_h:Q", "n_h:Q"],
        )
        .properties(height=min(600, 18 * len(shown) + 40)),
        width="stretch",
    )
    if method == "optimal" and len(params["strata"]) == 1:
        st.caption(tr("sample.cost_help"))
        edited = st.data_editor(
            pd.DataFrame(
                {"stratum": table["stratum"], "cost": [costs.get(k, 1.0) for k in table["stratum"]]}
            ),
            hide_index=True,
            disabled=["stratum"],
            column_config={
                "stratum": tr("progress.stratum"),
                "cost": st.column_config.NumberColumn(tr("sample.cost"), min_value=0.01, step=0.5),
            },
            key="cost_editor",
        )
        if st.button(tr("sample.cost_apply"), key="apply_costs"):
            st.session_state[COST_KEY] = dict(
                zip(edited["stratum"], edited["cost"].astype(float), strict=True)
            )
            st.session_state.pop(PLAN_KEY, None)
            st.info(tr("sample.cost_applied"))
    if design is None and st.button(tr("sample.draw"), type="primary", key="draw_sample"):
        with st.spinner(tr("sample.draw")), state.action() as session:
            try:
                drawn = samples.draw_sample(session, state.actor(session), state.study(session), params)
            except SamplingError as exc:
                st.error(str(exc))
            else:
                state.flash(tr("sample.drawn", seed=drawn.seed))
        if st.session_state.get(state.FLASH_KEY):
            st.session_state.pop(PLAN_KEY, None)
            st.rerun()
