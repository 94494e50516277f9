"""AAPOR dispositions for a list sample of named people, and the final-disposition rule."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from survey_app.services import dispositions
from survey_app.services.dispositions import DISPOSITIONS, final_of, get, group_counts, is_finding
from survey_app.services.errors import InvalidState

CODES = sorted(DISPOSITIONS)


@pytest.mark.parametrize("code", ["3.17", "3.18"])
def test_a_wrong_or_disconnected_number_is_unknown_eligibility_not_ineligible(code):
    assert get(code).group == "UH" and not is_finding(code)


@pytest.mark.parametrize("code", ["4.11", "4.12"])
def test_service_never_happened_and_not_me_are_ineligible_and_findings(code):
    assert get(code).group == "NE" and is_finding(code)


def test_a_case_never_attempted_is_3_11():
    assert final_of([]) == "3.11"


def test_an_interview_outranks_every_other_outcome():
    assert final_of(["3.13", "2.11", "1.1", "3.13"]) == "1.1"


def test_a_refusal_is_not_hidden_by_later_non_contacts():
    assert final_of(["3.13", "2.11", "3.13", "3.12"]) == "2.11"


def test_ineligibility_outranks_a_refusal():
    assert final_of(["2.11", "4.11"]) == "4.11"


def test_a_contact_keeps_the_case_eligible_after_later_no_answers():
    assert final_of(["2.22", "3.13", "3.13"]) == "2.22"


def test_only_unknown_outcomes_end_with_the_last_of_them():
    assert final_of(["3.13", "3.12", "3.14"]) == "3.14"


def test_an_unknown_code_names_the_valid_ones():
    with pytest.raises(InvalidState, match=r"Unknown disposition code '5\.5'; use one of 1\.1"):
        get("5.5")


def test_group_counts_count_each_code_in_its_group():
    assert group_counts(["1.1", "1.1", "2.11", "3.13", "4.12"]) == {
        "I": 2,
        "P": 0,
        "R": 1,
        "NC": 0,
        "O": 0,
        "UH": 1,
        "UO": 0,
        "NE": 1,
    }


def test_the_rule_reports_print_names_every_group_in_order():
    rule = dispositions.FINAL_RULE
    positions = [rule.index(token) for token in ("1.1", "1.2", "4.x", "2.1x", "2.3x", "2.2x", "3.x", "3.11")]
    assert positions == sorted(positions)


@given(st.lists(st.sampled_from(CODES), min_size=1, max_size=8))
def test_the_final_disposition_is_one_of_the_attempts(codes):
    assert final_of(codes) in codes


@given(st.lists(st.sampled_from(CODES), min_size=1, max_size=8))
def test_eligibility_known_at_any_attempt_is_known_at_the_end(codes):
    known = any(get(c).eligibility_known for c in codes)
    assert get(final_of(codes)).eligibility_known == known


@given(st.lists(st.sampled_from(CODES), min_size=1, max_size=8))
def test_the_final_disposition_does_not_depend_on_unknown_outcomes_after_a_known_one(codes):
    known = [c for c in codes if get(c).eligibility_known]
    if known:
        assert final_of(codes) == final_of(known)


def test_an_interview_ended_by_not_me_is_not_eligible_not_complete():
    assert dispositions.interview_outcome({"intro": None, "identity": "no", "closing": None}) == "4.12"


def test_an_interview_ended_by_service_never_happened_is_not_eligible_not_complete():
    assert dispositions.interview_outcome({"identity": "yes", "received_service": "no"}) == "4.11"


def test_an_interview_that_ran_through_is_complete():
    assert (
        dispositions.interview_outcome({"identity": "yes", "received_service": "dk", "sat_overall": "dk"})
        == "1.1"
    )
