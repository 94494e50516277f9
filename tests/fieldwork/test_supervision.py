"""Supervision: progress with AAPOR rates, reassigning, reserves, quality flags and re-contacts."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select, update

from analysis import surveyor_effects
from survey_app.app import words
from survey_app.services import fieldwork, supervision
from survey_app.services.errors import InvalidState, PermissionDenied
from survey_app.storage.models import AuditEntry, Case
from tests.analysis.surveyor_sim import PLANTED, SURVEYORS
from tests.fieldwork.conftest import (
    WEDNESDAY_10_SHANGHAI,
    add_interview,
    add_surveyors,
    case_ids,
    make_study,
    satisfaction,
)
from tests.fieldwork.helpers import act, act_on_study

NOW = WEDNESDAY_10_SHANGHAI


def hold(db, case_id, surveyor):
    with db.session() as session:
        session.execute(
            update(Case).where(Case.id == case_id).values(state="held", held_by=surveyor.id, held_at=NOW)
        )


def record(db, case_id, surveyor, code):
    hold(db, case_id, surveyor)
    act(db, fieldwork.record_attempt, surveyor, case_id, code, now=NOW)


@pytest.fixture
def six_outcomes(db, users):
    """Six cases in two strata: 公证 complete / refusal / no answer; 律师 not eligible / disconnected /
    never called. Surveyor A called c0, c1, c4; surveyor B c2, c3."""
    study_id = make_study(db, cases=6, strata=("公证", "律师"))
    a = users["surveyor"]
    (b,) = add_surveyors(db, 1)
    c = case_ids(db, study_id)
    add_interview(db, c[0], a, satisfaction("satisfied"))
    record(db, c[1], a, "4.11")
    record(db, c[2], b, "2.11")
    record(db, c[3], b, "3.17")
    record(db, c[4], a, "3.13")
    return study_id, a, b


def row(table, column, key):
    return table.set_index(column).loc[key]


@pytest.mark.db
def test_overall_progress_counts_and_rates_match_hand_computed_aapor_formulas(db, users, six_outcomes):
    study_id, *_ = six_outcomes
    total = row(act_on_study(db, supervision.progress, users["supervisor"], study_id), "stratum", "(all)")
    # I=1, R=1, NE=1, UH=3 (3.17, 3.13, never called 3.11); e = (I+R)/(I+R+NE) = 2/3
    expected = {
        "RR1": Fraction(1, 5),
        "RR3": Fraction(1, 1 + 1 + Fraction(2, 3) * 3),
        "RR5": Fraction(1, 2),
        "COOP1": Fraction(1, 2),
        "REF1": Fraction(1, 5),
        "REF2": Fraction(1, 4),
        "CON1": Fraction(2, 5),
        "CON3": Fraction(1, 1),
    }
    assert {k: total[k] for k in expected} == pytest.approx(
        {k: float(v) for k, v in expected.items()}, abs=1e-12
    )
    assert (total["cases"], total["attempts"], total["contacts"], total["completes"], total["findings"]) == (
        6,
        5,
        3,
        1,
        1,
    )


@pytest.mark.db
def test_a_rate_with_no_denominator_is_nan_not_zero(db, users, six_outcomes):
    study_id, *_ = six_outcomes
    lawyers = row(act_on_study(db, supervision.progress, users["supervisor"], study_id), "stratum", "律师")
    # 律师: NE=1, UH=2, no eligible case known, so e = 0 and RR3's denominator is 0
    assert (lawyers["RR1"], lawyers["e"]) == (0.0, 0.0) and math.isnan(lawyers["RR3"])


@pytest.mark.db
def test_progress_by_surveyor_counts_attempts_where_they_were_made(db, users, six_outcomes):
    study_id, a, b = six_outcomes
    table = act_on_study(db, supervision.progress, users["supervisor"], study_id, by="surveyor")
    got = {
        name: (int(r["cases"]), int(r["attempts"]), int(r["contacts"]), int(r["completes"]))
        for name, r in table.set_index("surveyor").iterrows()
    }
    assert got == {
        a.username: (3, 3, 2, 1),
        b.username: (2, 2, 1, 0),
        "—": (1, 0, 0, 0),
        "(all)": (6, 5, 3, 1),
    }


@pytest.mark.db
def test_progress_by_replicate_leaves_unreleased_reserves_out(db, users):
    study_id = make_study(db, cases=4, reserve=3)
    table = act_on_study(db, supervision.progress, users["supervisor"], study_id, by="replicate")
    assert list(table["replicate"]) == [0, "(all)"] and list(table["cases"]) == [4, 4]


@pytest.mark.db
def test_progress_by_an_unknown_dimension_is_refused(db, users):
    study_id = make_study(db, cases=1)
    with pytest.raises(InvalidState, match="by stratum, replicate or surveyor"):
        act_on_study(db, supervision.progress, users["supervisor"], study_id, by="district")


@pytest.mark.db
def test_the_case_export_masks_names_and_numbers(db, users):
    study_id = make_study(db, cases=2)
    table = act_on_study(db, supervision.case_table, users["supervisor"], study_id)
    assert list(table["phone"]) == ["138****0000", "138****0001"] and set(table["name"]) == {"张*丰"}


@pytest.mark.db
def test_reassigning_takes_a_held_case_back_and_gives_it_to_the_new_surveyor(db, users):
    study_id = make_study(db, cases=2)
    a = users["surveyor"]
    (b,) = add_surveyors(db, 1)
    case = act_on_study(db, fieldwork.next_case, a, study_id, now=NOW)
    act(db, supervision.reassign_case, users["supervisor"], case.id, b.id, "A is ill today")
    assert act_on_study(db, fieldwork.next_case, a, study_id, now=NOW).id != case.id
    assert act_on_study(db, fieldwork.next_case, b, study_id, now=NOW).id == case.id


@pytest.mark.db
def test_a_reassignment_is_audited_with_its_reason(db, users):
    study_id = make_study(db, cases=1)
    (b,) = add_surveyors(db, 1)
    (case_id,) = case_ids(db, study_id)
    act(db, supervision.reassign_case, users["supervisor"], case_id, b.id, "speaks Shanghainese")
    with db.session() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "case.reassigned"))
    assert (entry.actor, entry.entity_id, json.loads(entry.details)["reason"]) == (
        "supervisor",
        str(case_id),
        "speaks Shanghainese",
    )


@pytest.mark.db
@pytest.mark.parametrize("reason", ["", "   ", "ok"])
def test_a_reassignment_without_a_reason_is_refused(db, users, reason):
    study_id = make_study(db, cases=1)
    (case_id,) = case_ids(db, study_id)
    with pytest.raises(InvalidState, match="needs a reason"):
        act(db, supervision.reassign_case, users["supervisor"], case_id, users["surveyor"].id, reason)


@pytest.mark.db
def test_a_surveyor_given_most_of_a_units_cases_is_said_to_hold_them(db, users):
    """Every case of `make_study` is ORG0001's. A case counts for whoever interviewed it, else for
    whom it is assigned to."""
    study_id = make_study(db, cases=6)
    (b,) = add_surveyors(db, 1)
    ids = case_ids(db, study_id)
    add_interview(db, ids[0], b, satisfaction("satisfied"))
    add_interview(db, ids[1], users["surveyor"], satisfaction("satisfied"))
    said = []
    for case_id in ids[2:]:
        act(db, supervision.reassign_case, users["supervisor"], case_id, b.id, "speaks Shanghainese")
        with db.session() as session:
            said.append(supervision.unit_concentration(session, session.get(Case, case_id)))
    # b: 1 interviewed + 2, 3, 4 assigned of 6 — two thirds from the fourth on
    assert said[:2] == [None, None]
    assert said[2] == supervision.Concentration("ORG0001", b.username, 4, 6, 1, 2)
    assert said[3] == supervision.Concentration("ORG0001", b.username, 5, 6, 1, 2)


@pytest.fixture
def leaning(db, users):
    """ORG0001's ten cases: b interviewed two and holds five more by assignment, a interviewed one,
    two are anyone's; c and d are the other surveyors."""
    study_id = make_study(db, cases=10)
    b, c, d = add_surveyors(db, 3)
    ids = case_ids(db, study_id)
    add_interview(db, ids[0], b, satisfaction("satisfied"))
    add_interview(db, ids[1], b, satisfaction("satisfied"))
    add_interview(db, ids[2], users["surveyor"], satisfaction("satisfied"))
    for case_id in ids[3:8]:
        act(db, supervision.reassign_case, users["supervisor"], case_id, b.id, "speaks Shanghainese")
    return study_id, ids, b, c, d


@pytest.mark.db
def test_the_supervisor_sees_the_units_leaning_on_one_surveyor_and_what_can_move(db, users, leaning):
    study_id, _, b, _, _ = leaning
    table = act_on_study(db, supervision.leaning_units, users["supervisor"], study_id)
    assert table.to_dict("records") == [
        {
            "unit": "ORG0001",
            "surveyor": b.username,
            "theirs": 7,
            "cases": 10,
            "called": 2,
            "interviews": 3,
            "open": 7,
        }
    ]


@pytest.mark.db
def test_a_unit_whose_interviews_one_surveyor_did_still_leans_on_them_after_cases_released_to_anyone(
    db, users
):
    """A phase 2 (or a reserve) releases cases to anyone: b, with 5 of the unit's 16 released cases, did
    5 of its 6 interviews, and the verdict reads the interviews. Before, the unit left the list."""
    study_id = make_study(db, cases=16)
    b, c = add_surveyors(db, 2)
    ids = case_ids(db, study_id)
    for case_id in ids[:5]:
        add_interview(db, case_id, b, satisfaction("satisfied"))
    add_interview(db, ids[5], users["surveyor"], satisfaction("satisfied"))
    table = act_on_study(db, supervision.leaning_units, users["supervisor"], study_id)
    assert table.to_dict("records") == [
        {
            "unit": "ORG0001",
            "surveyor": b.username,
            "theirs": 5,
            "cases": 16,
            "called": 5,
            "interviews": 6,
            "open": 10,
        }
    ]
    given = act_on_study(
        db, supervision.spread_unit, users["supervisor"], study_id, unit="ORG0001", reason="b leads"
    )
    assert sum(given.values()) == 10 and set(given) == {users["surveyor"].username, c.username}


@pytest.mark.db
def test_spreading_a_unit_hands_its_open_cases_to_the_others_least_loaded_first(db, users, leaning):
    study_id, ids, b, c, d = leaning
    given = act_on_study(
        db, supervision.spread_unit, users["supervisor"], study_id, unit="ORG0001", reason="b records low"
    )
    # the other three active surveyors (a, c, d) share the seven open cases, none left with b
    assert sorted(given.values()) == [2, 2, 3] and set(given) == {
        users["surveyor"].username,
        c.username,
        d.username,
    }
    with db.session() as session:
        assigned = dict(session.execute(select(Case.id, Case.assigned_to).where(Case.id.in_(ids))).all())
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "case.reassigned")).all()
    assert all(assigned[case_id] not in (b.id, None) for case_id in ids[3:])
    assert [assigned[case_id] for case_id in ids[:3]] == [None, None, None]  # interviewed: not moved
    assert sum(1 for e in entries if json.loads(e.details)["reason"] == "b records low") == 7
    table = act_on_study(db, supervision.leaning_units, users["supervisor"], study_id)
    assert table.empty  # b: two interviews of ten


@pytest.mark.db
def test_a_unit_not_leaning_on_anyone_is_not_spread(db, users):
    study_id = make_study(db, cases=6)
    with pytest.raises(InvalidState, match="not called mostly by one surveyor"):
        act_on_study(
            db, supervision.spread_unit, users["supervisor"], study_id, unit="ORG0001", reason="why not"
        )


@pytest.mark.db
def test_a_unit_with_nothing_open_left_asks_for_its_reserve(db, users):
    study_id = make_study(db, cases=5)
    (b,) = add_surveyors(db, 1)
    for case_id in case_ids(db, study_id):
        add_interview(db, case_id, b, satisfaction("satisfied"))
    with pytest.raises(InvalidState, match="release reserve cases"):
        act_on_study(
            db, supervision.spread_unit, users["supervisor"], study_id, unit="ORG0001", reason="b low"
        )


@pytest.mark.db
def test_only_a_supervisor_spreads_a_unit(db, users, leaning):
    study_id, *_ = leaning
    with pytest.raises(PermissionDenied):
        act_on_study(
            db, supervision.spread_unit, users["surveyor"], study_id, unit="ORG0001", reason="me too"
        )


@pytest.mark.db
def test_a_case_given_back_to_everyone_says_nothing_of_a_surveyor(db, users):
    study_id = make_study(db, cases=6)
    (case_id, *_) = case_ids(db, study_id)
    act(db, supervision.reassign_case, users["supervisor"], case_id, None, "back to the pool")
    with db.session() as session:
        assert supervision.unit_concentration(session, session.get(Case, case_id)) is None


@pytest.mark.db
def test_a_case_can_only_be_reassigned_to_an_active_surveyor(db, users):
    study_id = make_study(db, cases=1)
    (case_id,) = case_ids(db, study_id)
    with pytest.raises(InvalidState, match="not an active surveyor"):
        act(db, supervision.reassign_case, users["supervisor"], case_id, users["researcher"].id, "wrong role")


@pytest.mark.db
def test_releasing_reserves_goes_through_the_sample_service(db, users, monkeypatch):
    """The redraw and reweighting are `samples.release_replicate`'s job; supervision checks and delegates."""
    calls = []
    monkeypatch.setattr(
        supervision.samples,
        "release_replicate",
        lambda s, actor, study, r, strata: calls.append((actor.username, study.id, r, strata)) or 7,
    )
    study_id = make_study(db, cases=2, reserve=2)
    released = act_on_study(
        db, supervision.release_reserve, users["supervisor"], study_id, replicate=1, strata=["公证"]
    )
    assert (released, calls) == (7, [("supervisor", study_id, 1, ["公证"])])


@pytest.mark.db
def test_reserves_are_released_only_during_fieldwork(db, users):
    study_id = make_study(db, cases=2, reserve=2, state="closed")
    with pytest.raises(InvalidState, match="during fieldwork"):
        act_on_study(db, supervision.release_reserve, users["supervisor"], study_id, replicate=1)


# ------------------------------------------------------------------ quality flags


@pytest.mark.db
def test_an_interview_shorter_than_the_threshold_is_flagged(db, users):
    study_id = make_study(db, cases=2)
    c = case_ids(db, study_id)
    add_interview(
        db, c[0], users["surveyor"], satisfaction("satisfied", ("satisfied", "dk") * 3), minutes=1.5
    )
    add_interview(db, c[1], users["surveyor"], satisfaction("satisfied", ("satisfied", "dk") * 3), minutes=9)
    flags = act_on_study(db, supervision.quality_flags, users["supervisor"], study_id, min_minutes=3)
    assert [(f.kind, f.case_id) for f in flags] == [("short", c[0])]


UNIFORM = satisfaction("satisfied", "satisfied")  # the same answer to every satisfaction item
MIXED = satisfaction("satisfied", ("satisfied",) * 5 + ("basically_satisfied",))


def _straight_lining_study(db, users, uniform_by_surveyor: dict[int, int], per_surveyor: int = 20):
    """Four surveyors with `per_surveyor` interviews each over two strata; surveyor i answered
    uniformly in `uniform_by_surveyor[i]` of them (the rest mixed). Returns (study id, surveyors,
    {surveyor index: the case ids of their uniform interviews})."""
    study_id = make_study(db, cases=4 * per_surveyor, strata=("X", "Y"))
    surveyors = [users["surveyor"], *add_surveyors(db, 3)]
    cases = iter(case_ids(db, study_id))
    uniform: dict[int, list[int]] = {}
    for index, surveyor in enumerate(surveyors):
        for number in range(per_surveyor):
            case_id = next(cases)
            same = number < uniform_by_surveyor.get(index, 0)
            add_interview(db, case_id, surveyor, UNIFORM if same else MIXED)
            if same:
                uniform.setdefault(index, []).append(case_id)
    return study_id, surveyors, uniform


@pytest.mark.db
def test_uniform_answers_as_common_as_among_peers_raise_no_flag(db, users):
    """Where most citizens are satisfied an honest respondent often answers 满意 to every item: a
    uniform interview alone says nothing about the surveyor (37% of the demo's interviews were)."""
    study_id, _, _ = _straight_lining_study(db, users, {0: 8, 1: 7, 2: 8, 3: 9})
    assert act_on_study(db, supervision.quality_flags, users["supervisor"], study_id) == []


@pytest.mark.db
def test_a_surveyor_who_straight_lines_more_than_peers_has_each_uniform_interview_flagged(db, users):
    study_id, surveyors, uniform = _straight_lining_study(db, users, {0: 19, 1: 3, 2: 4, 3: 2})
    flags = act_on_study(db, supervision.quality_flags, users["supervisor"], study_id)
    assert {(f.kind, f.surveyor) for f in flags} == {("straightlining", surveyors[0].username)}
    assert sorted(f.case_id for f in flags) == sorted(uniform[0])
    # peers straight-lined 9 of 60 (15%); on cases like this surveyor's (stratum, rating), 16%
    assert "this surveyor's interviews 95% vs peers 16% on comparable cases" in flags[0].detail


@pytest.mark.db
def test_straight_lining_less_often_than_peers_is_no_flag(db, users):
    study_id, _, _ = _straight_lining_study(db, users, {0: 0, 1: 12, 2: 12, 3: 12})
    assert act_on_study(db, supervision.quality_flags, users["supervisor"], study_id) == []


@pytest.mark.db
def test_dont_know_answers_do_not_count_towards_straight_lining(db, users):
    study_id = make_study(db, cases=1)
    (case_id,) = case_ids(db, study_id)
    add_interview(db, case_id, users["surveyor"], satisfaction("satisfied", ("satisfied", "dk") * 3))
    assert act_on_study(db, supervision.quality_flags, users["supervisor"], study_id) == []


def paradata(counts: dict[tuple[str, str], tuple[int, int]], dk: int = 0) -> pd.DataFrame:
    """Interviews per (surveyor, stratum): (满意, other) answers to sat_overall, plus `dk` don't-knows
    each; the other satisfaction items unanswered (too few to tell straight-lining)."""
    rows = []
    for (surveyor, stratum), (sat, other) in counts.items():
        answers = ["satisfied"] * sat + ["basically_satisfied"] * other + ["dk"] * dk
        rows += [{"surveyor": surveyor, "stratum": stratum, "sat_overall": a} for a in answers]
    return pd.DataFrame(rows).reindex(columns=["surveyor", "stratum", *supervision.SAT_ITEMS])


def test_the_satisfied_share_counts_manyi_alone_and_leaves_dont_knows_out():
    """满意 alone, not the report's 满意率: a surveyor who makes interviews up writes 满意, and moving
    基本满意 to 满意 would leave the 满意率 as it was. The arithmetic is the report's engine's
    (`tests/analysis/test_surveyor_checks.py`)."""
    effect = supervision.surveyor_tests(paradata(PLANTED, dk=2), alpha=0.05)["effect"]
    assert list(effect.index[effect["flagged"]]) == ["s1"]
    assert tuple(effect.loc["s1", ["n", "share", "peer_share"]]) == (20, 19 / 20, 30 / 60)


def test_the_supervisor_and_the_report_compute_the_same_test():
    data = paradata(PLANTED, dk=2)
    ours = supervision.surveyor_tests(data, alpha=0.10)["effect"]
    report = surveyor_effects(data, surveyor="surveyor", satisfied_codes=["satisfied"], q=0.10)
    np.testing.assert_array_equal(ours["p"].to_numpy(), report["satisfied_p_value"].to_numpy())


@pytest.mark.db
def test_a_planted_surveyor_is_flagged_through_the_database(db, users):
    study_id = make_study(db, cases=80, strata=("X", "Y"))
    surveyors = [users["surveyor"], *add_surveyors(db, 3)]
    by_name = dict(zip(SURVEYORS, surveyors, strict=True))
    queue = {"X": iter(case_ids(db, study_id)[0::2]), "Y": iter(case_ids(db, study_id)[1::2])}
    for (name, stratum), (sat, other) in PLANTED.items():
        for answer in ["satisfied"] * sat + ["basically_satisfied"] * other:
            add_interview(db, next(queue[stratum]), by_name[name], {"sat_overall": answer})
    flags = act_on_study(db, supervision.quality_flags, users["supervisor"], study_id)
    assert [(f.kind, f.surveyor) for f in flags] == [("surveyor_effect", surveyors[0].username)]


def test_a_surveyor_who_hears_someone_else_rated_more_often_than_peers_is_flagged():
    """Two strata, four surveyors: s1 hears "someone else rated" or "never rated" in 9 of 20
    interviews, the others in 2 to 4 of 20 on the same strata."""
    rows = []
    for (surveyor, stratum), (sat, other) in PLANTED.items():
        heard = 9 if surveyor == "s1" else 1 + (sat + other + len(stratum)) % 3
        said = ["other"] * (heard - heard // 3) + ["not_rated"] * (heard // 3) + ["self"] * (20 - heard)
        rows += [
            {"surveyor": surveyor, "stratum": stratum, "sat_overall": "satisfied", "who_rated": w}
            for w in said
        ]
    data = pd.DataFrame(rows).reindex(columns=["surveyor", "stratum", *supervision.SAT_ITEMS, "who_rated"])
    who = supervision.surveyor_tests(data, alpha=0.05)["who_rated"]
    assert list(who.index[who["flagged"]]) == ["s1"]
    assert who.loc["s1", "share"] == 18 / 40


def test_without_who_rated_answers_there_is_no_who_rated_test():
    assert "who_rated" not in supervision.surveyor_tests(paradata(PLANTED), alpha=0.05)


@pytest.mark.db
def test_a_leading_surveyor_is_flagged_through_the_database_and_their_interviews_verified(db, users):
    study_id = make_study(db, cases=80, strata=("X", "Y"))
    surveyors = [users["surveyor"], *add_surveyors(db, 3)]
    queue = {"X": iter(case_ids(db, study_id)[0::2]), "Y": iter(case_ids(db, study_id)[1::2])}
    for stratum in ("X", "Y"):
        for index, surveyor in enumerate(surveyors):
            for k in range(10):
                said = "other" if (k < 6 if index == 0 else k < 1) else "self"
                answers = {"sat_overall": "satisfied", "who_rated": said}
                add_interview(db, next(queue[stratum]), surveyor, answers)
    flags = act_on_study(db, supervision.quality_flags, users["supervisor"], study_id)
    assert [(f.kind, f.surveyor) for f in flags] == [("who_rated_effect", surveyors[0].username)]
    assert flags[0].detail.startswith("'someone else rated' or 'never rated' share 60% vs peers 10%")
    assert words.flag_text(flags[0].detail, "zh").startswith(
        "“他人代评”或“本人未评价”占比 60%，可比个案上的其他访员 10%（偏高；"
    )
    sample = act_on_study(
        db,
        supervision.verification_subsample,
        users["supervisor"],
        study_id,
        seed=7,
        share=1.0,
        per_surveyor=0,
    )
    assert len(sample.case_ids) == 20  # every interview of the flagged surveyor


# ------------------------------------------------------------------ verification sub-sample


@pytest.fixture
def flagged_study(db, users):
    study_id = make_study(db, cases=12)
    surveyors = [users["surveyor"], *add_surveyors(db, 1)]
    for index, case_id in enumerate(case_ids(db, study_id)):
        minutes = 1.0 if index < 6 else 10.0  # six short interviews
        add_interview(db, case_id, surveyors[index % 2], {"sat_overall": "satisfied"}, minutes=minutes)
    return study_id


@pytest.mark.db
def test_the_verification_subsample_is_the_same_for_the_same_seed(db, users, flagged_study):
    draw = [
        act_on_study(
            db, supervision.verification_subsample, users["supervisor"], flagged_study, seed=20260304
        )
        for _ in range(2)
    ]
    assert draw[0] == draw[1]


@pytest.mark.db
def test_the_verification_subsample_takes_a_share_of_flagged_and_some_of_every_surveyor(
    db, users, flagged_study
):
    sample = act_on_study(
        db,
        supervision.verification_subsample,
        users["supervisor"],
        flagged_study,
        seed=7,
        share=0.5,
        per_surveyor=1,
    )
    flagged_cases = set(case_ids(db, flagged_study)[:6])
    reasons = [why for _, why in sample.cases]
    assert (
        reasons.count("flagged") == 3 and {c for c, why in sample.cases if why == "flagged"} <= flagged_cases
    )
    assert sorted(why for why in reasons if why != "flagged") == [
        "random check of surveyor",
        "random check of surveyor2",
    ]


@pytest.mark.db
def test_the_verification_subsample_is_recorded_in_the_audit_log_with_its_seed(db, users, flagged_study):
    sample = act_on_study(db, supervision.verification_subsample, users["supervisor"], flagged_study, seed=99)
    (history,) = act_on_study(db, supervision.verification_history, users["auditor"], flagged_study)
    assert (history["seed"], [c for c, _ in history["cases"]], history["by"]) == (
        99,
        sample.case_ids,
        "supervisor",
    )
