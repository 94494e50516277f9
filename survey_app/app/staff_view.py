"""The staff level on the reviewer's comparison page: every staff member judged on the events they
served (`services.staff_verdicts`), the flagged first, and one member's verdict in words.

A module of its own, like `verdict_view`: the page asks for the table only when the reviewer opens the
section (a few seconds of fitting), and the wording lives here.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from sampling.cells import csv_bytes
from survey_app.app import state, tables
from survey_app.app.state import tr
from survey_app.app.verdict_view import posterior_labels, posterior_table, show_combination
from survey_app.services import analysis_service, staff_verdicts

#: The columns of the staff table under the empirical null (its p-values; the posterior has its own table).
NULL_COLUMNS = ("name", "organisation_flagged", "status", "system_rate", "third_party", "respondents",
                "evidence_p_adjusted")  # fmt: skip


def verdict_table(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The staff members with a callback, flagged first: the posterior's per-unit table (with whether
    the office is flagged too) or, under the empirical null, its figures and adjusted p-value."""
    if "prob_inflated" in table.columns and (table["verdict_method"].astype(str) == "posterior").all():
        return posterior_table(table, lang, carry=("organisation_flagged",))
    surveyed = table[table["status"].astype(str) != "not_surveyed"]
    shown = surveyed[[c for c in NULL_COLUMNS if c in surveyed.columns]].copy()
    shown["status"] = [tr(f"verdict.status_{status}") for status in shown["status"].astype(str)]
    shown.insert(0, "unit", shown.index)
    return shown.reset_index(drop=True)


def show(
    table: pd.DataFrame, study_name: str, expanded: analysis_service.ExpandedStrata | None = None
) -> None:
    """The counts, the table (with its CSV) and a member's verdict in words; `expanded` as
    `verdict_view.show_combination`'s."""
    lang = state.lang()
    st.caption(tr("comparison.staff_counts", **staff_verdicts.counts(table)))
    unnamed = int(table.attrs.get("unnamed_records", 0))
    if unnamed:
        st.caption(tr("comparison.staff_unnamed", count=f"{unnamed:,}"))
    tables.show(
        verdict_table(table, lang),
        key="staff_verdicts",
        file_name=f"huifang-{study_name}-staff-verdicts.csv",
        percent=["prob_inflated", "system_rate", "third_party"],
        words=["organisation_flagged"],
        labels={
            **posterior_labels(),
            "unit": tr("comparison.staff_member"),
            "organisation_flagged": tr("comparison.staff_office_flagged"),
            "name": tr("comparison.unit"),
            "system_rate": tr("comparison.system"),
            "third_party": tr("comparison.third_party"),
            "respondents": tr("comparison.respondents"),
            "evidence_p_adjusted": tr("comparison.evidence_p_adjusted"),
        },
    )
    show_combination(table, study_name, "staff", expanded)
    called = table[table["status"].astype(str) != "not_surveyed"]
    member = st.selectbox(
        tr("comparison.staff_member"),
        [None, *called.index],
        format_func=lambda s: "—" if s is None else f"{s} {table.loc[s, 'organisation']}",
        key="staff_member",
    )
    if member is not None:
        for sentence in staff_verdicts.staff_explanation(table, member, lang):
            st.markdown(sentence)
    st.download_button(
        tr("comparison.staff_export"),
        csv_bytes(table, index=True),
        file_name=f"huifang-{study_name}-staff.csv",
        mime="text/csv",
        key="export_staff",
    )
