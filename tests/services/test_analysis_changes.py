"""The changes to a study since an analysis was read: what the reviewer's page counts before it offers an
update (`services.analysis_changes`)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from survey_app.security import audit, state_log
from survey_app.services.analysis_changes import UNCHANGING, chain_mark, changes_since

pytestmark = pytest.mark.db

STUDY, OTHER = 7, 8


def _record(db, *actions: str, study_id: int | None = STUDY) -> None:
    with db.session() as session:
        for action in actions:
            audit.record(session, "someone", action, study_id=study_id)


def _waiting(db, mark) -> int:
    with db.reading() as session:
        return changes_since(session, STUDY, mark)


def _mark(db):
    with db.reading() as session:
        return chain_mark(session)


def test_the_mark_is_the_chain_s_head(db):
    _record(db, "study.created")
    with db.reading() as session:
        mark = chain_mark(session)
        assert mark.last_hash == audit.head_hash(session) and mark.last_id >= 1


def test_nothing_waits_right_after_the_mark(db):
    _record(db, "attempt.recorded")
    assert _waiting(db, _mark(db)) == 0


def test_call_attempts_and_answers_after_the_mark_wait(db):
    mark = _mark(db)
    _record(db, "attempt.recorded", "answer.saved", "interview.started")
    assert _waiting(db, mark) == 3


def test_logins_revealed_numbers_exports_and_referrals_do_not_wait(db):
    mark = _mark(db)
    _record(db, "phone.revealed", "dataset.exported", "report.built", "referral.contact_revealed")
    _record(db, "login", "logout", study_id=None)
    assert _waiting(db, mark) == 0


def test_the_state_log_s_companion_entry_is_not_counted_twice(db):
    mark = _mark(db)
    _record(db, "attempt.recorded", state_log.ACTION)
    assert _waiting(db, mark) == 1


def test_another_study_s_changes_do_not_wait(db):
    mark = _mark(db)
    _record(db, "attempt.recorded", "answer.saved", study_id=OTHER)
    assert _waiting(db, mark) == 0


def test_an_action_the_list_does_not_know_waits(db):
    """A new kind of audited action counts until someone argues it cannot change the analysis."""
    mark = _mark(db)
    _record(db, "something.new")
    assert _waiting(db, mark) == 1


def _recorded_actions() -> set[str]:
    """Every action literal passed to `audit.record` in survey_app."""
    found = set()
    for path in (Path(__file__).parents[2] / "survey_app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "audit"
                and len(node.args) > 2
            ):
                found |= {c.value for c in ast.walk(node.args[2]) if isinstance(c, ast.Constant)}
    return found


def test_every_action_left_uncounted_is_one_the_app_records():
    """A renamed action would otherwise count again without anyone noticing the list is stale."""
    assert _recorded_actions() >= UNCHANGING
