"""A SQLite claim writes the case with a Core `UPDATE … RETURNING` and makes the session's case from its
row (`fieldwork._loaded`, issue 15): the case is the one the ORM statement with `populate_existing`
gave — every column as stored, known to the session as loaded, refreshed where it was held already."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from survey_app.services import fieldwork, trust_checks
from survey_app.storage.models import Case, Study
from tests.fieldwork.conftest import WEDNESDAY_10_SHANGHAI

pytestmark = pytest.mark.db


def _columns(case: Case) -> dict:
    return {prop.key: getattr(case, prop.key) for prop in Case.__mapper__.column_attrs}


def test_the_claimed_case_holds_what_is_stored_and_nothing_pending(db, users, study_id):
    with db.session() as session:
        study = session.get(Study, study_id)
        case = fieldwork.next_case(session, users["surveyor"], study, now=WEDNESDAY_10_SHANGHAI)
        state = inspect(case)
        assert state.persistent and not session.dirty and not session.new
        claimed = _columns(case)
        assert claimed["state"] == "held" and claimed["held_by"] == users["surveyor"].id
        assert case.record.record_id  # its relationships load as for any loaded case
    with db.session() as session:
        assert _columns(session.get(Case, claimed["id"])) == claimed


def test_a_case_the_session_already_holds_is_refreshed_not_duplicated(db, users, study_id):
    with db.session() as session:
        study = session.get(Study, study_id)
        if fieldwork._is_postgres(session):
            pytest.skip("the Core claim and `_loaded` are SQLite's")
        waiting = session.scalars(
            select(Case).where(Case.study_id == study_id).order_by(Case.selection_order)
        )
        loaded = {case.id: case for case in waiting}
        case = fieldwork.next_case(session, users["surveyor"], study, now=WEDNESDAY_10_SHANGHAI)
        assert case is loaded[case.id]
        assert case.state == "held" and case.held_by == users["surveyor"].id
        assert not inspect(case).modified


def test_the_recorded_state_after_a_claim_is_the_stored_state(db, users, study_id):
    """The claim hands its row to the state log (`note_written`): what it records is what is stored."""
    with db.session() as session:
        study = session.get(Study, study_id)
        fieldwork.next_case(session, users["surveyor"], study, now=WEDNESDAY_10_SHANGHAI)
    with db.session() as session:
        ok, detail = trust_checks.check_recorded_state(session, session.get(Study, study_id))
    assert ok, detail
