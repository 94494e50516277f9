"""The comparison page's "against an earlier study": nothing is computed until the reviewer picks a
study; then the changes, the flagged units' follow-up and what limits the comparison show, in the tab's
language."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.builders import STUDY_NAME, build_named_study, complete_interviews
from tests.app.conftest import log_in, page_text
from tests.app.test_chinese_everywhere import _english, _visible_text

pytestmark = pytest.mark.db
EARLIER = "callback-earlier"


def _earlier_study(db, folder: Path) -> None:
    """A second study of the same kind (its own frame file and draw), in fieldwork, with 6 interviews."""
    build_named_study(db, folder, EARLIER, "上期回访", frame_name="上期导出.csv", seed=7, n=12)
    complete_interviews(db, 6, study_name=EARLIER)


def _compared(app_db, tmp_path, lang: str = "zh"):
    complete_interviews(app_db, 6)
    _earlier_study(app_db, tmp_path)
    app = log_in("reviewer")
    earlier = next(option for option in app.selectbox(key="wave_earlier").options if option != "—")
    app.selectbox(key="wave_earlier").select(earlier).run()
    if lang != "zh":
        app.selectbox(key="lang_select").select(lang).run()
    assert not app.exception
    return app, earlier


def test_no_other_study_is_analysed_until_the_reviewer_picks_one(study, app_db, tmp_path):
    complete_interviews(app_db, 6)
    _earlier_study(app_db, tmp_path)
    app = log_in("reviewer")
    assert not app.exception
    assert app.selectbox(key="wave_earlier").value is None
    assert "相比：上升" not in page_text(app)
    assert not any("结论" in t.value.columns for t in app.dataframe)


def test_a_reviewer_who_picks_an_earlier_study_reads_its_changes_and_caveats_in_chinese(
    study, app_db, tmp_path
):
    app, earlier = _compared(app_db, tmp_path)
    text = page_text(app)
    assert f"与“{earlier}”相比" in text
    assert "尚未结束" in text  # both studies are still in fieldwork: their figures will move
    table = next(t.value for t in app.dataframe if "结论" in t.value.columns)
    assert {"上期 (%)", "本期 (%)", "变化 (%)"} <= set(table.columns)
    assert set(table["结论"]) <= {
        "上升",
        "下降",
        "无明确变化",
        "样本过少",
        "仅上期有",
        "仅本期有",
        "口径不同",
    }
    assert (
        _english(
            _visible_text(app), {STUDY_NAME, *STUDY_NAME.split("-"), EARLIER, *EARLIER.split("-"), "reviewer"}
        )
        == set()
    )


def test_the_comparison_speaks_english_when_the_tab_does(study, app_db, tmp_path):
    app, earlier = _compared(app_db, tmp_path, "en")
    assert f"Against “{earlier}”" in page_text(app)
    assert any("Verdict" in t.value.columns for t in app.dataframe)


def test_following_up_staff_members_lists_them_instead_of_the_organisations(study, app_db, tmp_path):
    app, _ = _compared(app_db, tmp_path)
    app.toggle(key="wave_staff").set_value(True).run()
    assert not app.exception
    text = page_text(app)
    assert "两期中被标记的工作人员" in text or "两期均无被标记的工作人员" in text
    assert "两期均无被标记的机构。" not in text
    assert "**两期中被标记的机构**" not in [markdown.value for markdown in app.markdown]


def test_with_no_other_study_the_section_says_so(study, app_db):
    complete_interviews(app_db, 6)
    app = log_in("reviewer")
    assert not app.exception
    assert "没有其他调查可供对比" in page_text(app)


def test_every_table_on_the_page_shows_a_missing_value_as_a_dash_not_the_english_none(
    study, app_db, tmp_path
):
    app, _ = _compared(app_db, tmp_path)
    changes = next(t for t in app.dataframe if "结论" in t.value.columns)
    assert changes.value.isna().any().any()  # rows with too few answers have no interval
    assert {table.proto.placeholder for table in app.dataframe} == {"—"}
