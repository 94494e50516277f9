"""`huifang plan-wave STUDY`: the next study's sizes printed and, with --out, written row by row."""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner

from survey_app.cli import main


def test_plan_wave_prints_each_district_s_size_and_writes_the_rows(demo_db, tmp_path):
    out = tmp_path / "下一期.csv"
    result = CliRunner().invoke(
        main, ["--db", demo_db.url, "plan-wave", "demo", "--change", "0.2", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "The study after demo" in result.output and "Overall " in result.output
    written = pd.read_csv(out, encoding="utf-8-sig")
    assert written["group"].iloc[0] == "overall" and set(written["group"].iloc[1:]) == {"district"}


def test_plan_wave_refuses_a_file_it_cannot_write_before_analysing(demo_db, tmp_path):
    result = CliRunner().invoke(
        main, ["--db", demo_db.url, "plan-wave", "demo", "--out", str(tmp_path / "plan.pdf")]
    )
    assert result.exit_code == 2 and "write the plan as .csv or .xlsx" in result.output
