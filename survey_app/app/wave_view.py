"""The comparison page's "against an earlier study": the reviewer picks another study and sees which
rates rose or fell and what became of the units flagged in either (`services.waves`).

A module of its own, like `staff_view`: the page asks for the earlier study's analysis only when the
reviewer opens the section, and the wording lives here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from analysis.errors import AnalysisError
from survey_app.app import state, tables
from survey_app.app.state import tr
from survey_app.services import waves
from survey_app.services.errors import HuifangError

#: The columns of the changes table, in order (shares 0–1 shown as percentages).
CHANGE_COLUMNS = ("metric", "group", "level", "earlier", "later", "change", "change_low", "change_high",
                  "q_value", "verdict", "system_earlier", "system_later", "gap_change")  # fmt: skip
PERCENTS = ("earlier", "later", "change", "change_low", "change_high", "system_earlier", "system_later",
            "gap_change")  # fmt: skip


#: The columns of the follow-up table (`services.waves.WaveComparison.units`).
UNIT_COLUMNS = ("unit", "name", "domain", "earlier_status", "later_status", "outcome", "earlier_name",
                "earlier_inflation", "later_inflation")  # fmt: skip


def _labels(staff: bool = False) -> dict[str, str]:
    labels = {column: tr(f"waves.col_{column}") for column in (*CHANGE_COLUMNS, *UNIT_COLUMNS)}
    if staff:  # a staff member's id, and the name of the office they work in
        labels |= {"unit": tr("comparison.staff_member"), "name": tr("comparison.unit")}
    return labels


def _worded(table: pd.DataFrame, columns: tuple[str, ...], prefix: str) -> pd.DataFrame:
    shown = table.copy()
    for column in columns:
        shown[column] = [tr(f"{prefix}{value}") for value in shown[column].astype(str)]
    return shown


def show(comparison: waves.WaveComparison, study_name: str) -> None:
    """The counts, the marked changes and every row (with its CSV), the flagged units' follow-up and the
    caveats, in the tab's language."""
    lang = state.lang()
    for english, chinese in comparison.caveats:
        st.warning(chinese if lang == "zh" else english)
    changes = comparison.changes
    counts = changes["verdict"].value_counts()
    st.caption(
        tr(
            "waves.counts",
            earlier=comparison.earlier,
            rose=int(counts.get("rose", 0)),
            fell=int(counts.get("fell", 0)),
            unclear=int(counts.get("no_clear_change", 0)),
            other=int(
                len(changes)
                - counts.get("rose", 0)
                - counts.get("fell", 0)
                - counts.get("no_clear_change", 0)
            ),
        )
    )
    shown = _worded(changes[list(CHANGE_COLUMNS)], ("verdict",), "waves.verdict_")
    shown["group"] = shown["group"].map(lambda group: tr(f"waves.group_{group}"))
    marked = changes["verdict"].isin(("rose", "fell"))
    order = pd.Series(~marked.to_numpy()).argsort(kind="stable")  # the marked first, then as computed
    tables.show(
        shown.iloc[order],
        key="wave_changes",
        file_name=f"huifang-{comparison.earlier}-{study_name}-changes.csv",
        percent=PERCENTS,
        words=("level",),
        labels=_labels(),
    )
    units = comparison.units
    staff = comparison.level == "staff"
    st.markdown(f"**{tr('waves.staff' if staff else 'waves.units')}**")
    if units.empty:
        st.caption(tr("waves.no_staff" if staff else "waves.no_units"))
        return
    st.caption(tr("waves.units_help"))
    tables.show(
        _worded(units, ("earlier_status", "later_status", "outcome"), "waves.status_"),
        key="wave_units",
        file_name=f"huifang-{comparison.earlier}-{study_name}-flagged-units.csv",
        percent=("earlier_inflation", "later_inflation"),
        labels=_labels(staff),
    )


def section(
    study,
    result,
    analyse: Callable[[int], Any],
    staff_of: Callable[[int, Any], pd.DataFrame],
) -> None:
    """The section itself: a choice of another study and, once chosen, its comparison with `result`
    (this study's analysis as the page shows it). `analyse(study_id)` is the page's cached analysis of
    a study by its own settings; `staff_of(study_id, analysis)` its cached staff verdicts, asked for
    when the reviewer follows up staff members instead of organisations."""
    from survey_app.services import studies

    st.subheader(tr("waves.section"))
    st.caption(tr("waves.help"))
    with state.reading() as session:
        others = {other.id: other for other in studies.list_studies(session) if other.id != study.id}
        unfinished = {other.id: waves.unfinished_of(other, study) for other in others.values()}
    if not others:
        st.caption(tr("waves.alone"))
        return
    chosen = st.selectbox(
        tr("waves.pick"),
        [None, *sorted(others, reverse=True)],
        format_func=lambda key: "—" if key is None else others[key].name,
        key="wave_earlier",
    )
    by_staff = st.toggle(tr("waves.by_staff"), key="wave_staff")
    if chosen is None:
        return
    try:
        with st.spinner(tr("waves.section")):
            earlier = analyse(chosen)
            staff = (staff_of(chosen, earlier), staff_of(study.id, result)) if by_staff else None
            comparison = waves.compare_analyses(earlier, result, unfinished[chosen], staff=staff)
    except HuifangError as exc:
        st.info(state.error_text(exc))
    except AnalysisError as exc:  # the earlier study has no respondent yet: nothing to compare
        st.info(tr("waves.no_data", name=others[chosen].name))
        st.caption(str(exc))
    else:
        show(comparison, study.name)
