"""Phase 2 on the stored demo study: decided from phase 1, stored with the design, re-drawn by verify."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import func, select, update

from survey_app.services import datasets, phase_two, samples, studies
from survey_app.services.errors import InvalidState
from survey_app.storage.models import Case, FrameRecord, Interview, SampleDesign, Study, User


@pytest.fixture(autouse=True)
def _in_fieldwork(demo_db):
    """The demo ends closed with every phase-1 case finalised; phase 2 is drawn during fieldwork."""
    with demo_db.engine.begin() as conn:
        conn.execute(update(Study).values(state="fieldwork"))


def _researcher(db) -> User:
    with db.session() as session:
        return session.scalar(select(User).where(User.username == "researcher"))


def _demo_design_id(db) -> int:
    with db.session() as session:
        return samples.current_design(session, studies.find_study(session, "demo")).id


def _phase_two(db, budget: int = 60, seed: int = 11, rule: dict | None = None, **options) -> dict:
    with db.session() as session:
        return phase_two.draw_phase_two(
            session, _researcher(db), studies.find_study(session, "demo"), budget, seed, rule, **options
        )


EVIDENCE = {"kind": "evidence", "select": "top", "top": 5}


def _verify(db) -> tuple[bool, str]:
    with db.session() as session:
        return samples.verify_sample(session, studies.find_study(session, "demo"))


def _store_phase_two(db, record: dict) -> None:
    with db.session() as session:
        design = session.get(SampleDesign, _demo_design_id(db))
        design.params = {**design.params, "phase2": record}


def test_phase_two_adds_the_budget_to_units_phase_one_did_not_clear(demo_db):
    record = _phase_two(demo_db)
    with demo_db.session() as session:
        added = session.scalar(
            select(func.count())
            .select_from(Case)
            .where(Case.design_id == _demo_design_id(demo_db), Case.replicate == record["replicate"])
        )
    assert added == sum(record["allocation"].values()) == 60
    assert set(record["allocation"]) <= set(record["selected"]) <= set(record["audited"])


def test_the_stored_design_and_its_phase_two_verify_identical(demo_db):
    _phase_two(demo_db)
    with demo_db.session() as session:
        ok, message = samples.verify_sample(session, studies.find_study(session, "demo"))
    assert ok, message
    assert "phase 2 identical: 60 cases re-drawn from seed 11" in message


def test_verify_names_a_phase_two_case_whose_record_was_swapped(demo_db):
    record = _phase_two(demo_db)
    design_id = _demo_design_id(demo_db)
    with demo_db.engine.begin() as conn:
        case_id, stratum, order = conn.execute(
            select(Case.id, Case.stratum, Case.selection_order)
            .where(Case.design_id == design_id, Case.replicate == record["replicate"])
            .order_by(Case.stratum, Case.selection_order)
        ).first()
        unused = conn.execute(
            select(FrameRecord.id).where(FrameRecord.id.not_in(select(Case.frame_record_id))).limit(1)
        ).scalar()
        conn.execute(update(Case).where(Case.id == case_id).values(frame_record_id=unused))
    with demo_db.session() as session:
        ok, message = samples.verify_sample(session, studies.find_study(session, "demo"))
    assert not ok
    assert f"phase 2 different: first at stratum {stratum!r}, position {order}" in message


def test_verify_notices_a_stored_allocation_the_rule_and_evidence_do_not_give(demo_db):
    record = _phase_two(demo_db)
    key = next(iter(record["allocation"]))
    with demo_db.session() as session:
        design = session.get(SampleDesign, _demo_design_id(demo_db))
        changed = {**record, "allocation": {**record["allocation"], key: record["allocation"][key] + 1}}
        design.params = {**design.params, "phase2": changed}
    with demo_db.session() as session:
        ok, message = samples.verify_sample(session, studies.find_study(session, "demo"))
    assert not ok and f"stratum {key!r}" in message


def test_a_second_phase_two_is_refused(demo_db):
    _phase_two(demo_db)
    with pytest.raises(InvalidState, match="already has a phase 2"):
        _phase_two(demo_db, seed=12)


def test_phase_two_waits_for_every_phase_one_case_to_be_final(demo_db):
    design_id = _demo_design_id(demo_db)
    with demo_db.engine.begin() as conn:
        first = conn.execute(
            select(Case.id).where(Case.design_id == design_id, Case.state == "finalised").limit(1)
        ).scalar()
        conn.execute(update(Case).where(Case.id == first).values(state="pending"))
    with pytest.raises(InvalidState, match="finish or finalise the open phase-1 cases"):
        _phase_two(demo_db)


def test_after_phase_two_reserve_releases_are_refused(demo_db):
    _phase_two(demo_db)
    with demo_db.session() as session:
        supervisor = session.scalar(select(User).where(User.username == "supervisor"))
        with pytest.raises(InvalidState, match="would change phase 1's sample"):
            samples.release_replicate(session, supervisor, studies.find_study(session, "demo"), 1)


def _expanded(db, record: dict) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """The analysis dataset's cases of the expanded units, their weights' sums and their N_h."""
    with db.session() as session:
        data = datasets.analysis_dataset(session, studies.find_study(session, "demo"))
    expanded = data[data["stratum"].isin(record["allocation"])]
    sums = expanded.groupby("stratum")["design_weight"].sum()
    return expanded, sums, expanded.groupby("stratum")["N_h"].first()


def test_the_analysis_weights_of_each_expanded_unit_sum_to_its_population(demo_db):
    expanded, sums, population = _expanded(demo_db, _phase_two(demo_db))
    assert sums.to_numpy() == pytest.approx(population.to_numpy(), rel=1e-12)
    assert "pooled_weight" in expanded.columns


def test_the_evidence_rule_sends_phase_two_to_the_units_with_the_highest_scores(demo_db):
    record = _phase_two(demo_db, rule=EVIDENCE)
    assert len(record["selected"]) == 5 and set(record["allocation"]) <= set(record["selected"])
    lowest_selected = min(record["scores"][k] for k in record["selected"])
    others = [v for k, v in record["scores"].items() if k not in record["selected"]]
    assert all(score <= lowest_selected for score in others)
    # the demo's domains publish 94–100%: none leaves room for the 10 points sought, so the level is
    # no evidence in any of them
    assert record["rule"]["constants"]["level_prior"] == {}


def test_the_level_law_is_fitted_to_the_frame_census_where_the_inflation_sought_leaves_room(demo_db):
    record = _phase_two(demo_db, rule={**EVIDENCE, "inflation": 0.02})
    prior = record["rule"]["constants"]["level_prior"]
    assert prior and all(mean + 0.02 < 1 for mean, _ in prior.values())


def test_a_phase_two_stored_before_the_proxied_share_existed_still_verifies_identical(demo_db):
    # drawn as the old score drew (no proxied records), stored as an old release stored it (no field)
    record = _phase_two(demo_db, rule={**EVIDENCE, "constants": {"proxied_share": 0.0}})
    old = {**record, "rule": {**record["rule"], "constants": dict(record["rule"]["constants"])}}
    del old["rule"]["constants"]["proxied_share"]
    _store_phase_two(demo_db, old)
    ok, message = _verify(demo_db)
    assert ok, message


def test_an_evidence_rule_phase_two_verifies_identical(demo_db):
    _phase_two(demo_db, rule=EVIDENCE)
    ok, message = _verify(demo_db)
    assert ok, message
    assert "phase 2 identical: 60 cases re-drawn from seed 11" in message


def test_a_phase_two_in_equal_parts_is_stored_with_its_rule_and_verifies_identical(demo_db):
    record = _phase_two(demo_db, rule={**EVIDENCE, "allocation": "equal"})
    assert record["rule"]["allocation"] == "equal"
    assert max(record["allocation"].values()) - min(record["allocation"].values()) <= 1  # 60 over 5
    ok, message = _verify(demo_db)
    assert ok, message
    assert "phase 2 identical: 60 cases re-drawn from seed 11" in message


def test_verify_notices_an_allocation_stored_with_the_other_sharing(demo_db):
    record = _phase_two(demo_db, rule={**EVIDENCE, "allocation": "equal"})
    _store_phase_two(demo_db, {**record, "rule": {**record["rule"], "allocation": "need"}})
    ok, message = _verify(demo_db)
    assert not ok and "the stored rule and evidence give stratum" in message


def test_verify_notices_stored_phase_one_evidence_that_would_select_another_unit(demo_db):
    record = _phase_two(demo_db, rule=EVIDENCE)
    cleared = next(k for k in record["audited"] if k not in record["selected"])
    damning = {"S/unsat/other/asked": 12}
    _store_phase_two(demo_db, {**record, "categories": {**record["categories"], cleared: damning}})
    ok, message = _verify(demo_db)
    assert not ok and f"select stratum {cleared!r}" in message


def test_the_evidence_rule_weights_of_each_expanded_unit_sum_to_its_population(demo_db):
    record = _phase_two(demo_db, rule=EVIDENCE)
    expanded, sums, population = _expanded(demo_db, record)
    assert sums.to_numpy() == pytest.approx(population.to_numpy(), rel=1e-12)
    phase_one = expanded[expanded["replicate"] != record["replicate"]]
    assert (
        phase_one["design_weight"].nunique() > phase_one["stratum"].nunique()
    )  # by category, not one per unit


def test_a_phase_two_stored_before_the_evidence_rule_still_verifies(demo_db):
    record = _phase_two(demo_db)
    first_rule = {
        k: record["rule"][k] for k in ("inflation", "level", "honest_gap", "q", "power", "response_rate")
    }
    _store_phase_two(demo_db, {**record, "rule": first_rule})
    ok, message = _verify(demo_db)
    assert ok, message


def test_the_evidence_rule_takes_its_constants_from_a_named_previous_study(demo_db):
    record = _phase_two(demo_db, rule=EVIDENCE, constants_from="demo")
    constants = record["rule"]["constants"]
    assert constants["source"] == "study demo"
    assert constants["background"]  # per-domain sign shares estimated from that study's interviews


def test_the_command_line_draws_an_evidence_phase_two_that_sample_verify_proves(demo_db):
    from click.testing import CliRunner

    from survey_app.cli import main
    from survey_app.security.passwords import hash_password

    with demo_db.session() as session:  # the demo's passwords are random: give the researcher a known one
        researcher = session.scalar(select(User).where(User.username == "researcher"))
        researcher.password_hash = hash_password("password-res-2")
    env = {"HUIFANG_USER": "researcher", "HUIFANG_PASSWORD": "password-res-2"}
    args = ["--db", demo_db.url, "sample", "phase2", "demo", "--budget", "40", "--seed", "5"]
    drawn = CliRunner().invoke(main, [*args, "--rule", "evidence", "--top", "4", "--ceiling", "40"], env=env)
    assert drawn.exit_code == 0, drawn.output
    assert "4 of" in drawn.output and "selected by their evidence" in drawn.output
    verified = CliRunner().invoke(main, ["--db", demo_db.url, "sample", "verify", "demo"], env={})
    assert verified.exit_code == 0 and "phase 2 identical: 40 cases" in verified.output


def test_the_command_line_shares_phase_two_equally_when_asked_and_sample_verify_proves_it(demo_db):
    from click.testing import CliRunner

    from survey_app.cli import main
    from survey_app.security.passwords import hash_password

    with demo_db.session() as session:
        researcher = session.scalar(select(User).where(User.username == "researcher"))
        researcher.password_hash = hash_password("password-res-2")
    env = {"HUIFANG_USER": "researcher", "HUIFANG_PASSWORD": "password-res-2"}
    args = ["--db", demo_db.url, "sample", "phase2", "demo", "--budget", "40", "--seed", "5"]
    drawn = CliRunner().invoke(
        main, [*args, "--rule", "evidence", "--top", "4", "--allocation", "equal"], env=env
    )
    assert drawn.exit_code == 0, drawn.output
    assert "40 cases added in 4 units" in drawn.output
    verified = CliRunner().invoke(main, ["--db", demo_db.url, "sample", "verify", "demo"], env={})
    assert verified.exit_code == 0 and "phase 2 identical: 40 cases" in verified.output


def test_evidence_options_without_the_evidence_rule_are_refused():
    from click.testing import CliRunner

    from survey_app.cli import main

    result = CliRunner().invoke(
        main, ["sample", "phase2", "demo", "--budget", "1", "--seed", "1", "--top", "3"], env={}
    )
    assert result.exit_code == 2 and "go with --rule evidence" in result.output


def test_after_phase_two_each_expanded_stratum_counts_the_answers_of_both_phases(demo_db):
    record = _phase_two(demo_db, rule=EVIDENCE)
    with demo_db.session() as session:
        study = studies.find_study(session, "demo")
        data = datasets.analysis_dataset(session, study)
        design = samples.current_design(session, study)
        counts = phase_two.expanded_counts_of(data, design, list(study.satisfied_codes))
    assert sorted(counts.index) == sorted(record["allocation"])
    assert counts["phase2_cases"].to_dict() == record["allocation"]
    for key, row in counts.iterrows():
        mine = data[data["stratum"].astype(str) == key]
        outcome = phase_two.outcomes(mine, list(study.satisfied_codes))
        assert len(set(mine["replicate"])) >= 2 and record["replicate"] in set(
            mine["replicate"]
        )  # both phases
        assert (row["x"], row["n"]) == ((outcome == "satisfied").sum(), (outcome != "none").sum())


def _expanded_units(db, record: dict) -> list[str]:
    with db.session() as session:
        return sorted(
            session.scalars(
                select(FrameRecord.organisation_id)
                .join(Case, Case.frame_record_id == FrameRecord.id)
                .where(Case.replicate == record["replicate"])
                .distinct()
            )
        )


def _give_interviews_to_one_surveyor(db, unit: str) -> None:
    """Every interview of `unit`'s cases, as if one surveyor had called them all."""
    with db.engine.begin() as conn:
        cases = select(Case.id).join(FrameRecord, FrameRecord.id == Case.frame_record_id)
        cases = cases.where(FrameRecord.organisation_id == unit)
        surveyor = conn.execute(select(Interview.surveyor_id).where(Interview.case_id.in_(cases))).scalar()
        conn.execute(update(Interview).where(Interview.case_id.in_(cases)).values(surveyor_id=surveyor))


def _interviews_by_unit(db) -> dict[str, int]:
    with db.session() as session:
        return dict(
            session.execute(
                select(FrameRecord.organisation_id, func.count())
                .join(Case, Case.frame_record_id == FrameRecord.id)
                .join(Interview, Interview.case_id == Case.id)
                .group_by(FrameRecord.organisation_id)
            ).all()
        )


def _leaning_expanded(db, record: dict) -> list[str]:
    researcher = _researcher(db)
    with db.session() as session:
        return phase_two.leaning_expanded(session, researcher, studies.find_study(session, "demo"), record)


def test_the_units_phase_two_expanded_whose_interviews_one_surveyor_did_are_named(demo_db):
    """Their new cases count in the verdict only if someone else calls them."""
    record = _phase_two(demo_db)
    called = _interviews_by_unit(demo_db)
    unit = max(_expanded_units(demo_db, record), key=lambda u: (called.get(u, 0), u))
    assert unit not in _leaning_expanded(demo_db, record)
    _give_interviews_to_one_surveyor(demo_db, unit)
    assert unit in _leaning_expanded(demo_db, record)


def test_a_unit_leaning_on_one_surveyor_that_phase_two_did_not_expand_is_not_named(demo_db):
    """It leans (the supervisor's list shows it), but phase 2 gave it nothing new to hand on."""
    from survey_app.services import supervision

    record = _phase_two(demo_db)
    expanded = set(_expanded_units(demo_db, record))
    called = _interviews_by_unit(demo_db)
    other = next(
        u for u, n in sorted(called.items()) if n >= supervision.ONE_SURVEYOR_CASES and u not in expanded
    )
    _give_interviews_to_one_surveyor(demo_db, other)
    researcher = _researcher(demo_db)
    with demo_db.session() as session:
        study = studies.find_study(session, "demo")
        assert other in set(supervision.leaning_units(session, researcher, study)["unit"])
    assert other not in _leaning_expanded(demo_db, record)


def test_the_command_line_names_the_expanded_units_that_lean_on_one_surveyor(demo_db):
    from click.testing import CliRunner

    from survey_app.cli import main
    from survey_app.security.passwords import hash_password

    for unit in _interviews_by_unit(demo_db):
        _give_interviews_to_one_surveyor(demo_db, unit)
    with demo_db.session() as session:
        researcher = session.scalar(select(User).where(User.username == "researcher"))
        researcher.password_hash = hash_password("password-res-2")
    env = {"HUIFANG_USER": "researcher", "HUIFANG_PASSWORD": "password-res-2"}
    args = ["--db", demo_db.url, "sample", "phase2", "demo", "--budget", "40", "--seed", "5"]
    drawn = CliRunner().invoke(main, args, env=env)
    assert drawn.exit_code == 0, drawn.output
    record = _phase_two_record(demo_db)
    named = _leaning_expanded(demo_db, record)
    assert named and f"are called mostly by one surveyor ({', '.join(named)})" in drawn.output


def _phase_two_record(db) -> dict:
    with db.session() as session:
        return session.get(SampleDesign, _demo_design_id(db)).params["phase2"]
