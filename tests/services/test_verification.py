"""`huifang verify`: every check holds on an untouched study and each tampering is caught by its check."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from survey_app.services import studies, verification
from survey_app.storage.models import Answer, Case, Frame

# every analysis here re-runs from the database; identical unit-comparison inputs are computed once (tests/same_inputs.py)
pytestmark = pytest.mark.usefixtures("same_inputs_same_units")


def _verify(db) -> dict[str, verification.Check]:
    with db.session() as session:
        return {c.name: c for c in verification.verify_study(session, studies.find_study(session, "demo"))}


def _drop_audit_guards(db) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
        conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_delete"))


def test_an_untouched_study_passes_every_check(demo_db):
    checks = _verify(demo_db)
    assert all(c.ok for c in checks.values()), {n: c.detail for n, c in checks.items() if not c.ok}
    assert set(checks) == {
        "frame file",
        "stored frame",
        "sample re-draw",
        "audit chain",
        "answers",
        "recordings",
        "headline figures",
        "report",
        "audit signatures",
        "recorded state",
    }


def test_an_answer_edited_in_the_database_is_caught(demo_db):
    with demo_db.engine.begin() as conn:
        answer_id, value = conn.execute(
            text("SELECT id, value FROM answers WHERE item = 'sat_overall' ORDER BY id LIMIT 1")
        ).one()
        flipped = '"dissatisfied"' if json.loads(value) != "dissatisfied" else '"satisfied"'
        conn.execute(text("UPDATE answers SET value = :v WHERE id = :i"), {"v": flipped, "i": answer_id})
    checks = _verify(demo_db)
    assert not checks["answers"].ok and "sat_overall" in checks["answers"].detail
    assert checks["audit chain"].ok  # the chain itself was not touched: the answer check is what catches it


def test_an_answer_deleted_from_the_database_is_caught(demo_db):
    with demo_db.session() as session:
        first = session.scalar(select(Answer).order_by(Answer.id))
        session.delete(first)
    assert not _verify(demo_db)["answers"].ok


def test_a_changed_frame_file_is_caught(demo_db):
    with demo_db.session() as session:
        path = session.scalar(select(Frame.source_path))
    with open(path, "ab") as handle:
        handle.write(b"\n")
    check = _verify(demo_db)["frame file"]
    assert not check.ok and "changed after import" in check.detail


def test_a_reordered_sample_is_caught(demo_db):
    with demo_db.session() as session:
        first, second = session.scalars(select(Case).where(Case.replicate == 0).order_by(Case.id).limit(2))
        first.frame_record_id, second.frame_record_id = second.frame_record_id, first.frame_record_id
    check = _verify(demo_db)["sample re-draw"]
    assert not check.ok


def test_a_deleted_audit_row_is_caught(demo_db):
    _drop_audit_guards(demo_db)
    with demo_db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE id = 10"))
    check = _verify(demo_db)["audit chain"]
    assert not check.ok and "10" in check.detail


def test_a_changed_frame_record_is_caught(demo_db):
    with demo_db.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE frame_records SET system_rating = 'satisfied' "
                "WHERE id = (SELECT MIN(id) FROM frame_records WHERE system_rating = 'dissatisfied')"
            )
        )
    assert not _verify(demo_db)["stored frame"].ok


def test_a_supervisors_audited_correction_still_verifies_but_a_silent_edit_does_not(demo_db):
    from survey_app.services import interviews
    from survey_app.storage.models import Interview, User

    with demo_db.session() as session:
        supervisor = session.scalar(select(User).where(User.username == "supervisor"))
        interview_id = session.scalar(
            select(Interview.id).where(Interview.status == "complete").order_by(Interview.id)
        )
    with demo_db.session() as session:
        interviews.correct_answer(session, supervisor, interview_id, "comment", "复听后更正", "listen-back")
    assert _verify(demo_db)["answers"].ok


def test_a_correction_needs_a_reason_and_a_supervisor(demo_db):
    import pytest

    from survey_app.services import interviews
    from survey_app.services.errors import InvalidState, PermissionDenied
    from survey_app.storage.models import Interview, User

    with demo_db.session() as session:
        supervisor = session.scalar(select(User).where(User.username == "supervisor"))
        surveyor = session.scalar(select(User).where(User.username == "surveyor"))
        interview_id = session.scalar(select(Interview.id).order_by(Interview.id))
        with pytest.raises(InvalidState, match="reason"):
            interviews.correct_answer(session, supervisor, interview_id, "comment", "x", " ")
        with pytest.raises(PermissionDenied):
            interviews.correct_answer(session, surveyor, interview_id, "comment", "x", "because")


def test_a_study_without_a_report_has_nothing_published_to_check_and_does_not_fail(demo_db):
    with demo_db.session() as session:
        checks = {c.name: c for c in verification.verify_study(session, studies.find_study(session, "live"))}
    for name in ("headline figures", "report"):
        assert (checks[name].ok, checks[name].applicable) == (True, False)
        assert checks[name].detail == "not applicable (no report built yet)"
    assert all(c.applicable for n, c in checks.items() if n not in ("headline figures", "report"))


def test_verify_of_a_study_in_fieldwork_prints_not_applicable_and_exits_0(demo_db, demo_result):
    from pathlib import Path

    from click.testing import CliRunner

    from survey_app.cli import main

    live_frame = Path(demo_db.url.removeprefix("sqlite:///")).parent / "out" / "live-frame.csv"
    auditor = {"HUIFANG_USER": "auditor", "HUIFANG_PASSWORD": demo_result.passwords["auditor"]}
    result = CliRunner(env=auditor).invoke(
        main, ["--db", demo_db.url, "verify", "live", "--frame", str(live_frame)]
    )
    assert result.exit_code == 0, result.output
    assert "N/A   report: not applicable (no report built yet)" in result.output
    # the demo's live call, opened as the auditor
    assert "OK    recordings: 1 call recording matches" in result.output
    assert "FAIL" not in result.output
