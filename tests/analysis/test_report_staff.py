"""The report's staff level (`ReportContent.staff`): how many staff members were judged, the flagged
ones in the organisations' table under a "staff member" header with their office's flag beside the
name, and once what a flag on a person does not prove — in zh and en; none of it without staff ids.

The content is the sample report judged by the posterior (`test_report_verdict_method`), with its first
flagged unit's row standing for a flagged staff member."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from analysis.report import ReportContentError, StaffLevel, render_pdf
from analysis.report.i18n import text as report_text
from tests.analysis.test_report_pdf import all_text, flat, needs
from tests.analysis.test_report_verdict_method import _posterior_content


def _staff(content, flagged_rows: int = 1, office_flagged: bool = True) -> StaffLevel:
    units = content.comparison.units
    rows = units[units["flagged"].astype(bool)].head(flagged_rows).copy()
    rows["unit"] = [f"ORG{i + 1:04d}-S0{i + 1} 某某司法所" for i in range(len(rows))]
    rows["organisation_flagged"] = office_flagged
    return StaffLevel(flagged=rows, named=140, called=57, judged=9, unnamed_records=12)


@pytest.fixture(scope="module", params=["zh", "en"])
def with_staff(request):
    needs("pdftotext")
    content = _posterior_content(request.param)
    content = dataclasses.replace(content, staff=_staff(content))
    return request.param, all_text(render_pdf(content))


def test_the_report_counts_the_staff_members_named_called_back_and_judged(with_staff):
    lang, text = with_staff
    expected = (
        "抽样框中共有140名工作人员，其中57名有回访、9名证据足以判定"
        if lang == "zh"
        else "Theframenames140staffmembers,57withacallbackand9withenoughevidencetobejudged"
    )
    assert expected in text


def test_a_flagged_staff_member_is_printed_under_the_staff_header_with_the_office_flag(with_staff):
    lang, text = with_staff
    heading, member = (
        ("按工作人员判定：被标记的工作人员", "工作人员")
        if lang == "zh"
        else ("Staffmembersflagged", "Staffmember")
    )
    assert heading in text
    after = text[text.index(heading) :]
    assert member in after
    assert (
        "ORG0001-S01某某司法所（所在机构也被标记）"
        if lang == "zh"
        else "ORG0001-S01某某司法所(officeflaggedtoo)"
    ) in after


def test_the_report_says_once_what_a_staff_flag_does_not_prove(with_staff):
    lang, text = with_staff
    assert text.count(flat(report_text("staff_caveat", lang))) == 1


def test_records_without_a_staff_member_are_counted_in_the_report(with_staff):
    lang, text = with_staff
    assert ("12条评价记录未填写工作人员编号" if lang == "zh" else "12ratingrecordsnamenostaffmember") in text


def test_without_flagged_staff_the_report_says_none_is_flagged():
    needs("pdftotext")
    content = _posterior_content("zh")
    content = dataclasses.replace(content, staff=_staff(content, flagged_rows=0))
    text = all_text(render_pdf(content))
    assert "没有工作人员被标记。" in text and flat(report_text("staff_caveat", "zh")) not in text


def test_a_report_without_a_staff_level_prints_no_staff_section():
    needs("pdftotext")
    text = all_text(render_pdf(_posterior_content("zh")))
    assert "被标记的工作人员" not in text


def test_a_staff_table_without_the_office_flag_is_refused_naming_the_field():
    content = _posterior_content("zh")
    staff = _staff(content)
    broken = dataclasses.replace(staff, flagged=staff.flagged.drop(columns=["organisation_flagged"]))
    with pytest.raises(
        ReportContentError, match=r"field staff\.flagged: lacks column\(s\) organisation_flagged"
    ):
        dataclasses.replace(content, staff=broken)


def test_the_staff_level_is_part_of_the_content_fingerprint():
    from analysis.report import content_digest

    content = _posterior_content("zh")
    one, other = _staff(content), _staff(content, office_flagged=False)
    assert content_digest(dataclasses.replace(content, staff=one)) != content_digest(
        dataclasses.replace(content, staff=other)
    )


def _summary(lang: str, **staff_options):
    from analysis.report.findings import executive_summary

    content = _posterior_content(lang)
    without = staff_options.get("flagged_rows", 1) is None
    return executive_summary(
        dataclasses.replace(content, staff=None if without else _staff(content, **staff_options))
    )


def test_the_summary_names_a_flagged_member_whose_office_is_not_flagged_and_says_to_audit_the_person():
    found = _summary("zh", office_flagged=False)
    assert any(
        "9 名证据足以判定的工作人员中，1 名被标记，其中 1 名所在机构未被标记：ORG0001-S01" in s
        for s in found.comparison
    )
    assert any("核查应针对其本人经办事项的评价记录" in s and "ORG0001-S01" in s for s in found.next_steps)


def test_the_summary_counts_flagged_members_of_flagged_offices_without_an_extra_step():
    found = _summary("en", office_flagged=True)
    assert any(
        "1 of the 9 staff members with enough evidence is flagged, all in offices flagged too, which names the people within them: ORG0001-S01"
        in s
        for s in found.comparison
    )
    assert not any("not the whole office" in s for s in found.next_steps)


def test_the_summary_says_when_no_staff_member_is_flagged():
    found = _summary("zh", flagged_rows=0)
    assert any("9 名证据足以判定的工作人员中，无人被标记" in s for s in found.comparison)


def test_a_summary_without_a_staff_level_says_nothing_of_staff_members():
    found = _summary("zh", flagged_rows=None)
    assert not any("工作人员中" in s for s in (*found.comparison, *found.next_steps))


def test_under_the_empirical_null_the_flagged_members_are_printed_in_its_unit_table():
    needs("pdftotext")
    from analysis.report import sample_content

    content = sample_content(n_units=24, n_interviews=1500, lang="en", kind="comparison")
    content = dataclasses.replace(content, staff=_staff(content))
    text = all_text(render_pdf(content))
    after = text[text.index("Staffmembersflagged") :]
    assert "ORG0001-S01某某司法所(officeflaggedtoo)" in after and "Staffmember" in after
    assert flat(report_text("staff_caveat", "en")) in after


def _expanded() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit": ["ORG0002-S03 某某律师事务所", "ORG0001-S01 某某司法所"],
            "phase2_cases": [9, 14],
            "combination_p_value": [0.41, 0.0012],
            "combination_p_adjusted": [0.62, 0.0188],
        }
    )


def test_after_a_staff_phase_two_the_report_prints_the_flagged_members_rate_test_smallest_p_first():
    needs("pdftotext")
    content = _posterior_content("zh")
    staff = dataclasses.replace(_staff(content), expanded=_expanded(), expanded_members=7)
    text = all_text(render_pdf(dataclasses.replace(content, staff=staff)))
    after = text[text.index("第二阶段扩充的工作人员：满意率差距检验") :]
    assert "第二阶段扩充了7名工作人员，其中2名被标记。" in after
    assert "工作人员第二阶段个案两阶段检验pp（BH校正）" in after
    assert after.index("ORG0001-S01某某司法所140.0010.019") < after.index(
        "ORG0002-S03某某律师事务所90.4100.620"
    )


def test_members_phase_two_expanded_but_not_flagged_are_counted_not_named():
    """As everywhere in the report's staff section: a person the verdict does not flag is not named."""
    needs("pdftotext")
    content = _posterior_content("en")
    empty = _expanded().iloc[0:0]
    staff = dataclasses.replace(_staff(content, flagged_rows=0), expanded=empty, expanded_members=5)
    text = all_text(render_pdf(dataclasses.replace(content, staff=staff), lang="en"))
    after = text[text.index("Staffmembersphase2expanded:therategap'stest") :]
    assert "Phase2expanded5staffmembers,0ofthemflagged." in after
    assert "membersnotflaggedarecounted,notnamed" in after
    assert "Two-phasep" not in after.split("Thetwo-phasetest:")[0]  # no table, only the count


def test_without_a_staff_phase_two_the_report_prints_no_members_rate_test(with_staff):
    lang, text = with_staff
    assert ("第二阶段扩充的工作人员" if lang == "zh" else "Staffmembersphase2expanded") not in text


def test_a_staff_phase_two_table_without_its_p_values_is_refused_naming_the_column():
    content = _posterior_content("zh")
    staff = dataclasses.replace(_staff(content), expanded=_expanded().drop(columns="combination_p_adjusted"))
    with pytest.raises(ReportContentError, match=r"staff\.expanded.*combination_p_adjusted"):
        render_pdf(dataclasses.replace(content, staff=staff))
