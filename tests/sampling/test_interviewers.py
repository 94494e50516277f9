"""Planning the number of telephone surveyors (`sampling.interviewers`)."""

from __future__ import annotations

import math

import pytest

from sampling import DesignError, interviewer_margin, margin_floor, surveyors_for

Z = 1.959963984540054


def test_surveyors_add_their_variance_to_the_sampling_margins():
    # five surveyors 4 points apart add (1.96 × 0.04)² / 5 to a ±3-point margin's square
    assert interviewer_margin(0.03, 5, 0.04) == pytest.approx(
        math.sqrt(0.03**2 + (Z * 0.04) ** 2 / 5), rel=1e-12
    )


def test_surveyors_who_do_not_differ_leave_the_margin_as_it_was():
    assert interviewer_margin(0.03, 5, 0.0) == pytest.approx(0.03)


def test_no_sample_size_brings_the_margin_below_the_surveyors_floor():
    floor = Z * 0.04 / math.sqrt(5)
    assert margin_floor(5, 0.04) == pytest.approx(floor, rel=1e-12)
    assert interviewer_margin(1e-9, 5, 0.04) == pytest.approx(floor, rel=1e-9)


def test_surveyors_for_is_the_fewest_whose_widening_stays_within_the_limit():
    k = surveyors_for(0.03, 0.03, widening=0.10)
    assert interviewer_margin(0.03, k, 0.03) <= 1.10 * 0.03 < interviewer_margin(0.03, k - 1, 0.03)


def test_surveyors_for_needs_one_where_surveyors_do_not_differ():
    assert surveyors_for(0.03, 0.0) == 1


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: interviewer_margin(0.03, 0, 0.03), "at least one surveyor"),
        (lambda: interviewer_margin(0.0, 5, 0.03), "sampling margin"),
        (lambda: interviewer_margin(0.03, 5, 1.5), "spread"),
        (lambda: surveyors_for(0.03, 0.03, widening=0.0), "widening"),
    ],
)
def test_an_impossible_plan_is_refused_in_one_sentence_naming_the_field(call, field):
    with pytest.raises(DesignError, match=field):
        call()
