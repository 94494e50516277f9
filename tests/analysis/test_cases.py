"""Case-level comparison: paired table in scale order, flags, and the design-based paired difference."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import Design, case_flags, compare_cases, paired_difference, paired_table
from analysis.cases import unsupported_rating


@pytest.fixture
def cases():
    return pd.DataFrame(
        {
            "system_rating": [
                "satisfied",
                "satisfied",
                "basically_satisfied",
                "dissatisfied",
                "satisfied",
                "satisfied",
            ],
            "sat_overall": ["satisfied", "dissatisfied", "dk", "satisfied", "basically_satisfied", None],
            "who_rated": ["self", "other", "self", "not_rated", "self", None],
            "received_service": ["yes", "yes", "yes", "yes", "yes", "no"],
            "identity": ["yes"] * 6,
            "staff_asked_rating": ["no", "yes", "dk", "no", "no", None],
            "w": [1.0, 2.0, 1.0, 1.0, 3.0, 1.0],
        }
    )


def test_paired_table_counts_on_scale_answers_in_scale_order(cases):
    table = paired_table(cases)
    assert list(table.index) == ["satisfied", "basically_satisfied", "dissatisfied"]
    assert list(table.columns) == list(table.index)
    assert table.loc["satisfied", "dissatisfied"] == 1
    assert table.to_numpy().sum() == 4  # dk and the unanswered case are left out


def test_only_someone_else_rating_flags_rated_by_other(cases):
    assert case_flags(cases)["rated_by_other"].tolist() == [False, True, False, False, False, False]


def test_not_rated_is_its_own_flag_apart_from_rated_by_other(cases):
    assert case_flags(cases)["not_rated"].tolist() == [False, False, False, True, False, False]


def test_service_denied_flags_a_case_whose_service_never_happened(cases):
    assert case_flags(cases)["service_denied"].tolist() == [False] * 5 + [True]


def test_staff_asked_flags_coaching(cases):
    assert case_flags(cases)["staff_asked"].tolist() == [False, True, False, False, False, False]


def test_contradicted_means_opposite_sides_of_the_satisfied_cut(cases):
    assert case_flags(cases)["contradicted"].tolist() == [False, True, False, True, False, False]


def test_contradiction_follows_the_declared_satisfied_codes(cases):
    flags = case_flags(cases, satisfied_codes=("satisfied",))
    assert flags["contradicted"].tolist() == [False, True, False, True, True, False]


def test_unsupported_rating_includes_a_system_rating_better_than_the_answer(cases):
    assert unsupported_rating(cases).tolist() == [False, True, False, False, True, True]


def test_compare_cases_bundles_table_agreement_and_flag_counts(cases):
    result = compare_cases(cases)
    assert result.agreement.n == 4
    assert result.flag_counts["rated_by_other"] == 1


def test_paired_difference_is_the_weighted_mean_of_system_minus_callback_satisfied(cases):
    estimate = paired_difference(Design(cases, weights="w"))
    # on-scale answers: rows 0, 1, 3, 4 → differences 0, 1, -1, 0 with weights 1, 2, 1, 3
    assert estimate.estimate == pytest.approx((0 + 2 - 1 + 0) / 7)


def test_agreement_by_lag_reports_each_lag_band_separately():
    from analysis.cases import agreement_by_lag

    codes = ["satisfied", "basically_satisfied", "dissatisfied"]
    early = pd.DataFrame({"system_rating": codes * 4, "sat_overall": codes * 4, "lag_days": 3})
    late = pd.DataFrame(
        {"system_rating": codes * 4, "sat_overall": codes[1:] + codes[:1] + codes * 3, "lag_days": 40}
    )
    table = agreement_by_lag(pd.concat([early, late], ignore_index=True), bins=(0, 7, 30, 90))
    assert table["cases"].tolist() == [12, 0, 12]
    assert table["agreement"].iloc[0] == 1.0
    assert table["agreement"].iloc[2] == pytest.approx(9 / 12)
