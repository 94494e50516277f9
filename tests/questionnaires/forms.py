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
