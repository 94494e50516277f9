"""The evidence rule's pieces: each case's category, the counts, and constants from a previous study."""

from __future__ import annotations

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
