"""The evidence rule's pieces: each case's category, the counts, and constants from a previous study."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from sampling.screening import case_categories, category_counts, estimate_constants

SATISFIED = ["satisfied", "very_satisfied"]


def cases() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "system_rating": ["satisfied", "satisfied", "dissatisfied", "satisfied", "satisfied"],
            "respondent": [True, False, False, True, True],
            "sat_overall": ["dissatisfied", None, None, "dk", "very_satisfied"],
            "who_rated": ["other", None, None, "not_rated", "self"],
            "received_service": ["yes", None, None, "yes", "yes"],
            "identity": ["yes", None, "no", "yes", "yes"],
            "staff_asked_rating": ["yes", None, None, "no", "no"],
        }
    )


def test_each_case_gets_its_system_rating_answer_sign_and_staff_asked():
    labels = case_categories(cases(), SATISFIED, SATISFIED).tolist()
    assert labels == [
        "S/unsat/other/asked",  # the system says 满意, the citizen does not, someone else rated, staff asked
        "S/none/-/-",  # never reached
        "s/dk/absent/-",  # "not me": the interview ended early
        "S/dk/not_rated/-",  # 说不清
        "S/sat/-/-",
    ]


def test_counts_by_category_name_an_unknown_category():
    with pytest.raises(ValueError, match="unknown case category"):
        category_counts(pd.DataFrame({"stratum": ["a"], "category": ["S/maybe/-/-"]}), pd.Index(["a"]))


def test_constants_from_a_previous_study_are_its_pooled_shares():
    data = pd.DataFrame(
        {
            "category": ["S/sat/-/-"] * 8 + ["S/unsat/-/-"] * 2 + ["s/sat/-/-", "s/unsat/other/asked"],
            "domain": "律师",
        }
    )
    constants = estimate_constants(data, source="study spring")
    assert constants.discordance_satisfied == pytest.approx((2 + 0.5) / (10 + 1))
    assert constants.discordance_unsatisfied == pytest.approx((1 + 0.5) / (2 + 1))
    assert constants.background["律师"][0] == pytest.approx((1 + 0.5) / (12 + 1))  # someone else rated
    assert constants.asked_honest == pytest.approx((1 + 0.5) / (12 + 1))
    assert constants.source == "study spring"


def test_near_100_percent_a_satisfied_answer_saying_someone_else_rated_counts_towards_proxy_rating():
    # at 98% an inflation of 10 points turns a tenth of the satisfied records; proxy rating of a share
    # turns almost none, and its respondents answer satisfied: without proxied records in the
    # alternative their "someone else rated" weighed next to nothing
    from sampling.screening import EvidenceConstants, log_likelihood_ratios

    without = log_likelihood_ratios(EvidenceConstants(proxied_share=0.0), None, 0.98, 0.01)
    proxied = log_likelihood_ratios(EvidenceConstants(proxied_share=0.1), None, 0.98, 0.01)
    staff_not_asked = math.log(0.85 / 0.94)  # the staff-asked term every "-" category carries
    assert without["S/sat/other/-"] - staff_not_asked == pytest.approx(0.0, abs=0.01)
    # 0.89 honest + (0.1 × 0.94 + 0.01 × 0.05) × 0.30 / (0.94 × 0.02) proxied or turned: about 2.4
    assert proxied["S/sat/other/-"] - staff_not_asked == pytest.approx(math.log(2.398), abs=0.01)
    assert proxied["S/sat/-/-"] < without["S/sat/-/-"] < 0  # a plain satisfied answer a little less so
    assert proxied["S/unsat/-/-"] == pytest.approx(without["S/unsat/-/-"], abs=0.15)


def test_the_proxied_share_never_takes_records_the_turned_ones_already_hold():
    from sampling.screening import EvidenceConstants, log_likelihood_ratios

    # at a published 50%, 50 points of inflation turn every satisfied record: no room for proxied ones
    every = log_likelihood_ratios(EvidenceConstants(proxied_share=0.3), None, 0.5, 0.5)
    turned = log_likelihood_ratios(EvidenceConstants(proxied_share=0.0), None, 0.5, 0.5)
    assert every == turned
