"""Hostile command lines: one plain sentence and exit code 1 (2 for a usage error), never a traceback.

Each case is a command a careless or malicious user could type; the output must be a single "Error:"
line naming what is wrong, and the database must be as it was.
"""

from __future__ import annotations

import os
import re

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import text

from survey_app.cli import main
from survey_app.cli_errors import HuifangGroup, user_message
from survey_app.services.errors import DatabaseWriteFailed

from .make_corpus import csv_text, rows

ADMIN_ENV = {"HUIFANG_USER": "researcher", "HUIFANG_PASSWORD": "password-researcher"}


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), env=env or {}, catch_exceptions=False)


def one_error_line(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert "Traceback" not in result.output, result.output
    errors = [line for line in lines if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    return errors[0]


@pytest.fixture
def study(db, users, database_url):
    """A study named 'hostile' owned by the researcher (password in ADMIN_ENV)."""
    from survey_app.services.studies import create_study

    with db.session() as session:
        create_study(session, users["researcher"], "hostile", "Hostile input")
    return database_url


USAGE_ERRORS = [
    (["sample", "draw", "x", "--n", "-5", "--seed", "1"], "-5 is not in the range x>=1"),
    (["sample", "plan", "x", "--margin", "0"], "0.0 is not in the range 0<x<1"),
    (["sample", "plan", "x", "--margin", "1.5"], "1.5 is not in the range 0<x<1"),
    (["sample", "plan", "x", "--reserve", "5"], "5.0 is not in the range 0<=x<=1"),
    (["sample", "plan", "x", "--response-rate", "0"], "0.0 is not in the range 0<x<=1"),
    (["sample", "plan", "x", "--minimum", "-1"], "-1 is not in the range x>=0"),
    (["sample", "plan", "x", "--risk-min-rate", "2"], "2.0 is not in the range 0<=x<=1"),
    (["frame", "import", "x", "/etc/hostname", "--encoding", "klingon"], "'klingon' is not an encoding"),
    (["report", "x", "--out", "/nonexistent-folder/r.pdf"], "the folder /nonexistent-folder does not exist"),
    (["export", "x", "--out", "/nonexistent-folder/a.csv"], "the folder /nonexistent-folder does not exist"),
    (["fixtures", "frame", "--out", "/nonexistent-folder/f.csv", "--rows", "5"], "does not exist"),
    (["report", "x", "--out", "/tmp"], "'/tmp' is a directory"),
    (["verify", "x", "--frame", "/nonexistent-file.csv"], "does not exist"),
    (["sample", "draw", "x", "--n", "lots", "--seed", "1"], "'lots' is not a valid integer"),
]


@pytest.mark.parametrize("args,says", USAGE_ERRORS, ids=[" ".join(a[:3]) for a, _ in USAGE_ERRORS])
def test_a_bad_option_is_a_usage_error_with_exit_code_2(args, says, tmp_path):
    result = run("--db", str(tmp_path / "x.db"), *args)
    assert result.exit_code == 2, result.output
    assert says in result.output and "Traceback" not in result.output


def test_a_short_password_is_one_sentence_and_exit_code_1(tmp_path):
    result = run(
        "--db", str(tmp_path / "x.db"), "users", "add", "bob", "--role", "admin", "--new-password", "short"
    )
    assert result.exit_code == 1
    assert re.fullmatch(r"Error: A password needs at least \d+ characters.*\.", one_error_line(result))


def test_a_database_in_a_missing_folder_is_one_sentence(tmp_path):
    result = run("--db", str(tmp_path / "no" / "x.db"), "studies")
    assert result.exit_code == 1 and "does not exist" in one_error_line(result)


def test_a_mapping_that_is_not_json_is_one_sentence(study, tmp_path):
    frame = tmp_path / "f.csv"
    frame.write_text(csv_text(rows()), encoding="utf-8")
    mapping = tmp_path / "m.json"
    mapping.write_text("{not json", encoding="utf-8")
    result = run(
        "--db", study, "frame", "import", "hostile", str(frame), "--mapping", str(mapping), env=ADMIN_ENV
    )
    assert result.exit_code == 1 and "cannot read the mapping" in one_error_line(result)


def test_a_mapping_that_is_a_json_list_is_one_sentence(study, tmp_path):
    frame = tmp_path / "f.csv"
    frame.write_text(csv_text(rows()), encoding="utf-8")
    mapping = tmp_path / "m.json"
    mapping.write_text("[1, 2]", encoding="utf-8")
    result = run(
        "--db", study, "frame", "import", "hostile", str(frame), "--mapping", str(mapping), env=ADMIN_ENV
    )
    assert result.exit_code == 1 and "must be a JSON object" in one_error_line(result)


def test_a_named_pipe_as_frame_is_refused_at_once(study, tmp_path):
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)
    result = run("--db", study, "frame", "import", "hostile", str(pipe), env=ADMIN_ENV)
    assert result.exit_code == 1 and "a named pipe, not a regular file" in one_error_line(result)


def test_a_frame_with_bare_cr_line_ends_imports_through_the_command(study, tmp_path):
    frame = tmp_path / "cr.csv"
    frame.write_text(csv_text(rows(), newline="\r"), encoding="utf-8")
    result = run("--db", study, "frame", "import", "hostile", str(frame), env=ADMIN_ENV)
    assert result.exit_code == 0, result.output
    assert "Imported 5 rows" in result.output


def test_the_import_says_how_the_files_lines_became_records(study, tmp_path):
    frame = tmp_path / "blank.csv"
    lines = csv_text(rows()).split("\n")
    frame.write_text("\n".join([*lines[:3], "", *lines[3:]]), encoding="utf-8")
    result = run("--db", study, "frame", "import", "hostile", str(frame), env=ADMIN_ENV)
    assert result.exit_code == 0, result.output
    assert "Note: 7 lines in the file: the header and 5 records, 1 blank lines skipped" in result.output


def test_an_undecodable_frame_names_row_and_byte(study, tmp_path):
    frame = tmp_path / "mixed.csv"
    good = csv_text(rows()).encode("utf-8")
    frame.write_bytes(good + "王,五".encode("gbk") + b"\n")
    result = run("--db", study, "frame", "import", "hostile", str(frame), env=ADMIN_ENV)
    assert result.exit_code == 1 and "row 7 (byte" in one_error_line(result)


def test_a_quote_never_closed_refuses_the_frame_naming_row_and_field(study, tmp_path):
    frame = tmp_path / "open.csv"
    lines = csv_text(rows()).split("\n")
    lines[3] = lines[3].replace("机构", '"机构', 1)
    frame.write_text("\n".join(lines), encoding="gbk")
    result = run("--db", study, "frame", "import", "hostile", str(frame), env=ADMIN_ENV)
    error = one_error_line(result)
    assert result.exit_code == 1 and "open.csv: row 4, field '机构名称' (column 8)" in error
    assert "never closed" in error


def test_text_after_a_closing_quote_rejects_its_row_and_imports_the_others(study, tmp_path):
    frame = tmp_path / "after.csv"
    lines = csv_text(rows()).split("\n")
    lines[3] = lines[3].replace("机构", '"机构"', 1)
    frame.write_text("\n".join(lines), encoding="utf-8")
    result = run("--db", study, "frame", "import", "hostile", str(frame), env=ADMIN_ENV)
    assert result.exit_code == 0, result.output
    assert "Imported 4 rows from after.csv (utf-8); 1 rejected" in result.output


@click.command(cls=HuifangGroup)
@click.option("--debug", is_flag=True)
def _broken(debug: bool) -> None:
    """A group whose only command fails with an unexpected error."""


@_broken.command()
def explode() -> None:
    raise RuntimeError("the flux capacitor is empty")


def test_an_unexpected_error_is_one_sentence_without_traceback():
    result = CliRunner().invoke(_broken, ["explode"], catch_exceptions=False)
    assert result.exit_code == 1
    assert one_error_line(result) == (
        "Error: an unexpected RuntimeError (the flux capacitor is empty). Run the command again with --debug "
        "and report the traceback."
    )


def test_debug_shows_the_traceback_as_well():
    result = CliRunner().invoke(_broken, ["--debug", "explode"], catch_exceptions=False)
    assert result.exit_code == 1 and "Traceback" in result.output and "flux capacitor" in result.output


def test_a_missing_output_folder_at_write_time_is_one_sentence():
    error = FileNotFoundError(2, "No such file or directory", "/gone/away/report.pdf")
    assert (
        user_message(error)
        == "/gone/away/report.pdf: the folder /gone/away does not exist; create it first or choose another path."
    )


def test_a_full_disk_rolls_back_and_says_so_in_one_sentence(db):
    """SQLite's page limit stands in for a full disk: the same 'database or disk is full' error."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("a full disk is simulated with SQLite's page limit")
    with db.session() as session:
        session.execute(text("CREATE TABLE filler (x BLOB)"))
    with pytest.raises(DatabaseWriteFailed) as caught, db.session() as session:
        pages = session.execute(text("PRAGMA page_count")).scalar_one()
        session.execute(text(f"PRAGMA max_page_count = {pages + 2}"))
        for _ in range(50):
            session.execute(text("INSERT INTO filler VALUES (zeroblob(100000))"))
    assert str(caught.value).startswith("The database could not be written (database or disk is full)")
    assert "nothing of this action was saved" in str(caught.value)
    with db.session() as session:
        session.execute(text("PRAGMA max_page_count = 1073741823"))
        assert session.execute(text("SELECT count(*) FROM filler")).scalar_one() == 0
        assert session.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
    assert user_message(caught.value) == str(caught.value)
