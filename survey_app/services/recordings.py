"""Calls you can listen back to: a recording attached to a call attempt, sealed, played back, purged.

A recording reaches an attempt in one of two ways: the surveyor uploads it during the call
(`upload`, attached to the attempt about to be recorded on the held case, `cases.attempts + 1`), or a
PBX's call-detail records are matched to attempts (`survey_app.services.recording_cdr`). Either way the
file is checked first (`check_audio`: allowed format by its magic bytes, size limit) and stored sealed
with the study's data key (AES-GCM, associated data `call_recordings|audio|<case>|<attempt>`), with the
plaintext's SHA-256 in the row and in the audit entry, so an auditor can check that what plays is what
was attached (`verify`). The consent script (录音告知) read or announced is stored with each recording.

Only a supervisor plays recordings (`play`), and every playback is audited. The study's retention purge
nulls the audio (`purge_audio`) in the purge's transaction, and destroying the data key afterwards
makes the ciphertext in any backup unreadable as well.

Nothing here adds a statement to `fieldwork.record_attempt` or `interviews.save_answer`: recordings are
joined to attempts by (case, attempt number) when they are read. An upload belongs to its uploader's
call only: it is joined to the attempt only if that surveyor recorded it (`attempt_join`), it is pending
only for them (`pending_recording`), and releasing the case or a supervisor taking it back discards it
(`discard_pending`, audited). So a recording left behind on a released case never passes to the next
surveyor's attempt, even when the hold lapsed and someone else claimed the case (no release to hook).
A PBX match for that attempt replaces such a left-behind upload (audited with the upload's SHA-256
and uploader); a confirmed recording — a PBX match, or an upload its uploader's own attempt joined —
is never replaced.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import wave
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import pandas as pd
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session, aliased

from survey_app.security import audit, fieldcrypto
from survey_app.services.auth import require
from survey_app.services.errors import HuifangError, InvalidState, NotFound
from survey_app.storage.models import CallAttempt, Case, Interview, Study, User, utcnow
from survey_app.storage.models_recordings import CallRecording

TABLE = "call_recordings"
COLUMN = "audio"
#: A ten-minute call is about 9.6 MB as 8 kHz 16-bit WAV and 2.4 MB as 32 kbit/s MP3.
MAX_BYTES = 20 * 1024 * 1024
MIN_BYTES = 64
MIME_TYPES: dict[str, str] = {"wav": "audio/wav", "mp3": "audio/mpeg", "m4a": "audio/mp4", "ogg": "audio/ogg"}
FORMATS: tuple[str, ...] = tuple(MIME_TYPES)
PLAYERS = ("supervisor",)
WATCHERS = ("supervisor", "auditor", "admin")

#: What the surveyor reads before a recorded call (a study may set its own: settings.recording_consent).
DEFAULT_CONSENT_SCRIPT = (
    "为保证回访质量，本次通话将被录音。录音仅用于核实回访工作质量，加密保存，并在调查结束后按规定期限删除。"
    "如您不同意录音，请告诉我，我们将不录音继续访问。"
)


class RecordingRejected(HuifangError):
    """An audio file that cannot be attached: wrong format, too large, or the consent not confirmed."""


@dataclass(frozen=True)
class AudioFile:
    """A checked audio file: what it is, how big, its digest, and its length when the format tells."""

    audio_format: str
    size_bytes: int
    sha256: str
    duration_seconds: float | None


@dataclass(frozen=True)
class Playback:
    """A decrypted recording, for one audited playback."""

    recording_id: int
    case_id: int
    attempt_no: int
    data: bytes
    mime_type: str
    sha256: str


# ---------------------------------------------------------------- checking a file


def sniff_format(data: bytes) -> str | None:
    """The audio format the file's first bytes announce (wav, mp3, m4a, ogg), or None."""
    head = data[:16]
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"OggS":
        return "ogg"
    if head[4:8] == b"ftyp":
        return "m4a"
    if head[:3] == b"ID3" or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    return None


def _wav_seconds(data: bytes, name: str) -> float:
    try:
        with wave.open(io.BytesIO(data)) as reader:
            rate, frames = reader.getframerate(), reader.getnframes()
            complete = (
                len(reader.readframes(frames)) == frames * reader.getsampwidth() * reader.getnchannels()
            )
    except (wave.Error, EOFError) as exc:
        raise RecordingRejected(
            f"{name}: the WAV file is damaged ({exc}).", zh=f"{name}：WAV 文件已损坏（{exc}）。"
        ) from None
    if not complete:
        raise RecordingRejected(
            f"{name}: the WAV file is cut short (its header announces more sound than it holds).",
            zh=f"{name}：WAV 文件不完整（实际声音短于文件头所述）。",
        )
    if rate <= 0 or frames <= 0:
        raise RecordingRejected(f"{name}: the WAV file holds no sound.", zh=f"{name}：WAV 文件中没有声音。")
    return frames / rate


def check_audio(data: bytes, name: str) -> AudioFile:
    """Check an uploaded or PBX file: a name ending in an allowed format, contents of that format
    (magic bytes), at least MIN_BYTES and at most MAX_BYTES. RecordingRejected names what is wrong."""
    shown = PurePath(name).name or "?"
    extension = PurePath(shown).suffix.lower().lstrip(".")
    allowed = "、".join(FORMATS)
    if extension not in FORMATS:
        raise RecordingRejected(
            f"{shown}: a recording must be a {', '.join(FORMATS)} file.",
            zh=f"{shown}：录音须为 {allowed} 格式的文件。",
        )
    if len(data) > MAX_BYTES:
        raise RecordingRejected(
            f"{shown}: {len(data) / 2**20:.1f} MB is more than the {MAX_BYTES // 2**20} MB a recording may have.",
            zh=f"{shown}：文件 {len(data) / 2**20:.1f} MB，超过录音上限 {MAX_BYTES // 2**20} MB。",
        )
    if len(data) < MIN_BYTES:
        raise RecordingRejected(
            f"{shown}: the file is empty or cut short ({len(data)} bytes).",
            zh=f"{shown}：文件为空或不完整（{len(data)} 字节）。",
        )
    found = sniff_format(data)
    if found is None:
        raise RecordingRejected(
            f"{shown}: the contents are not {extension} audio (the file's first bytes say otherwise).",
            zh=f"{shown}：文件内容不是 {extension} 音频。",
        )
    if found != extension:
        raise RecordingRejected(
            f"{shown}: the name says {extension} but the contents are {found} audio; rename the file.",
            zh=f"{shown}：文件名为 {extension}，内容却是 {found} 音频，请更正文件名。",
        )
    duration = _wav_seconds(data, shown) if found == "wav" else None
    return AudioFile(found, len(data), hashlib.sha256(data).hexdigest(), duration)


# ---------------------------------------------------------------- attaching


def consent_script(study: Study) -> str:
    """The consent script (录音告知) of the study: its own setting, else the default."""
    own = (study.settings or {}).get("recording_consent")
    return own.strip() if isinstance(own, str) and own.strip() else DEFAULT_CONSENT_SCRIPT


def row_key(case_id: int, attempt_no: int) -> str:
    """What a recording's ciphertext is bound to (with table and column): its case and attempt."""
    return f"{case_id}|{attempt_no}"


def _cipher(study: Study) -> fieldcrypto.FieldCipher:
    """The study's data key as a cipher for recordings; InvalidState once the key is gone."""
    try:
        if study.personal_data_purged_at is not None or study.data_key_id is None:
            raise fieldcrypto.KeyUnavailable(study.name)
        return fieldcrypto.FieldCipher(fieldcrypto.data_key(study.data_key_id), TABLE)
    except fieldcrypto.KeyUnavailable:
        raise InvalidState(
            f"Study {study.name} has no data key (its personal data was purged, or it has no frame); "
            "recordings cannot be stored or played.",
            zh=f"调查项目 {study.name} 没有数据密钥（个人信息已删除或尚未导入抽样框），无法保存或播放录音。",
        ) from None


def attach(
    session: Session,
    actor: User | None,
    study: Study,
    case_id: int,
    attempt_no: int,
    data: bytes,
    audio: AudioFile,
    *,
    source: str,
    consent_source: str,
    call_started_at: dt.datetime | None = None,
) -> CallRecording:
    """Seal `data` (already checked as `audio`) and store it as the recording of the case's attempt
    `attempt_no`, replacing one attached before while that attempt is not yet recorded, or — for a PBX
    match — an upload left behind by a surveyor who did not record the attempt; audited with the
    SHA-256 (and the replaced one's). The callers check roles and ownership."""
    sealed = _cipher(study).seal_bytes(COLUMN, data, row_key(case_id, attempt_no))
    existing = session.scalar(
        select(CallRecording).where(CallRecording.case_id == case_id, CallRecording.attempt_no == attempt_no)
    )
    replaced: dict[str, Any] = {}
    if existing is not None:
        caller = session.scalar(
            select(CallAttempt.surveyor_id).where(
                CallAttempt.case_id == case_id, CallAttempt.attempt_no == attempt_no
            )
        )
        if caller is None:
            why = "pending"  # the call is not recorded yet: a new upload replaces the last one
        elif source == "pbx" and left_behind(existing, caller):
            why = "left_behind"
        else:
            raise InvalidState(
                f"Attempt {attempt_no} of case {case_id} already has a recording.",
                zh=f"个案 {case_id} 的第 {attempt_no} 次呼叫已有录音。",
            )
        replaced = {
            "replaced_sha256": existing.sha256,
            "replaced_source": existing.source,
            "replaced_uploader": existing.attached_by,
            "replaced_because": why,
        }
        recording = existing
    else:
        recording = CallRecording(study_id=study.id, case_id=case_id, attempt_no=attempt_no)
        session.add(recording)
    recording.source, recording.consent_source = source, consent_source
    recording.consent_script = consent_script(study)
    recording.audio_format, recording.size_bytes = audio.audio_format, audio.size_bytes
    recording.sha256, recording.duration_seconds = audio.sha256, audio.duration_seconds
    recording.call_started_at, recording.audio_sealed = call_started_at, sealed
    recording.attached_at, recording.attached_by = utcnow(), actor.id if actor else None
    session.flush()
    audit.record(
        session,
        actor.username if actor else "system",
        "recording.attached",
        study_id=study.id,
        entity="call_recording",
        entity_id=recording.id,
        case_id=case_id,
        attempt=attempt_no,
        source=source,
        consent=consent_source,
        consent_sha256=hashlib.sha256(recording.consent_script.encode("utf-8")).hexdigest(),
        format=audio.audio_format,
        size=audio.size_bytes,
        sha256=audio.sha256,
        replaced_sha256=replaced.get("replaced_sha256"),
        **{key: value for key, value in replaced.items() if key != "replaced_sha256"},
    )
    return recording


def left_behind(recording: CallRecording, caller_id: int | None) -> bool:
    """An upload whose attempt was recorded by someone other than its uploader (the uploader's hold
    lapsed and another surveyor made that call): never the attempt's recording, so a PBX match may
    take its place."""
    return recording.source == "upload" and caller_id is not None and recording.attached_by != caller_id


def upload(
    session: Session, actor: User, case_id: int, data: bytes, name: str, *, consent_read: bool
) -> CallRecording:
    """The surveyor attaches the recording of the call on the case they hold (the attempt about to be
    recorded), after confirming that the consent script was read."""
    from survey_app.services.fieldwork import _own_case

    case = _own_case(session, actor, case_id)
    if not consent_read:
        raise RecordingRejected(
            "Confirm that the consent script (录音告知) was read to the respondent before attaching the recording.",
            zh="请先确认已向受访者宣读录音告知，再上传录音。",
        )
    audio = check_audio(data, name)
    study = session.get(Study, case.study_id)
    return attach(
        session,
        actor,
        study,
        case.id,
        case.attempts + 1,
        data,
        audio,
        source="upload",
        consent_source="surveyor",
    )


# ---------------------------------------------------------------- reading and playing


def attempt_join():
    """A recording belongs to the attempt with its number on its case, and an upload only to an attempt
    its uploader recorded (one left behind on a released case is not the next surveyor's call)."""
    return and_(
        CallAttempt.case_id == CallRecording.case_id,
        CallAttempt.attempt_no == CallRecording.attempt_no,
        or_(CallRecording.source != "upload", CallRecording.attached_by == CallAttempt.surveyor_id),
    )


def recordings_table(session: Session, actor: User, study: Study) -> pd.DataFrame:
    """Every recording of the study with its attempt (disposition and surveyor once recorded): no audio,
    no personal data. `status` is `pending` (the attempt is not recorded yet), `attached` or `purged`."""
    require(actor, *WATCHERS)
    uploader, caller = aliased(User), aliased(User)
    rows = session.execute(
        select(
            CallRecording.id,
            CallRecording.case_id,
            CallRecording.attempt_no,
            CallAttempt.disposition,
            caller.username,
            CallAttempt.started_at,
            CallRecording.source,
            uploader.username,
            CallRecording.consent_source,
            CallRecording.audio_format,
            CallRecording.duration_seconds,
            CallRecording.size_bytes,
            CallRecording.sha256,
            CallRecording.attached_at,
            CallRecording.purged_at,
            CallRecording.consent_script,
        )
        .outerjoin(CallAttempt, attempt_join())
        .outerjoin(caller, caller.id == CallAttempt.surveyor_id)
        .outerjoin(uploader, uploader.id == CallRecording.attached_by)
        .where(CallRecording.study_id == study.id)
        .order_by(CallRecording.case_id, CallRecording.attempt_no)
    ).all()
    columns = [
        "recording",
        "case_id",
        "attempt",
        "disposition",
        "surveyor",
        "called_at",
        "source",
        "attached_by",
        "consent",
        "format",
        "seconds",
        "bytes",
        "sha256",
        "attached_at",
        "purged_at",
        "consent_script",
    ]
    table = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    table["seconds"] = pd.to_numeric(table["seconds"]).astype(float)  # NaN where the format does not tell
    table["status"] = [
        "purged" if purged is not None else "pending" if disposition is None else "attached"
        for purged, disposition in zip(table["purged_at"], table["disposition"], strict=True)
    ]
    return table.drop(columns=["purged_at"])


def _recording(session: Session, study: Study, recording_id: int) -> CallRecording:
    recording = session.get(CallRecording, recording_id)
    if recording is None or recording.study_id != study.id:
        raise NotFound(
            f"Study {study.name} has no recording {recording_id}.",
            zh=f"调查项目 {study.name} 中没有编号为 {recording_id} 的录音。",
        )
    return recording


def _open(study: Study, recording: CallRecording) -> bytes:
    if recording.purged_at is not None or recording.audio_sealed is None:
        raise InvalidState(
            f"Recording {recording.id} was purged with the study's personal data.",
            zh=f"录音 {recording.id} 已随个人信息按保存期限删除。",
        )
    return _cipher(study).open_bytes(
        COLUMN, recording.audio_sealed, row_key(recording.case_id, recording.attempt_no)
    )


def play(session: Session, actor: User, study: Study, recording_id: int) -> Playback:
    """Decrypt one recording for the supervisor to hear; every playback is in the audit log. The audio is
    checked against its SHA-256 first, so a recording that changed is refused, not played."""
    require(actor, *PLAYERS)
    recording = _recording(session, study, recording_id)
    data = _open(study, recording)
    if hashlib.sha256(data).hexdigest() != recording.sha256:
        raise InvalidState(
            f"Recording {recording.id} does not match the SHA-256 recorded when it was attached.",
            zh=f"录音 {recording.id} 与上传时记录的 SHA-256 不符。",
        )
    audit.record(
        session,
        actor.username,
        "recording.played",
        study_id=study.id,
        entity="call_recording",
        entity_id=recording.id,
        case_id=recording.case_id,
        attempt=recording.attempt_no,
        sha256=recording.sha256,
    )
    return Playback(
        recording.id,
        recording.case_id,
        recording.attempt_no,
        data,
        MIME_TYPES[recording.audio_format],
        recording.sha256,
    )


def interview_beside(
    session: Session, actor: User, study: Study, recording_id: int, lang: str
) -> list[dict[str, Any]]:
    """The interview of the recording's case as its surveyor saw it (question texts with the case's
    fields filled in, answers by their labels), item by item, to read while listening."""
    import questionnaires
    from questionnaires.errors import QuestionnaireError
    from survey_app.services.interviews import case_fields, stored_answers
    from survey_app.services.questionnaire_store import load_version

    require(actor, *PLAYERS)
    recording = _recording(session, study, recording_id)
    interview = session.scalar(select(Interview).where(Interview.case_id == recording.case_id))
    if interview is None:
        return []
    answers = stored_answers(session, interview)
    case = session.get(Case, recording.case_id)
    engine = questionnaires.Interview(
        load_version(session, interview.questionnaire_version_id),
        case=case_fields(case, session.get(User, interview.surveyor_id)),
        answers=answers,
        language=lang,
    )
    rows = []
    for item in engine.questionnaire.items:
        if item.name not in answers or item.type in ("note", "calculate"):
            continue
        try:
            question = engine.go_to(item.name)
        except QuestionnaireError:  # answered, then made irrelevant by a later change: not asked
            continue
        labels = {option.code: option.label for option in question.options}
        value = answers[item.name]
        values = value if isinstance(value, list) else [value]
        shown = "、".join(labels.get(str(v), "" if v is None else str(v)) for v in values)
        rows.append({"item": question.label, "answer": shown})
    return rows


# ---------------------------------------------------------------- integrity and retention


@dataclass(frozen=True)
class IntegrityCheck:
    recording_id: int
    ok: bool
    detail: str


def verify(session: Session, actor: User, study: Study) -> list[IntegrityCheck]:
    """Open every recording of the study and compare its SHA-256 with the row's and the audit entry's
    (the auditor's check: nothing was swapped, cut or moved to another attempt). Audited."""
    import json

    from survey_app.storage.models import AuditEntry

    require(actor, *WATCHERS)
    attached = {}
    for details in session.scalars(
        select(AuditEntry.details).where(
            AuditEntry.study_id == study.id, AuditEntry.action == "recording.attached"
        )
    ):
        entry = json.loads(details)
        attached[(entry["case_id"], entry["attempt"])] = entry["sha256"]  # the latest attachment counts
    checks = []
    for recording in session.scalars(
        select(CallRecording).where(CallRecording.study_id == study.id).order_by(CallRecording.id)
    ):
        logged = attached.get((recording.case_id, recording.attempt_no))
        if recording.purged_at is not None:
            checks.append(IntegrityCheck(recording.id, logged == recording.sha256, "purged; SHA-256 kept"))
            continue
        try:
            digest = hashlib.sha256(_open(study, recording)).hexdigest()
        except fieldcrypto.TamperedCiphertext as exc:
            checks.append(IntegrityCheck(recording.id, False, str(exc)))
            continue
        ok = digest == recording.sha256 == logged
        detail = (
            f"SHA-256 {digest[:16]}…" if ok else f"SHA-256 {digest[:16]}… ≠ recorded {(logged or '-')[:16]}…"
        )
        checks.append(IntegrityCheck(recording.id, ok, detail))
    audit.record(
        session,
        actor.username,
        "recordings.verified",
        study_id=study.id,
        entity="study",
        entity_id=study.id,
        recordings=len(checks),
        failed=sum(not c.ok for c in checks),
    )
    return checks


def purge_audio(session: Session, study_id: int, now: dt.datetime | None = None) -> int:
    """Null the sealed audio of the study's recordings (the retention purge); returns how many."""
    result = session.execute(
        update(CallRecording)
        .where(CallRecording.study_id == study_id, CallRecording.purged_at.is_(None))
        .values(audio_sealed=None, purged_at=now or utcnow())
    )
    return result.rowcount or 0


def pending_recording(session: Session, actor: User, case_id: int) -> CallRecording | None:
    """The recording already attached to the call in progress on the case this surveyor holds."""
    require(actor, "surveyor")
    return session.scalar(
        select(CallRecording)
        .join(Case, Case.id == CallRecording.case_id)
        .where(
            Case.id == case_id,
            Case.held_by == actor.id,
            Case.state == "held",
            CallRecording.attempt_no == Case.attempts + 1,
            CallRecording.attached_by == actor.id,
        )
    )


def discard_pending(session: Session, actor: User, case: Case, reason: str) -> int:
    """Delete the uploads waiting for the case's next attempt (the case is being released or taken back
    without an outcome, so that call will never be recorded), each audited with its SHA-256."""
    waiting = session.execute(
        select(CallRecording.id, CallRecording.sha256, CallRecording.attached_by).where(
            CallRecording.case_id == case.id,
            CallRecording.attempt_no == case.attempts + 1,
            CallRecording.source == "upload",
        )
    ).all()
    for recording_id, sha256, uploader in waiting:
        audit.record(
            session,
            actor.username,
            "recording.discarded",
            study_id=case.study_id,
            entity="call_recording",
            entity_id=recording_id,
            case_id=case.id,
            attempt=case.attempts + 1,
            sha256=sha256,
            uploaded_by=uploader,
            reason=reason,
        )
    if waiting:
        session.execute(delete(CallRecording).where(CallRecording.id.in_([row[0] for row in waiting])))
    return len(waiting)
