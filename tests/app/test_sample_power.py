"""The sample page plans with power: each stratum's minimum detectable inflation, and the audit design."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_app.services import frames, studies
from survey_app.storage.models import User
from tests.app.conftest import log_in

pytestmark = pytest.mark.db


def _second_study(study, app_db, name: str) -> int:
    with app_db.session() as session:
        researcher = session.scalar(select(User).where(User.username == "researcher"))
        second = studies.create_study(session, researcher, name, name)
        frames.import_frame(session, researcher, second, study.frame_path)
        return second.id


def _plan(app, method: str, n: int) -> None:
    app.switch_page("pages/sample.py").run()
    app.number_input(key="design_n").set_value(n)
    app.number_input(key="design_reserve").set_value(0.0)
    app.selectbox(key="design_method").select(method)
    app.button(key="FormSubmitter:design-生成方案").click().run()


def _planned(study, app_db, name: str, method: str, n: int):
    """The sample page of a fresh study (`name`) on the fixture's frame, after planning `method` with `n`."""
    second = _second_study(study, app_db, name)
    app = log_in("researcher")
    app.selectbox(key="study_select").select(second).run()
    _plan(app, method, n)
    assert not app.exception
    assert not app.error, [e.value for e in app.error]
    return app


def test_the_plan_shows_each_strata_minimum_detectable_inflation(study, app_db):
    app = _planned(study, app_db, "power", "proportional", 6)
    assert "最小可检出虚高 (%)" in app.dataframe[0].value.columns
    assert any("最小可检出虚高（mdi）" in c.value for c in app.caption)


def test_an_audit_design_is_planned_within_its_budget_with_a_status_per_unit(study, app_db):
    app = _planned(study, app_db, "audit", "audit", 12)
    plan = app.dataframe[0].value
    assert plan["释放样本 n_h"].sum() == 12
    assert "状态" in plan.columns


def test_the_plan_says_how_many_surveyors_keep_their_differences_from_widening_the_margin(study, app_db):
    app = _planned(study, app_db, "surveyors", "proportional", 6)
    captions = [c.value for c in app.caption]
    assert any("至少" in c and "名工作量相当的访员" in c for c in captions), captions
    app.number_input(key="plan_surveyors").set_value(2).run()
    assert any(c.value.startswith("2 名访员时误差约为") and "无论样本多大" in c.value for c in app.caption)


def test_an_audit_plan_has_no_overall_margin_and_says_nothing_of_surveyors(study, app_db):
    app = _planned(study, app_db, "audit surveyors", "audit", 12)
    assert not any("名工作量相当的访员" in c.value for c in app.caption)
