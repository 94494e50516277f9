"""The frame is stored and read back column by column; what is stored and what is read are exactly what
the former row-by-row code stored and read (a GBK export with empty optional cells, dates and times)."""

from __future__ import annotations

import csv
import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import insert, select

import sampling
from survey_app.services import frames, studies
from survey_app.storage.columnar import frame_of, read_frame
from survey_app.storage.models import Answer, Case, Frame, FrameRecord, Interview
from tests.app.builders import DISTRICTS, HEADERS, RATINGS, SURNAMES

pytestmark = pytest.mark.db


def _gbk_export_with_gaps(path, rows: int = 30) -> None:
    """A GBK export whose optional cells are sometimes empty: event type, district code, organisation
    id, rating time and name (so their stored columns hold NULLs; an empty complaint flag reads as no)."""
    today = dt.date.today()
    with path.open("w", encoding="gbk", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for i in range(rows):
            district, code = DISTRICTS[i % 2]
            day = today - dt.timedelta(days=5 + i % 9)
            gap = i % 3 == 0
            writer.writerow(
                [
                    f"R{i:05d}",
                    "" if gap else "服务",
                    "公证",
                    "实体平台",
                    district,
                    "" if gap else code,
                    "" if i % 4 == 0 else f"ORG{i % 5:04d}",
                    f"{district}公证处{i % 5}",
                    f"S{i % 7:02d}",
                    day.isoformat(),
                    "" if gap else f"{day.isoformat()} 09:{i % 60:02d}:{i % 7:02d}",
                    RATINGS[i % 3],
                    "" if i % 5 == 0 else f"{SURNAMES[i % 6]}晓{'鑫淼犇'[i % 3]}",
                    f"1390013{i:04d}",
                    "" if gap else ("是" if i % 2 else "否"),
                ]
            )


def _row_by_row(data: pd.DataFrame, frame_id: int, cipher) -> list[dict]:
    """The records as the former code built them: a DataFrame of every stored column, then row dicts."""
    out = pd.DataFrame({"frame_id": frame_id}, index=data.index)
    for column in frames.PLAIN_COLUMNS:
        out[column] = data[column] if column in data.columns else None
    rows = [frames.row_key(frame_id, r) for r in data["record_id"].astype(str)]
    names = frames._text_or_none(data["recipient_name"])
    phones = frames._text_or_none(data["phone"])
    out["name_sealed"] = cipher.seal_many("recipient_name", names, rows)
    out["phone_sealed"] = cipher.seal_many("phone", phones, rows)
    out["person_key"] = [
        None if p is None else k
        for p, k in zip(phones, frames.fieldcrypto.person_keys(p or "" for p in phones), strict=True)
    ]
    out["service_date"] = pd.to_datetime(out["service_date"]).dt.date
    if out["rating_time"].notna().any():
        out["rating_time"] = pd.to_datetime(out["rating_time"]).dt.to_pydatetime()
    return out.astype(object).where(out.notna(), None).to_dict("records")


def _row_wise_read(session, frame: Frame, personal: bool) -> pd.DataFrame:
    """`frame_records` as it was: a DataFrame from the result's row tuples."""
    columns = [FrameRecord.id.label("frame_record_pk")] + [
        getattr(FrameRecord, c) for c in frames.PLAIN_COLUMNS
    ]
    if personal:
        columns.append(FrameRecord.person_key.label("phone"))
    result = session.execute(
        select(*columns).where(FrameRecord.frame_id == frame.id).order_by(FrameRecord.id)
    )
    data = pd.DataFrame(result.all(), columns=list(result.keys()))
    if len(data):
        data["service_date"] = pd.to_datetime(data["service_date"])
        data["rating_time"] = pd.to_datetime(data["rating_time"])
    if personal:
        data = data[["frame_record_pk", *[c for c in frames.RECORD_COLUMNS if c in data.columns]]]
    return data


@pytest.fixture
def stored(db, users, tmp_path):
    """The export stored by `import_frame` (frame 1) and, by the former row-by-row insert, again as a
    second frame of the same study."""
    path = tmp_path / "gbk.csv"
    _gbk_export_with_gaps(path)
    loaded = sampling.load_frame(path, as_of=dt.date.today())
    with db.session() as session:
        study = studies.create_study(session, users["researcher"], "columns", "s")
        columnwise = frames.import_frame(session, users["researcher"], study, path)
        rowwise = Frame(
            study_id=study.id, filename="again.csv", source_sha256="", frame_sha256="", row_count=0
        )
        session.add(rowwise)
        session.flush()
        cipher = frames.study_cipher(session, study)
        session.execute(insert(FrameRecord), _row_by_row(loaded.data, rowwise.id, cipher))
        return loaded, columnwise.id, rowwise.id


def test_the_export_has_empty_cells_chinese_text_and_times(stored):
    loaded, _, _ = stored
    data = loaded.data
    assert data["event_type"].isna().any() and data["rating_time"].isna().any()
    assert data["recipient_name"].isna().any() and data["organisation_id"].isna().any()
    assert data["rating_time"].notna().any() and data["organisation"].str.contains("公证处").all()


def test_stored_records_equal_the_row_by_row_insert(db, stored):
    _, columnwise, rowwise = stored
    plain = [getattr(FrameRecord, c) for c in (*frames.PLAIN_COLUMNS, "person_key")]
    with db.session() as session:
        study = studies.find_study(session, "columns")
        cipher = frames.study_cipher(session, study)

        def stored_rows(frame_id: int) -> list[tuple]:
            query = select(*plain, FrameRecord.name_sealed, FrameRecord.phone_sealed).where(
                FrameRecord.frame_id == frame_id
            )
            key = frames.row_key
            return [
                (
                    *r[:-2],
                    cipher.open("recipient_name", r[-2], key(frame_id, r[0])),
                    cipher.open("phone", r[-1], key(frame_id, r[0])),
                )
                for r in session.execute(query.order_by(FrameRecord.id))
            ]

        def stored_text(frame_id: int) -> list[tuple]:  # what the database holds, before any type conversion
            columns = ", ".join(c.name for c in plain)
            return [
                tuple(r)
                for r in session.connection().exec_driver_sql(
                    f"SELECT {columns} FROM frame_records WHERE frame_id = {frame_id} ORDER BY id"
                )
            ]

        assert stored_rows(columnwise) == stored_rows(rowwise)
        assert stored_text(columnwise) == stored_text(rowwise)
        assert any(None in row for row in stored_text(columnwise))


@pytest.mark.parametrize("personal", [False, True])
def test_frame_records_equal_the_row_wise_read(db, stored, personal):
    _, columnwise, _ = stored
    with db.session() as session:
        frame = session.get(Frame, columnwise)
        expected = _row_wise_read(session, frame, personal)
        pd.testing.assert_frame_equal(frames.frame_records(session, frame, personal=personal), expected)
        assert expected["rating_time"].isna().any() and expected["event_type"].isna().any()


def test_an_empty_read_has_the_columns_and_dtypes_of_no_row_tuples(db, stored):
    with db.session() as session:
        statement = select(FrameRecord.id, FrameRecord.record_id, FrameRecord.service_date).where(
            FrameRecord.frame_id == -1
        )
        pd.testing.assert_frame_equal(
            read_frame(session.connection(), statement),
            pd.DataFrame([], columns=["id", "record_id", "service_date"]),
        )
    assert frame_of({}).empty


@pytest.mark.server_free
def test_a_columnwise_read_of_cases_interviews_and_answers_equals_the_row_tuples(demo_db):
    """Integers, floats, text, times, NULLs and JSON answers, through joins (the analysis dataset's reads)."""
    statement = (
        select(
            Case.id,
            Case.inclusion_prob,
            Case.final_disposition,
            Interview.started_at,
            Interview.ended_at,
            Answer.item,
            Answer.value,
            FrameRecord.service_date,
            FrameRecord.rating_time,
        )
        .join(FrameRecord, FrameRecord.id == Case.frame_record_id)
        .outerjoin(Interview, Interview.case_id == Case.id)
        .outerjoin(Answer, Answer.interview_id == Interview.id)
        .order_by(Case.id, Answer.id)
    )
    with demo_db.session() as session:
        result = session.execute(statement)
        expected = pd.DataFrame(result.all(), columns=list(result.keys()))
        columnwise = read_frame(session.connection(), statement)
    assert expected["value"].notna().any() and expected["started_at"].isna().any()
    pd.testing.assert_frame_equal(columnwise, expected)
