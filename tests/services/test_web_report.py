"""A web-first study's report carries the mixed-mode section: respondents by mode from the stored
interviews, the web invitations' AAPOR codes, and an adjusted 满意率 consistent with the effect."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_app.services import analysis_service, reports, sms, web_invites
from survey_app.services.studies import find_study
from survey_app.storage.models import User
from tests.app.builders import STUDY_NAME, build_fieldwork_study, complete_interviews, full_answers

pytestmark = pytest.mark.db


@pytest.fixture
def mixed(db, tmp_path, monkeypatch):
    """The test study made web-first: two cases answered on the web, five others by telephone."""
    monkeypatch.setenv("HUIFANG_SMS_OUTBOX", str(tmp_path / "outbox"))
    build_fieldwork_study(db, tmp_path)
    with db.session() as session:
        study = find_study(session, STUDY_NAME)
        study.settings = {**study.settings, "mode_design": "web_first"}
        researcher = session.scalar(select(User).where(User.username == "researcher"))
        web_invites.invite(session, researcher, study, limit=3)
    for number, token in [
        (m["to"], m["text"].split("?r=")[1].split()[0]) for m in sms.read_outbox(tmp_path / "outbox")
    ][:2]:
        with db.session() as session:
            web_invites.verify_identity(session, token, number[-4:])
            web_invites.answer_many(session, token, full_answers(1))  # basically satisfied
    complete_interviews(db, 5)  # the uninvited cases, by telephone
    return db


def test_the_report_of_a_web_first_study_has_answers_by_mode_and_the_adjusted_rate(mixed):
    with mixed.session() as session:
        modes = reports.build_content(session, find_study(session, STUDY_NAME)).modes
    assert (modes.design, modes.cati_n, modes.web_n) == ("web_first", 5, 2)
    assert dict((code, n) for code, _, n in modes.invitations) == {"1.1": 2, "—": 1}
    # both web answers are 基本满意 (satisfied by the study's definition), one CATI answer of five is not —
    # but that one came from a record the system rated 满意 in 律师, a cell without web answers; in the two
    # cells of stratum × rating where both modes answered, both say satisfied: no mode effect to adjust
    assert modes.web_rate == 1.0 and modes.cati_rate < 1.0
    assert modes.cells == 2 and modes.effect == 0.0
    assert modes.adjusted == modes.unadjusted


def test_the_analysis_dataset_carries_the_mode_and_web_answers_are_no_surveyors_work(mixed):
    with mixed.session() as session:
        result = analysis_service.analyse(session, find_study(session, STUDY_NAME))
    assert result.respondents["mode"].value_counts().to_dict() == {"cati": 5, "web": 2}
    assert web_invites.WEB_USERNAME not in set(result.surveyors.get("surveyor", result.surveyors.index))
