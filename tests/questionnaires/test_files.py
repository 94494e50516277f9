"""JSON and YAML files: round trips, and bad files that name where they are wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from questionnaires import FileFormatError, Questionnaire, dump, from_dict, load, template, to_dict

from .forms import kitchen_sink

FORMS = {
    "justice3": lambda: template("justice-callback"),
    "haochaping5": lambda: template("justice-callback", scale="haochaping5"),
    "kitchen_sink": kitchen_sink,
}


@pytest.mark.parametrize("suffix", [".json", ".yaml", ".yml", ".xlsx"])
@pytest.mark.parametrize("form", list(FORMS))
def test_dump_then_load_gives_the_same_questionnaire(tmp_path: Path, suffix: str, form: str) -> None:
    questionnaire = FORMS[form]()
    assert load(dump(questionnaire, tmp_path / f"q{suffix}")) == questionnaire


def test_frozen_flag_and_version_survive_json(tmp_path: Path) -> None:
    questionnaire = template("justice-callback", version=1).new_version().freeze()
    loaded = load(dump(questionnaire, tmp_path / "q.json"))
    assert (loaded.version, loaded.frozen) == (2, True)


def test_json_is_readable_utf8(tmp_path: Path) -> None:
    text = dump(template("justice-callback"), tmp_path / "q.json").read_text(encoding="utf-8")
    assert "上海市司法局" in text


def test_to_dict_and_from_dict_round_trip() -> None:
    questionnaire = kitchen_sink()
    assert from_dict(json.loads(json.dumps(to_dict(questionnaire)))) == questionnaire


def test_unknown_suffix_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match=r"\.json, \.yaml"):
        dump(template("justice-callback"), tmp_path / "q.txt")


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="no such file") as error:
        load(tmp_path / "absent.json")
    assert error.value.path.endswith("absent.json")


def test_broken_json_names_line_and_character(tmp_path: Path) -> None:
    path = tmp_path / "q.json"
    path.write_text('{\n  "id": "x",\n  "version": 1,,\n}', encoding="utf-8")
    with pytest.raises(FileFormatError) as error:
        load(path)
    assert (error.value.row, error.value.position) == (3, 16)


def test_broken_yaml_names_line(tmp_path: Path) -> None:
    path = tmp_path / "q.yaml"
    path.write_text("id: x\nsections: [\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match="not valid YAML") as error:
        load(path)
    assert error.value.row == 3


def test_yaml_tags_are_never_constructed(tmp_path: Path) -> None:
    path = tmp_path / "q.yaml"
    path.write_text("id: !!python/object/apply:os.system ['echo hacked']\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match="not valid YAML"):
        load(path)


def test_wrong_field_type_names_the_field(tmp_path: Path) -> None:
    data = to_dict(template("justice-callback"))
    data["sections"][1]["items"][0]["type"] = "slider"
    path = tmp_path / "q.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(FileFormatError) as error:
        load(path)
    assert error.value.column == "sections.1.items.0.type"


def test_inconsistent_questionnaire_in_a_file_names_the_item(tmp_path: Path) -> None:
    data = to_dict(template("justice-callback"))
    broken = "${sat_overall} = = 'x'"
    reason = next(item for item in data["sections"][2]["items"] if item["name"] == "unsatisfied_reason")
    reason["relevant"] = broken
    path = tmp_path / "q.yaml"
    path.write_text(json.dumps(data), encoding="utf-8")
    second_equals = broken.rindex("=") + 1
    with pytest.raises(
        FileFormatError, match=f"item 'unsatisfied_reason', relevant, character {second_equals}:"
    ):
        load(path)


def test_a_list_instead_of_a_questionnaire_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "q.json"
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(FileFormatError, match="expected a questionnaire"):
        load(path)


# --- property: any questionnaire survives every format ------------------------------------------

_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cf", "Zl", "Zp", "Zs")),
    min_size=1,
    max_size=12,
)
_LABEL = st.dictionaries(st.sampled_from(["zh", "en"]), _TEXT, max_size=2)
_CODES = st.lists(st.from_regex(r"[a-z0-9_]{1,6}", fullmatch=True), min_size=1, max_size=4, unique=True)


@st.composite
def _items(draw) -> list[dict]:
    items = []
    for index in range(draw(st.integers(1, 6))):
        kind = draw(
            st.sampled_from(
                ["single", "multiple", "rating", "yesno", "integer", "decimal", "date", "text", "note"]
            )
        )
        item: dict = {"name": f"q{index}", "type": kind, "label": draw(_LABEL), "hint": draw(_LABEL)}
        if kind in ("single", "multiple"):
            item["choices"] = [
                {"code": code, "label": draw(_LABEL)}
                for code in draw(_CODES)
                if code not in ("dk", "refused")
            ] or [{"code": "a"}]
        if kind != "note":
            item["allow_dk"] = draw(st.booleans())
            item["required"] = draw(st.booleans())
        if kind == "integer":
            item["maximum"] = draw(st.integers(0, 10**6))
        if index and draw(st.booleans()):
            item["relevant"] = f"${{q{index - 1}}} != ''"
        items.append(item)
    return items


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=_items(), suffix=st.sampled_from([".json", ".yaml", ".xlsx"]))
def test_any_questionnaire_survives_a_round_trip(tmp_path: Path, items: list[dict], suffix: str) -> None:
    questionnaire = Questionnaire.model_validate(
        {"id": "p", "title": {"zh": "题"}, "sections": [{"name": "s", "items": items}]}
    )
    assert load(dump(questionnaire, tmp_path / f"p{suffix}")) == questionnaire
