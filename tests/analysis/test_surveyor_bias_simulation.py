"""The unit verdicts when a supervisor hands each surveyor a block of units and one records differently
(`analysis.surveyor_bias`, `tests/analysis/interviewer_sim.unit_verdict_figures`;
`tests/benchmarks/bench_interviewer_variance.py … units:WORLD:0:nested:…` prints the full table;
ARCHITECTURE.md, "Surveyor checks", "Units called by one surveyor")."""

from __future__ import annotations

import pytest

from tests.analysis.interviewer_sim import unit_verdict_figures

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("quiet_warnings")]

STUDIES = 12
#: ~58 respondents a unit: the design that meets the issue's recall targets, where a deviant surveyor's
#: block is flagged most often.
CASES = 128


def test_a_surveyor_recording_10_points_low_on_a_block_of_honest_units_accuses_none_of_them():
    """Without the guard an honest unit of S0's block was flagged in 0.40 of studies (40 studies)."""
    figures = unit_verdict_figures("honest", STUDIES, 0.0, nested=True, deviant=-0.1, cases=CASES)
    assert figures["honest flags among S0's units"] == 0
    assert figures["P(any honest unit flagged)"] <= 0.10
    assert figures["units held"] >= 10  # S0's twelve units, judged without their answers


def test_blocks_of_surveyors_who_record_alike_keep_the_recall_of_inflation():
    """Blocks that differ only in how many of their units inflate are rarely held: a way of recording
    moves all of a surveyor's units, inflation a few (recall 0.957 with the guard and without, 40
    studies; holding every significant block cost 0.036). Since the who-rated comparison leaves the
    peers' furthest units out too (stop 37), a block is held for its who-rated answers a little more
    often: 0.3 → 2.4 units a study, recall 0.957 → 0.951 (40 studies; 4.0 units on these 12)."""
    figures = unit_verdict_figures("inflate_+20", STUDIES, 0.0, nested=True, cases=CASES)
    assert figures["recall"] >= 0.9
    assert figures["units held"] <= 5.0


def test_a_surveyor_whose_question_leads_on_a_block_of_honest_units_accuses_none_of_them():
    """S0 turns one "self" answer to who rated in ten into "someone else rated": without the who-rated
    guard every study flagged honest units of S0's block, 6.3 a study (40 studies)."""
    figures = unit_verdict_figures("honest", STUDIES, 0.0, nested=True, leading=0.1, cases=CASES)
    assert figures["honest flags among S0's units"] == 0
    assert figures["P(any honest unit flagged)"] <= 0.10
    assert figures["units held"] >= 10  # S0's twelve units, judged without their who-rated answers


def test_a_block_shared_with_other_surveyors_is_judged_on_their_answers_and_accuses_nobody():
    """S0, 10 points low, calls 60% of their block's cases; the units S0 called most of are held, and
    judged on the other surveyors' answers (ARCHITECTURE.md, "Shared blocks")."""
    figures = unit_verdict_figures("honest", STUDIES, 0.0, nested=True, deviant=-0.1, block=0.6, cases=CASES)
    assert figures["honest flags among S0's units"] == 0
    assert figures["units held"] >= 8


def test_a_leading_surveyor_is_set_apart_where_many_units_take_ratings_for_their_clients():
    """Where a fifth of the units take ratings, the peers' share of "someone else rated" carries theirs:
    compared with all of the peers' units, S0's leading passed in 11 studies of 20 and their block's
    honest units were flagged 2.5 a study (40 studies, FDP 0.203); the peers' furthest units are now
    left out too (0.300 a study, FDP 0.087)."""
    figures = unit_verdict_figures("proxy_30%", STUDIES, 0.0, nested=True, leading=0.1, cases=CASES)
    assert figures["honest flags among S0's units"] <= 1.0
    assert figures["units held"] >= 10
