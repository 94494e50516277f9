"""Frame import: validate a rating-system export with `sampling.load_frame`, then store it whole.

The import is one transaction: the frame row, every record and every reported issue land together or
not at all. The stored records are what the draw and an auditor's re-draw read back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

import sampling
from sampling.vocabulary import FRAME_FIELDS
from survey_app.security import audit
from survey_app.services.auth import require
from survey_app.services.errors import InvalidState, NotFound
from survey_app.storage.models import Frame, FrameIssue, FrameRecord, Study, User

RECORD_COLUMNS: tuple[str, ...] = tuple(f for f in FRAME_FIELDS)
_CHUNK = 5000


def _records(data: pd.DataFrame, frame_id: int) -> list[dict[str, Any]]:
    out = pd.DataFrame({"frame_id": frame_id}, index=data.index)
    for column in RECORD_COLUMNS:
        out[column] = data[column] if column in data.columns else None
    out["service_date"] = pd.to_datetime(out["service_date"]).dt.date
    if out["rating_time"].notna().any():
        out["rating_time"] = pd.to_datetime(out["rating_time"]).dt.to_pydatetime()
    out = out.astype(object).where(out.notna(), None)
    return out.to_dict("records")


def import_frame(
    session: Session,
    actor: User,
    study: Study,
    path: str | Path,
    *,
    mapping: dict[str, str] | None = None,
    encoding: str | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> Frame:
    """Load, validate and store a frame file for `study`; returns the stored Frame."""
    require(actor, "researcher", "admin")
    if study.state == "closed":
        raise InvalidState(f"Study {study.name} is closed; it takes no new frames.")
    path = Path(path)
    loaded = sampling.load_frame(
        path, mapping=mapping, encoding=encoding, scale=study.scale, progress=progress
    )
    return store_frame(session, actor, study, loaded, filename=path.name, source_path=str(path.resolve()))


def store_frame(
    session: Session, actor: User, study: Study, loaded: Any, *, filename: str, source_path: str | None = None
) -> Frame:
    """Store an already validated frame (what `sampling.load_frame` returned)."""
    require(actor, "researcher", "admin")
    data: pd.DataFrame = loaded.data
    issues = _issues_frame(loaded)
    frame = Frame(
        study_id=study.id,
        filename=filename,
        source_path=source_path,
        source_sha256=loaded.source_sha256,
        frame_sha256=loaded.frame_sha256,
        encoding=getattr(loaded, "encoding", None),
        mapping=dict(getattr(loaded, "mapping", {}) or {}),
        row_count=len(data),
        rejected_count=len(getattr(loaded, "rejected", [])),
        imported_by=actor.id,
    )
    session.add(frame)
    session.flush()
    rows = _records(data, frame.id)
    for start in range(0, len(rows), _CHUNK):
        session.execute(insert(FrameRecord), rows[start : start + _CHUNK])
    if len(issues):
        issue_rows = [
            {
                "frame_id": frame.id,
                "row": int(r["row"]),
                "field": str(r["field"]),
                "value": None if pd.isna(r["value"]) else str(r["value"]),
                "reason": str(r["reason"]),
                "action": str(r["action"]),
            }
            for r in issues.to_dict("records")
        ]
        for start in range(0, len(issue_rows), _CHUNK):
            session.execute(insert(FrameIssue), issue_rows[start : start + _CHUNK])
    audit.record(
        session,
        actor.username,
        "frame.imported",
        study_id=study.id,
        entity="frame",
        entity_id=frame.id,
        filename=filename,
        source_sha256=frame.source_sha256,
        frame_sha256=frame.frame_sha256,
        rows=frame.row_count,
        rejected=frame.rejected_count,
        encoding=frame.encoding,
    )
    return frame


def _issues_frame(loaded: Any) -> pd.DataFrame:
    report = getattr(loaded, "report", None)
    if report is None:
        return pd.DataFrame(columns=["row", "field", "value", "reason", "action"])
    table = report if isinstance(report, pd.DataFrame) else getattr(report, "issues", None)
    if table is None:
        table = pd.DataFrame(report)
    return table


def latest_frame(session: Session, study: Study) -> Frame:
    frame = session.scalar(select(Frame).where(Frame.study_id == study.id).order_by(Frame.id.desc()))
    if frame is None:
        raise NotFound(f"Study {study.name} has no frame yet: import one with `huifang frame import`.")
    return frame


def frame_records(session: Session, frame: Frame, *, personal: bool = False) -> pd.DataFrame:
    """The stored frame as a DataFrame in canonical columns; personal fields only when asked."""
    columns = [FrameRecord.id.label("frame_record_pk")] + [
        getattr(FrameRecord, c) for c in RECORD_COLUMNS if personal or c not in ("recipient_name", "phone")
    ]
    result = session.execute(
        select(*columns).where(FrameRecord.frame_id == frame.id).order_by(FrameRecord.id)
    )
    data = pd.DataFrame(result.all(), columns=list(result.keys()))
    if len(data):
        data["service_date"] = pd.to_datetime(data["service_date"])
        data["rating_time"] = pd.to_datetime(data["rating_time"])
    return data


def frame_issues(session: Session, frame: Frame) -> pd.DataFrame:
    result = session.execute(
        select(FrameIssue.row, FrameIssue.field, FrameIssue.value, FrameIssue.reason, FrameIssue.action)
        .where(FrameIssue.frame_id == frame.id)
        .order_by(FrameIssue.row, FrameIssue.id)
    )
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def study_frames(session: Session, actor: User, study: Study) -> list[Frame]:
    """Every frame imported for the study, newest first (fingerprints and counts, no records)."""
    require(actor, "researcher", "admin", "auditor")
    return list(session.scalars(select(Frame).where(Frame.study_id == study.id).order_by(Frame.id.desc())))
