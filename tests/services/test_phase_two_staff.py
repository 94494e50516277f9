"""Phase 2 one level down: a design whose risk strata are staff members sends its phase 2 to members.

The machinery is the organisations' (`sampling.two_phase`, `services.phase_two`): the strata are the
units, whatever they are. These tests build a small demo under the staff-level audit design, draw a
phase 2 by the evidence rule, work it, and check what the researcher and the auditor rely on.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from sqlalchemy import select, update

from analysis.report.formatting import format_p
from analysis.report.phase_two_timing import phase_effect_sentence
from survey_app.services import analysis_service, demo, phase_two, reports, samples, staff_verdicts, studies
from survey_app.storage import Database, open_database
from survey_app.storage.models import Case, FrameRecord, Interview, Study, User
from tests.conftest import end_posterior_worker

# the report and the staff verdicts re-run the analysis the fixture made; identical unit-comparison inputs
# are computed once (tests/same_inputs.py)
pytestmark = pytest.mark.usefixtures("same_inputs_same_units")

ROWS, SEED, BUDGET = 6000, 11, 120


def _staff_design() -> dict:
    """The staff-level audit design at the small demo's size: members with ≥ 10 records rated ≥ 93% get
    a stratum each (at 6,000 rows a member has ~29 records)."""
    return {
        "strata": ["risk_stratum"],
        "n": 500,
        "method": "audit",
        "minimum": 2,
        "inflation": 0.25,
        "response_rate": 0.55,
        "reserve": 0.2,
        "unit": "person",
        "seed": SEED,
        "risk": {"unit": "staff_id", "min_records": 10, "min_rate": 0.93, "base": "district"},
    }


@pytest.fixture(scope="module")
def staff_study(tmp_path_factory: pytest.TempPathFactory) -> tuple[Database, dict]:
    """The small demo drawn by members, its phase 2 (evidence rule, top 6) drawn and worked."""
    import fixtures

    folder = tmp_path_factory.mktemp("staff-phase-two")
    url = str(folder / "demo.db")
    end_posterior_worker()
    demo.build_demo(
        url, rows=ROWS, seed=SEED, out_dir=folder / "out", design=_staff_design(), echo=lambda _: None
    )
    db = open_database(url)
    with db.engine.begin() as conn:  # the demo ends closed; phase 2 is drawn during fieldwork
        conn.execute(update(Study).where(Study.name == demo.STUDY_NAME).values(state="fieldwork"))
    with db.session() as session:
        researcher = session.scalar(select(User).where(User.username == "researcher"))
        study = studies.find_study(session, demo.STUDY_NAME)
        record = phase_two.draw_phase_two(
            session, researcher, study, BUDGET, 5, {"kind": "evidence", "select": "top", "top": 6}
        )
    demo.simulate_fieldwork(db, fixtures.make_frame(ROWS, SEED).truth, seed=SEED)
    yield db, record
    db.dispose()


@pytest.fixture(scope="module")
def analysed(staff_study) -> analysis_service.StudyAnalysis:
    """The worked study's analysis, made once for the tests that read it (none changes it)."""
    db, _ = staff_study
    with db.reading() as session:
        return analysis_service.analyse(session, studies.find_study(session, demo.STUDY_NAME))


def test_phase_two_of_a_staff_design_goes_to_members_of_the_frame(staff_study):
    db, record = staff_study
    with db.session() as session:
        members = set(session.scalars(select(FrameRecord.staff_id).distinct()))
    chosen = [key.removeprefix("risk:") for key in record["selected"]]
    assert len(chosen) == 6 and set(chosen) <= members
    assert 0 < sum(record["allocation"].values()) <= BUDGET  # at most the records a member has left


def test_phase_two_of_a_staff_design_verifies_identical_after_its_fieldwork(staff_study):
    db, record = staff_study
    with db.session() as session:
        ok, message = samples.verify_sample(session, studies.find_study(session, demo.STUDY_NAME))
    assert ok, message
    assert f"phase 2 identical: {sum(record['allocation'].values())} cases re-drawn from seed 5" in message


def test_the_members_phase_two_expanded_are_judged_on_both_phases(staff_study, analysed):
    db, record = staff_study
    result = analysed
    with db.session() as session:
        study = studies.find_study(session, demo.STUDY_NAME)
        phases = pd.DataFrame(
            session.execute(
                select(FrameRecord.staff_id, Case.replicate)
                .join(FrameRecord, FrameRecord.id == Case.frame_record_id)
                .join(Interview, Interview.case_id == Case.id)
                .where(Case.study_id == study.id)
            ).all(),
            columns=["staff_id", "replicate"],
        )
    table = staff_verdicts.staff_verdicts(result)
    assert result.verdict_method == "posterior"  # a study with a phase 2 is always judged by it
    expanded = [key.removeprefix("risk:") for key in record["allocation"]]
    second = phases[phases["replicate"] == record["replicate"]].groupby("staff_id").size()
    interviewed = phases.groupby("staff_id").size()
    phase_one = interviewed.reindex(expanded).fillna(0) - second.reindex(expanded).fillna(0)
    assert second.sum() > 0
    # the members' respondents count the answers of both phases, more than phase 1 could have given
    assert table.loc[expanded, "respondents"].sum() > phase_one.sum()


def test_an_office_is_not_given_the_two_phase_test_of_one_of_its_members(analysed):
    """The rate test of an expanded stratum belongs to the unit the stratum is: here a member. Read as
    its office's, it compared the member's callbacks with the whole office's system rate."""
    tested = analysed.units.get("combination_p_value", pd.Series(dtype=float)).dropna()
    assert tested.empty


def test_the_members_phase_two_expanded_carry_its_rate_test_at_the_staff_level(staff_study, analysed):
    _, record = staff_study
    table = staff_verdicts.staff_verdicts(analysed)
    tested = table["combination_p_value"].dropna()
    expanded = {key.removeprefix("risk:") for key, k in record["allocation"].items() if k > 0}
    assert set(tested.index) == expanded
    assert (
        (table.loc[list(expanded), "combination_p_adjusted"] >= tested.reindex(list(expanded)))
        | tested.isna()
    ).all()
    assert (
        table.loc[list(expanded), "phase2_cases"] == [record["allocation"]["risk:" + m] for m in expanded]
    ).all()


def test_the_report_counts_the_members_phase_two_expanded_and_names_the_flagged_ones_with_their_test(
    staff_study, analysed
):
    """The PDF's staff section carries the page's two-phase test for the flagged members phase 2
    expanded, and only counts the others (the report names no member it does not flag)."""
    db, record = staff_study
    result = analysed
    with db.reading() as session:
        study = studies.find_study(session, demo.STUDY_NAME)
        content = reports.build_content(session, study, result=result)
    table = staff_verdicts.staff_verdicts(result)
    tested = table["combination_p_value"].dropna()
    flagged = tested[table.loc[tested.index, "flagged"].astype(bool)]
    assert content.staff is not None and content.staff.expanded is not None
    assert content.staff.expanded_members == len(tested)
    assert 0 < len(flagged) < len(tested)  # the fixture has both kinds, so the test can tell them apart
    printed = content.staff.expanded.assign(member=lambda t: t["unit"].str.split(" ").str[0]).set_index(
        "member"
    )
    assert sorted(printed.index) == sorted(flagged.index)
    assert printed.loc[flagged.index, "combination_p_value"].tolist() == flagged.tolist()
    assert (
        printed.loc[flagged.index, "combination_p_adjusted"].tolist()
        == table.loc[flagged.index, "combination_p_adjusted"].tolist()
    )
    assert printed.loc[flagged.index, "phase2_cases"].tolist() == [
        record["allocation"]["risk:" + member] for member in flagged.index
    ]


def test_the_staff_summary_lists_the_members_phase_two_expanded_and_the_offices_summary_none(
    staff_study, analysed
):
    _, record = staff_study
    result = analysed
    table = staff_verdicts.staff_verdicts(result)
    expanded = sum(1 for k in record["allocation"].values() if k > 0)
    staff_text = staff_verdicts.staff_summary_text(result, table)
    assert f"Phase 2 expanded {expanded} staff members; their rate gap by the two-phase test" in staff_text
    first = table["combination_p_value"].idxmin()
    assert (
        f"  {first} {table.at[first, 'name']}: +{int(table.at[first, 'phase2_cases'])} cases, p "
        in staff_text
    )
    assert "Phase 2 expanded" not in analysis_service.summary_text(result)


def test_after_a_worked_phase_two_the_analysis_says_whether_its_answers_agree_with_phase_one(staff_study):
    """The test of `analysis.phase_effect`: its difference is the design-weighted 满意率 with the
    Rao–Blackwell weights less phase 1's alone, recomputed here from the analysis dataset, and it is
    said in `huifang analyse` and in the report's method text."""
    from survey_app.services import datasets

    db, record = staff_study
    with db.session() as session:
        study = studies.find_study(session, demo.STUDY_NAME)
        data = datasets.analysis_dataset(session, study)
        design = samples.current_design(session, study)
        effect = phase_two.phase_effect_of(phase_two.final_splits(data, design, list(study.satisfied_codes)))
        first = phase_two.phase_one_cases(data, design)
    satisfied = list(study.satisfied_codes)

    def rate(cases: pd.DataFrame) -> float:
        outcome = phase_two.outcomes(cases, satisfied)
        weight = cases["design_weight"]
        return weight[outcome == "satisfied"].sum() / weight[outcome != "none"].sum()

    later = data[(data["replicate"] == record["replicate"]) & data["stratum"].isin(record["allocation"])]
    assert effect.strata == len(record["allocation"])
    assert effect.phase_two_answers == (phase_two.outcomes(later, satisfied) != "none").sum() > 0
    assert effect.difference == pytest.approx(rate(data) - rate(first), abs=1e-12)
    assert effect.se > 0 and 0 < effect.p_value <= 1


def test_the_summary_and_the_report_say_whether_phase_two_s_answers_agree_with_phase_one_s(analysed):
    effect = analysed.phase_effect
    assert effect is not None
    said = phase_effect_sentence(effect, "en")
    assert (
        said.startswith("Do phase 2's answers agree with phase 1's?")
        and f"p = {format_p(effect.p_value)}" in said
    )
    assert said in analysis_service.summary_text(analysed)
    zh = reports._sensitivity_text(analysed.headline, "zh", effect)
    assert "含第二阶段样本" in zh and phase_effect_sentence(effect, "zh") in zh


def test_after_a_worked_phase_two_the_interval_with_its_cases_is_phase_one_s_less_the_split_s_variance(
    staff_study, analysed
):
    """The Rao–Blackwell decomposition (`analysis.two_phase_variance`): the variance of the 满意率 with
    phase 2's cases is phase 1's alone (the headline's) less the variance, given the final sample, of
    where phase 1 lay in it."""
    from survey_app.services import datasets

    db, _ = staff_study
    with db.session() as session:
        study = studies.find_study(session, demo.STUDY_NAME)
        data = datasets.analysis_dataset(session, study)
        design = samples.current_design(session, study)
        satisfied = list(study.satisfied_codes)
        split = phase_two.final_splits(data, design, satisfied)
    variances = phase_two.headline_variances_of(split, data, satisfied, ["satisfied"])
    overall = analysed.headline[analysed.headline["group"] == "overall"].set_index("metric")
    v = variances[(analysis_service.SATISFACTION, "overall", "(all)")]
    first, beside = overall.loc[analysis_service.SATISFACTION], overall.loc[analysis_service.WITH_PHASE_TWO]
    assert v > 0
    assert beside["se"] ** 2 == pytest.approx(first["se"] ** 2 - v, rel=1e-10)
    assert beside["df"] == first["df"] and beside["interval_method"] == "rao_blackwell_decomposition"


def test_the_summary_and_the_report_say_the_headline_after_a_phase_two_is_phase_one_s(analysed):
    assert "per event, jackknife interval; after a phase 2, from phase 1's cases alone" in (
        analysis_service.summary_text(analysed)
    )
    said = reports._phase_two_headline_text(analysed, "zh")
    assert "总体估计只用第一阶段样本" in said and "Rao–Blackwell 分解" in said
    assert reports._phase_two_headline_text(dataclasses.replace(analysed, rao_blackwell=None), "en") == ""
