"""XLSForm import and export, with forms written as tables in the tests themselves."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from questionnaires import FileFormatError, XLSFormImportWarning, dump, load, load_with_report, template

from .forms import write_xlsform

SETTINGS = """
| form_id | version | default_language | form_title |
| visit   | 2       | Chinese (zh)     | 回访       |
"""

SURVEY = """
| type                     | name    | label::Chinese (zh) | label::English (en) | hint::Chinese (zh) | relevant                 | constraint | constraint_message::English (en) | required        | calculation        |
| begin group              | start   | 开始                | Start               |                    |                          |            |                                  |                 |                    |
| note                     | hi      | 您好，${surveyor_no} | Hello               |                    |                          |            |                                  |                 |                    |
| select_one yesno         | me      | 是本人吗            | Is it you?          | 读出                |                          |            |                                  | yes             |                    |
| end group                | start   |                     |                     |                    |                          |            |                                  |                 |                    |
| begin group              | rate    | 评价                | Rating              |                    | ${me} = 'yes'            |            |                                  |                 |                    |
| select_one justice3      | overall | 总体满意吗          | Overall?            |                    |                          |            |                                  | yes             |                    |
| select_multiple reasons  | why     | 原因                | Reasons             |                    | ${overall} = 'dissatisfied' |         |                                  |                 |                    |
| calculate                | n_why   |                     |                     |                    |                          |            |                                  |                 | count-selected(${why}) |
| integer                  | age     | 年龄                | Age                 |                    |                          | . < 120    | Too old                          | ${me} = 'yes'   |                    |
| decimal                  | cost    | 费用                | Cost                |                    |                          |            |                                  |                 |                    |
| date                     | day     | 日期                | Day                 |                    |                          |            |                                  |                 |                    |
| end group                | rate    |                     |                     |                    |                          |            |                                  |                 |                    |
| text                     | comment | 意见                | Comment             |                    |                          |            |                                  | no              |                    |
"""

CHOICES = """
| list_name | name         | label::Chinese (zh) | label::English (en) |
| yesno     | yes          | 是                  | Yes                 |
| yesno     | no           | 否                  | No                  |
| justice3  | satisfied    | 满意                | Satisfied           |
| justice3  | basically_satisfied | 基本满意     | Basically satisfied |
| justice3  | dissatisfied | 不满意              | Dissatisfied        |
| justice3  | dk           | 说不清              | Can't say           |
| reasons   | slow         | 慢                  | Slow                |
| reasons   | rude         | 态度差              | Rude                |
"""


@pytest.fixture
def form(tmp_path: Path) -> Path:
    return write_xlsform(tmp_path / "visit.xlsx", SURVEY, CHOICES, SETTINGS)


def test_a_hand_written_form_is_imported_with_sections_and_types(form: Path) -> None:
    questionnaire = load(form)
    assert (questionnaire.id, questionnaire.version, questionnaire.title) == ("visit", 2, {"zh": "回访"})
    assert [section.name for section in questionnaire.sections] == ["start", "rate", ""]
    assert {item.name: item.type for item in questionnaire.items} == {
        "hi": "note",
        "me": "yesno",
        "overall": "rating",
        "why": "multiple",
        "n_why": "calculate",
        "age": "integer",
        "cost": "decimal",
        "day": "date",
        "comment": "text",
    }


def test_languages_hints_and_messages_are_imported(form: Path) -> None:
    questionnaire = load(form)
    assert questionnaire.item("me").label == {"zh": "是本人吗", "en": "Is it you?"}
    assert questionnaire.item("me").hint == {"zh": "读出"}
    assert questionnaire.item("age").constraint_message == {"en": "Too old"}


def test_expressions_required_and_calculation_are_imported(form: Path) -> None:
    questionnaire = load(form)
    assert questionnaire.sections[1].relevant == "${me} = 'yes'"
    assert questionnaire.item("age").required == "${me} = 'yes'"
    assert questionnaire.item("me").required is True and questionnaire.item("comment").required is False
    assert questionnaire.item("n_why").calculate == "count-selected(${why})"


def test_dk_in_a_choice_list_becomes_the_special_answer(form: Path) -> None:
    overall = load(form).item("overall")
    assert overall.allow_dk and overall.scale is None  # the questionnaire's scale: justice3


def test_hand_written_form_survives_load_dump_load(form: Path, tmp_path: Path) -> None:
    first = load(form)
    assert load(dump(first, tmp_path / "again.xlsx")) == first


def test_the_template_survives_an_xlsform_round_trip(tmp_path: Path) -> None:
    questionnaire = template("justice-callback")
    assert load(dump(questionnaire, tmp_path / "t.xlsx")) == questionnaire


def test_export_writes_the_three_sheets_with_language_columns(tmp_path: Path) -> None:
    workbook = load_workbook(dump(template("justice-callback"), tmp_path / "t.xlsx"))
    assert workbook.sheetnames == ["survey", "choices", "settings"]
    headers = [cell.value for cell in workbook["survey"][1]]
    assert {"type", "name", "label::Chinese (zh)", "label::English (en)", "relevant", "required"} <= set(
        headers
    )
    types = [row[0] for row in workbook["survey"].iter_rows(min_row=2, values_only=True)]
    assert "select_one justice3" in types and "begin group" in types and "end group" in types


def test_a_label_starting_with_equals_stays_text(tmp_path: Path) -> None:
    from questionnaires import update_item

    questionnaire = update_item(template("justice-callback"), "closing", label={"zh": "=SUM(A1)", "en": "x"})
    path = dump(questionnaire, tmp_path / "t.xlsx")
    assert load(path).item("closing").label["zh"] == "=SUM(A1)"


def test_a_label_without_language_goes_to_the_default_language(tmp_path: Path) -> None:
    path = write_xlsform(
        tmp_path / "f.xlsx",
        """
        | type | name | label     |
        | text | t    | Your name |
        """,
        settings="""
        | form_id | default_language |
        | f       | English (en)     |
        """,
    )
    questionnaire = load(path)
    assert questionnaire.settings.default_language == "en"
    assert questionnaire.item("t").label == {"en": "Your name"}


# --- the import report ----------------------------------------------------------------------------

UNSUPPORTED = """
| type                 | name   | label::English (en) | appearance | media::image |
| start                | began  |                     |            |              |
| text                 | name   | Name                | multiline  |              |
| geopoint             | where  | Where?              |            |              |
| image                | photo  | Photo               |            | a.png        |
| begin repeat         | kids   | Children            |            |              |
| text                 | kid    | Child's name        |            |              |
| end repeat           | kids   |                     |            |              |
| select_one c or_other | pick  | Pick                |            |              |
"""

UNSUPPORTED_CHOICES = """
| list_name | name | label::English (en) | filter |
| c         | a    | A                   | x      |
"""


@pytest.fixture
def unsupported(tmp_path: Path) -> Path:
    settings = """
    | form_id | instance_name |
    | u       | ${name}       |
    """
    return write_xlsform(tmp_path / "u.xlsx", UNSUPPORTED, UNSUPPORTED_CHOICES, settings)


def test_unsupported_parts_are_listed_with_sheet_row_and_column(unsupported: Path) -> None:
    report = load_with_report(unsupported)
    found = {(w.sheet, w.row, w.column) for w in report.warnings}
    assert ("survey", 2, "type") in found  # start (metadata)
    assert ("survey", 4, "type") in found  # geopoint
    assert ("survey", 5, "type") in found  # image
    assert ("survey", 6, "type") in found  # begin repeat
    assert ("survey", 7, "type") in found  # the item inside the repeat
    assert ("survey", 9, "type") in found  # or_other
    assert ("survey", 3, "appearance") in found
    assert ("survey", 5, "media::image") in found
    assert ("choices", 2, "filter") in found
    assert ("settings", 2, "instance_name") in found
    assert report.questionnaire.item_names == ("name", "pick")


def test_each_warning_reads_on_its_own(unsupported: Path) -> None:
    messages = [str(w) for w in load_with_report(unsupported).warnings]
    assert (
        "sheet 'survey', row 4, column 'type': type 'geopoint' is not supported; item 'where' was not imported"
        in messages
    )


def test_load_turns_the_report_into_python_warnings(unsupported: Path) -> None:
    with pytest.warns(XLSFormImportWarning) as record:
        load(unsupported)
    assert len(record) == len(load_with_report(unsupported).warnings)
    assert any("geopoint" in str(warning.message) for warning in record)


def test_a_nested_group_is_flattened_with_its_relevance_kept(tmp_path: Path) -> None:
    path = write_xlsform(
        tmp_path / "n.xlsx",
        """
        | type         | name  | relevant      |
        | integer      | a     |               |
        | begin group  | outer |               |
        | begin group  | inner | ${a} > 1      |
        | integer      | b     | ${a} < 10     |
        | end group    | inner |               |
        | end group    | outer |               |
        """,
    )
    report = load_with_report(path)
    assert report.questionnaire.item("b").relevant == "(${a} > 1) and (${a} < 10)"
    assert [(w.row, w.column) for w in report.warnings] == [(4, "type")]


def test_non_standard_labels_on_a_scale_list_are_reported(tmp_path: Path) -> None:
    path = write_xlsform(
        tmp_path / "s.xlsx",
        """
        | type                | name |
        | select_one justice3 | r    |
        """,
        """
        | list_name | name                | label::Chinese (zh) |
        | justice3  | satisfied           | 很满意              |
        | justice3  | basically_satisfied | 基本满意            |
        | justice3  | dissatisfied        | 不满意              |
        """,
    )
    report = load_with_report(path)
    assert report.questionnaire.item("r").type == "rating"
    assert [(w.sheet, w.row) for w in report.warnings] == [("choices", 2)]


def test_a_select_from_an_ordinary_list_stays_single(tmp_path: Path) -> None:
    path = write_xlsform(
        tmp_path / "s.xlsx",
        """
        | type           | name |
        | select_one yn  | q    |
        """,
        """
        | list_name | name |
        | yn        | yes  |
        | yn        | no   |
        """,
    )
    assert load(path).item("q").type == "single"


# --- bad files ------------------------------------------------------------------------------------


def failure(path: Path) -> FileFormatError:
    with pytest.raises(FileFormatError) as error:
        load(path)
    return error.value


def test_a_workbook_without_survey_sheet(tmp_path: Path) -> None:
    error = failure(write_xlsform(tmp_path / "b.xlsx", None, CHOICES, SETTINGS))
    assert error.sheet == "survey" and "no 'survey' sheet" in error.message


def test_a_file_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "b.xlsx"
    path.write_text("type,name\n", encoding="utf-8")
    assert "not an Excel workbook" in failure(path).message


def test_duplicate_names_name_both_rows(tmp_path: Path) -> None:
    error = failure(
        write_xlsform(
            tmp_path / "b.xlsx",
            """
            | type | name |
            | text | a    |
            | text | b    |
            | text | a    |
            """,
        )
    )
    assert (error.sheet, error.row, error.column) == ("survey", 4, "name")
    assert "row 2" in error.message


def test_a_select_referencing_an_unknown_list(tmp_path: Path) -> None:
    error = failure(
        write_xlsform(
            tmp_path / "b.xlsx",
            """
            | type              | name |
            | select_one colour | c    |
            """,
            CHOICES,
        )
    )
    assert (error.sheet, error.row, error.column) == ("survey", 2, "type")
    assert "'colour'" in error.message


def test_a_broken_expression_names_sheet_row_column_and_character(tmp_path: Path) -> None:
    error = failure(
        write_xlsform(
            tmp_path / "b.xlsx",
            """
            | type    | name | relevant    | constraint   |
            | integer | a    |             |              |
            | integer | b    | ${a} > 1    | . >> 2       |
            """,
        )
    )
    assert (error.sheet, error.row, error.column, error.position) == ("survey", 3, "constraint", 4)
    assert str(error).endswith("sheet 'survey', row 3, column 'constraint', character 4: unexpected '> 2'")


def test_an_expression_using_a_skipped_item_says_so(tmp_path: Path) -> None:
    error = failure(
        write_xlsform(
            tmp_path / "b.xlsx",
            """
            | type     | name  | relevant           |
            | geopoint | where |                    |
            | text     | t     | ${where} != ''     |
            """,
        )
    )
    assert (error.row, error.column) == (3, "relevant") and "was not imported" in error.message


def test_a_calculation_with_a_broken_expression_points_at_the_calculation_column(tmp_path: Path) -> None:
    error = failure(
        write_xlsform(
            tmp_path / "b.xlsx",
            """
            | type      | name | calculation |
            | calculate | c    | 1 +         |
            """,
        )
    )
    assert (error.row, error.column) == (2, "calculation")


@pytest.mark.parametrize(
    ("survey", "row", "column", "words"),
    [
        ("| type | name |\n| end group | g |", 2, "type", "without a begin"),
        ("| type | name |\n| begin group | g |\n| text | t |", 2, "type", "no end group"),
        ("| type | name |\n| select_one | s |", 2, "type", "choice list name"),
        ("| type | name |\n| text |  |", 2, "name", "no name"),
        ("| name | label |\n| a | A |", 1, "type", "no 'type' column"),
        ("| type | name | min |\n| integer | a | ten |", 2, "min", "must be a number"),
        ("| type | name | allow_dk |\n| integer | a | maybe |", 2, "allow_dk", "yes or no"),
    ],
)
def test_malformed_survey_rows_are_located(
    tmp_path: Path, survey: str, row: int, column: str, words: str
) -> None:
    error = failure(write_xlsform(tmp_path / "b.xlsx", survey))
    assert (error.sheet, error.row, error.column) == ("survey", row, column)
    assert words in error.message


def test_a_version_that_is_not_a_number(tmp_path: Path) -> None:
    error = failure(
        write_xlsform(tmp_path / "b.xlsx", "| type | name |\n| text | a |", settings="| version |\n| v2 |")
    )
    assert (error.sheet, error.row, error.column) == ("settings", 2, "version")


def test_columns_a_group_cannot_keep_are_reported(tmp_path: Path) -> None:
    path = write_xlsform(
        tmp_path / "g.xlsx",
        """
        | type        | name | hint::English (en) | required |
        | begin group | g    | About you          |          |
        | text        | t    |                    | yes      |
        | end group   | g    |                    |          |
        """,
    )
    report = load_with_report(path)
    assert [(w.row, w.column) for w in report.warnings] == [(2, "hint::English (en)")]
    assert report.questionnaire.item("t").required is True


def test_numeric_choice_codes_are_kept_as_text(tmp_path: Path) -> None:
    from questionnaires import Interview

    path = write_xlsform(
        tmp_path / "c.xlsx",
        "| type | name |\n| select_one n | q |",
        "| list_name | name | label |\n| n | 1 | 一 |\n| n | 2 | 二 |",
    )
    questionnaire = load(path)
    assert [choice.code for choice in questionnaire.item("q").choices] == ["1", "2"]
    interview = Interview(questionnaire)
    interview.answer(2)
    assert interview.answers == {"q": "2"}


def test_mode_wording_has_its_own_columns_written_only_when_used(tmp_path: Path) -> None:
    worded = [
        c.value for c in load_workbook(dump(template("justice-callback"), tmp_path / "w.xlsx"))["survey"][1]
    ]
    plain_file = dump(template("justice-callback", version=2), tmp_path / "p.xlsx")
    plain = [c.value for c in load_workbook(plain_file)["survey"][1]]
    assert {"label_web::Chinese (zh)", "hint_web::English (en)"} <= set(worded)
    assert not [header for header in plain if "_web" in header or "_cati" in header]
