"""The comparison page's "plan the next study": nothing is computed until asked; then every district's
size, or why it has none, shows in the tab's language."""

from __future__ import annotations

import pytest

from tests.app.builders import STUDY_NAME, complete_interviews
from tests.app.conftest import log_in, page_text
from tests.app.test_chinese_everywhere import _english, _visible_text

pytestmark = pytest.mark.db


def _planned(app_db, lang: str = "zh"):
    complete_interviews(app_db, 8)
    app = log_in("reviewer")
    app.number_input(key="plan_change").set_value(20).run()
    app.toggle(key="plan_show").set_value(True).run()
    if lang != "zh":
        app.selectbox(key="lang_select").select(lang).run()
    assert not app.exception
    return app


def test_no_plan_is_computed_until_the_reviewer_asks(study, app_db):
    complete_interviews(app_db, 8)
    app = log_in("reviewer")
    assert not app.exception
    assert "总体满意率" not in page_text(app)
    assert not any("发现下降所需回答" in t.value.columns for t in app.dataframe)


def test_a_reviewer_who_asks_reads_each_district_s_size_or_why_it_has_none_in_chinese(study, app_db):
    app = _planned(app_db)
    text = page_text(app)
    assert "总体满意率" in text and "0.05/" in text
    table = next(t.value for t in app.dataframe if "发现下降所需回答" in t.value.columns)
    assert len(table) and {"本期满意率 (%)", "无法规划下降的原因", "同等规模可发现的下降 (%)"} <= set(
        table.columns
    )
    assert _english(_visible_text(app), {STUDY_NAME, *STUDY_NAME.split("-"), "reviewer"}) == set()


def test_the_plan_speaks_english_when_the_tab_does(study, app_db):
    app = _planned(app_db, "en")
    assert "Overall 满意率" in page_text(app)
    assert any("Answers for a fall" in t.value.columns for t in app.dataframe)
