"""The Frames page's mapping form turns between field → column (what it shows) and header → field (what
the loader takes)."""

from __future__ import annotations

from survey_app.app.mapping_form import clashes, field_choices, header_mapping

HEADERS = ["记录编号", "群众评价", "回访号码", "备注"]


def test_each_field_starts_on_the_column_guessed_for_it():
    chosen = field_choices(HEADERS, {"记录编号": "record_id", "回访号码": "phone"})
    assert (chosen["record_id"], chosen["phone"], chosen["system_rating"]) == ("记录编号", "回访号码", None)


def test_a_column_no_field_chose_is_ignored_explicitly():
    mapping = header_mapping(HEADERS, {"record_id": "记录编号", "system_rating": "群众评价", "phone": None})
    assert mapping == {"记录编号": "record_id", "群众评价": "system_rating", "回访号码": None, "备注": None}


def test_a_column_chosen_for_two_fields_is_a_clash_naming_both():
    assert clashes({"phone": "回访号码", "record_id": "回访号码", "domain": None}) == {
        "回访号码": ["phone", "record_id"]
    }
    assert clashes({"phone": "回访号码", "record_id": "记录编号"}) == {}
