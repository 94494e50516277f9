"""A synthetic call recording for the demo and the tests: a few seconds of WAV, the same for the same seed.

No real voice: two alternating tones with soft noise, 8 kHz 16-bit mono (telephone quality), written
with the standard library's `wave`. `attach_demo_recording` gives one completed attempt of a study the
recording, as a PBX match would (consent announced by the PBX).
"""

from __future__ import annotations

import io
import wave

import numpy as np
from sqlalchemy import select

from survey_app.services import recordings
from survey_app.storage.db import Database
from survey_app.storage.models import CallAttempt, Case, Study, User

RATE = 8000


def synthetic_wav(seconds: float = 3.0, seed: int = 0) -> bytes:
    """`seconds` of deterministic telephone-quality WAV (tones and noise drawn from `seed`)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    pitch = np.where((t * 2).astype(int) % 2 == 0, 440.0, 660.0)
    signal = 0.4 * np.sin(2 * np.pi * pitch * t) + 0.05 * rng.standard_normal(t.size)
    samples = (np.clip(signal, -1, 1) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(RATE)
        writer.writeframes(samples.tobytes())
    return buffer.getvalue()


def attach_demo_recording(db: Database, study_name: str, *, seed: int = 0) -> int | None:
    """Attach a synthetic recording to the study's first completed interview's attempt; its id (None
    when the study has no complete yet)."""
    from survey_app.services.studies import find_study

    data = synthetic_wav(4.0, seed)
    with db.session() as session:
        study: Study = find_study(session, study_name)
        first = session.execute(
            select(CallAttempt.case_id, CallAttempt.attempt_no)
            .join(Case, Case.id == CallAttempt.case_id)
            .where(Case.study_id == study.id, CallAttempt.disposition == "1.1")
            .order_by(CallAttempt.case_id)
            .limit(1)
        ).first()
        if first is None:
            return None
        case_id, attempt_no = first
        supervisor = session.scalar(select(User).where(User.role == "supervisor").order_by(User.id).limit(1))
        recording = recordings.attach(
            session,
            supervisor,  # who runs the PBX match; None (the system) when the study has no supervisor
            study,
            case_id,
            attempt_no,
            data,
            recordings.check_audio(data, f"demo-{case_id}.wav"),
            source="pbx",
            consent_source="pbx",
        )
        return recording.id
