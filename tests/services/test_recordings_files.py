"""Which files a recording may be: an allowed format by its magic bytes, within the size limit."""

from __future__ import annotations

import hashlib

import pytest

from survey_app.services import recordings
from survey_app.services.recording_demo import synthetic_wav
from survey_app.services.recordings import RecordingRejected, check_audio

WAV = synthetic_wav(1.5, seed=1)
PADDING = bytes(200)
HEADS = {
    "mp3": b"ID3\x04\x00\x00\x00\x00\x00\x00" + PADDING,
    "ogg": b"OggS\x00\x02" + PADDING,
    "m4a": b"\x00\x00\x00\x20ftypM4A " + PADDING,
}


def test_a_wav_file_is_accepted_with_its_length_and_digest():
    audio = check_audio(WAV, "call.wav")
    assert (audio.audio_format, audio.size_bytes) == ("wav", len(WAV))
    assert audio.sha256 == hashlib.sha256(WAV).hexdigest()
    assert audio.duration_seconds == pytest.approx(1.5)


@pytest.mark.parametrize("fmt", sorted(HEADS))
def test_mp3_ogg_and_m4a_are_recognised_by_their_first_bytes(fmt):
    assert check_audio(HEADS[fmt], f"call.{fmt}").audio_format == fmt


def test_an_mp3_without_an_id3_tag_is_recognised_by_its_frame_sync():
    assert check_audio(b"\xff\xfb\x90\x64" + PADDING, "call.mp3").audio_format == "mp3"


def test_the_extension_is_checked_case_insensitively():
    assert check_audio(WAV, "CALL.WAV").audio_format == "wav"


@pytest.mark.parametrize(
    ("data", "name", "says"),
    [
        (WAV, "call.flac", "must be a wav, mp3, m4a, ogg file"),
        (b"just some text, not sound at all " * 4, "call.wav", "contents are not wav audio"),
        (WAV, "call.mp3", "name says mp3 but the contents are wav"),
        (b"RIFF", "call.wav", "empty or cut short"),
        (WAV[:60] + bytes(10), "broken.wav", "WAV file"),
    ],
)
def test_a_file_that_is_not_an_allowed_recording_is_refused_in_one_sentence(data, name, says):
    with pytest.raises(RecordingRejected, match=says) as caught:
        check_audio(data, name)
    assert str(caught.value).startswith(name.split("/")[-1])
    assert caught.value.text("zh") != str(caught.value)  # a Chinese sentence for the app as well


def test_a_file_over_the_size_limit_is_refused(monkeypatch):
    monkeypatch.setattr(recordings, "MAX_BYTES", 1000)
    with pytest.raises(RecordingRejected, match="more than the 0 MB"):
        check_audio(WAV, "call.wav")


def test_the_file_name_shown_is_never_a_path():
    with pytest.raises(RecordingRejected, match=r"^secret\.txt"):
        check_audio(WAV, "/home/someone/13812345678/secret.txt")


def test_the_synthetic_recording_is_the_same_for_the_same_seed_and_differs_for_another():
    assert synthetic_wav(1.0, seed=5) == synthetic_wav(1.0, seed=5)
    assert synthetic_wav(1.0, seed=5) != synthetic_wav(1.0, seed=6)
