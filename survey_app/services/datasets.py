"""The analysis dataset: one row per released case, with its design, disposition and answers.

No personal data ever enters it (no names, no phone numbers), nor the referral items (consent to be
contacted, the problem in the respondent's words): it is what analysts may export and what `analysis`
computes from. The whole frame's ratings (a census, no personal fields) come separately.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from questionnaires.templates import REFERRAL_ITEMS
from survey_app.services import dispositions, phase_two
from survey_app.services.frames import frame_records, latest_frame
from survey_app.services.samples import current_design
from survey_app.storage.columnar import read_frame
from survey_app.storage.models import Answer, Case, Frame, FrameRecord, Interview, Study, User

CASE_FIELDS = (
    "record_id",
    "event_type",
    "domain",
    "channel",
    "district",
    "organisation_id",
    "organisation",
    "staff_id",
    "service_date",
    "rating_time",
    "system_rating",
)


def case_table(session: Session, study: Study) -> pd.DataFrame:
    """Released cases with design variables, frame fields (no personal data) and final disposition."""
    design = current_design(session, study)
    columns = [
        Case.id.label("case_id"),
        Case.stratum,
        Case.replicate,
        Case.selection_order,
        Case.inclusion_prob,
        Case.design_weight,
        Case.person_events,
        Case.state,
        Case.attempts,
        Case.final_disposition,
    ] + [getattr(FrameRecord, c) for c in CASE_FIELDS]
    statement = (
        select(*columns)
        .join(FrameRecord, FrameRecord.id == Case.frame_record_id)
        .where(Case.design_id == design.id, Case.state != "reserve")
        .order_by(Case.selection_order)
    )
    cases = read_frame(session.connection(), statement)  # column by column, not a Row per case
    # N_h: the stratum's population of sampling units, recovered exactly from the released n_h and π_h.
    released = cases.groupby("stratum")["case_id"].transform("size")
    cases["N_h"] = (released / cases["inclusion_prob"]).round().astype(int)
    cases["disposition"] = cases["final_disposition"].fillna(dispositions.NOT_ATTEMPTED.code)
    cases["aapor_group"] = cases["disposition"].map(lambda code: dispositions.get(code).group)
    return cases


def answer_table(session: Session, study: Study) -> pd.DataFrame:
    """One row per interview: status, surveyor, duration, and one column per answered item."""
    statement = (
        select(
            Interview.id.label("interview_id"),
            Interview.case_id,
            Interview.status,
            Interview.started_at,
            Interview.ended_at,
            Interview.questionnaire_version_id,
            Interview.mode,
            User.username.label("surveyor"),
            Answer.item,
            Answer.value,
        )
        .join(Case, Case.id == Interview.case_id)
        .join(User, User.id == Interview.surveyor_id)
        .outerjoin(Answer, Answer.interview_id == Interview.id)
        .where(Case.study_id == study.id)
    )
    long = read_frame(session.connection(), statement)  # column by column, not a Row per answer
    keys = [
        "interview_id",
        "case_id",
        "status",
        "started_at",
        "ended_at",
        "questionnaire_version_id",
        "mode",
        "surveyor",
    ]
    if long.empty:
        return pd.DataFrame(columns=keys)
    meta = long[keys].drop_duplicates("interview_id").set_index("interview_id")
    answered = long.dropna(subset=["item"])
    # the identity firewall: what a referral is made from never enters evaluation data
    answered = answered[~answered["item"].isin(REFERRAL_ITEMS)]
    wide = answered.pivot(index="interview_id", columns="item", values="value")
    table = meta.join(wide).reset_index()
    ended, started = pd.to_datetime(table["ended_at"]), pd.to_datetime(table["started_at"])
    table["duration_minutes"] = (ended - started).dt.total_seconds() / 60  # NaN while still in progress
    return table


def analysis_dataset(session: Session, study: Study) -> pd.DataFrame:
    """Cases joined with their interview (if any): the input of every estimate."""
    cases = case_table(session, study)
    answers = answer_table(session, study)
    data = cases.merge(answers, on="case_id", how="left")
    data["respondent"] = data["disposition"].isin(["1.1", "1.2"])
    two_phase = phase_two.weights(data, current_design(session, study), list(study.satisfied_codes))
    if two_phase is not None:  # after phase 2: Rao–Blackwell weights replace the provisional pooled ones
        data["pooled_weight"] = data["design_weight"]
        data["design_weight"] = two_phase
    return data


def frame_table(session: Session, study: Study) -> pd.DataFrame:
    """The whole frame's ratings, without personal fields: the system's own census of ratings."""
    frame = latest_frame(session, study)
    ahead = _READ_AHEAD.pop(_frame_key(session, frame), None)
    return ahead if ahead is not None else frame_records(session, frame, personal=False)


def read_frame_table_ahead(session: Session, study: Study) -> None:
    """Read the study's frame table now, for this process's next `frame_table` of the same frame.

    Why: a frame's records never change once imported, and the demo's analysis child reads them while
    the parent still works the queue (its second core is idle then), before the analysis needs them.
    The table is handed over once (then read afresh), and only for the same database, frame id and
    fingerprint: a newer frame of the study is read as usual."""
    frame = latest_frame(session, study)
    _READ_AHEAD.clear()
    _READ_AHEAD[_frame_key(session, frame)] = frame_records(session, frame, personal=False)


_READ_AHEAD: dict[tuple[str, int, str], pd.DataFrame] = {}


def _frame_key(session: Session, frame: Frame) -> tuple[str, int, str]:
    return (str(session.get_bind().url), frame.id, frame.frame_sha256)
