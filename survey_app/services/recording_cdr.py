"""Recordings from a PBX: match call-detail records (CDR) to attempts by number and time.

A PBX (Asterisk, FreePBX, a hosted call centre) records calls into a folder and writes one CDR line per
call: when it started, the number dialled, how long it lasted and the recording's file name. `match`
reads such a CSV (headers in English or Chinese, see `COLUMNS`; UTF-8 or GBK; times in Shanghai
wall-clock unless they carry an offset) and attaches each row's file to the one attempt that

- called the same number — compared as keyed hashes (`fieldcrypto.person_keys`), never in plaintext: the
  CDR's number is hashed and compared with the cases' `person_key`, so no number is decrypted;
- was recorded within `tolerance` seconds of the call (an attempt's time is when its outcome was saved,
  usually as the call ends, so the distance is measured to the call's span [start, end]).

A row with no such attempt is reported unmatched, a row with two or more (or an attempt two rows claim)
ambiguous, each with its CSV row number (the header is row 1) and nothing attached for it. Files are
checked like uploads (`recordings.check_audio`) and must lie inside the folder. The consent of a PBX
recording is the study's consent script played as the PBX's announcement (`consent_source="pbx"`).
An attempt with a confirmed recording is reported ("already has a recording"); an upload left behind
on it by a surveyor who did not make that call is replaced (`recordings.left_behind`, audited).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from sampling.errors import SamplingError
from sampling.phones import normalise_phones
from sampling.reading import detect_encoding
from survey_app.security import audit, fieldcrypto
from survey_app.services import recordings
from survey_app.services.auth import require
from survey_app.services.errors import InvalidState
from survey_app.services.fieldwork import to_utc
from survey_app.storage.models import CallAttempt, Case, FrameRecord, Study, User
from survey_app.storage.models_recordings import CallRecording

#: Accepted header names (case-insensitive) of each CDR field; `end` and `duration` are optional.
COLUMNS: dict[str, tuple[str, ...]] = {
    "start": ("start", "calldate", "start_time", "starttime", "开始时间", "呼叫时间"),
    "number": ("number", "dst", "called", "callee", "destination", "被叫号码", "号码"),
    "file": ("file", "recordingfile", "recording", "recording_file", "录音文件"),
    "end": ("end", "end_time", "endtime", "结束时间"),
    "duration": ("duration", "billsec", "seconds", "时长", "通话时长"),
}
REQUIRED = ("start", "number", "file")
DEFAULT_TOLERANCE = 120
_CHUNK = 5000


class CdrError(InvalidState):
    """A CDR file that cannot be read at all (no such columns, not a CSV)."""


@dataclass(frozen=True)
class CdrCall:
    """One usable CDR row: its row number, the call's span in naive UTC, the number's key, the file."""

    row: int
    start: dt.datetime
    end: dt.datetime
    person_key: str
    file: str


@dataclass
class MatchReport:
    """What `match` did, row by row."""

    matched: list[tuple[int, int, int]] = field(default_factory=list)  # (row, case id, attempt no)
    unmatched: list[tuple[int, str]] = field(default_factory=list)  # (row, why)
    ambiguous: list[tuple[int, str]] = field(default_factory=list)  # (row, why)

    def lines(self) -> list[str]:
        out = [
            f"row {row}: case {case} attempt {attempt} — recording attached"
            for row, case, attempt in self.matched
        ]
        out += [f"row {row}: unmatched — {why}" for row, why in self.unmatched]
        out += [f"row {row}: ambiguous — {why}" for row, why in self.ambiguous]
        return out


def _header_map(headers: list[str], path: Path) -> dict[str, str]:
    lowered = {h.strip().lower(): h for h in headers if h}
    found = {}
    for name, aliases in COLUMNS.items():
        hit = next((lowered[a] for a in aliases if a in lowered), None)
        if hit is not None:
            found[name] = hit
    missing = [n for n in REQUIRED if n not in found]
    if missing:
        wanted = "; ".join(f"{n}: one of {', '.join(COLUMNS[n])}" for n in missing)
        raise CdrError(
            f"{path.name}: the CDR file has no column for {wanted}.",
            zh=f"{path.name}：通话记录文件缺少列（{wanted}）。",
        )
    return found


def _time(text: str) -> dt.datetime:
    return to_utc(dt.datetime.fromisoformat(text.strip().replace("/", "-")))


def read_cdr(path: Path) -> tuple[list[CdrCall], list[tuple[int, str]]]:
    """The usable calls of a CDR CSV and, for every other row, its row number and why it is unusable."""
    raw = path.read_bytes()
    try:
        text = raw.decode(detect_encoding(raw, path) if raw else "utf-8")
    except (SamplingError, UnicodeDecodeError):
        raise CdrError(
            f"{path.name}: the CDR file is not CSV text in UTF-8 or GBK.",
            zh=f"{path.name}：通话记录文件不是 UTF-8 或 GBK 编码的 CSV 文本。",
        ) from None
    reader = csv.DictReader(io.StringIO(text))
    try:
        columns = _header_map(list(reader.fieldnames or []), path)
        records = list(reader)
    except csv.Error as exc:
        raise CdrError(
            f"{path.name}: the CSV cannot be read after line {reader.line_num} ({exc}).",
            zh=f"{path.name}：第 {reader.line_num} 行之后的 CSV 无法读取（{exc}）。",
        ) from None
    parsed, bad = [], []
    for row, record in enumerate(records, start=2):
        value = {name: (record.get(header) or "").strip() for name, header in columns.items()}
        try:
            start = _time(value["start"])
        except ValueError:
            bad.append((row, f"the start time {value['start']!r} is not a date and time"))
            continue
        try:
            if value.get("end"):
                end = _time(value["end"])
            else:
                end = start + dt.timedelta(seconds=float(value.get("duration") or 0))
        except ValueError:
            bad.append((row, "the end time or duration is not a time or a number of seconds"))
            continue
        if not value["file"]:
            bad.append((row, "the row names no recording file"))
            continue
        parsed.append((row, start, max(end, start), value["number"], value["file"]))
    numbers, _ = normalise_phones(pd.Series([p[3] for p in parsed], dtype="str"))
    usable = [(p, n) for p, n in zip(parsed, numbers, strict=True) if isinstance(n, str)]
    bad += [
        (p[0], "the number is not a phone number")
        for p, n in zip(parsed, numbers, strict=True)
        if not isinstance(n, str)
    ]
    keys = fieldcrypto.person_keys(n for _, n in usable)
    calls = [CdrCall(p[0], p[1], p[2], k, p[4]) for (p, _), k in zip(usable, keys, strict=True)]
    return calls, bad


def _distance(at: dt.datetime, call: CdrCall) -> float:
    if call.start <= at <= call.end:
        return 0.0
    return min(abs((at - call.start).total_seconds()), abs((at - call.end).total_seconds()))


def _inside(folder: Path, name: str) -> Path | None:
    target = (folder / name).resolve()
    return target if target.is_relative_to(folder.resolve()) and target.is_file() else None


def match(
    session: Session,
    actor: User,
    study: Study,
    cdr: Path,
    folder: Path,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
) -> MatchReport:
    """Attach the PBX recording of each CDR row to its one attempt (see the module's docstring)."""
    require(actor, "supervisor", "admin")
    if tolerance < 0:
        raise InvalidState("The tolerance must be zero or more seconds.", zh="时间容差必须为非负秒数。")
    calls, bad = read_cdr(cdr)
    report = MatchReport(unmatched=list(bad))
    attempts = defaultdict(list)
    keys = sorted({c.person_key for c in calls})
    for start in range(0, len(keys), _CHUNK):  # SQLite allows at most 32,766 bound values
        rows = session.execute(
            select(
                CallAttempt.case_id, CallAttempt.attempt_no, CallAttempt.started_at, FrameRecord.person_key
            )
            .join(Case, Case.id == CallAttempt.case_id)
            .join(FrameRecord, FrameRecord.id == Case.frame_record_id)
            .where(Case.study_id == study.id, FrameRecord.person_key.in_(keys[start : start + _CHUNK]))
        ).all()
        for case_id, attempt_no, at, key in rows:
            attempts[key].append((case_id, attempt_no, at))
    recorded = set(  # confirmed recordings only: a left-behind upload joins no attempt, and is replaced
        session.execute(
            select(CallRecording.case_id, CallRecording.attempt_no)
            .join(CallAttempt, recordings.attempt_join())
            .where(CallRecording.study_id == study.id)
        ).all()
    )
    chosen: dict[int, tuple[int, int]] = {}
    for call in calls:
        near = [(c, a) for c, a, at in attempts.get(call.person_key, []) if _distance(at, call) <= tolerance]
        if not near:
            why = (
                "no attempt on this number"
                if call.person_key not in attempts
                else f"no attempt on this number within {tolerance:g} s"
            )
            report.unmatched.append((call.row, why))
        elif len(near) > 1:
            listed = ", ".join(f"case {c} attempt {a}" for c, a in near)
            report.ambiguous.append((call.row, f"{len(near)} attempts within {tolerance:g} s: {listed}"))
        elif near[0] in recorded:
            report.unmatched.append(
                (call.row, f"case {near[0][0]} attempt {near[0][1]} already has a recording")
            )
        else:
            chosen[call.row] = near[0]
    claimed = defaultdict(list)
    for row, attempt in chosen.items():
        claimed[attempt].append(row)
    by_row = {c.row: c for c in calls}
    for (case_id, attempt_no), claiming in claimed.items():
        if len(claiming) > 1:
            for row in claiming:
                others = ", ".join(str(r) for r in claiming if r != row)
                report.ambiguous.append(
                    (row, f"case {case_id} attempt {attempt_no} is also matched by row {others}")
                )
            continue
        row = claiming[0]
        path = _inside(folder, by_row[row].file)
        if path is None:
            report.unmatched.append((row, f"the recording file is not in {folder}"))
            continue
        data = path.read_bytes()
        try:
            audio = recordings.check_audio(data, path.name)
        except recordings.RecordingRejected as exc:
            report.unmatched.append((row, str(exc)))
            continue
        recordings.attach(
            session,
            actor,
            study,
            case_id,
            attempt_no,
            data,
            audio,
            source="pbx",
            consent_source="pbx",
            call_started_at=by_row[row].start,
        )
        report.matched.append((row, case_id, attempt_no))
    report.matched.sort()
    report.unmatched.sort()
    report.ambiguous.sort()
    audit.record(
        session,
        actor.username,
        "recordings.matched",
        study_id=study.id,
        entity="study",
        entity_id=study.id,
        rows=len(calls) + len(bad),
        matched=len(report.matched),
        unmatched=len(report.unmatched),
        ambiguous=len(report.ambiguous),
        tolerance=tolerance,
    )
    return report
