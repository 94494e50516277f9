"""The libraries' English sentences shown in Chinese: every value kept, unknown sentences never lost."""

from __future__ import annotations

from survey_app.app import words


def test_a_validation_reason_keeps_its_row_number():
    assert (
        words.reason_text("duplicate record id (first seen on row 17)", "zh")
        == "记录编号重复（首次出现在第 17 行）"
    )


def test_a_sentence_no_pattern_knows_is_shown_as_it_is():
    assert words.reason_text("a brand-new library reason", "zh") == "a brand-new library reason"


def test_the_english_ui_keeps_the_library_sentence():
    assert words.reason_text("missing value", "en") == "missing value"


def test_a_straight_lining_flag_names_the_answer_by_its_label_and_keeps_the_surveyors_figures():
    detail = (
        "the same answer (basically_satisfied) to every satisfaction item; this surveyor's interviews 95% "
        "vs peers 15% on comparable cases (CMH p=1.2e-07, BH-adjusted 4.8e-07)"
    )
    assert words.flag_text(detail, "zh") == (
        "所有满意度题都回答同一选项（基本满意）；该访员的访问中此类占 95%，可比个案上的其他访员 15%"
        "（CMH 检验 p=1.2e-07，BH 校正后 4.8e-07）"
    )


def test_a_surveyor_effect_keeps_every_figure():
    detail = "满意 share 92% vs peers 71% on comparable cases (higher; CMH p=0.002, BH-adjusted 0.01, n=31)"
    assert words.flag_text(detail, "zh") == (
        "“满意”占比 92%，可比个案上的其他访员 71%（偏高；CMH 检验 p=0.002，BH 校正后 0.01，n=31）"
    )


def test_a_required_field_is_starred_in_the_mapping_choices():
    assert words.field_option("phone", "zh") == "联系电话 · phone *"
    assert words.field_option("event_type", "zh") == "事项类型 · event_type"
