"""The staff level of the unit verdicts: every staff member judged on the events they served, by the
organisations' method, each row saying where the member works and whether that office is flagged."""

from __future__ import annotations

import dataclasses

import pytest
from click.testing import CliRunner

from survey_app.cli import main
from survey_app.services import staff_verdicts
from survey_app.services.errors import InvalidState

pytestmark = pytest.mark.db


@pytest.fixture(scope="module")
def staff(_small_demo):
    analysed = _small_demo[2].analysis
    return analysed, staff_verdicts.staff_verdicts(analysed)


def test_every_staff_member_of_the_eligible_frame_gets_one_row_with_a_verdict_status(staff):
    analysed, table = staff
    assert set(table.index) == set(analysed.frame["staff_id"])
    assert table["status"].isin(["flagged", "no_evidence", "insufficient_evidence", "not_surveyed"]).all()


def test_each_staff_member_is_placed_in_the_office_the_frame_names(staff):
    analysed, table = staff
    owners = analysed.frame.drop_duplicates("staff_id").set_index("staff_id")["organisation_id"]
    assert table["organisation_id"].equals(owners.reindex(table.index))


def test_whether_the_office_is_flagged_is_the_organisation_verdicts_own(staff):
    analysed, table = staff
    office_flagged = analysed.units["flagged"].fillna(False).astype(bool)
    assert table["organisation_flagged"].tolist() == office_flagged.reindex(table["organisation_id"]).tolist()


def test_the_flagged_staff_members_come_first(staff):
    _, table = staff
    flags = table["flagged"].fillna(False).astype(bool).tolist()
    assert flags == sorted(flags, reverse=True)


def test_staff_members_are_judged_by_the_organisations_method(staff):
    analysed, table = staff
    assert set(table["verdict_method"]) == {analysed.verdict_method}


def test_a_staff_member_with_fewer_than_five_respondents_is_never_flagged_nor_cleared(staff):
    _, table = staff
    few = table[(table["respondents"] > 0) & (table["respondents"] < 5)]
    assert len(few) and (few["status"] == "insufficient_evidence").all()


def test_a_frame_that_names_no_staff_member_is_refused_in_one_sentence(staff):
    analysed, _ = staff
    unnamed = dataclasses.replace(analysed, frame=analysed.frame.assign(staff_id=None))
    with pytest.raises(
        InvalidState, match=r"no record of its frame names a staff member \(column staff_id\)"
    ):
        staff_verdicts.staff_verdicts(unnamed)


def test_records_without_a_staff_member_are_left_out_and_counted(staff):
    analysed, _ = staff
    frame = analysed.frame.copy()
    frame.loc[frame.index[:40], "staff_id"] = None
    table = staff_verdicts.staff_verdicts(dataclasses.replace(analysed, frame=frame))
    assert table.attrs["unnamed_records"] == 40
    assert int(table["frame_records"].sum()) == len(frame) - 40


def test_a_staff_members_explanation_names_the_office_and_its_own_verdict(staff):
    _, table = staff
    member = table.index[table["respondents"] > 0][0]
    office = f"{table.at[member, 'organisation_id']} {table.at[member, 'organisation']}"
    zh = staff_verdicts.staff_explanation(table, member, "zh")
    en = staff_verdicts.staff_explanation(table, member, "en")
    assert any(office in line and "所在机构" in line for line in zh)
    assert any(office in line and line.startswith("The office") for line in en)


def test_a_flagged_staff_members_explanation_says_the_flag_does_not_prove_what_the_person_did(staff):
    _, table = staff
    flagged = staff_verdicts.flagged_staff(table)
    if flagged.empty:  # the small demo's verdict: make one so that the wording is read
        table = table.copy()
        member = table.index[table["status"] == "no_evidence"][0]
        table.loc[member, ["flagged", "status"]] = [True, "flagged"]
    else:
        member = flagged.index[0]
    assert "不证明是此人本人改动或代为评价" in " ".join(staff_verdicts.staff_explanation(table, member, "zh"))
    assert "does not prove that this person" in " ".join(
        staff_verdicts.staff_explanation(table, member, "en")
    )


def test_an_unknown_staff_member_is_a_key_error_naming_it(staff):
    _, table = staff
    with pytest.raises(KeyError, match="ORG9999-S99"):
        staff_verdicts.staff_explanation(table, "ORG9999-S99")


def test_huifang_analyse_level_staff_prints_the_counts_and_the_flagged_members(demo_db):
    result = CliRunner().invoke(main, ["--db", demo_db.url, "analyse", "demo", "--level", "staff"], env={})
    assert result.exit_code == 0, result.output
    assert "with enough evidence to judge" in result.output
    assert "Staff members flagged as inflated (the organisations' method and q = 0.1):" in result.output
    assert "it does not prove that this person changed or gave them" in result.output


def test_the_report_carries_the_flagged_staff_members_and_the_counts(demo_db, staff):
    from survey_app.services import reports
    from survey_app.services.studies import find_study

    analysed, table = staff
    with demo_db.reading() as session:
        content = reports.build_content(session, find_study(session, "demo"), result=analysed)
    flagged = staff_verdicts.flagged_staff(table)
    assert content.staff is not None
    assert (content.staff.named, content.staff.judged) == (
        len(table),
        int(table["status"].isin(["flagged", "no_evidence"]).sum()),
    )
    assert [unit.split(" ")[0] for unit in content.staff.flagged["unit"]] == list(flagged.index)


def test_a_staff_level_computed_ahead_is_the_one_the_report_uses(staff):
    analysed, table = staff
    ahead = dataclasses.replace(analysed, staff=table.head(3))
    assert staff_verdicts.staff_of(ahead) is ahead.staff
    assert staff_verdicts.staff_of(analysed).equals(table)


def test_the_staff_level_runs_its_linear_algebra_in_the_mode_the_analysis_ran_in(staff, monkeypatch):
    """The organisations' verdicts ran on one BLAS thread (`analysis.numeric`), so that a report rebuilds
    the same on any core count; the staff members' verdicts, printed in the same report, must too."""
    from threadpoolctl import threadpool_limits

    import analysis
    from tests.blas import watch_blas_threads

    analysed, table = staff
    seen = watch_blas_threads(monkeypatch, analysis, "compare_units")
    with threadpool_limits(limits=2, user_api="blas"):  # BLAS as the app's process loaded it, two cores
        again = staff_verdicts.staff_verdicts(analysed)
    assert seen == [{1}]
    assert again.equals(table)
