"""Which method judges the units, and why: the study's setting, a per-analysis choice, and after a
phase 2 always the posterior (the empirical null would also test the units phase 2 passed over on phase 1 alone)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from survey_app.cli import main
from survey_app.security.passwords import hash_password
from survey_app.services import analysis_service, phase_two, studies
from survey_app.services.errors import InvalidState
from survey_app.storage.models import AuditEntry, Study, User

# every analysis here re-runs from the database; identical unit-comparison inputs are computed once (tests/same_inputs.py)
pytestmark = [pytest.mark.db, pytest.mark.usefixtures("same_inputs_same_units")]

EVIDENCE_TOP_5 = {"kind": "evidence", "select": "top", "top": 5}


def _user(db, name: str) -> User:
    with db.session() as session:
        return session.scalar(select(User).where(User.username == name))


def _set_verdict(db, username: str, method: str) -> None:
    actor = _user(db, username)
    with db.session() as session:
        studies.set_verdict_method(session, actor, studies.find_study(session, "demo"), method)


def _draw_phase_two(db) -> dict:
    with db.engine.begin() as conn:  # the demo ends closed; phase 2 is drawn during fieldwork
        conn.execute(update(Study).values(state="fieldwork"))
    with db.session() as session:
        return phase_two.draw_phase_two(
            session, _user(db, "researcher"), studies.find_study(session, "demo"), 60, 11, EVIDENCE_TOP_5
        )


def _analyse(db, verdict: str | None = None) -> analysis_service.StudyAnalysis:
    with db.session() as session:
        return analysis_service.analyse(session, studies.find_study(session, "demo"), verdict=verdict)


def test_a_one_phase_study_is_judged_by_the_posterior_by_default(demo_db):
    result = _analyse(demo_db)
    assert (result.verdict_method, result.verdict_source, result.two_phase) == ("posterior", "default", False)
    assert (result.units["verdict_method"] == "posterior").all()
    text = analysis_service.summary_text(result)
    assert "Unit verdict method: posterior" in text and "(the default: neither the study nor" in text


def test_under_the_default_the_empirical_nulls_p_values_stay_beside_the_posterior(demo_db):
    beside = _analyse(demo_db).units[["p_value", "evidence_p_value"]]
    null = _analyse(demo_db, verdict="empirical-null").units[["p_value", "evidence_p_value"]]
    assert beside["evidence_p_value"].notna().any()
    pd.testing.assert_frame_equal(beside, null)


def test_a_one_phase_study_may_set_the_empirical_null_instead(demo_db):
    _set_verdict(demo_db, "researcher", "empirical-null")
    result = _analyse(demo_db)
    assert (result.verdict_method, result.verdict_source) == ("empirical_null", "setting")
    assert (result.units["verdict_method"] == "empirical_null").all()


def test_after_a_phase_two_the_verdict_is_the_posterior_and_the_result_says_why(demo_db):
    _draw_phase_two(demo_db)
    result = _analyse(demo_db)
    assert (result.verdict_method, result.verdict_source, result.two_phase) == ("posterior", "phase2", True)
    assert (result.units["verdict_method"] == "posterior").all()
    tested = result.units[result.units["lfdr"].notna()]
    assert len(tested) and (tested["prob_inflated"] == 1 - tested["lfdr"]).all()
    text = analysis_service.summary_text(result)
    assert "Unit verdict method: posterior" in text and "the study has a phase 2" in text
    assert "Sun & Cai: mean lfdr of the flagged ≤ 0.1, each unit's ≤ 0.5" in text


def test_after_a_phase_two_its_units_carry_the_two_phase_combination_p_value(demo_db):
    record = _draw_phase_two(demo_db)
    units = _analyse(demo_db).units
    expanded = units.dropna(subset=["combination_p_value"])
    assert sorted(f"risk:{u}" for u in expanded.index) == sorted(
        k for k, v in record["allocation"].items() if v
    )
    assert (expanded["phase2_cases"] > 0).all()
    assert ((expanded["combination_p_value"] > 0) & (expanded["combination_p_value"] <= 1)).all()
    assert (expanded["combination_p_adjusted"] >= expanded["combination_p_value"]).all()


def test_asking_for_the_empirical_null_after_a_phase_two_is_refused_in_one_sentence(demo_db):
    _draw_phase_two(demo_db)
    with pytest.raises(InvalidState, match="has a phase 2: the empirical null pools both phases"):
        _analyse(demo_db, verdict="empirical-null")


def test_the_study_setting_chooses_the_posterior_and_the_change_is_audited(demo_db):
    _set_verdict(demo_db, "researcher", "posterior")
    result = _analyse(demo_db)
    assert (result.verdict_method, result.verdict_source) == ("posterior", "setting")
    with demo_db.session() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "study.verdict_method"))
    assert (
        entry.actor == "researcher"
        and '"before":null' in entry.details
        and '"after":"posterior"' in entry.details
    )


def test_a_choice_for_one_analysis_beats_the_study_setting(demo_db):
    _set_verdict(demo_db, "admin", "posterior")
    result = _analyse(demo_db, verdict="empirical-null")
    assert (result.verdict_method, result.verdict_source) == ("empirical_null", "requested")


def test_an_unknown_verdict_method_is_refused_naming_the_choices(demo_db):
    with pytest.raises(InvalidState, match="use posterior or empirical-null"):
        _set_verdict(demo_db, "researcher", "bayes")


def test_huifang_analyse_verdict_posterior_prints_the_method_and_the_posterior_figures(demo_db):
    result = CliRunner().invoke(
        main, ["--db", demo_db.url, "analyse", "demo", "--verdict", "posterior"], env={}
    )
    assert result.exit_code == 0, result.output
    assert "Unit verdict method: posterior" in result.output and "(chosen for this analysis)" in result.output
    assert "Insufficient evidence (never flagged, never cleared):" in result.output


def test_huifang_studies_set_verdict_stores_the_method_for_later_analyses(demo_db):
    with demo_db.session() as session:
        session.scalar(select(User).where(User.username == "researcher")).password_hash = hash_password(
            "password-res-2"
        )
    env = {"HUIFANG_USER": "researcher", "HUIFANG_PASSWORD": "password-res-2"}
    out = CliRunner().invoke(
        main, ["--db", demo_db.url, "studies", "set-verdict", "demo", "posterior"], env=env
    )
    assert out.exit_code == 0, out.output
    assert "unit verdict method default → posterior" in out.output
    with demo_db.session() as session:
        assert studies.verdict_method(studies.find_study(session, "demo")) == "posterior"


def test_the_report_after_a_phase_two_carries_the_posterior_verdict_and_its_figures(demo_db):
    from survey_app.services import reports

    _draw_phase_two(demo_db)
    with demo_db.session() as session:
        comparison = reports.build_content(
            session, studies.find_study(session, "demo"), kind="comparison"
        ).comparison
    assert (comparison.verdict_method, comparison.verdict_source) == ("posterior", "phase2")
    tested = comparison.units[comparison.units["status"].isin(["flagged", "no_evidence"])]
    assert len(tested) and tested["prob_inflated"].between(0, 1).all()
    assert (tested["inflation_low"] <= tested["inflation_high"]).all()
    assert comparison.units["combination_p_value"].notna().sum() == 5


def test_a_setting_made_before_phase_two_gives_way_to_the_posterior():
    study = Study(name="s", settings={studies.VERDICT_METHOD: "empirical_null"})
    assert analysis_service.resolve_verdict(study, two_phase=True) == ("posterior", "phase2")
    assert analysis_service.resolve_verdict(study, two_phase=False) == ("empirical_null", "setting")


def test_huifang_analyse_refuses_the_empirical_null_after_a_phase_two_in_one_sentence(demo_db):
    _draw_phase_two(demo_db)
    args = ["--db", demo_db.url, "analyse", "demo", "--verdict", "empirical-null"]
    result = CliRunner().invoke(main, args, env={})
    assert result.exit_code != 0
    assert "has a phase 2: the empirical null pools both phases" in result.output
    assert "Traceback" not in result.output


def test_under_the_posterior_each_flagged_unit_in_the_summary_gives_its_probability_interval_and_mechanism(
    demo_db,
):
    result = _analyse(demo_db, verdict="posterior")
    units = result.units.copy()
    first = units.index[units["lfdr"].notna()][0]
    figures = {"posterior_inflation": 0.12, "posterior_inflation_low": 0.05, "posterior_inflation_high": 0.2}
    units.loc[first, ["flagged", "prob_inflated", "posterior_mechanism", *figures]] = [
        True,
        0.97,
        "coached 30%",
        *figures.values(),
    ]  # fmt: skip  (the small demo flags none: the wording is what is tested)
    line = next(
        x for x in analysis_service.summary_text(dataclasses.replace(result, units=units)).splitlines()
        if x.startswith(f"  {first} ")
    )  # fmt: skip
    assert "P(inflated) 97.0%, inflation +12.0 points (95% posterior interval +5.0 to +20.0)" in line
    assert "likeliest: staff coaching or asking for a satisfied rating" in line


def test_a_phase_two_called_a_month_after_phase_one_gets_a_caution_and_each_unit_its_allowance(demo_db):
    import fixtures
    from survey_app.services import demo
    from tests.conftest import SMALL_ROWS, SMALL_SEED

    _draw_phase_two(demo_db)
    later = demo.FIELDWORK_START + dt.timedelta(days=30)
    demo.simulate_fieldwork(
        demo_db, fixtures.make_frame(SMALL_ROWS, SMALL_SEED).truth, seed=SMALL_SEED, start=later
    )
    result = _analyse(demo_db)
    assert result.expanded.days[2] - result.expanded.days[1] >= 25  # read from the stored interviews
    assert result.expanded.fade.answers > 100  # phase 1's answers on records rated satisfied
    summary = analysis_service.summary_text(result)
    assert "Phase 2 was called much later than phase 1" in summary
    tested = result.units.dropna(subset=["combination_p_value"])
    assert len(tested) and tested["fade_allowance"].notna().all()  # each unit's lateness, allowed for
    assert "points expected for lateness" in summary
