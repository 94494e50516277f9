"""The comparison page's staff level: opened on demand, it counts the staff members judged, lists them
with whether their office is flagged too, and explains one member's verdict — in the tab's language."""

from __future__ import annotations

import pytest

from tests.app.builders import STUDY_NAME, complete_interviews
from tests.app.conftest import log_in, page_text
from tests.app.test_chinese_everywhere import _english, _visible_text

pytestmark = pytest.mark.db


def _staff_level(app_db, lang: str = "zh"):
    complete_interviews(app_db, 6)
    app = log_in("reviewer")
    app.toggle(key="staff_level").set_value(True).run()
    if lang != "zh":  # after the toggle: a widget whose labels change with the language is then set
        app.selectbox(key="lang_select").select(lang).run()
    assert not app.exception
    return app


def test_the_staff_level_is_not_computed_until_the_reviewer_opens_it(study, app_db):
    complete_interviews(app_db, 6)
    app = log_in("reviewer")
    assert not app.exception
    assert "staff_verdicts" not in {getattr(t, "key", None) for t in app.dataframe}
    assert "框中工作人员" not in page_text(app)


def test_a_reviewer_who_opens_the_staff_level_reads_the_counts_and_the_table_in_chinese(study, app_db):
    app = _staff_level(app_db)
    text = page_text(app)
    assert "框中工作人员 12 名" in text
    table = next(t.value for t in app.dataframe if "工作人员" in t.value.columns)
    assert "所在机构被标记" in table.columns and len(table)
    assert table["工作人员"].str.match(r"ORG\d{4}-S\d{2} ").all()
    assert _english(_visible_text(app), {STUDY_NAME, *STUDY_NAME.split("-"), "reviewer"}) == set()


def test_choosing_a_staff_member_explains_the_verdict_and_names_the_office(study, app_db):
    app = _staff_level(app_db)
    member = app.selectbox(key="staff_member").options[1]  # "ORG0001-S01 <office name>"
    app.selectbox(key="staff_member").select_index(1).run()
    assert not app.exception
    assert f"所在机构 {member.split('-')[0]}" in page_text(app)


def test_the_staff_level_speaks_english_when_the_tab_does(study, app_db):
    app = _staff_level(app_db, "en")
    assert "staff members in the frame" in page_text(app)
    assert any("Staff member" in t.value.columns for t in app.dataframe)


def test_under_the_empirical_null_the_staff_table_is_in_chinese_too(study, app_db):
    complete_interviews(app_db, 6)
    app = log_in("reviewer")
    app.radio(key="verdict_method").set_value("empirical_null").run()
    app.toggle(key="staff_level").set_value(True).run()
    assert not app.exception
    table = next(t.value for t in app.dataframe if "工作人员" in t.value.columns)
    assert table["判定"].isin(["疑似虚高", "未发现足够证据", "证据不足"]).all()
    assert _english(_visible_text(app), {STUDY_NAME, *STUDY_NAME.split("-"), "reviewer"}) == set()
