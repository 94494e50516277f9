"""After a phase 2 the comparison page shows the rate test of the units it expanded, headed by their
level: offices on the organisations' section, members on the staff section
(`verdict_view.show_combination`, run on its own by AppTest; no database)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest


def _tests_table(level: str = "") -> None:
    import pandas as pd
    import streamlit as st

    from survey_app.app import verdict_view

    units = pd.DataFrame(
        {
            "name": ["上海甲律师事务所", "上海甲律师事务所", "上海乙公证处"],
            "phase2_cases": [12.0, 9.0, float("nan")],
            "combination_p_value": [0.004, 0.31, float("nan")],
            "combination_p_adjusted": [0.02, 0.62, float("nan")],
        },
        index=["ORG0001-S01", "ORG0001-S02", "ORG0002-S01"],
    )
    if st.session_state.get("allowance"):
        units["fade_allowance"] = [-0.0667, -0.012, float("nan")]
    days = st.session_state.get("days")
    expanded = None
    if days:
        from survey_app.services.analysis_service import ExpandedStrata

        expanded = ExpandedStrata(pd.DataFrame(), "organisation_id", pd.Series(dtype=object), 3, days)
    verdict_view.show_combination(units, "demo", st.session_state.get("level", ""), expanded)


def _run(level: str, days: dict | None = None, allowance: bool = False) -> AppTest:
    app = AppTest.from_function(_tests_table, default_timeout=60)
    app.session_state["level"] = level
    app.session_state["days"] = days
    app.session_state["allowance"] = allowance
    app.run()
    assert not app.exception
    return app


@pytest.mark.parametrize(("level", "header"), [("staff", "工作人员"), ("", "单位")])
def test_only_the_units_phase_two_expanded_are_listed_under_their_level(level, header):
    table = _run(level).dataframe[0].value
    assert list(table[header]) == ["ORG0001-S01 上海甲律师事务所", "ORG0001-S02 上海甲律师事务所"]
    assert list(table["第二阶段个案"]) == [12, 9]


@pytest.mark.parametrize(
    ("level", "heading"),
    [("staff", "第二阶段扩充的工作人员：满意率差距检验"), ("", "第二阶段单位的满意率差距检验")],
)
def test_the_tests_table_is_headed_by_its_level_and_says_to_read_the_adjusted_p(level, heading):
    app = _run(level)
    assert [m.value for m in app.markdown] == [f"**{heading}**"]
    assert "应读 BH 校正后的 p" in app.caption[0].value


def test_what_the_test_expected_for_each_unit_s_lateness_is_a_column_once_phase_one_measured_a_fade():
    assert "回访较晚的预期变化（百分点）" not in _run("").dataframe[0].value.columns
    table = _run("", allowance=True).dataframe[0].value
    assert list(table["回访较晚的预期变化（百分点）"]) == [-6.7, -1.2]


def test_a_phase_two_called_weeks_later_than_phase_one_is_said_with_a_caution_on_small_p_values():
    app = _run("", {1: 6.0, 2: 32.0})
    assert app.caption[1].value == "扩充单位的回访距服务日期的中位天数：第一阶段 6 天，第二阶段 32 天。"
    assert "较小的 p 值应谨慎解读" in app.warning[0].value


def test_a_phase_two_called_as_soon_after_the_service_gets_its_days_and_no_caution():
    app = _run("", {1: 6.0, 2: 12.0})
    assert "第二阶段 12 天" in app.caption[1].value
    assert not app.warning


def test_without_a_phase_two_nothing_is_shown():
    def nothing() -> None:
        import pandas as pd

        from survey_app.app import verdict_view

        verdict_view.show_combination(pd.DataFrame({"name": ["x"]}, index=["ORG0001"]), "demo", "staff")

    app = AppTest.from_function(nothing, default_timeout=60)
    app.run()
    assert not app.exception and not app.dataframe and not app.markdown
