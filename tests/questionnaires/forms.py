"""XLSForms written as markdown tables inside tests, turned into real .xlsx workbooks.

    write_xlsform(tmp_path / "form.xlsx", survey='''
        | type              | name  | label::English (en) | relevant        |
        | select_one colour | fav   | Favourite colour?   |                 |
        | text              | why   | Why?                | ${fav} = 'red'  |
    ''', choices='''
        | list_name | name | label::English (en) |
        | colour    | red  | Red                 |
    ''')

Empty cells stay empty; a sheet given as None is not written at all.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook


def parse_table(table: str) -> list[list[str]]:
    rows = []
    for line in table.strip().splitlines():
        line = line.strip()
        if not line or set(line) <= set("|-: "):
            continue
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def write_xlsform(
    path: Path, survey: str | None, choices: str | None = None, settings: str | None = None
) -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, table in (("survey", survey), ("choices", choices), ("settings", settings)):
        if table is None:
            continue
        sheet = workbook.create_sheet(title)
        for r, row in enumerate(parse_table(table), start=1):
            for c, value in enumerate(row, start=1):
                if value != "":
                    sheet.cell(row=r, column=c, value=value)
    workbook.save(path)
    return path


def kitchen_sink():
    """A questionnaire using every item type and field, in three languages."""
    from questionnaires import Questionnaire

    return Questionnaire.model_validate(
        {
            "id": "sink",
            "version": 3,
            "title": {"zh": "全部类型", "en": "Every type", "fr": "Tous les types"},
            "settings": {"default_language": "zh", "rating_scale": "justice3", "case_fields": ["hotline"]},
            "sections": [
                {
                    "name": "",
                    "items": [
                        {
                            "name": "hello",
                            "type": "note",
                            "label": {"zh": "=开始 ${surveyor_no}", "en": "Start"},
                        },
                    ],
                },
                {
                    "name": "first",
                    "label": {"zh": "第一部分", "en": "Part one"},
                    "items": [
                        {
                            "name": "pick",
                            "type": "single",
                            "label": {"zh": "选一个", "en": "Pick one", "fr": "Choisissez"},
                            "hint": {"zh": "读出选项"},
                            "choices": [
                                {"code": "a", "label": {"zh": "甲", "en": "A", "fr": "A"}},
                                {"code": "b", "label": {"zh": "乙", "en": "B"}},
                                {"code": "3", "label": {"zh": "丙"}},
                            ],
                            "allow_dk": True,
                            "allow_refused": True,
                            "required": True,
                        },
                        {
                            "name": "many",
                            "type": "multiple",
                            "label": {"zh": "多选"},
                            "choices": [
                                {"code": "x", "label": {"zh": "X"}},
                                {"code": "y", "label": {"zh": "Y"}},
                            ],
                            "relevant": "${pick} in ('a', 'b')",
                            "constraint": "count-selected(.) <= 2",
                        },
                        {
                            "name": "same",
                            "type": "single",
                            "label": {"zh": "同上"},
                            "choices": [
                                {"code": "a", "label": {"zh": "甲", "en": "A", "fr": "A"}},
                                {"code": "b", "label": {"zh": "乙", "en": "B"}},
                                {"code": "3", "label": {"zh": "丙"}},
                            ],
                        },
                        {"name": "n", "type": "calculate", "calculate": "count-selected(${many})"},
                    ],
                },
                {
                    "name": "second",
                    "label": {"zh": "第二部分"},
                    "relevant": "${pick} != 'refused'",
                    "items": [
                        {
                            "name": "age",
                            "type": "integer",
                            "label": {"zh": "年龄"},
                            "minimum": 0,
                            "maximum": 120,
                            "constraint": ". != 99",
                            "constraint_message": {"zh": "不能是99", "en": "Not 99"},
                            "allow_refused": True,
                        },
                        {
                            "name": "height",
                            "type": "decimal",
                            "label": {"zh": "身高"},
                            "minimum": 0.5,
                            "maximum": 2.5,
                            "required": "${age} >= 18",
                        },
                        {
                            "name": "when",
                            "type": "date",
                            "label": {"zh": "日期"},
                            "constraint": ". <= today()",
                        },
                        {"name": "ok", "type": "yesno", "label": {"zh": "好吗"}, "allow_dk": True},
                        {"name": "stars", "type": "rating", "label": {"zh": "评分"}, "scale": "haochaping5"},
                        {
                            "name": "mood",
                            "type": "rating",
                            "label": {"zh": "满意吗"},
                            "allow_dk": True,
                            "relevant": "${hotline} = 1",
                        },
                        {"name": "why", "type": "text", "label": {"zh": "为什么"}},
                    ],
                },
            ],
        }
    )
