"""The web phase's outcome codes are AAPOR's internet-survey codes (Standard Definitions, 7th edition
2011, Table 4 "Final Disposition Codes for Internet Surveys of Specifically Named Persons")."""

from __future__ import annotations

from survey_app.services.web_invites import WEB_DISPOSITIONS

#: Table 4's codes for the outcomes a one-time-link survey can have (the reference, typed from the table).
AAPOR_TABLE_4 = {
    "1.1": "Complete",
    "1.2": "Partial",
    "2.1121": "Logged on to survey, did not complete any items",
    "2.12": "Break-off or partial with insufficient information",
    "3.11": "No invitation sent",
    "3.19": "Nothing ever returned",
    "3.30": "Invitation returned undelivered",
    "4.10": "Selected respondent screened out of sample",
}


def test_every_web_code_is_a_table_4_code_or_a_subcode_of_its_screen_out():
    for code in WEB_DISPOSITIONS:
        assert code in AAPOR_TABLE_4 or code.startswith("4.1"), code


def test_screen_outs_say_they_are_aapor_4_10_in_their_english_label():
    screened = [d for code, d in WEB_DISPOSITIONS.items() if code not in AAPOR_TABLE_4]
    assert screened and all("(4.10)" in d.en and d.group == "NE" for d in screened)


def test_unknown_eligibility_splits_as_aapor_rates_count_it():
    groups = {code: d.group for code, d in WEB_DISPOSITIONS.items() if code.startswith("3.")}
    assert groups == {"3.11": "UH", "3.19": "UH", "3.30": "UO"}
