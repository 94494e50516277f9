"""The report's surveyor checks, measured like the unit verdicts: a flag on a surveyor is printed
beside their id with "listen back before using their interviews", so it must rarely fall on someone
who does not deviate, and should find the one who does (`tests/benchmarks/bench_surveyor_checks.py`
prints the full table; figures in ARCHITECTURE.md, "Surveyor checks")."""

from __future__ import annotations

import pytest

from tests.analysis.surveyor_sim import measure

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("quiet_warnings")]

STUDIES = 200


def test_where_nobody_deviates_a_surveyor_is_flagged_in_about_q_of_studies():
    """Both measures (满意率, don't know) are one BH family: as two families at q each they flagged an
    honest surveyor in 21% of such studies."""
    rate, se = measure({}, STUDIES)["P(any false flag)"]
    assert rate <= 0.10 + 2.5 * se


def test_a_surveyor_who_records_ten_points_fewer_satisfied_is_usually_found_without_accusing_peers():
    figures = measure({"effect": 0.10}, STUDIES)
    assert figures["S0 flagged"][0] >= 0.7
    assert figures["FDR"][0] <= 0.10 + 2.5 * figures["FDR"][1]


def test_a_surveyor_given_most_hard_to_reach_citizens_is_rarely_flagged_for_it():
    """Cases are not handed out at random: appointments come back to their surveyor and refusals go to
    the best converters, and such citizens are less satisfied. Compared by stratum alone, a surveyor
    given 60% of them (10 points less satisfied) was flagged in 21% of studies where nobody deviates."""
    options = {"s0_hard": 0.6, "hard_gap": 0.10}
    rate, se = measure(options, STUDIES)["P(any false flag)"]
    assert rate <= 0.10 + 2.5 * se


def test_a_surveyor_given_the_complaints_is_rarely_flagged_for_it():
    """The senior surveyor who takes half the records rated not satisfied: compared by stratum and
    call effort alone, flagged in 96% of studies where nobody deviates; within the same system rating
    as rarely as anyone (0.040 of 400 studies; 0.043 with the who-rated share, which such records
    answer "someone else" half as often)."""
    rate, se = measure({"s0_low_rated": 0.5}, STUDIES)["P(any false flag)"]
    assert rate <= 0.10 + 2.5 * se


def test_within_the_system_rating_a_surveyor_five_points_off_is_found_twice_as_often():
    """0.203 of 400 studies by stratum and call effort, 0.400 within the rating as well (0.360 with the
    who-rated share in the family, stop 36)."""
    assert measure({"effect": 0.05}, STUDIES)["S0 flagged"][0] >= 0.3


def test_a_surveyor_whose_question_leads_to_someone_else_rated_is_usually_found_without_accusing_peers():
    """S0 records one "self" in ten as "other": with the who-rated share in the family (stop 36) found
    in 0.700 of 400 studies, before in 0.005; the honest scenarios' false flags did not rise."""
    figures = measure({"lead": 0.10}, STUDIES)
    assert figures["S0 flagged"][0] >= 0.6
    assert figures["FDR"][0] <= 0.10 + 2.5 * figures["FDR"][1]
