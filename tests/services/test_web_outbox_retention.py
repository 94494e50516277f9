"""The SMS outbox holds numbers and links: each line names its study, and the study's retention purge
removes its lines (and only its lines) by an atomic rewrite."""

from __future__ import annotations

import json
import stat

import pytest

from survey_app.services import retention, sms, web_invites
from survey_app.services.studies import find_study
from tests.app.builders import STUDY_NAME, build_fieldwork_study, ensure_users

pytestmark = pytest.mark.db


@pytest.fixture
def outbox(tmp_path, monkeypatch):
    folder = tmp_path / "outbox"
    monkeypatch.setenv("HUIFANG_SMS_OUTBOX", str(folder))
    monkeypatch.delenv("HUIFANG_SMS_GATEWAY", raising=False)
    return folder


@pytest.fixture
def invited(db, tmp_path, outbox):
    """A web-first study whose fresh cases were invited (to the outbox), and its users."""
    build_fieldwork_study(db, tmp_path)
    users = ensure_users(db)
    with db.session() as session:
        study = find_study(session, STUDY_NAME)
        study.settings = {**study.settings, "mode_design": "web_first"}
        web_invites.invite(session, users["researcher"], study, limit=3)
    return db, users


def _purge(db, users) -> None:
    with db.session() as session:
        retention.purge_study(session, users["admin"], find_study(session, STUDY_NAME), early_reason="test")


def _untag(outbox) -> None:
    """The outbox as a version without study tags wrote it."""
    path = outbox / sms.OUTBOX_FILE
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    path.write_text("".join(json.dumps({k: v for k, v in m.items() if k != "study"}) + "\n" for m in lines))


def test_each_outbox_line_names_the_study_it_was_sent_for(invited, outbox):
    messages = sms.read_outbox(outbox)
    assert len(messages) == 3 and {m["study"] for m in messages} == {STUDY_NAME}


def test_a_purge_removes_the_studys_lines_and_keeps_another_studys(invited, outbox):
    db, users = invited
    sms.OutboxGateway(outbox, study="another study").send("13900000000", "another study's message")
    _purge(db, users)
    assert [m["study"] for m in sms.read_outbox(outbox)] == ["another study"]


def test_a_purge_removes_untagged_lines_that_carry_the_studys_links(invited, outbox):
    db, users = invited
    _untag(outbox)
    sms.OutboxGateway(outbox).send("13900000000", "no link of this study: https://x/?r=someone-elses")
    _purge(db, users)
    assert [m["to"] for m in sms.read_outbox(outbox)] == ["13900000000"]


def test_the_rewritten_outbox_stays_private(invited, outbox):
    db, users = invited
    sms.OutboxGateway(outbox, study="another study").send("13900000000", "kept")
    _purge(db, users)
    assert stat.S_IMODE((outbox / sms.OUTBOX_FILE).stat().st_mode) == 0o600
