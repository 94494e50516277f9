"""`huifang studies do-not-call STUDY FILE -u USER`: the do-not-call list from a file, kept as keyed
hashes only, confirmed masked."""

from __future__ import annotations

import json

from click.testing import CliRunner

from survey_app.cli import main
from survey_app.services import do_not_call, studies


def _run(url: str, *args: str, password: str, stdin: str | None = None):
    env = {"HUIFANG_USER": "researcher", "HUIFANG_PASSWORD": password}
    return CliRunner().invoke(main, ["--db", url, "studies", "do-not-call", *args], env=env, input=stdin)


def test_a_file_of_numbers_becomes_the_list_confirmed_masked_and_stored_without_numbers(
    demo_db, demo_result, tmp_path
):
    listed = tmp_path / "dnc.csv"
    listed.write_text("号码,备注\n139 1234 5678,本人要求\n+86 137-0000-1111,\n", encoding="gb18030")
    result = _run(demo_db.url, "live", str(listed), password=demo_result.passwords["researcher"])
    assert result.exit_code == 0, result.output
    assert "Study live: do-not-call list of 2 numbers (137****1111、139****5678)." in result.output
    with demo_db.session() as session:
        settings = studies.find_study(session, "live").settings
    assert settings[do_not_call.COUNT] == 2
    assert "13912345678" not in json.dumps(settings) and "13700001111" not in json.dumps(settings)


def test_a_line_that_is_no_number_gets_one_sentence_naming_it_and_exit_code_1(demo_db, demo_result):
    result = _run(
        demo_db.url, "live", "-", password=demo_result.passwords["researcher"], stdin="13912345678\nnobody\n"
    )
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: Do-not-call list, line 2 (******): not a phone number; nothing was saved."
    ]
