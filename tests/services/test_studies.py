"""Studies are found by id or by name."""

from __future__ import annotations

import json

import pytest

from survey_app.services import studies
from survey_app.services.errors import InvalidState, NotFound, PermissionDenied


def test_a_study_is_found_by_id_and_by_name(db, users):
    with db.session() as session:
        made = studies.create_study(session, users["researcher"], "spring", "Spring callbacks")
    with db.session() as session:
        assert studies.find_study(session, "spring").id == made.id
        assert studies.find_study(session, str(made.id)).name == "spring"


def test_an_unknown_study_lists_the_existing_ones(db, users):
    with db.session() as session:
        studies.create_study(session, users["researcher"], "spring", "Spring callbacks")
    with db.session() as session, pytest.raises(NotFound, match="spring"):
        studies.find_study(session, "autumn")


def test_a_numeric_name_is_refused_because_numbers_are_ids(db, users):
    with db.session() as session, pytest.raises(InvalidState, match="not a number"):
        studies.create_study(session, users["researcher"], "2026", "x")


def test_a_reviewer_cannot_create_a_study(db, users):
    with db.session() as session, pytest.raises(PermissionDenied):
        studies.create_study(session, users["reviewer"], "x", "x")


def test_satisfied_codes_must_be_on_the_scale(db, users):
    with db.session() as session, pytest.raises(InvalidState, match="not on the justice3 scale"):
        studies.create_study(session, users["researcher"], "x", "x", satisfied_codes=("very_satisfied",))


def test_a_study_cannot_go_back_from_closed_to_fieldwork(db, users):
    with db.session() as session:
        study = studies.create_study(session, users["researcher"], "s", "s")
        studies.set_state(session, users["researcher"], study, "closed")
        with pytest.raises(InvalidState, match="cannot go back"):
            studies.set_state(session, users["researcher"], study, "fieldwork")


def test_fieldwork_is_refused_while_the_only_questionnaire_is_a_draft(db, users):
    import questionnaires
    from survey_app.services import questionnaire_store

    with db.session() as session:
        study = studies.create_study(session, users["researcher"], "s", "s")
        questionnaire_store.save_version(
            session, users["researcher"], study, questionnaires.template("justice-callback")
        )
        with pytest.raises(InvalidState, match="no frozen questionnaire") as refused:
            studies.set_state(session, users["researcher"], study, "fieldwork")
        assert "冻结" in refused.value.text("zh")
        assert study.state == "design"


def test_a_closed_study_is_reopened_with_an_audited_reason(db, users):
    from sqlalchemy import select

    from survey_app.storage.models import AuditEntry

    with db.session() as session:
        study = studies.create_study(session, users["researcher"], "s", "s")
        studies.set_state(session, users["researcher"], study, "closed")
        with pytest.raises(InvalidState, match="reason"):
            studies.reopen(session, users["supervisor"], study, "  ")
        studies.reopen(session, users["supervisor"], study, "release the second reserve replicate")
        assert study.state == "fieldwork"
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (last.action, last.actor) == ("study.state", "supervisor")
    details = json.loads(last.details)
    assert (details["before"], details["after"], details["reopened"]) == ("closed", "fieldwork", True)
    assert details["reason"] == "release the second reserve replicate"


def test_only_a_closed_study_can_be_reopened(db, users):
    with db.session() as session:
        study = studies.create_study(session, users["researcher"], "s", "s")
        with pytest.raises(InvalidState, match="only a closed study"):
            studies.reopen(session, users["researcher"], study, "why not")
