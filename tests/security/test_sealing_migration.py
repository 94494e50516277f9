"""Migration 0003 seals the names and numbers a database already holds, then drops the plaintext."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import inspect, text

from survey_app.security import fieldcrypto
from survey_app.services import frames
from survey_app.storage import open_database, upgrade
from survey_app.storage.models import Frame, FrameRecord, Study


def test_upgrading_a_database_with_plaintext_seals_it_and_drops_the_plaintext_columns(tmp_path: Path):
    db = open_database(str(tmp_path / "old.db"))
    upgrade(db, "0002_audit_signatures")
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO studies (id, name, title, state, scale, satisfied_codes, settings, created_at) "
                "VALUES (1, 'old', 'Old', 'design', 'justice3', '[]', '{}', :t)"
            ),
            {"t": dt.datetime(2026, 1, 1)},
        )
        conn.execute(
            text(
                "INSERT INTO frames (id, study_id, filename, source_sha256, frame_sha256, mapping, row_count, "
                "rejected_count, imported_at) VALUES (1, 1, 'f.csv', :h, :h, '{}', 2, 0, :t)"
            ),
            {"h": "0" * 64, "t": dt.datetime(2026, 1, 1)},
        )
        for n, (name, phone) in enumerate((("张三丰", "13812345678"), ("李四", "13812345678")), start=1):
            conn.execute(
                text(
                    "INSERT INTO frame_records (id, frame_id, record_id, domain, channel, district, "
                    "organisation, staff_id, service_date, system_rating, recipient_name, phone) VALUES "
                    "(:i, 1, :r, '律师', '网络平台', '黄浦区', 'x', 's', '2026-01-01', 'satisfied', :n, :p)"
                ),
                {"i": n, "r": f"R{n}", "n": name, "p": phone},
            )
    upgrade(db)
    columns = {c["name"] for c in inspect(db.engine).get_columns("frame_records")}
    assert {"recipient_name", "phone"}.isdisjoint(columns)
    with db.session() as session:
        study = session.get(Study, 1)
        records = [session.get(FrameRecord, i) for i in (1, 2)]
        opened = [frames.open_personal(session, study, r) for r in records]
        assert session.get(Frame, 1).study_id == 1
    assert opened == [("张三丰", "13812345678"), ("李四", "13812345678")]
    assert records[0].person_key == records[1].person_key == fieldcrypto.person_keys(["13812345678"])[0]
    db.dispose()
    blob = (tmp_path / "old.db").read_bytes()
    assert b"13812345678" not in blob and "张三丰".encode() not in blob
