"""AAPOR rates worked by hand from the Standard Definitions' formulas."""

from __future__ import annotations

import math

import pytest

from analysis import RatesError, aapor_rates
from analysis.aapor import disposition_group

COUNTS = {"I": 300, "P": 20, "R": 80, "NC": 150, "O": 10, "UH": 200, "UO": 40, "NE": 100}


def test_response_rates_follow_the_standard_definitions():
    rates = aapor_rates(COUNTS, e=0.5)
    # eligible = 300+20+80+150+10 = 560; unknown = 240
    assert rates["RR1"] == pytest.approx(300 / 800)
    assert rates["RR2"] == pytest.approx(320 / 800)
    assert rates["RR3"] == pytest.approx(300 / (560 + 120))
    assert rates["RR4"] == pytest.approx(320 / (560 + 120))
    assert rates["RR5"] == pytest.approx(300 / 560)
    assert rates["RR6"] == pytest.approx(320 / 560)


def test_cooperation_refusal_and_contact_rates_follow_the_standard_definitions():
    rates = aapor_rates(COUNTS, e=0.5)
    assert [rates[k] for k in ("COOP1", "COOP2", "COOP3", "COOP4")] == pytest.approx(
        [300 / 410, 320 / 410, 300 / 400, 320 / 400]
    )
    assert [rates[k] for k in ("REF1", "REF2", "REF3")] == pytest.approx([80 / 800, 80 / 680, 80 / 560])
    assert [rates[k] for k in ("CON1", "CON2", "CON3")] == pytest.approx([410 / 800, 410 / 680, 410 / 560])


def test_e_is_estimated_from_cases_of_known_eligibility_and_reported():
    rates = aapor_rates(COUNTS)
    e = 560 / 660
    assert rates["e"] == pytest.approx(e)
    assert rates["e_estimated"] is True
    assert rates["RR3"] == pytest.approx(300 / (560 + e * 240))


def test_a_given_e_is_reported_as_given():
    assert aapor_rates(COUNTS, e=0.3)["e_estimated"] is False


def test_rates_with_an_empty_denominator_are_nan_not_an_error():
    assert math.isnan(aapor_rates({"NE": 5})["RR1"])


def test_unknown_group_is_rejected_as_a_likely_typo():
    with pytest.raises(RatesError, match="'IC'"):
        aapor_rates({"IC": 3})


def test_negative_count_is_rejected():
    with pytest.raises(RatesError, match="'R'"):
        aapor_rates({"I": 3, "R": -1})


@pytest.mark.parametrize(("code", "group"), [("1.1", "I"), ("2.12", "R"), ("3.21", "UO"), ("4.31", "NE")])
def test_disposition_codes_map_to_their_outcome_group(code, group):
    assert disposition_group(code) == group


def test_counts_are_tallied_by_outcome_group():
    from analysis import aapor_counts

    counts = aapor_counts(["1.1", "1.1", "1.2", "2.11", "2.21", "3.13", "4.12"])
    assert counts == {"I": 2, "P": 1, "R": 1, "NC": 1, "O": 0, "UH": 1, "UO": 0, "NE": 1}
