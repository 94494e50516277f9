"""A frame is stored a chunk of records at a time; what is stored is the frame that was loaded."""

from __future__ import annotations

import datetime as dt

import sampling
from survey_app.services import frames, studies
from survey_app.services.verification import check_stored_frame
from tests.app.builders import write_frame_csv


def test_a_frame_stored_in_chunks_keeps_its_fingerprint_and_every_reported_issue(
    db, users, tmp_path, monkeypatch
):
    path = tmp_path / "export.csv"
    write_frame_csv(path, rows=11)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4].replace("1380013", "1400013")  # an unassigned prefix: rejected, reported
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(frames, "_CHUNK", 3)  # a dozen rows: chunks of three, the last one short
    loaded = sampling.load_frame(path, as_of=dt.date.today())
    with db.session() as session:
        study = studies.create_study(session, users["researcher"], "chunks", "s")
        stored = frames.import_frame(session, users["researcher"], study, path)
        check = check_stored_frame(session, study)
        issues = frames.frame_issues(session, stored)
    assert stored.frame_sha256 == loaded.frame_sha256 and stored.row_count == len(loaded.data)
    assert check.ok, check.detail
    assert issues["row"].tolist() == loaded.report["row"].tolist() and 5 in issues["row"].tolist()
