"""Every file of the hostile corpus (``make_corpus``) gives exactly its expected outcome, in time.

Refused: our error type, naming the file and what is wrong. Loaded: exactly so many rows loaded and
rejected, and exactly the expected report lines — anything else rejected or repaired fails the test,
as does a traceback of a foreign type or a read that takes longer than a few seconds.
"""

from __future__ import annotations

import contextlib
import re
import signal
import warnings
from collections.abc import Iterator

import pytest

import questionnaires
from sampling import load_frame

from .make_corpus import AS_OF, Case, Loaded, Refused, frame_cases, questionnaire_cases

FRAMES = frame_cases()
QUESTIONNAIRES = questionnaire_cases()
SECONDS = 20  # far above any case's time; a hang (a named pipe, a zip bomb) fails instead of blocking CI


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    def expire(signum, frame):
        raise TimeoutError(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_the_corpus_has_at_least_150_files_over_every_category():
    assert len(FRAMES) + len(QUESTIONNAIRES) >= 150
    families = {case.family for case in FRAMES + QUESTIONNAIRES}
    assert {
        "encoding",
        "line ends",
        "quotes",
        "headers",
        "placeholders",
        "unicode",
        "dates",
        "limits",
    } <= families
    assert {"file kinds", "xlsx", "parquet", "nesting", "numbers", "expressions"} <= families


def _refused(case: Case, action) -> None:
    expect = case.expect
    assert isinstance(expect, Refused)
    with time_limit(SECONDS), pytest.raises(expect.error) as caught:
        action()
    message = str(caught.value)
    assert case.name in message, f"the message does not name the file: {message}"
    assert re.search(expect.pattern, message), f"{expect.pattern!r} not in: {message}"


@pytest.mark.parametrize("case", FRAMES, ids=[case.name for case in FRAMES])
def test_frame_file_gives_its_exact_outcome(case: Case, tmp_path):
    path = tmp_path / case.name
    case.write(path)
    options = {"as_of": AS_OF, **case.options}
    if isinstance(case.expect, Refused):
        _refused(case, lambda: load_frame(path, **options))
        return
    with time_limit(SECONDS):
        frame = load_frame(path, **options)
    expect: Loaded = case.expect
    report = frame.report
    got = sorted(
        zip(report["row"].tolist(), report["field"].tolist(), report["action"].tolist(), strict=True)
    )
    wanted = sorted((line.row, line.field, line.action) for line in expect.lines)
    assert got == wanted, f"report lines {got} != {wanted}:\n{report.to_string()}"
    for line in expect.lines:
        reasons = report.loc[
            (report["row"] == line.row) & (report["field"] == line.field) & (report["action"] == line.action),
            "reason",
        ].tolist()
        assert any(line.reason in reason for reason in reasons), f"{line.reason!r} not in {reasons}"
    assert (len(frame.data), len(frame.rejected)) == (expect.loaded, expect.rejected), report.to_string()
    summary = frame.summary
    assert summary["rows_read"] == summary["rows_loaded"] + summary["rows_rejected"]  # nothing dropped
    if expect.check is not None:
        expect.check(frame)


@pytest.mark.parametrize("case", QUESTIONNAIRES, ids=[case.name for case in QUESTIONNAIRES])
def test_questionnaire_file_gives_its_exact_outcome(case: Case, tmp_path):
    path = tmp_path / case.name
    case.write(path)
    if isinstance(case.expect, Refused):
        _refused(case, lambda: questionnaires.load(path))
        return
    with time_limit(SECONDS), warnings.catch_warnings():
        warnings.simplefilter("ignore", questionnaires.XLSFormImportWarning)
        loaded = questionnaires.load(path)
    assert isinstance(loaded, questionnaires.Questionnaire) and loaded.items
    if case.expect.check is not None:
        case.expect.check(loaded)
