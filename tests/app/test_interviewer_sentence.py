"""The reviewer's comparison page says what the surveyors' own variance did to the headline interval
(`analysis_service.interviewer_words`; ARCHITECTURE.md, "Interviewer variance")."""

from __future__ import annotations

import pytest

from survey_app.services import auth
from tests.app.builders import complete_interviews, password
from tests.app.conftest import log_in, page_text

pytestmark = pytest.mark.db


def test_with_two_surveyors_the_page_says_the_interval_allows_for_their_differences(study, app_db):
    with app_db.session() as session:
        auth.create_user(session, None, "surveyor2", password("surveyor"), "surveyor", surveyor_no="099")
    complete_interviews(app_db, 4)  # the test study releases 8 cases
    complete_interviews(app_db, 4, surveyor_name="surveyor2")
    app = log_in("reviewer")
    assert not app.exception
    assert "区间已计入访员间差异：2 名电话访员" in page_text(app)


def test_with_one_surveyor_there_is_no_interviewer_sentence(study, app_db):
    complete_interviews(app_db, 6)
    app = log_in("reviewer")
    assert not app.exception
    assert "访员间差异" not in page_text(app)
