"""Tables of call recordings attached to attempts (issue 14).

A recording belongs to one call attempt, named by its case and attempt number (`attempt_no`): an upload
during the call names the attempt the surveyor is about to record (`cases.attempts + 1`), so the write
path of attempts needs no extra statement. The audio itself is sealed with the study's data key
(`audio_sealed`, AES-GCM, see `security/fieldcrypto.py`) and deferred, so listing recordings never reads
it; `sha256` is the plaintext's digest, for the auditor. A purge nulls the audio and keeps the rest.
No file name or number is stored: PBX file names often carry the called number.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Float, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.storage.models import Base, Id, utcnow


class CallRecording(Base):
    """The recording of one call attempt (at most one per attempt)."""

    __tablename__ = "call_recordings"
    __table_args__ = (UniqueConstraint("case_id", "attempt_no", name="uq_call_recordings_attempt"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    attempt_no: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(8))  # "upload" (the surveyor) or "pbx" (a CDR match)
    audio_format: Mapped[str] = mapped_column(String(8))  # wav, mp3, m4a, ogg — from the magic bytes
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))  # of the plaintext audio
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    call_started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # from the CDR, naive UTC
    consent_source: Mapped[str] = mapped_column(String(16))  # "surveyor" read it, or "pbx" announced it
    consent_script: Mapped[str] = mapped_column(Text)  # the 录音告知 text read or played
    audio_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    attached_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    attached_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    purged_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
