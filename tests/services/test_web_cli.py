"""`huifang invite` writes a web-first study's invitations to the outbox; `huifang sms outbox` lists
them with numbers masked; a CATI-only study is refused in one sentence."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from survey_app.cli import main
from survey_app.services.studies import find_study
from tests.app.builders import STUDY_NAME, build_fieldwork_study, password

pytestmark = pytest.mark.db


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return {"HUIFANG_PASSWORD": password("researcher"), "HUIFANG_SMS_OUTBOX": str(tmp_path / "outbox")}


def _run(database_url: str, env: dict[str, str], *args: str):
    return CliRunner().invoke(main, ["--db", database_url, *args], env=env, catch_exceptions=False)


def _web_first(db, tmp_path) -> None:
    build_fieldwork_study(db, tmp_path)
    with db.session() as session:
        study = find_study(session, STUDY_NAME)
        study.settings = {**study.settings, "mode_design": "web_first"}


def test_invite_writes_to_the_outbox_and_the_outbox_lists_masked_numbers(db, database_url, tmp_path, env):
    _web_first(db, tmp_path)
    invited = _run(database_url, env, "invite", STUDY_NAME, "-u", "researcher", "--limit", "2")
    listed = _run(database_url, env, "sms", "outbox")
    assert invited.exit_code == 0, invited.output
    assert invited.output.startswith("2 invitations sent through the outbox gateway")
    assert listed.exit_code == 0
    lines = listed.output.splitlines()
    assert lines[0].startswith("2 message(s) in ")
    assert all(line.startswith("138****") and "?r=" in line for line in lines[1:])


def test_a_reminder_goes_to_everyone_invited_who_has_not_answered(db, database_url, tmp_path, env):
    _web_first(db, tmp_path)
    _run(database_url, env, "invite", STUDY_NAME, "-u", "researcher", "--limit", "3")
    reminded = _run(database_url, env, "invite", STUDY_NAME, "-u", "researcher", "--reminder")
    assert reminded.output.startswith("3 reminders sent")


def test_inviting_for_a_cati_only_study_is_refused_in_one_sentence(db, database_url, tmp_path, env):
    build_fieldwork_study(db, tmp_path)
    result = _run(database_url, env, "invite", STUDY_NAME, "-u", "researcher")
    assert result.exit_code == 1
    assert "CATI only" in result.output and "Traceback" not in result.output
