"""Frame import: validate a rating-system export with `sampling.load_frame`, then store it whole.

The import is one transaction: the frame row, every record and every reported issue land together or
not at all. The stored records are what the draw and an auditor's re-draw read back.

Names and numbers are sealed on the way in (`security.fieldcrypto`, the study's data key) and each
record gets the keyed hash of its number (`person_key`), which is all the draw needs: it stands in
for the number wherever people are matched, so the sample never touches plaintext.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

import sampling
from sampling.fingerprint import frame_sha256
from sampling.vocabulary import FRAME_FIELDS, PERSONAL_FIELDS
from survey_app.security import audit, fieldcrypto
from survey_app.services.auth import require
from survey_app.services.errors import InvalidState, NotFound
from survey_app.storage.columnar import insert_columns, read_frame
from survey_app.storage.models import Frame, FrameIssue, FrameRecord, Study, User

RECORD_COLUMNS: tuple[str, ...] = tuple(f for f in FRAME_FIELDS)
PLAIN_COLUMNS: tuple[str, ...] = tuple(f for f in FRAME_FIELDS if f not in PERSONAL_FIELDS)
TABLE = "frame_records"
_CHUNK = 5000


def row_key(frame_id: int, record_id: str) -> str:
    """What a record's ciphertexts are bound to (with table and column): its frame and record id."""
    return f"{frame_id}|{record_id}"


def study_cipher(session: Session, study: Study, *, create: bool = False) -> fieldcrypto.FieldCipher:
    """The cipher of the study's personal data (its data key is made on the first frame import)."""
    if study.data_key_id is None:
        if not create:
            raise fieldcrypto.KeyUnavailable(f"study {study.name} has no data key")
        study.data_key_id = fieldcrypto.new_key_id()
        session.flush()
    return fieldcrypto.FieldCipher(fieldcrypto.data_key(study.data_key_id, create=create), TABLE)


def _text_or_none(column: pd.Series) -> list[str | None]:
    return [None if v is None or v is pd.NA or v != v else str(v) for v in column.astype(object)]


def _python_values(column: pd.Series) -> list[Any]:
    """`column`'s values as Python objects, missing ones as None: what `astype(object)` then
    `where(notna(), None)` gives, read straight from the codes for a categorical column."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        labels = np.append(column.cat.categories.astype(object).to_numpy(), None)
        return labels[column.cat.codes.to_numpy()].tolist()  # code -1 (missing) picks the None
    return column.astype(object).where(column.notna(), None).tolist()


def _records(data: pd.DataFrame, frame_id: int, cipher: fieldcrypto.FieldCipher) -> dict[str, list[Any]]:
    """The stored values of `data`'s records, column by column (no row dicts, no DataFrame of them)."""
    size = len(data)
    present = {
        c: data[c] if c in data.columns else pd.Series([None] * size, dtype=object) for c in FRAME_FIELDS
    }
    present["service_date"] = pd.to_datetime(present["service_date"]).dt.date
    if present["rating_time"].notna().any():
        present["rating_time"] = pd.Series(
            pd.to_datetime(present["rating_time"]).dt.to_pydatetime(), dtype=object
        )
    columns: dict[str, list[Any]] = {"frame_id": [frame_id] * size}
    columns.update((c, _python_values(present[c])) for c in PLAIN_COLUMNS)
    rows = [row_key(frame_id, r) for r in data["record_id"].astype(str)]
    names, phones = _text_or_none(present["recipient_name"]), _text_or_none(present["phone"])
    columns["name_sealed"] = cipher.seal_many("recipient_name", names, rows)
    columns["phone_sealed"] = cipher.seal_many("phone", phones, rows)
    columns["person_key"] = [
        None if p is None else k
        for p, k in zip(phones, fieldcrypto.person_keys(p or "" for p in phones), strict=True)
    ]
    return columns


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
    refuse_unless_design(study)
    path = Path(path)
    loaded = sampling.load_frame(
        path, mapping=mapping, encoding=encoding, scale=study.scale, progress=progress
    )
    return store_frame(session, actor, study, loaded, filename=path.name, source_path=str(path.resolve()))


def refuse_unless_design(study: Study) -> None:
    """A frame is imported only while the study is in design.

    Once fieldwork has started, the drawn sample, its seed and every case point at the frame they were
    drawn from; a newer frame would become the one the sample page, the re-draw and `verify` read, and
    the cases would no longer match it. Raises InvalidState with one sentence in zh and en.
    """
    if study.state == "design":
        return
    label = {"fieldwork": ("is in fieldwork", "正在实地调查"), "closed": ("is closed", "已结束")}
    en, zh = label.get(study.state, (f"is {study.state}", study.state))
    raise InvalidState(
        f"Study {study.name} {en}: a new frame can only be imported while the study is in design, "
        "because its sample was drawn from the current frame.",
        zh=f"调查项目 {study.name} {zh}：只有处于设计中的项目才能导入新的抽样框，因为样本已从当前抽样框抽取。",
    )


def store_frame(
    session: Session, actor: User, study: Study, loaded: Any, *, filename: str, source_path: str | None = None
) -> Frame:
    """Store an already validated frame (what `sampling.load_frame` returned)."""
    require(actor, "researcher", "admin")
    refuse_unless_design(study)
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
    frame.public_sha256 = frame_sha256(data.drop(columns=[c for c in PERSONAL_FIELDS if c in data.columns]))
    session.add(frame)
    session.flush()
    cipher = study_cipher(session, study, create=True)
    # a chunk's records at a time, column by column (never every row as a dict); a plain executemany, as
    # no ORM object of these rows is in play and none of them is tracked (ORM bulk insert cost ~15% more
    # CPU, building row dicts from a DataFrame and binding them row by row about as much again)
    connection = session.connection()
    for start in range(0, len(data), _CHUNK):
        insert_columns(
            connection, FrameRecord.__table__, _records(data.iloc[start : start + _CHUNK], frame.id, cipher)
        )
    for start in range(0, len(issues), _CHUNK):
        issue_rows = [
            {
                "frame_id": frame.id,
                "row": int(r["row"]),
                "field": str(r["field"]),
                "value": None if pd.isna(r["value"]) else str(r["value"]),
                "reason": str(r["reason"]),
                "action": str(r["action"]),
            }
            for r in issues.iloc[start : start + _CHUNK].to_dict("records")
        ]
        session.execute(insert(FrameIssue), issue_rows)
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
        public_sha256=frame.public_sha256,
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
    """The stored frame as a DataFrame in canonical columns, without names and numbers.

    `personal=True` adds the column `phone` holding each record's person key (the keyed hash of its
    number): what the person sample and the do-not-call and recent-contact checks match on. No
    plaintext; `decrypted_frame_records` is the one reader that opens the ciphertexts.
    """
    columns = [FrameRecord.id.label("frame_record_pk")] + [getattr(FrameRecord, c) for c in PLAIN_COLUMNS]
    if personal:
        columns.append(FrameRecord.person_key.label("phone"))
    statement = select(*columns).where(FrameRecord.frame_id == frame.id).order_by(FrameRecord.id)
    data = read_frame(session.connection(), statement)  # column by column, not a Row per record
    if len(data):
        data["service_date"] = pd.to_datetime(data["service_date"])
        data["rating_time"] = pd.to_datetime(data["rating_time"])
    if personal:
        data = data[["frame_record_pk", *[c for c in RECORD_COLUMNS if c in data.columns]]]
    return data


def decrypted_frame_records(session: Session, study: Study, frame: Frame) -> pd.DataFrame:
    """The stored frame with names and numbers decrypted: only for re-checking its fingerprint.

    Raises fieldcrypto.TamperedCiphertext naming the row whose ciphertext was altered or moved.
    """
    data = frame_records(session, frame)
    sealed = session.execute(
        select(FrameRecord.name_sealed, FrameRecord.phone_sealed)
        .where(FrameRecord.frame_id == frame.id)
        .order_by(FrameRecord.id)
    ).all()
    cipher = study_cipher(session, study)
    rows = [row_key(frame.id, r) for r in data["record_id"].astype(str)]
    data["recipient_name"] = pd.array(
        cipher.open_many("recipient_name", [s[0] for s in sealed], rows), dtype="str"
    )
    data["phone"] = pd.array(cipher.open_many("phone", [s[1] for s in sealed], rows), dtype="str")
    return data[["frame_record_pk", *RECORD_COLUMNS]]


def open_personal(session: Session, study: Study, record: FrameRecord) -> tuple[str | None, str | None]:
    """(name, phone) of one stored record, decrypted; callers check the role and audit the reveal."""
    cipher = study_cipher(session, study)
    key = row_key(record.frame_id, record.record_id)
    return cipher.open("recipient_name", record.name_sealed, key), cipher.open(
        "phone", record.phone_sealed, key
    )


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
