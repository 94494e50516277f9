"""Unit verdicts one level down: every staff member judged like an organisation (issue 10).

Why: the action plan assesses staff as well as offices (measure 十八), and an office flagged because one
member rates for the clients should not leave the office to guess which member, nor put every colleague
under the same suspicion. The staff level runs the organisation level's verdict (`compare_units`, the
same method, q and weights) over each staff member's own records and callbacks. The sample is drawn per
office, not per person, so most staff members have too few respondents and stay "insufficient
evidence" — never flagged, never cleared; what the staff level can find is measured in ARCHITECTURE.md
("Staff members").

Not part of every `analyse` (4–5 s of CPU on the full demo): the comparison page computes it when the
reviewer opens it, `huifang analyse --level staff` and every report (`reports._staff_level`) when they
need it, and the demo's analysis child ahead (`StudyAnalysis.staff`, `staff_of`). A staff member whose
events the frame puts in several offices is shown with the first office it names.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import analysis
from analysis.numeric import numeric_mode
from analysis.report.i18n import text as report_text
from analysis.units import Start
from analysis.verdicts import SIGN_LABELS
from survey_app.services.analysis_service import (
    FDR_Q,
    INTERVIEWER,
    UNIT,
    StudyAnalysis,
    combination_by_unit,
    percent_text,
    phase_two_lines,
    posterior_summary,
)
from survey_app.services.errors import InvalidState

#: The frame field naming the staff member who served the event.
STAFF = "staff_id"
#: The columns a staff table adds to `compare_units`' own, first in every row.
CONTEXT_COLUMNS = ("organisation_id", "organisation", "organisation_flagged")


def staff_verdicts(
    result: StudyAnalysis,
    start: Start | None = None,
) -> pd.DataFrame:
    """One row per staff member named in the eligible frame: `compare_units`' verdict columns (same
    method as the organisations', `result.verdict_method`) and `CONTEXT_COLUMNS` in front; indexed by
    staff_id, flagged members first. `attrs["unnamed_records"]` counts the frame records that name no
    staff member (left out of this level, said where the table is shown). A one-sentence
    `InvalidState` when no record names a staff member or nobody has been interviewed.

    `start` runs the posterior model elsewhere (`analysis.compare_units`), as the demo's analysis child
    does for the organisations."""
    frame = result.frame
    named = _names_staff(frame) if STAFF in frame else None
    if named is None or not named.any():
        raise InvalidState(
            f"Study {result.study_name}: no record of its frame names a staff member (column {STAFF}), so "
            "there is no staff level to judge.",
            zh=f"调查 {result.study_name}：抽样框中没有任何记录填写工作人员编号（{STAFF} 列），无法按工作人员判定。",
        )
    respondents = result.respondents
    if respondents.empty:
        raise InvalidState(
            f"Study {result.study_name} has no respondent yet: there is nothing to judge staff members on.",
            zh=f"调查 {result.study_name} 尚无受访者，无法按工作人员判定。",
        )
    frame = frame[named]
    # respondents and interviews are the eligible frame's records: those naming a staff member are in it
    design = analysis.Design(
        respondents[_names_staff(respondents)].reset_index(drop=True), strata="stratum", weights="nr_weight",
        fpc="N_h", lonely_psu="adjust",
    )  # fmt: skip
    interviewed = result.cases[result.cases["interview_id"].notna() & _names_staff(result.cases)]
    # in the numeric mode the organisations' verdicts ran in, so that a report's staff level rebuilds
    # the same on any core count too (`analysis.numeric`)
    with numeric_mode(result.numeric):
        table = analysis.compare_units(
            frame,
            design,
            STAFF,
            satisfied_codes=result.satisfied_codes,
            q=FDR_Q,
            interviews=interviewed,
            seed=result.study_id,
            method=result.verdict_method,
            interviewer=INTERVIEWER,
            start=start,
        )
    if result.expanded is not None:  # the rate test of members a staff design's phase 2 expanded
        table = table.join(combination_by_unit(result.expanded, table, STAFF))
    owners = frame.drop_duplicates(STAFF).set_index(STAFF)[[UNIT, "organisation"]]
    context = owners.reindex(table.index)
    context["organisation_flagged"] = context[UNIT].isin(result.flagged_units.index)
    out = context.join(table)
    out.insert(0, "name", out["organisation"])  # printed beside the staff id, as an office's name is
    order = np.lexsort((out.index.to_numpy(str), ~out["flagged"].fillna(False).astype(bool).to_numpy()))
    out = out.iloc[order]
    out.index.name = STAFF
    out.attrs.update(table.attrs, unnamed_records=int((~named).sum()))
    return out


def staff_of(result: StudyAnalysis, start: Start | None = None) -> pd.DataFrame:
    """`result.staff` where the analysis was given its staff level ahead (the demo's analysis child
    computes it beside the rest), else `staff_verdicts(result, start)`."""
    return result.staff if result.staff is not None else staff_verdicts(result, start)


def _names_staff(table: pd.DataFrame) -> pd.Series:
    """Which rows name a staff member (not missing, not blank)."""
    return table[STAFF].notna() & (table[STAFF].astype(str).str.strip() != "")


def counts(table: pd.DataFrame) -> dict[str, int]:
    """Staff members named in the frame, with a callback, judged (enough evidence) and flagged."""
    status = table["status"].astype(str)
    return {
        "named": len(table),
        "called": int((status != "not_surveyed").sum()),
        "judged": int(status.isin(["flagged", "no_evidence"]).sum()),
        "flagged": int((status == "flagged").sum()),
    }


def flagged_staff(table: pd.DataFrame) -> pd.DataFrame:
    """The flagged members of a `staff_verdicts` table, in its order."""
    return table[table["flagged"].fillna(False).astype(bool)]


def staff_explanation(table: pd.DataFrame, staff_id: str, lang: str = "zh", caveat: bool = True) -> list[str]:
    """The verdict of one staff member in plain words: `analysis.explain_unit`'s sentences, then where
    the member works (and that office's own verdict), and for a flag (with `caveat`; the report says it
    once for all) what it does not say about the person. A KeyError when the table has no such member."""
    if staff_id not in table.index:
        raise KeyError(f"staff member {staff_id!r} is not in this study's frame")
    row = table.loc[staff_id]
    lines = analysis.explain_unit(row, lang, q=FDR_Q)
    zh = lang == "zh"
    office = f"{row['organisation_id']} {row['organisation']}"
    if bool(row["organisation_flagged"]):
        lines.append(
            f"所在机构 {office} 在机构层面也被标记。" if zh else f"The office, {office}, is flagged too."
        )
    else:
        lines.append(
            f"所在机构 {office} 在机构层面未被标记。" if zh else f"The office, {office}, is not flagged."
        )
    if caveat and bool(row.get("flagged", False)):
        lines.append(report_text("staff_caveat", lang))  # the report's own words
    return lines


def staff_summary_text(result: StudyAnalysis, table: pd.DataFrame, shown: int = 15) -> str:
    """`huifang analyse --level staff`: how many staff members were judged, and every flagged one."""
    count = counts(table)
    lines = [
        f"Staff members (study {result.study_name}): {count['named']} named in the eligible frame, "
        f"{count['called']} with a callback, {count['judged']} with enough evidence to judge, "
        f"{count['called'] - count['judged']} with insufficient evidence (never flagged, never cleared)"
    ]
    unnamed = int(table.attrs.get("unnamed_records", 0))
    if unnamed:
        lines.append(f"{unnamed:,} frame records name no staff member and are left out of this level")
    flagged = flagged_staff(table)
    posterior = result.verdict_method == "posterior"
    lines.append(
        f"Staff members flagged as inflated (the organisations' method and q = {FDR_Q}): {len(flagged)}"
    )
    for staff_id, row in flagged.head(shown).iterrows():
        driver = SIGN_LABELS.get(str(row.get("driver", "") or ""))
        office = "office flagged too" if row["organisation_flagged"] else "office not flagged"
        lines.append(
            f"  {staff_id} ({row['organisation']}; {office}): system {percent_text(row['system_rate'])}, third-party "
            f"{percent_text(row['third_party'])} ({int(row['respondents'])} respondents)"
            + (posterior_summary(row) if posterior else "")
            + (f"; main evidence: {driver['en']}" if driver else "")
        )
    if len(flagged) > shown:
        lines.append(f"  … and {len(flagged) - shown} more: the comparison page lists every staff member")
    lines += phase_two_lines(table, "staff members", shown, result.expanded)
    lines.append(report_text("staff_caveat", "en"))
    return "\n".join(lines)
