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


def test_a_demo_rebuilt_in_the_same_folder_answers_only_its_own_invitations(_small_demo, demo_db, tmp_path):
    """`huifang demo --force` in the same folder: the earlier build's messages are still in the outbox
    and their links point elsewhere; the rebuild must not try them (it failed: "This link is not valid")."""
    import shutil

    _, out, _ = _small_demo
    shutil.copytree(out / "sms-outbox", tmp_path / "sms-outbox")  # the earlier build's messages
    made = web_demo.build_web_demo(demo_db, demo.LIVE_STUDY, seed=2, out_dir=tmp_path)
    assert made.invited == web_demo.INVITED  # it ran through: the earlier links were not tried


def test_a_demo_rebuilt_in_the_same_folder_leaves_only_its_own_invitations(_small_demo, demo_db, tmp_path):
    """The earlier build's messages carry numbers and links into the replaced database: the rebuild
    removes them, so the outbox holds what this build sent and nothing else."""
    import shutil

    _, out, _ = _small_demo
    shutil.copytree(out / "sms-outbox", tmp_path / "sms-outbox")
    made = web_demo.build_web_demo(demo_db, demo.LIVE_STUDY, seed=2, out_dir=tmp_path)
    assert len(sms.read_outbox(tmp_path / "sms-outbox")) == made.invited
