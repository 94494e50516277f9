"""`huifang waves EARLIER LATER`: two studies compared in print and, with --out, row by row in a file."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from click.testing import CliRunner

from survey_app.cli import main


@pytest.fixture
def demo_copy(demo_db, same_inputs_same_units):
    return demo_db.url


def test_waves_prints_the_overall_changes_the_follow_up_and_what_limits_the_comparison(demo_copy, tmp_path):
    out = tmp_path / "两期对比.xlsx"
    result = CliRunner().invoke(main, ["--db", demo_copy, "waves", "demo", "live", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Study demo (earlier) against study live (later)" in result.output
    assert "满意率 overall: " in result.output and "the gap published − callback moved" in result.output
    assert "Caveat: study live is not closed" in result.output
    changes = pd.read_excel(out, sheet_name="changes")
    assert set(changes["verdict"]) <= {
        "rose",
        "fell",
        "no_clear_change",
        "insufficient",
        "only_earlier",
        "only_later",
    }
    rows = re.search(r"\((\d+) rows: ", result.output)
    assert rows is not None and len(changes) == int(
        rows.group(1)
    )  # every row printed in the count is in the file
    assert "units" in pd.ExcelFile(out).sheet_names


def test_waves_at_the_staff_level_follows_up_the_staff_members_instead(demo_copy):
    result = CliRunner().invoke(main, ["--db", demo_copy, "waves", "demo", "live", "--level", "staff"])
    assert result.exit_code == 0, result.output
    assert "Staff members flagged in either study: " in result.output
    assert "Units flagged in either study" not in result.output


def test_a_study_compared_with_itself_is_refused_in_one_sentence(demo_copy):
    result = CliRunner().invoke(main, ["--db", demo_copy, "waves", "demo", "demo"])
    assert result.exit_code == 1
    assert (
        result.output.strip() == "Error: study 'demo' cannot be compared with itself: choose an earlier study"
    )


def test_an_output_file_of_another_kind_is_refused_before_any_analysis(demo_copy, tmp_path):
    result = CliRunner().invoke(
        main, ["--db", demo_copy, "waves", "demo", "live", "--out", str(tmp_path / "x.pdf")]
    )
    assert result.exit_code == 2
    assert "x.pdf: write the comparison as .csv or .xlsx" in result.output
