"""Questionnaire versions in the database: numbered, hashed, frozen by the row."""

from __future__ import annotations

import pytest

import questionnaires
from survey_app.services import questionnaire_store, studies
from survey_app.services.errors import InvalidState, PermissionDenied


@pytest.fixture
def study(db, users):
    with db.session() as session:
        return studies.create_study(session, users["researcher"], "q", "Questionnaire study")


def test_saving_twice_makes_version_two(db, users, study):
    template = questionnaires.template("justice-callback")
    with db.session() as session:
        first = questionnaire_store.save_version(session, users["researcher"], study, template)
        second = questionnaire_store.save_version(session, users["researcher"], study, template)
    assert (first.version, second.version) == (1, 2)


def test_a_version_loaded_from_a_frozen_row_is_frozen(db, users, study):
    with db.session() as session:
        row = questionnaire_store.save_version(
            session, users["researcher"], study, questionnaires.template("justice-callback")
        )
        questionnaire_store.freeze(session, users["researcher"], row.id)
    with db.session() as session:
        assert questionnaire_store.load_version(session, row.id).frozen


def test_freezing_keeps_the_recorded_hash(db, users, study):
    with db.session() as session:
        row = questionnaire_store.save_version(
            session, users["researcher"], study, questionnaires.template("justice-callback")
        )
        before = row.sha256
        questionnaire_store.freeze(session, users["researcher"], row.id)
    assert row.sha256 == before


def test_a_frozen_version_refuses_edits(db, users, study):
    with db.session() as session:
        row = questionnaire_store.save_version(
            session, users["researcher"], study, questionnaires.template("justice-callback")
        )
        questionnaire_store.freeze(session, users["researcher"], row.id)
        with pytest.raises(InvalidState, match="frozen"):
            questionnaire_store.update_draft(
                session, users["researcher"], row.id, questionnaires.template("justice-callback")
            )


def test_a_surveyor_cannot_save_a_questionnaire(db, users, study):
    with db.session() as session, pytest.raises(PermissionDenied):
        questionnaire_store.save_version(
            session, users["surveyor"], study, questionnaires.template("justice-callback")
        )
