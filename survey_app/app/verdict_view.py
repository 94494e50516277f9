"""The unit verdict on the reviewer's comparison page: which method judged the units, and the
posterior model's figures per unit where it did.

Why a module of its own: the comparison page (shared by several engineers) only calls `choice` before
it analyses and `show` after; the wording and the table live here and are tested here. The method
comes from `analysis_service.resolve_verdict`: a choice made on the page changes the page only,
reports use the study's setting (`survey_app.app.verdict_setting`, on the studies page), and after a
phase 2 the posterior is the only choice offered.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from analysis.report.formatting import format_mdi
from analysis.report.phase_two_timing import timing_sentences
from analysis.verdicts import explain_unit, posterior_interval, who_rated_flag
from survey_app.app import state, tables
from survey_app.app.state import tr
from survey_app.services import analysis_service, phase_two, samples, studies
from survey_app.services.errors import NotFound

CHOICE_KEY = "verdict_method"
STUDY = "study"  # the radio's option that means "the study's own method"


def has_phase_two(session: Any, study: Any) -> bool:
    """Whether the study's current design has a phase 2 (False before any design is drawn)."""
    try:
        design = samples.current_design(session, study)
    except NotFound:
        return False
    return phase_two.phase_two_of(design) is not None


def choice(study: Any, two_phase: bool) -> str | None:
    """The verdict method asked for on this page (None = the study's own): a radio for one-phase studies,
    a sentence after a phase 2 (only the posterior is valid then)."""
    if two_phase:
        st.caption(tr("verdict.phase2"))
        return None
    own = studies.verdict_method(study) or analysis_service.DEFAULT_VERDICT
    options = [STUDY, *studies.VERDICT_METHODS]
    picked = st.radio(
        tr("verdict.label"),
        options,
        format_func={
            m: tr("verdict.study", method=tr(f"verdict.{own}")) if m == STUDY else tr(f"verdict.{m}")
            for m in options
        }.__getitem__,  # worded at run time
        horizontal=True,
        help=tr("verdict.help"),
        key=CHOICE_KEY,
    )
    return None if picked == STUDY else str(picked)


def posterior_table(units: pd.DataFrame, lang: str, carry: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per surveyed unit, flagged first then by probability: verdict (a flag that rests on who rated, not
    on the rate gap, said to be one: `analysis.verdicts.who_rated_flag`), probability of inflation
    (1 − lfdr), for a flagged unit its estimated inflation in points with its 95% posterior interval
    (open above where capped; none for the others, `analysis.verdicts.UNFLAGGED_ESTIMATE`),
    likeliest mechanism, driving evidence with its strength, the verdict's own minimum detectable
    inflation from the rate gap alone (whole points, ">50"), and `analysis.explain_unit`'s sentences —
    all in `lang`, no code words. `carry` names columns of `units` copied as they are, after the unit."""
    surveyed = units[units["status"].astype(str) != "not_surveyed"].copy()
    surveyed["_flag"] = surveyed["flagged"].fillna(False).astype(bool)
    surveyed["_p"] = surveyed["prob_inflated"].fillna(-1.0)
    surveyed = surveyed.sort_values(["_flag", "_p"], ascending=False, kind="stable")

    def points(value: Any) -> str:
        return "" if value is None or not np.isfinite(float(value)) else f"{100 * float(value):+.1f}"

    rows = []
    for key, row in surveyed.iterrows():
        tested = np.isfinite(float(row.get("lfdr", np.nan)))
        flagged = tested and bool(row["_flag"])
        mechanism, evidence = analysis_service.posterior_words(row, lang) if tested else ("", "")
        rows.append(
            {
                "unit": f"{key} {row.get('name', '')}".strip(),
                **{column: row[column] for column in carry},
                "status": tr(
                    "verdict.status_flagged_who_rated"
                    if who_rated_flag(row)
                    else f"verdict.status_{row['status']}"
                ),
                "prob_inflated": row["prob_inflated"] if tested else np.nan,
                # a unit not flagged gets no estimate (`analysis.verdicts.UNFLAGGED_ESTIMATE`)
                "inflation": points(row.get("posterior_inflation")) if flagged else "",
                "interval": posterior_interval(row, lang) if flagged else "",
                "mechanism": mechanism,
                "evidence": evidence,
                "mdi": format_mdi(row.get("min_detectable")) if tested else "",
                "explanation": " ".join(explain_unit(row, lang, q=analysis_service.FDR_Q)),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "unit",
            *carry,
            "status",
            "prob_inflated",
            "inflation",
            "interval",
            "mechanism",
            "evidence",
            "mdi",
            "explanation",
        ],
    )


def posterior_labels() -> dict[str, str]:
    """The headers of `posterior_table`'s columns in the tab's language."""
    return {
        "unit": tr("comparison.unit"),
        "status": tr("verdict.status"),
        "prob_inflated": tr("verdict.prob_inflated"),
        "inflation": tr("verdict.inflation"),
        "interval": tr("verdict.interval"),
        "mechanism": tr("verdict.mechanism"),
        "evidence": tr("verdict.evidence"),
        "mdi": tr("verdict.mdi"),
        "explanation": tr("verdict.explanation"),
    }


def combination_table(units: pd.DataFrame) -> pd.DataFrame:
    """The units phase 2 expanded with their two-phase test p-values and, where phase 1 measured a
    fade, the change the test expected for their lateness in points (empty without a phase 2)."""
    if "combination_p_value" not in units.columns:
        return pd.DataFrame()
    expanded = units.dropna(subset=["combination_p_value"]).sort_values("combination_p_value", kind="stable")
    table = pd.DataFrame(
        {
            "unit": [f"{key} {name}" for key, name in expanded["name"].items()],
            "phase2_cases": expanded["phase2_cases"].astype(int).to_numpy(),
            "combination_p_value": expanded["combination_p_value"].round(4).to_numpy(),
            "combination_p_adjusted": expanded["combination_p_adjusted"].round(4).to_numpy(),
        }
    )
    allowance = expanded.get("fade_allowance")
    if allowance is not None and allowance.notna().any():
        table["fade_allowance"] = (100 * allowance.astype(float)).round(1).to_numpy()
    return table


def show(result: analysis_service.StudyAnalysis, study_name: str) -> None:
    """The method line, the save control, and under the posterior its per-unit table, the count of units
    with insufficient evidence and, after a phase 2, the two-phase test of the expanded units."""
    lang = state.lang()
    st.caption(
        tr(
            "verdict.used",
            method=tr(f"verdict.{result.verdict_method}"),
            source=tr(f"verdict.source_{result.verdict_source}"),
        )
    )
    st.caption(tr("verdict.who"))
    units = result.units
    if "status" not in units.columns or units.empty:
        return
    st.caption(tr("verdict.insufficient", count=int((units["status"] == "insufficient_evidence").sum())))
    held = int(units["surveyor_held"].fillna(False).astype(bool).sum()) if "surveyor_held" in units else 0
    if held:
        st.caption(tr("verdict.held", count=held))
        unexamined = analysis_service.unexamined_proxy_count(units)
        if unexamined:
            st.caption(tr("verdict.proxy_unexamined", count=unexamined))
    if result.verdict_method == studies.POSTERIOR:
        st.markdown(f"**{tr('verdict.table')}**")
        tables.show(
            posterior_table(units, lang),
            key="posterior_verdicts",
            file_name=f"huifang-{study_name}-verdicts.csv",
            percent=["prob_inflated"],
            labels=posterior_labels(),
        )
        st.caption(tr("verdict.rule", q=analysis_service.FDR_Q))
    show_combination(units, study_name, expanded=result.expanded)


def show_combination(
    units: pd.DataFrame,
    study_name: str,
    level: str = "",
    expanded: analysis_service.ExpandedStrata | None = None,
) -> None:
    """After a phase 2, the rate test of the units it expanded (nothing where it expanded none of this
    level's units); `level` ("staff" for the staff level) keys the table and names its CSV; with
    `expanded`, when each phase was called and how phase 1's answers faded, with a warning where phase
    2 came much later (`analysis.report.phase_two_timing`, the report's own words)."""
    combination = combination_table(units)
    if not len(combination):
        return
    st.markdown(f"**{tr('verdict.combination_staff' if level == 'staff' else 'verdict.combination')}**")
    tables.show(
        combination,
        key=f"combination_p{'_' + level if level else ''}",
        file_name=f"huifang-{study_name}-{level + '-' if level else ''}phase2-combination.csv",
        labels={
            "unit": tr("comparison.staff_member" if level == "staff" else "comparison.unit"),
            "phase2_cases": tr("verdict.phase2_cases"),
            "combination_p_value": tr("verdict.combination_p"),
            "combination_p_adjusted": tr("verdict.combination_p_adjusted"),
            "fade_allowance": tr("verdict.fade_allowance"),
        },
    )
    st.caption(tr("verdict.combination_help"))
    if expanded is not None:
        said, caution = timing_sentences(expanded.days, expanded.fade, state.lang())
        for sentence in said:
            st.caption(sentence)
        if caution:
            st.warning(caution)
