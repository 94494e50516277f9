"""Reviewer (personnel office): headline figures with intervals and system vs third-party 满意率 by unit.

Nothing on this page identifies a person: the inputs are the analysis dataset and the frame's
ratings without personal fields.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from survey_app.app import state
from survey_app.app.comparison import UNIT_LEVELS, comparison_view
from survey_app.app.state import tr
from survey_app.services.errors import NotFound

state.guard("reviewer", "admin")
st.header(tr("page.comparison"))

level = st.selectbox(
    tr("comparison.level"),
    UNIT_LEVELS,
    format_func={c: tr(f"queue.{c}") for c in UNIT_LEVELS}.__getitem__,
    key="comparison_level",
)
with state.reading() as session:
    study = state.require_study(session)
    try:
        view = comparison_view(session, state.actor(session), study, level)
    except NotFound as exc:
        st.info(str(exc))
        st.stop()
if view is None:
    st.info(tr("comparison.no_data"))
    st.stop()

st.caption(
    tr("comparison.definition", codes=" + ".join(study.satisfied_codes)) + f" · n = {view.respondents}"
)
st.subheader(tr("comparison.headline"))
overall = view.headline[view.headline["group"] == "overall"]
columns = st.columns(len(overall))
for column, row in zip(columns, overall.itertuples(), strict=True):
    column.metric(
        row.metric, f"{row.estimate:.1%}", help=f"95% CI {row.ci_low:.1%} – {row.ci_high:.1%}, n = {row.n}"
    )
    column.caption(f"95% CI {row.ci_low:.1%} – {row.ci_high:.1%}")

st.subheader(tr("comparison.by_unit"))
units = view.units
long = pd.concat(
    [
        units.assign(source=tr("comparison.system"), value=units["system"], low=None, high=None),
        units.assign(
            source=tr("comparison.third_party"),
            value=units["third_party"],
            low=units["ci_low"],
            high=units["ci_high"],
        ),
    ]
)
base = alt.Chart(long).encode(
    y=alt.Y("unit:N", title=tr("comparison.unit"), sort=alt.SortField("value", order="descending")),
    color=alt.Color("source:N", title=None),
)
points = base.mark_point(filled=True, size=80).encode(
    x=alt.X("value:Q", axis=alt.Axis(format="%"), title="满意率", scale=alt.Scale(zero=False)),
    tooltip=["unit:N", "source:N", alt.Tooltip("value:Q", format=".1%"), "n:Q"],
)
bars = base.mark_rule().encode(x="low:Q", x2="high:Q")
st.altair_chart((bars + points).properties(height=max(200, 28 * len(units))), width="stretch")
st.dataframe(
    units.rename(
        columns={
            "unit": tr("comparison.unit"),
            "system": tr("comparison.system"),
            "third_party": tr("comparison.third_party"),
        }
    ),
    hide_index=True,
    width="stretch",
)

st.subheader(tr("comparison.flagged"))
flagged = units[units["above"]]
if flagged.empty:
    st.success(tr("comparison.no_flags"))
else:
    st.dataframe(
        flagged[["unit", "system", "third_party", "ci_low", "ci_high", "n"]], hide_index=True, width="stretch"
    )
st.caption(view.method)
