"""The supervisor's quality flags on surveyors, measured like the report's checks: a flag names a
person and sends their interviews to be re-contacted, so it must rarely fall on a surveyor who makes
nothing up, and should find one who does (`tests/fieldwork/quality_sim.py`;
`tests/benchmarks/bench_surveyor_checks.py` prints the table; ARCHITECTURE.md, "Surveyor checks")."""

from __future__ import annotations

import pytest

from tests.fieldwork.quality_sim import measure

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("quiet_warnings")]

STUDIES = 150


def test_where_nobody_makes_answers_up_a_surveyor_is_rarely_named():
    """Before, every interview answered 满意 to every item was flagged: ~40% of these studies'
    interviews, every surveyor named in every study."""
    rate, se = measure({}, STUDIES)["P(any false flag)"]
    assert rate <= 0.05 + 2.5 * se


def test_a_surveyor_who_makes_up_thirty_percent_more_uniform_interviews_is_found():
    figures = measure({"uniform": 0.30}, STUDIES)
    assert figures["S0 flagged"][0] >= 0.8
    assert figures["FDR"][0] <= 0.05 + 2.5 * figures["FDR"][1]


def test_a_surveyor_given_the_hard_to_reach_who_answer_all_fine_is_rarely_named():
    """Acquiescent hard-to-reach citizens answer 满意 to every item more often; the surveyor handed 60%
    of them is compared with peers on cases of the same call effort, not on the stratum alone (0.102
    of 400 studies named someone by stratum alone, 0.062 by stratum and effort; 0.030 at random)."""
    rate, _ = measure({"s0_hard": 0.6, "hard_uniform": 0.10}, STUDIES)["P(any false flag)"]
    assert rate <= 0.10


def test_a_surveyor_given_the_complaints_is_not_named_for_them():
    """Half the records rated below 满意 go to S0, who makes nothing up: compared by stratum and call
    effort alone S0 was named in 96% of 400 studies, within the same rating in 2%."""
    rate, _ = measure({"s0_low_rated": 0.5}, STUDIES)["P(any false flag)"]
    assert rate <= 0.10
