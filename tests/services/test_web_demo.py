"""The demo leaves the live study mixed-mode: web-first, invitations in the demo's own outbox, some
questionnaires completed on the web (interviews of mode web) and the rest of the queue for CATI."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from survey_app.services import demo, sms, web_demo
from survey_app.services.studies import find_study
from survey_app.storage.models import Case, Interview
from survey_app.storage.models_web import WebInvitation

pytestmark = pytest.mark.db


def test_the_live_study_is_web_first_with_web_completes_and_partials(demo_db):
    with demo_db.session() as session:
        live = find_study(session, demo.LIVE_STUDY)
        modes = dict(
            session.execute(
                select(Interview.status, func.count(Interview.id))
                .join(Case, Case.id == Interview.case_id)
                .where(Case.study_id == live.id, Interview.mode == "web")
                .group_by(Interview.status)
            ).all()
        )
        invited = session.scalar(
            select(func.count(WebInvitation.id)).where(WebInvitation.study_id == live.id)
        )
    assert live.settings["mode_design"] == "web_first"
    assert invited == web_demo.INVITED
    assert modes == {"complete": web_demo.COMPLETES, "in_progress": web_demo.PARTIALS}


def test_the_demo_invitations_are_in_its_own_outbox(_small_demo):
    _, out, _ = _small_demo
    assert len(sms.read_outbox(out / "sms-outbox")) == web_demo.INVITED
