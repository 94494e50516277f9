"""The `huifang` command line: thin over the services, with plain errors and exit codes."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from survey_app.cli import main


@pytest.fixture
def demo_copy(demo_db, same_inputs_same_units):
    """The URL of a private copy of the small demo study (its unit comparisons of identical inputs are
    computed once per run: tests/same_inputs.py)."""
    return demo_db.url


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), env=env or {}, catch_exceptions=False)


def test_studies_lists_id_name_and_state(demo_copy):
    result = run("--db", demo_copy, "studies")
    assert result.exit_code == 0 and "\tdemo\tclosed\t" in result.output


def test_every_command_has_help_text():
    for command in (
        ["db", "upgrade"],
        ["studies"],
        ["frame", "import"],
        ["sample", "plan"],
        ["sample", "draw"],
        ["sample", "release"],
        ["sample", "verify"],
        ["report"],
        ["verify"],
        ["audit", "verify"],
        ["keys", "init"],
        ["keys", "rotate"],
        ["keys", "show"],
        ["demo"],
        ["app"],
        ["fixtures", "frame"],
        ["analyse"],
        ["waves"],
        ["plan-wave"],
        ["users", "add"],
    ):
        result = run(*command, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output and len(result.output) > 80, command


def test_sample_verify_proves_the_stored_sample(demo_copy):
    result = run("--db", demo_copy, "sample", "verify", "demo")
    assert result.exit_code == 0 and "identical" in result.output


def test_audit_verify_reports_an_intact_chain(demo_copy):
    result = run("--db", demo_copy, "audit", "verify")
    assert result.exit_code == 0 and "intact" in result.output


def test_a_study_can_be_named_by_id(demo_copy):
    assert run("--db", demo_copy, "sample", "verify", "1").exit_code == 0


def test_an_unknown_study_is_a_clear_error_with_exit_code_1(demo_copy):
    result = CliRunner().invoke(main, ["--db", demo_copy, "sample", "verify", "nope"])
    assert result.exit_code == 1 and "No study with id or name 'nope'" in result.output


def test_report_writes_a_pdf_and_prints_its_hash(demo_copy, demo_result, tmp_path):
    out = tmp_path / "r.pdf"
    auditor = {"HUIFANG_USER": "auditor", "HUIFANG_PASSWORD": demo_result.passwords["auditor"]}
    result = run(
        "--db",
        demo_copy,
        "report",
        "demo",
        "--out",
        str(out),
        "--lang",
        "en",
        "--kind",
        "comparison",
        env=auditor,
    )
    assert result.exit_code == 0 and out.read_bytes().startswith(b"%PDF") and "SHA-256" in result.output


def test_verify_prints_one_line_per_check_and_fails_when_one_fails(demo_copy, tmp_path):
    (tmp_path / "out" / "demo-frame.csv").write_bytes(b"changed")
    result = CliRunner().invoke(main, ["--db", demo_copy, "verify", "demo"])
    assert result.exit_code == 1
    assert "FAIL  frame file" in result.output and "OK    audit chain" in result.output


def test_a_changing_command_needs_a_user(demo_copy, tmp_path):
    result = CliRunner().invoke(
        main, ["--db", demo_copy, "sample", "release", "demo", "--replicate", "1"], env={}
    )
    assert result.exit_code != 0 and "acts as a user" in result.output


def test_a_wrong_password_is_refused(demo_copy):
    result = CliRunner().invoke(
        main,
        ["--db", demo_copy, "sample", "release", "demo", "--replicate", "1"],
        env={"HUIFANG_USER": "supervisor", "HUIFANG_PASSWORD": "wrong-password"},
    )
    assert result.exit_code == 1 and "Wrong user name or password" in result.output


def test_a_database_url_that_does_not_connect_gets_a_plain_message():
    result = CliRunner().invoke(
        main, ["--db", "postgresql://nobody@127.0.0.1:1/x?connect_timeout=2", "studies"]
    )
    assert result.exit_code == 1 and "Cannot connect" in result.output and "Traceback" not in result.output


def test_fixtures_frame_writes_a_gbk_export_and_its_truth(tmp_path):
    out = tmp_path / "frame.csv"
    result = run("fixtures", "frame", "--rows", "500", "--seed", "3", "--out", str(out), "--encoding", "gbk")
    assert result.exit_code == 0
    assert out.read_bytes().decode("gbk").startswith("记录编号")
    assert (tmp_path / "frame.truth.csv").exists()


def test_frame_import_plan_and_draw_as_a_researcher(tmp_path):
    db = str(tmp_path / "new.db")
    frame = tmp_path / "frame.csv"
    run("fixtures", "frame", "--rows", "800", "--seed", "4", "--out", str(frame))
    env = {"HUIFANG_USER": "r", "HUIFANG_PASSWORD": "password-researcher-1"}
    assert (
        run(
            "--db", db, "users", "add", "r", "--role", "researcher", "--new-password", "password-researcher-1"
        ).exit_code
        == 0
    )
    from survey_app.services import studies
    from survey_app.storage import open_database

    database = open_database(db)
    with database.session() as session:
        from survey_app.services.auth import login

        studies.create_study(session, login(database, "r", "password-researcher-1"), "spring", "Spring")
    imported = run("--db", db, "frame", "import", "spring", str(frame), env=env)
    assert imported.exit_code == 0 and "Imported 800 rows" in imported.output
    planned = run("--db", db, "sample", "plan", "spring", "--n", "100", "--minimum", "2")
    assert planned.exit_code == 0 and "total n = 100" in planned.output
    drawn = run(
        "--db", db, "sample", "draw", "spring", "--n", "100", "--minimum", "2", "--seed", "9", env=env
    )
    assert drawn.exit_code == 0 and "seed 9" in drawn.output
    assert run("--db", db, "sample", "verify", "spring").exit_code == 0


@pytest.mark.parametrize("suffix", [".csv", ".sav", ".dta"])
def test_export_writes_the_analysis_dataset_without_personal_data(demo_copy, demo_db, tmp_path, suffix):
    import pandas as pd
    import pyreadstat
    from sqlalchemy import select

    out = tmp_path / f"data{suffix}"
    env = {"HUIFANG_USER": "auditor", "HUIFANG_PASSWORD": "x"}
    with demo_db.session() as session:  # the demo's passwords are random: give the auditor a known one
        from survey_app.security.passwords import hash_password
        from survey_app.storage.models import User

        session.scalar(select(User).where(User.username == "auditor")).password_hash = hash_password(
            "password-aud"
        )
        from survey_app.services import frames, studies

        demo = studies.find_study(session, "demo")
        phones = set(
            frames.decrypted_frame_records(session, demo, frames.latest_frame(session, demo))["phone"]
        )
    env["HUIFANG_PASSWORD"] = "password-aud"
    result = run("--db", demo_copy, "export", "demo", "--out", str(out), env=env)
    assert result.exit_code == 0, result.output
    data = (
        pd.read_csv(out, dtype=str)
        if suffix == ".csv"
        else (pyreadstat.read_sav(out)[0] if suffix == ".sav" else pyreadstat.read_dta(out)[0])
    )
    assert "phone" not in data.columns and "recipient_name" not in data.columns
    assert "nr_weight" in data.columns and len(data) > 0
    assert not set(data.astype(str).to_numpy().ravel()) & phones


def test_verify_checks_the_frame_file_the_auditor_was_given(demo_copy, tmp_path):
    given = tmp_path / "as-received.csv"
    given.write_bytes((tmp_path / "out" / "demo-frame.csv").read_bytes())
    (tmp_path / "out" / "demo-frame.csv").unlink()
    result = CliRunner().invoke(main, ["--db", demo_copy, "verify", "demo", "--frame", str(given)])
    assert "OK    frame file" in result.output
    given.write_bytes(given.read_bytes() + b"\n")
    result = CliRunner().invoke(main, ["--db", demo_copy, "verify", "demo", "--frame", str(given)])
    assert result.exit_code == 1 and "FAIL  frame file" in result.output


def test_sample_plan_with_risk_targeting_gives_suspicious_units_their_own_strata(demo_copy):
    result = run(
        "--db",
        demo_copy,
        "sample",
        "plan",
        "demo",
        "--strata",
        "risk_stratum",
        "--n",
        "800",
        "--minimum",
        "5",
        "--risk-unit",
        "organisation_id",
    )
    assert result.exit_code == 0 and "risk:ORG" in result.output


def test_sample_plan_says_how_many_staff_members_the_staff_level_can_judge(demo_copy):
    result = run("--db", demo_copy, "sample", "plan", "demo", "--strata", "district", "--n", "800")
    assert result.exit_code == 0, result.output
    assert "staff level: about " in result.output and "can be judged one by one" in result.output


def test_sample_plan_says_how_many_surveyors_the_margin_needs_and_what_the_planned_ones_leave(demo_copy):
    result = run(
        "--db", demo_copy, "sample", "plan", "demo", "--strata", "district", "--n", "800", "--surveyors", "4",
        "--surveyor-spread", "0.02",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert re.search(
        r"surveyors: their differences \(SD about 2 points .*; \d+ or more surveyors", result.output
    )
    # 1.96 × 0.02 / √4 = 1.96 points: the floor four surveyors 2 points apart leave
    assert (
        "with 4 surveyors: about ±" in result.output and "no sample size gets it below ±2.0" in result.output
    )


def test_sample_plan_with_risk_targeting_of_staff_members_gives_each_suspicious_member_a_stratum(demo_copy):
    result = run(
        "--db", demo_copy, "sample", "plan", "demo", "--strata", "risk_stratum", "--risk-unit", "staff_id",
        "--method", "audit", "--n", "2000", "--minimum", "2", "--inflation", "0.25",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert re.search(r"risk:ORG\d{4}-S\d{2}", result.output)
