"""The next study planned from this one (`services.wave_planning`), on the small demo's analysis: sizes
turned into cases at the study's own yields, the overall rate judged alone, and what cannot be planned
said in one sentence."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest

from survey_app.services import wave_planning
from survey_app.services.errors import InvalidState


@pytest.fixture
def result(demo_result):
    return demo_result.analysis


def test_each_channel_s_cases_are_its_answers_at_the_yield_this_study_had_there(result):
    plan = wave_planning.plan_next_wave(result, 0.15, group="channel")
    answers = result.headline.query("metric == '满意率' and group == 'channel'").set_index("level")["n"]
    released = result.cases.groupby("channel", observed=True).size()
    sized = plan.groups.dropna(subset=["fall_answers"]).set_index("level")
    assert len(sized)
    for level, row in sized.iterrows():
        assert row["fall_cases"] == math.ceil(row["fall_answers"] / (answers[level] / released[level]) - 1e-9)


def test_the_overall_rate_is_judged_alone_and_the_groups_at_the_rate_over_their_family(result):
    plan = wave_planning.plan_next_wave(result, 0.05, group="channel")
    assert plan.overall.attrs["alpha"] == pytest.approx(0.05)
    assert plan.alpha == pytest.approx(0.05 / 3)


def test_a_grouping_the_comparison_does_not_have_is_refused_in_both_languages(result):
    with pytest.raises(InvalidState, match="not by 'staff'") as raised:
        wave_planning.plan_next_wave(result, 0.10, group="staff")
    assert "不能按" in raised.value.zh


def test_a_study_nobody_answered_is_refused_by_name(result):
    empty = dataclasses.replace(result, third_party=None)
    with pytest.raises(InvalidState, match=f"study '{result.study_name}' has no answered callback"):
        wave_planning.plan_next_wave(empty, 0.10)


def test_the_printed_plan_names_the_level_every_district_and_why_a_district_has_no_size(result):
    plan = wave_planning.plan_next_wave(result, 0.10)
    text = wave_planning.plan_text(plan)
    assert f"0.05/{len(plan.groups)} = {plan.alpha:.4f}" in text
    assert all(str(level) in text for level in plan.groups["level"])
    assert "none: this study's interval is too wide" in text
    assert "cannot be planned at this change" in text


def test_the_plan_is_written_as_csv_or_xlsx_with_the_overall_row_first(result, tmp_path):
    plan = wave_planning.plan_next_wave(result, 0.10, group="domain")
    wave_planning.write_plan(plan, tmp_path / "plan.xlsx")
    written = pd.read_excel(tmp_path / "plan.xlsx")
    assert written["group"].iloc[0] == "overall" and len(written) == len(plan.groups) + 1
    with pytest.raises(InvalidState, match=r"plan\.pdf: write the plan as \.csv or \.xlsx"):
        wave_planning.write_plan(plan, tmp_path / "plan.pdf")


def test_each_group_carries_the_records_this_study_s_frame_held_there(result):
    plan = wave_planning.plan_next_wave(result, 0.15, group="channel")
    held = result.frame.groupby("channel", observed=True).size()
    assert plan.groups.set_index("level")["frame_records"].to_dict() == held.to_dict()
    assert plan.overall["frame_records"].iloc[0] == len(result.frame)


def test_a_group_planned_more_cases_than_its_frame_held_is_said_before_the_draw(result):
    plan = wave_planning.plan_next_wave(result, 0.15, group="channel")
    sized = plan.groups["fall_cases"].notna()
    assert sized.any()
    plan.groups.loc[sized, "frame_records"] = 1  # as if this study's frame had held one record there
    assert wave_planning.beyond_frame(plan.groups)[sized].all()
    text = wave_planning.plan_text(plan)
    assert "more cases than this study's frame held there (1 records)" in text
    assert "check the next export before the draw" in text
