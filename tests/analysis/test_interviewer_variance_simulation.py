"""The headline's interval when surveyors differ a little (`tests/analysis/interviewer_sim.py`;
`tests/benchmarks/bench_interviewer_variance.py` prints the full table; ARCHITECTURE.md,
"Interviewer variance")."""

from __future__ import annotations

import pytest

from tests.analysis.interviewer_sim import coverage, plan_check

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("quiet_warnings")]

STUDIES = 150
NET = "net of the system rating"


@pytest.fixture(scope="module")
def alike():
    """The studies where the five surveyors do not differ, simulated once for the two tests that read them."""
    return coverage(STUDIES, 5, 0.0)


def test_five_surveyors_two_points_apart_leave_the_interval_near_its_95_percent():
    """The jackknife alone covered the truth in 89% of such studies (300), 79% at four points."""
    figures = coverage(STUDIES, 5, 0.02)
    rate, se, _ = figures[NET]
    assert rate >= 0.93 - 2.5 * se
    assert rate > figures["jackknife only"][0]


def test_where_surveyors_do_not_differ_the_interval_still_covers_about_95_percent(alike):
    rate, se, _ = alike[NET]
    assert 0.93 - 2.5 * se <= rate <= 0.99


def test_where_surveyors_do_not_differ_the_interval_is_barely_wider_than_the_jackknifes(alike):
    """Taking out whom each surveyor called (the system rating) before comparing them: the
    one-way ANOVA read the answers' own spread as surveyors' differences, and widened the interval by
    45% on average where surveyors were alike (±3.04 against ±2.10 points, 300 studies)."""
    figures = alike
    assert figures[NET][2] <= 1.15 * figures["jackknife only"][2]
    assert figures[NET][2] < figures["one-way ANOVA"][2]


def test_the_plan_adds_what_the_surveyors_add_to_the_headlines_error():
    """`sampling.interviewers` plans τ² / K for the surveyors' part; the studies' mean squared error grows by
    that and by the noise of the simulation's own answer flips (300 studies: 3.20 + 0.81 planned, 3.96 ±
    0.38 realised, points²)."""
    figures = plan_check(STUDIES, 5, 0.04)
    expected = (
        figures["planned added variance"]
        + figures["of it the flips' own noise (the sampling part carries it)"]
    )
    assert abs(figures["realised added variance"] - expected) <= 3 * figures["its Monte-Carlo SE"]
    assert figures["printed"] == pytest.approx(figures["planned added variance"], rel=0.25)
