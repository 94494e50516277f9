"""Recordings from a PBX: CDR rows matched to attempts by keyed number and time, the rest reported by row.

The test study's case with selection order k has the number 138 followed by k − 1 in eight digits; its
attempts are recorded at Wednesday 10:00 Shanghai (02:00 UTC) and later. CDR times are Shanghai
wall-clock, as a PBX in Shanghai writes them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from survey_app.cli import main
from survey_app.services import fieldwork, recording_cdr, recordings
from survey_app.services.recording_cdr import CdrError
from survey_app.services.recording_demo import synthetic_wav
from survey_app.storage.models import Case, Study
from survey_app.storage.models_recordings import CallRecording
from tests.fieldwork.conftest import WEDNESDAY_10_SHANGHAI, make_study

HEADER = "calldate,dst,duration,recordingfile\n"


@pytest.fixture
def study_id(db):
    return make_study(db, cases=3, settings={"min_gap_minutes": 0})


def _phone(db, case_id: int) -> str:
    with db.session() as session:
        return f"138{session.get(Case, case_id).selection_order - 1:08d}"


def _attempt(db, surveyor, study_id, at: dt.datetime, case_id: int | None = None) -> int:
    """Claim (the given case, else the next) and record a no-answer attempt at `at` (naive UTC)."""
    with db.session() as session:
        study = session.get(Study, study_id)
        if case_id is not None:  # take the case straight away, as a reassignment would
            case = session.get(Case, case_id)
            case.state, case.held_by, case.next_call_after = "held", surveyor.id, None
        else:
            case = fieldwork.next_case(session, surveyor, study, now=at, enforce_hours=False)
        fieldwork.record_attempt(session, surveyor, case.id, "3.13", now=at)
        return case.id


def _folder(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "pbx"
    folder.mkdir(exist_ok=True)
    for seed, name in enumerate(names):
        (folder / name).write_bytes(synthetic_wav(1.0, seed=seed))
    return folder


def _cdr(tmp_path: Path, *rows: str, header: str = HEADER, encoding: str = "utf-8") -> Path:
    path = tmp_path / "cdr.csv"
    path.write_bytes((header + "".join(r + "\n" for r in rows)).encode(encoding))
    return path


def _match(db, users, study_id, cdr, folder, tolerance=120):
    with db.session() as session:
        return recording_cdr.match(
            session, users["supervisor"], session.get(Study, study_id), cdr, folder, tolerance=tolerance
        )


def _huifang(database_url: str, role: str, *args: str):
    """Run `huifang --db URL ARGS…` as the test user of `role`."""
    return CliRunner().invoke(
        main,
        ["--db", database_url, *args],
        env={"HUIFANG_USER": role, "HUIFANG_PASSWORD": f"password-{role}"},
    )


def test_a_call_that_ended_shortly_before_the_attempt_was_saved_is_matched(db, users, study_id, tmp_path):
    case_id = _attempt(db, users["surveyor"], study_id, WEDNESDAY_10_SHANGHAI)
    # the call ran 09:58:30–09:59:30; the outcome was saved at 10:00:00, 30 s later
    cdr = _cdr(tmp_path, f"2026-03-04 09:58:30,{_phone(db, case_id)},60,a.wav")
    report = _match(db, users, study_id, cdr, _folder(tmp_path, "a.wav"))
    assert report.matched == [(2, case_id, 1)]
    with db.session() as session:
        recording = session.scalar(select(CallRecording))
        assert (recording.source, recording.consent_source) == ("pbx", "pbx")
        assert recording.call_started_at == dt.datetime(2026, 3, 4, 1, 58, 30)  # Shanghai 09:58:30 in UTC
        assert recording.sha256 == recordings.check_audio(synthetic_wav(1.0, seed=0), "a.wav").sha256


def test_a_call_further_away_than_the_tolerance_is_unmatched_until_the_tolerance_grows(
    db, users, study_id, tmp_path
):
    case_id = _attempt(db, users["surveyor"], study_id, WEDNESDAY_10_SHANGHAI)
    cdr = _cdr(tmp_path, f"2026-03-04 09:50:00,{_phone(db, case_id)},60,a.wav")  # ended 9 minutes before
    folder = _folder(tmp_path, "a.wav")
    report = _match(db, users, study_id, cdr, folder)
    assert report.matched == [] and report.unmatched == [(2, "no attempt on this number within 120 s")]
    assert _match(db, users, study_id, cdr, folder, tolerance=600).matched == [(2, case_id, 1)]


def test_a_number_written_another_way_is_the_same_number(db, users, study_id, tmp_path):
    case_id = _attempt(db, users["surveyor"], study_id, WEDNESDAY_10_SHANGHAI)
    phone = _phone(db, case_id)
    cdr = _cdr(tmp_path, f"2026-03-04 09:59:00,+86 {phone[:3]}-{phone[3:7]}-{phone[7:]},30,a.wav")
    assert _match(db, users, study_id, cdr, _folder(tmp_path, "a.wav")).matched == [(2, case_id, 1)]


def test_a_row_with_two_attempts_in_its_window_is_ambiguous_and_attaches_nothing(
    db, users, study_id, tmp_path
):
    case_id = _attempt(db, users["surveyor"], study_id, WEDNESDAY_10_SHANGHAI)
    _attempt(db, users["surveyor"], study_id, WEDNESDAY_10_SHANGHAI + dt.timedelta(seconds=60), case_id)
    cdr = _cdr(tmp_path, f"2026-03-04 10:00:00,{_phone(db, case_id)},30,a.wav")
    report = _match(db, users, study_id, cdr, _folder(tmp_path, "a.wav"))
    assert report.matched == []
    assert report.ambiguous == [
        (2, f"2 attempts within 120 s: case {case_id} attempt 1, case {case_id} attempt 2")
    ]
    with db.session() as session:
        assert session.scalar(select(CallRecording.id)) is None


def test_two_rows_that_claim_the_same_attempt_are_both_ambiguous(db, users, study_id, tmp_path):
    case_id = _attempt(db, users["surveyor"], study_id, WEDNESDAY_10_SHANGHAI)
    phone = _phone(db, case_id)
    cdr = _cdr(tmp_path, f"2026-03-04 09:59:00,{phone},30,a.wav", f"2026-03-04 09:59:40,{phone},10,b.wav")
    report = _match(db, users, study_id, cdr, _folder(tmp_path, "a.wav", "b.wav"))
    assert [row for row, _ in report.ambiguous] == [2, 3]
    assert "also matched by row 3" in report.ambiguous[0][1]


def test_unusable_rows_are_reported_with_their_row_numbers(db, users, study_id, tmp_path):
    case_id = _attempt(db, users["surveyor"], study_id, WEDNESDAY_10_SHANGHAI)
    phone = _phone(db, case_id)
    cdr = _cdr(
        tmp_path,
        f"2026-03-04 09:59:00,{phone},30,a.wav",  # row 2: matched
        f"yesterday,{phone},30,a.wav",  # row 3: no time
        "2026-03-04 09:59:00,13999999999,30,a.wav",  # row 4: a number nobody in the study has
        "2026-03-04 09:59:00,hello,30,a.wav",  # row 5: not a number
    )
    report = _match(db, users, study_id, cdr, _folder(tmp_path, "a.wav"))
    assert report.matched == [(2, case_id, 1)]
    assert report.unmatched == [
        (3, "the start time 'yesterday' is not a date and time"),
        (4, "no attempt on this number"),
        (5, "the number is not a phone number"),
    ]


def test_a_file_outside_the_folder_is_not_read(db, users, study_id, tmp_path):
    case_id = _attempt(db, users["surveyor"], study_id, WEDNESDAY_10_SHANGHAI)
    (tmp_path / "outside.wav").write_bytes(synthetic_wav(1.0))
    cdr = _cdr(tmp_path, f"2026-03-04 09:59:00,{_phone(db, case_id)},30,../outside.wav")
    report = _match(db, users, study_id, cdr, _folder(tmp_path))
    assert report.matched == [] and "is not in" in report.unmatched[0][1]


def test_a_file_that_is_not_audio_is_reported_not_attached(db, users, study_id, tmp_path):
    case_id = _attempt(db, users["surveyor"], study_id, WEDNESDAY_10_SHANGHAI)
    folder = _folder(tmp_path)
    (folder / "a.wav").write_bytes(b"not audio at all " * 10)
    cdr = _cdr(tmp_path, f"2026-03-04 09:59:00,{_phone(db, case_id)},30,a.wav")
    report = _match(db, users, study_id, cdr, folder)
    assert report.unmatched == [
        (2, "a.wav: the contents are not wav audio (the file's first bytes say otherwise).")
    ]


def test_chinese_headers_in_gbk_and_an_end_time_are_read(db, users, study_id, tmp_path):
    case_id = _attempt(db, users["surveyor"], study_id, WEDNESDAY_10_SHANGHAI)
    cdr = _cdr(
        tmp_path,
        f"2026-03-04 09:55:00,2026-03-04 09:59:30,{_phone(db, case_id)},a.wav",
        header="开始时间,结束时间,被叫号码,录音文件\n",
        encoding="gbk",
    )
    assert _match(db, users, study_id, cdr, _folder(tmp_path, "a.wav")).matched == [(2, case_id, 1)]


def test_a_cdr_without_a_number_column_is_refused_naming_the_file_and_column(db, users, study_id, tmp_path):
    cdr = _cdr(tmp_path, "2026-03-04 09:59:00,a.wav", header="calldate,recordingfile\n")
    with pytest.raises(
        CdrError, match=r"cdr\.csv: the CDR file has no column for number: one of number, dst"
    ):
        _match(db, users, study_id, cdr, _folder(tmp_path))


def test_a_surveyor_cannot_import_pbx_recordings(db, users, study_id, tmp_path):
    from survey_app.services.errors import PermissionDenied

    cdr = _cdr(tmp_path)
    with db.session() as session, pytest.raises(PermissionDenied):
        recording_cdr.match(session, users["surveyor"], session.get(Study, study_id), cdr, _folder(tmp_path))


def test_the_command_prints_each_row_and_a_summary(db, users, study_id, tmp_path, database_url):
    case_id = _attempt(db, users["surveyor"], study_id, WEDNESDAY_10_SHANGHAI)
    cdr = _cdr(
        tmp_path,
        f"2026-03-04 09:59:00,{_phone(db, case_id)},30,a.wav",
        "2026-03-04 09:59:00,13999999999,30,b.wav",
    )
    folder = _folder(tmp_path, "a.wav", "b.wav")
    result = _huifang(
        database_url,
        "supervisor",
        "recordings",
        "match",
        "callback-2026",
        "--cdr",
        str(cdr),
        "--folder",
        str(folder),
    )
    assert result.exit_code == 0, result.output
    assert f"row 2: case {case_id} attempt 1 — recording attached" in result.output
    assert "row 3: unmatched — no attempt on this number" in result.output
    assert "1 attached, 1 unmatched, 0 ambiguous." in result.output


def test_the_command_refuses_a_cdr_without_a_number_column_in_one_sentence(
    db, users, study_id, tmp_path, database_url
):
    cdr = _cdr(tmp_path, "2026-03-04 09:59:00,a.wav", header="calldate,recordingfile\n")
    folder = _folder(tmp_path)
    result = _huifang(
        database_url,
        "supervisor",
        "recordings",
        "match",
        "callback-2026",
        "--cdr",
        str(cdr),
        "--folder",
        str(folder),
    )
    assert result.exit_code == 1
    assert result.output.strip().startswith("Error: cdr.csv: the CDR file has no column for number")
    assert "Traceback" not in result.output


def test_the_verify_command_checks_every_matched_recording(db, users, study_id, tmp_path, database_url):
    case_id = _attempt(db, users["surveyor"], study_id, WEDNESDAY_10_SHANGHAI)
    cdr = _cdr(tmp_path, f"2026-03-04 09:59:00,{_phone(db, case_id)},30,a.wav")
    _match(db, users, study_id, cdr, _folder(tmp_path, "a.wav"))
    result = _huifang(database_url, "auditor", "recordings", "verify", "callback-2026")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK    recording 1: SHA-256 ")
    assert "1 recordings checked." in result.output


def test_a_cdr_that_is_not_text_is_refused_in_one_sentence(db, users, study_id, tmp_path):
    cdr = tmp_path / "cdr.csv"
    cdr.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(CdrError, match=r"^cdr\.csv: the CDR file is not CSV text in UTF-8 or GBK\.$"):
        _match(db, users, study_id, cdr, _folder(tmp_path))
