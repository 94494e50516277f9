"""The comparison page's "plan the next study" (`services.wave_planning`): from this study's analysis,
the answers and cases each district, domain or channel needs for the next study to find a change of the
size the office chooses, and which groups no next study can judge at that size.

Computed only when asked (the toggle): a plan searches sizes for every group (under a second on the
demo; not cached, as its inputs are the analysis the page already holds).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from survey_app.app import state, tables
from survey_app.app.state import tr
from survey_app.services import wave_planning
from survey_app.services.errors import HuifangError

#: The plan's columns as shown, in order.
COLUMNS = ("level", "estimate", "low", "high", "n", "deff", "fall_answers", "fall_cases", "fall_limit",
           "rise_answers", "rise_cases", "rise_limit", "same_size_fall", "same_size_rise",
           "frame_records")  # fmt: skip
PERCENTS = ("estimate", "low", "high", "same_size_fall", "same_size_rise")


def _shown(plan: wave_planning.WavePlan) -> pd.DataFrame:
    zh = state.lang() == "zh"
    table = plan.groups.reindex(columns=list(COLUMNS)).copy()
    for direction in ("fall", "rise"):
        column = f"{direction}_limit"
        table[column] = [
            wave_planning.LIMIT_WORDS[why][1 if zh else 0] if why else "" for why in table[column]
        ]
        same = f"same_size_{direction}"
        table[same] = table[same].where(np.isfinite(table[same].astype(float)))
        for size in (f"{direction}_answers", f"{direction}_cases"):  # whole numbers, an empty cell where none
            table[size] = table[size].astype(object).where(table[size].notna(), None)
    table["deff"] = table["deff"].round(2)
    return table


def section(result) -> None:
    """The section: the change, grouping and power asked for, then the plan (see the module)."""
    st.subheader(tr("plan.section"))
    st.caption(tr("plan.help"))
    left, middle, right = st.columns(3)
    points = left.number_input(
        tr("plan.change"), min_value=1, max_value=50, value=10, step=1, key="plan_change"
    )
    group = middle.selectbox(
        tr("plan.group"),
        list(wave_planning.GROUPS),
        format_func=lambda g: tr(f"waves.group_{g}"),
        key="plan_group",
    )
    power = right.selectbox(tr("plan.power"), [0.8, 0.9], key="plan_power")
    if not st.toggle(tr("plan.show"), key="plan_show"):
        return
    try:
        with st.spinner(tr("plan.section")):
            plan = wave_planning.plan_next_wave(result, points / 100, group=group, power=power)
    except HuifangError as exc:
        st.info(state.error_text(exc))
        return
    st.caption(tr("plan.level", k=plan.family, alpha=f"{plan.alpha:.4f}", power=f"{power:.0%}"))
    overall = plan.overall.iloc[0]
    st.caption(
        tr(
            "plan.overall",
            estimate=f"{100 * overall['estimate']:.1f}",
            fall=wave_planning.size_text(overall, "fall", state.lang()),
            rise=wave_planning.size_text(overall, "rise", state.lang()),
        )
    )
    tables.show(
        _shown(plan),
        key="wave_plan",
        file_name=f"huifang-{plan.study}-next-study-plan.csv",
        percent=PERCENTS,
        words=("level",),
        labels={column: tr(f"plan.col_{column}") for column in COLUMNS},
    )
    total = wave_planning.totals(plan)
    st.caption(
        tr("plan.totals", cases=total["cases"], planned=total["planned"], unplanned=total["unplanned"])
    )
    beyond = wave_planning.beyond_frame(plan.groups)
    if beyond.any():
        joiner = "、" if state.lang() == "zh" else ", "
        st.warning(tr("plan.beyond_frame", groups=joiner.join(plan.groups.loc[beyond, "level"].astype(str))))
