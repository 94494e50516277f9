"""Reviewer (personnel office): headline figures with intervals; system vs third-party 满意率 by unit.

Everything comes from `services.analysis_service` (weights, intervals, false-discovery control of the
unit flags); the page arranges it. Nothing here identifies a person: the analysis dataset and the
frame's ratings carry no names or numbers, and no case-level table is shown.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from analysis.errors import AnalysisError
from analysis.phase_effect import AGREEMENT_LEVEL
from analysis.report.phase_two_timing import phase_effect_sentence
from sampling.cells import csv_bytes
from survey_app.app import (
    held_analysis,
    staff_view,
    state,
    tables,
    verdict_view,
    wave_plan_view,
    wave_view,
    words,
)
from survey_app.app.refusal_gamma import refusal_gamma_control
from survey_app.app.state import tr
from survey_app.security import audit
from survey_app.services import analysis_changes, analysis_service, calibration, posterior_worker, reports
from survey_app.services.errors import HuifangError, InvalidState, NotFound

CHART_UNITS = 40  # the chart shows the units with the largest system − third-party differences
GROUPS = ("district", "domain", "channel")
PERCENTS = ("estimate", "ci_low", "ci_high")

state.guard("reviewer", "admin")
st.header(tr("page.comparison"))

COMPARISON_PDF_KEY = "comparison_pdf"


@st.cache_data(show_spinner=False, max_entries=8)
def _analyse(url: str, study_id: int, head: str, verdict: str | None = None):
    """The study's analysis and the point of the audit chain its snapshot shows, shared by the tabs that
    ask at the same head (any change is audited) for the same verdict method. Read-only: the analysis
    reads one snapshot and holds no lock."""
    with state.database().reading() as session:
        from survey_app.storage.models import Study

        mark = analysis_changes.chain_mark(session)  # first, so it is the snapshot's own
        return mark, analysis_service.analyse(
            session,
            session.get(Study, study_id),
            actor=state.actor(session),
            verdict=verdict,
            start=posterior_worker.start,  # the posterior model beside the rest, on the second core
        )


@st.cache_data(show_spinner=False, max_entries=4)
def _staff(url: str, study_id: int, head: str, verdict: str | None, _analysis):
    """The staff members' verdicts of the held analysis (`services.staff_verdicts`), on demand; `head` is
    the point of the chain that analysis was read at."""
    from survey_app.services import staff_verdicts

    return staff_verdicts.staff_verdicts(_analysis, start=posterior_worker.start)


with state.reading() as session:
    study = state.require_study(session)
    head = audit.head_hash(session)
    two_phase = verdict_view.has_phase_two(session, study)
verdict = verdict_view.choice(study, two_phase)  # this page only; reports use the study's method
kept = held_analysis.held(study, verdict, two_phase)  # None: first visit, or a choice changed
asked_at = head if kept is None else kept.head
try:
    with st.spinner(tr("page.comparison")):
        mark, result = _analyse(state.database().url, study.id, asked_at, verdict)
except NotFound as exc:
    st.info(str(exc))
    st.stop()
except AnalysisError as exc:  # e.g. no respondent yet: nothing to weight
    st.info(tr("comparison.no_data"))
    st.caption(str(exc))
    st.stop()
if result.third_party is None:  # not held: the first respondent shows without asking
    st.info(tr("comparison.no_data"))
    st.stop()
kept = held_analysis.hold(study, verdict, two_phase, asked_at, mark)
with state.reading() as session:
    waiting = analysis_changes.changes_since(session, study.id, mark)
if waiting:  # the analysis this tab showed, until the reviewer asks for the current one
    st.info(tr("comparison.waiting", at=tables.shanghai(kept.at), changes=waiting))
    st.button(tr("comparison.update"), on_click=held_analysis.release, key="comparison_update")

definition = analysis_service.satisfied_definition(tuple(study.satisfied_codes), study.scale, state.lang())
st.caption(tr("comparison.definition", codes=definition))

st.subheader(tr("comparison.headline"))
overall = result.headline[result.headline["group"] == "overall"]
refusal_ends = overall.set_index("metric").reindex(
    [analysis_service.REFUSAL_LOW, analysis_service.REFUSAL_HIGH]
)
overall = overall[~overall["metric"].isin(refusal_ends.index)]
columns = st.columns(len(overall) + 1)
columns[0].metric(tr("comparison.system"), f"{result.system_rate:.1%}", help=tr("comparison.census"))
columns[0].caption(tr("comparison.census"))
for column, row in zip(columns[1:], overall.itertuples(), strict=True):
    label = tr("comparison.third_party") if row.metric == "满意率" else str(row.metric)
    with_phase_two = row.metric == analysis_service.WITH_PHASE_TWO
    column.metric(
        label, f"{row.estimate:.1%}", help=tr("comparison.with_phase_two") if with_phase_two else None
    )
    column.caption(f"95% CI {row.ci_low:.1%} – {row.ci_high:.1%} · n = {int(row.n)}")
if refusal_ends["estimate"].notna().all():  # the Γ range: how far refusal tied to the answer could move it
    low_end, high_end = refusal_ends.iloc[0], refusal_ends.iloc[1]
    st.caption(
        tr(
            "comparison.refusal_range",
            gamma=f"{result.refusal_gamma:g}",
            low=f"{low_end['estimate']:.1%}",
            high=f"{high_end['estimate']:.1%}",
            ci_low=f"{low_end['ci_low']:.1%}",
            ci_high=f"{high_end['ci_high']:.1%}",
        )
    )
interviewers = analysis_service.interviewer_words(result.headline, state.lang())
if interviewers:  # the surveyors' own share of the interval's width
    st.caption(interviewers)
agree = phase_effect_sentence(result.phase_effect, state.lang())
if agree:  # after a phase 2: do its later answers agree with phase 1's? If not, a warning
    (st.warning if result.phase_effect.p_value < AGREEMENT_LEVEL else st.caption)(agree)
refusal_gamma_control(result.refusal_gamma)  # reviewers read who sets Γ; the roles that may, change it
if result.paired_difference is not None:
    paired = result.paired_difference
    st.caption(
        tr(
            "comparison.paired",
            estimate=f"{100 * paired.estimate:+.1f}",
            low=f"{100 * paired.ci_low:+.1f}",
            high=f"{100 * paired.ci_high:+.1f}",
        )
    )

with st.expander(tr("comparison.calibration")):
    st.caption(tr("comparison.calibration_help"))
    with st.form("calibration"):
        method = st.radio(
            tr("comparison.calibration_method"),
            calibration.METHODS,
            format_func=lambda m: tr(f"comparison.calibration_{m}"),
            horizontal=True,
            key="calibration_method",
        )
        variables = st.multiselect(
            tr("comparison.calibration_variables"),
            calibration.VARIABLES,
            default=["district"],
            format_func=lambda v: words.field_label(v, state.lang()),
            placeholder=tr("common.choose"),
            key="calibration_variables",
        )
        run = st.form_submit_button(tr("comparison.calibration_run"))
    if run:
        try:
            calibrated = calibration.calibrated_satisfaction(result, method, variables)
        except InvalidState as exc:
            st.error(state.error_text(exc))
        else:
            label = {
                "headline": tr("comparison.calibration_headline"),
                "uncalibrated": tr("comparison.calibration_uncalibrated"),
                method: tr(f"comparison.calibration_{method}"),
            }
            table = calibration.as_table(calibrated, result)
            tables.show(
                table.assign(weights=table["weights"].map(label)),
                key="calibration",
                file_name=f"huifang-{study.name}-calibration.csv",
                percent=list(PERCENTS),
                labels={
                    "weights": tr("comparison.calibration_weights"),
                    "estimate": tr("comparison.third_party_estimate"),
                    "n": tr("comparison.respondents"),
                },
            )
            shift = 100 * (calibrated.estimate.estimate - result.third_party.estimate)
            st.markdown(
                tr(
                    "comparison.calibration_result",
                    variables="、".join(words.field_label(v, state.lang()) for v in variables),
                    method=tr(f"comparison.calibration_short_{method}"),
                    estimate=f"{calibrated.estimate.estimate:.1%}",
                    low=f"{calibrated.estimate.ci_low:.1%}",
                    high=f"{calibrated.estimate.ci_high:.1%}",
                    points=f"{shift:+.1f}",
                )
            )

st.subheader(tr("comparison.districts"))
overview = reports.district_overview(result, state.lang())  # the PDF's district chart and map, as data
chart_column, map_column = st.columns([3, 2])
answered = overview.dropna(subset=["estimate"]).sort_values("gap_points", ascending=False)
rows = alt.Chart(answered).encode(y=alt.Y("label:N", sort=list(answered["label"]), title=None))
chart_column.altair_chart(
    rows.mark_rule(color="#1f4e79").encode(
        x=alt.X("ci_low:Q", axis=alt.Axis(format="%"), title="满意率", scale=alt.Scale(zero=False)),
        x2="ci_high:Q",
    )
    + rows.mark_circle(color="#1f4e79", size=45).encode(
        x="estimate:Q",
        tooltip=["district:N", alt.Tooltip("estimate:Q", format=".1%"), alt.Tooltip("ci_low:Q", format=".1%"),
                 alt.Tooltip("ci_high:Q", format=".1%"), "n:Q"],
    )
    + rows.mark_point(shape="diamond", filled=True, color="#c0392b", size=60).encode(
        x="system_rate:Q", tooltip=["district:N", alt.Tooltip("system_rate:Q", format=".1%")]
    ),
    width="stretch",
)  # fmt: skip
chart_column.caption(tr("comparison.districts_chart"))
tiles = overview.assign(
    x2=overview["column"] + overview["width"],
    y2=overview["row"] + overview["height"],
    x_mid=overview["column"] + overview["width"] / 2,
    y_mid=overview["row"] + overview["height"] / 2,
    text=[
        f"{label} {gap:+.1f}" if gap == gap else f"{label} –"
        for label, gap in zip(overview["label"], overview["gap_points"], strict=True)
    ],
)
grid = {"axis": None, "scale": alt.Scale(domain=[0, 5])}
map_column.altair_chart(
    alt.Chart(tiles).mark_rect(stroke="black").encode(
        x=alt.X("column:Q", **grid), x2="x2:Q",
        y=alt.Y("row:Q", axis=None, scale=alt.Scale(domain=[5, 0])), y2="y2:Q",
        color=alt.Color("colour:N", scale=None),
        strokeWidth=alt.condition("datum.beyond_interval", alt.value(3), alt.value(0.3)),
        tooltip=["district:N", alt.Tooltip("gap_points:Q", format="+.1f"), "units_flagged:Q"],
    )
    + alt.Chart(tiles).mark_text(fontSize=11).encode(
        x=alt.X("x_mid:Q", **grid), y=alt.Y("y_mid:Q", axis=None, scale=alt.Scale(domain=[5, 0])), text="text:N"
    ),
    width="stretch",
)  # fmt: skip
map_column.caption(tr("comparison.districts_map"))

group = st.selectbox(
    tr("comparison.level"), GROUPS, format_func={g: tr(f"queue.{g}") for g in GROUPS}.__getitem__, key="group"
)
by_group = result.headline[result.headline["group"] == group]
# the system's own 满意率 of each level beside the callback's (a census of the frame: no interval)
system_by_level = (
    result.frame.assign(_sat=result.frame["system_rating"].isin(result.satisfied_codes))
    .groupby(group)["_sat"]
    .mean()
)
by_group = by_group.assign(
    system=by_group["level"].map(system_by_level).where(by_group["metric"] == analysis_service.SATISFACTION)
)
tables.show(
    by_group[["metric", "level", "system", "estimate", "ci_low", "ci_high", "n"]],
    key=f"headline_{group}",
    file_name=f"huifang-{study.name}-by-{group}.csv",
    percent=["system", *PERCENTS],
    labels={
        "metric": tr("comparison.metric"),
        "level": tr(f"queue.{group}"),
        "system": tr("comparison.system"),
        "estimate": tr("comparison.third_party_estimate"),
        "n": tr("comparison.respondents"),
    },
)
st.caption(tr("comparison.by_group_help"))

st.subheader(tr("comparison.by_unit"))
filters = st.columns(len(GROUPS))
chosen = {
    column: filters[i].selectbox(
        tr(f"queue.{column}"),
        [None, *sorted(result.frame[column].dropna().unique())],
        format_func=lambda v: tr("comparison.all") if v is None else str(v),
        key=f"filter_{column}",
    )
    for i, column in enumerate(GROUPS)
}
filtered = analysis_service.filter_units(result, **chosen)
units = filtered.reset_index().rename(columns={filtered.index.name or "index": "unit_id"})
# flagged units first, then by the gap to the shrunken (empirical-Bayes) estimate, so that a unit
# with one unhappy respondent does not top the chart on noise alone
gap = units["system_rate"] - units["shrunk_rate"] if "shrunk_rate" in units else units["difference"]
shown = (
    units.assign(_flag=units["flagged"].fillna(False).astype(bool), _gap=gap)
    .sort_values(["_flag", "_gap"], ascending=False)
    .head(CHART_UNITS)
)
long = pd.concat(
    [
        shown.assign(source=tr("comparison.system"), value=shown["system_rate"], low=None, high=None),
        shown.assign(
            source=tr("comparison.third_party"),
            value=shown["third_party"],
            low=shown["ci_low"],
            high=shown["ci_high"],
        ),
    ]
)
base = alt.Chart(long).encode(
    y=alt.Y("name:N", title=tr("comparison.unit"), sort=list(shown["name"]), axis=alt.Axis(labelLimit=260)),
    color=alt.Color("source:N", title=None),
)
points = base.mark_point(filled=True, size=70).encode(
    x=alt.X("value:Q", axis=alt.Axis(format="%"), title="满意率", scale=alt.Scale(domain=[0, 1])),
    tooltip=["name:N", "source:N", alt.Tooltip("value:Q", format=".1%"), "respondents:Q"],
)
intervals = base.mark_rule().encode(x="low:Q", x2="high:Q")
st.altair_chart((intervals + points).properties(height=max(220, 24 * len(shown))), width="stretch")
if len(units) > CHART_UNITS:
    st.caption(tr("comparison.chart_limit", shown=CHART_UNITS, total=len(units)))

st.subheader(tr("comparison.flagged"))
flagged = result.flagged_units.reset_index()
verdict_view.show(result, study.name)
if flagged.empty:
    st.success(tr("comparison.no_flags"))
elif result.verdict_method != "posterior":
    evidence = [
        c
        for c in (
            "name",
            "system_rate",
            "third_party",
            "ci_low",
            "ci_high",
            "respondents",
            "p_adjusted",
            "paired_p_adjusted",
            "not_own",
            "evidence_p_adjusted",
        )
        if c in flagged.columns
    ]
    tables.grid(
        flagged[evidence],
        hide_index=True,
        width="stretch",
        column_config={
            "name": tr("comparison.unit"),
            "system_rate": st.column_config.NumberColumn(tr("comparison.system"), format="percent"),
            "third_party": st.column_config.NumberColumn(tr("comparison.third_party"), format="percent"),
            "ci_low": st.column_config.NumberColumn(tr("comparison.ci_low"), format="percent"),
            "ci_high": st.column_config.NumberColumn(tr("comparison.ci_high"), format="percent"),
            "respondents": tr("comparison.respondents"),
            "p_adjusted": tr("comparison.p_adjusted"),
            "paired_p_adjusted": tr("comparison.paired_p_adjusted"),
            "not_own": tr("comparison.not_own"),
            "evidence_p_adjusted": tr("comparison.evidence_p_adjusted"),
        },
    )
if result.verdict_method != "posterior":
    st.caption(tr("comparison.fdr", q=analysis_service.FDR_Q))

st.subheader(tr("comparison.drill"))
options = list(result.flagged_units.index) + [
    u for u in units["unit_id"] if u not in result.flagged_units.index
]
unit_id = st.selectbox(
    tr("comparison.unit"),
    [None, *options],
    format_func=lambda u: "—" if u is None else f"{u} {result.units.loc[u, 'name']}",
    key="drill_unit",
)
if unit_id is not None:
    for sentence in analysis_service.unit_explanation(result, unit_id, state.lang()):
        st.markdown(sentence)
    st.caption(tr("comparison.drill_help"))
    tables.show(
        analysis_service.unit_cases(result, unit_id), key="drill", file_name=f"unit-{unit_id}-cases.csv"
    )

st.subheader(tr("comparison.staff"))
st.caption(tr("comparison.staff_help"))
if st.toggle(tr("comparison.staff_run"), key="staff_level"):
    try:
        with st.spinner(tr("comparison.staff_run")):
            staff = _staff(state.database().url, study.id, mark.last_hash, verdict, result)
    except HuifangError as exc:
        st.info(state.error_text(exc))
    else:
        staff_view.show(staff, study.name, result.expanded)

wave_view.section(
    study,
    result,
    lambda other: _analyse(state.database().url, other, asked_at)[1],
    # the cache key names the verdict method each analysis was made with: this page's for this study
    lambda other, analysis: _staff(
        state.database().url, other, asked_at, verdict if other == study.id else None, analysis
    ),
)

wave_plan_view.section(result)

st.subheader(tr("comparison.exports"))
export_columns = st.columns(2)
export_columns[0].download_button(
    tr("comparison.export_units"),
    csv_bytes(result.units, index=True),
    file_name=f"huifang-{study.name}-units.csv",
    mime="text/csv",
    key="export_units",
)
export_columns[1].download_button(
    tr("comparison.export_headline"),
    csv_bytes(result.headline),
    file_name=f"huifang-{study.name}-headline.csv",
    mime="text/csv",
    key="export_headline",
)

st.subheader(tr("comparison.report"))
if waiting:  # the PDF reads its own, current snapshot: say that it is not the figures above
    st.caption(tr("comparison.report_current", changes=waiting))
if st.button(tr("comparison.report_generate"), key="generate_comparison_report"):
    with state.reading() as session:
        reviewer = state.actor(session)
    try:  # from a snapshot, recorded in a short writing session (`reports.build_and_record`)
        with st.spinner(tr("comparison.report_generate")):
            built_now, _ = reports.build_and_record(
                state.database(),
                study.id,
                reviewer,
                lang=state.lang(),
                kind="comparison",
                start=posterior_worker.start,
            )
    except HuifangError as exc:
        st.error(state.error_text(exc))
    else:
        st.session_state[COMPARISON_PDF_KEY] = (study.id, state.lang(), built_now.pdf, built_now.sha256)
built = st.session_state.get(COMPARISON_PDF_KEY)
if built is not None and built[0] == study.id:
    _, built_lang, pdf, digest = built
    st.caption(tr("reports.sha", sha=digest))
    st.download_button(
        tr("reports.download"),
        pdf,
        file_name=f"huifang-{study.name}-comparison-{built_lang}.pdf",
        mime="application/pdf",
        key="download_comparison_report",
    )
