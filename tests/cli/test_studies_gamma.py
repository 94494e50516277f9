"""`huifang studies set-gamma STUDY GAMMA -u USER`: the refusal-range Γ from the command line."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from survey_app.cli import main
from survey_app.services import studies
from survey_app.storage.models import AuditEntry


def _run(url: str, *args: str, role: str, password: str):
    env = {"HUIFANG_USER": role, "HUIFANG_PASSWORD": password}
    return CliRunner().invoke(main, ["--db", url, "studies", *args], env=env)


def test_a_researcher_sets_gamma_and_the_change_is_audited_with_before_and_after(demo_db, demo_result):
    result = _run(
        demo_db.url, "set-gamma", "demo", "3", role="researcher", password=demo_result.passwords["researcher"]
    )
    assert result.exit_code == 0 and "Study demo: refusal range Γ 2 → 3." in result.output
    with demo_db.session() as session:
        assert studies.refusal_gamma(studies.find_study(session, "demo")) == 3.0
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "study.refusal_gamma"))
    assert entry.actor == "researcher" and '"before":2.0' in entry.details and '"after":3.0' in entry.details


def test_a_gamma_that_is_not_a_number_from_1_to_10_gets_one_sentence_and_exit_code_1(demo_db, demo_result):
    result = _run(
        demo_db.url,
        "set-gamma",
        "demo",
        "two",
        role="researcher",
        password=demo_result.passwords["researcher"],
    )
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: Refusal range Γ='two': give a number from 1 to 10 (1 = no range, 2 = the default)."
    ]


def test_a_reviewer_may_not_change_gamma(demo_db, demo_result):
    result = _run(
        demo_db.url, "set-gamma", "demo", "3", role="reviewer", password=demo_result.passwords["reviewer"]
    )
    assert result.exit_code == 1 and "needs the role researcher, admin" in result.output
    with demo_db.session() as session:
        assert studies.refusal_gamma(studies.find_study(session, "demo")) == 2.0


def test_studies_without_a_subcommand_still_lists_the_studies(demo_db):
    result = CliRunner().invoke(main, ["--db", demo_db.url, "studies"])
    assert result.exit_code == 0 and "\tdemo\tclosed\t" in result.output
