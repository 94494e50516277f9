"""XLSForm import and export, so authors can work in Excel and reuse ODK/KoboToolbox forms.

Sheets `survey`, `choices` and `settings`. Survey types: `select_one L`, `select_multiple L`,
`integer`, `decimal`, `date`, `text`, `note`, `calculate`, `begin group`/`end group` (sections).
Columns: `type`, `name`, `label::Chinese (zh)` and other languages, `hint::…`, `relevant`,
`constraint`, `constraint_message::…`, `required`, `calculation`; Huifang's `label_web::…`,
`hint_web::…` (and `_cati`) word an item for one interview mode (`Item.modes`), written only when some
item has such wording.

Huifang's own meaning is carried by conventions ODK also accepts: a `select_one` of the list
`yesno` (codes yes, no) is a yes/no item; a `select_one` of a list named after a rating scale
(`justice3`, `haochaping5`) with that scale's codes is a rating item; the extra columns `min`,
`max`, `allow_dk` and `allow_refused` hold ranges and the special answers. In a hand-written form,
choices coded `dk` or `refused` become those special answers.

Import never drops anything silently: what Huifang does not support (geopoint, image, repeats,
metadata, unknown columns, …) is listed in the import report's warnings with sheet, row, column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook, load_workbook
from pydantic import ValidationError

from questionnaires.errors import DefinitionError, ExpressionError, FileFormatError
from questionnaires.model import MODES, SPECIAL_LABELS, YESNO_LABELS, Choice, Questionnaire, Text
from sampling.vocabulary import DONT_KNOW, REFUSED, SCALES

LANGUAGE_NAMES: dict[str, str] = {"zh": "Chinese", "en": "English"}
_NAME_TO_CODE: dict[str, str] = {"chinese": "zh", "中文": "zh", "english": "en", "英文": "en"}

SIMPLE_TYPES = {"integer", "decimal", "date", "text", "note", "calculate"}
METADATA_TYPES = {
    "start",
    "end",
    "today",
    "deviceid",
    "username",
    "phonenumber",
    "simserial",
    "subscriberid",
    "email",
    "audit",
    "start-geopoint",
    "background-geopoint",
}
#: The survey sheet's columns in the order they are written; text columns get one column per language.
#: An item's texts for one interview mode: label_web, hint_web, label_cati, hint_cati.
MODE_COLUMNS = tuple(f"{text}_{mode}" for mode in MODES for text in ("label", "hint"))
SURVEY_COLUMN_ORDER = (
    "type",
    "name",
    "label",
    "hint",
    *MODE_COLUMNS,
    "relevant",
    "constraint",
    "constraint_message",
    "required",
    "calculation",
    "min",
    "max",
    "allow_dk",
    "allow_refused",
)
TEXT_COLUMNS = ("label", "hint", *MODE_COLUMNS, "constraint_message")
PLAIN_COLUMNS = tuple(column for column in SURVEY_COLUMN_ORDER if column not in TEXT_COLUMNS)
EXPRESSION_COLUMNS = {
    "relevant": "relevant",
    "constraint": "constraint",
    "required": "required",
    "calculate": "calculation",
}
SETTINGS_COLUMNS = ("form_id", "form_title", "version", "default_language", "rating_scale", "case_fields")
YES = {"yes", "true", "true()", "1"}
NO = {"no", "false", "false()", "0", ""}


@dataclass(frozen=True)
class ImportWarning:
    """Something in the file that Huifang did not import, and where it is."""

    sheet: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [f"sheet '{self.sheet}'"]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}"


@dataclass
class ImportReport:
    """The imported questionnaire and the list of what was not imported."""

    questionnaire: Questionnaire
    warnings: list[ImportWarning] = field(default_factory=list)


# --- reading ------------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _language_of(header: str, default_language: str) -> str:
    """'label::Chinese (zh)' → zh, 'label::English' → en, 'label' → the default language."""
    if "::" not in header:
        return default_language
    name = header.split("::", 1)[1].strip()
    match = re.search(r"\(([^()]+)\)\s*$", name)
    if match:
        return match.group(1).strip()
    return _NAME_TO_CODE.get(name.lower(), name)


def _language_header(column: str, language: str) -> str:
    return f"{column}::{LANGUAGE_NAMES.get(language, language)} ({language})"


@dataclass
class _Sheet:
    name: str
    headers: list[str]
    rows: list[tuple[int, dict[str, str]]]


def _read_sheet(workbook: Any, name: str) -> _Sheet | None:
    sheet = next((workbook[title] for title in workbook.sheetnames if title.strip().lower() == name), None)
    if sheet is None:
        return None
    rows = sheet.iter_rows(values_only=True)
    header_row = next(rows, None) or ()
    headers = [_cell_text(value) for value in header_row]
    data = []
    for number, values in enumerate(rows, start=2):
        record = {header: _cell_text(value) for header, value in zip(headers, values, strict=False) if header}
        if any(record.values()):
            data.append((number, record))
    return _Sheet(name, [header for header in headers if header], data)


def _texts(record: dict[str, str], column: str, default_language: str) -> Text:
    texts: dict[str, str] = {}
    for header, value in record.items():
        base = header.split("::", 1)[0].strip().lower()
        if base == column and value:
            texts[_language_of(header, default_language)] = value
    return texts


def _known_column(header: str) -> bool:
    base = header.split("::", 1)[0].strip().lower()
    if "::" in header:
        return base in TEXT_COLUMNS
    return base in TEXT_COLUMNS or base in PLAIN_COLUMNS


def _warn_unknown_columns(sheet: _Sheet, known: Any, warnings: list[ImportWarning]) -> None:
    for header in sheet.headers:
        if known(header):
            continue
        rows = [number for number, record in sheet.rows if record.get(header)]
        if rows:
            shown = ", ".join(map(str, rows[:10])) + (" …" if len(rows) > 10 else "")
            warnings.append(
                ImportWarning(
                    sheet.name,
                    rows[0],
                    header,
                    f"column '{header}' is not supported; its values (rows {shown}) were not imported",
                )
            )


def read_xlsform(source: str | Path | IO[bytes]) -> ImportReport:
    """Import an XLSForm workbook; FileFormatError names sheet, row, column (and character)."""
    path = str(source) if isinstance(source, str | Path) else None
    try:
        workbook = load_workbook(source, read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many types for a file that is not a workbook
        raise FileFormatError(f"not an Excel workbook (.xlsx): {error}", path=path) from None
    try:
        return _Importer(workbook, path).run()
    finally:
        workbook.close()


class _Importer:
    def __init__(self, workbook: Any, path: str | None) -> None:
        self.workbook = workbook
        self.path = path
        self.warnings: list[ImportWarning] = []
        self.item_rows: dict[str, int] = {}
        self.skipped: set[str] = set()
        self.rating_scale = "justice3"

    def error(
        self,
        message: str,
        sheet: str,
        row: int | None = None,
        column: str | None = None,
        position: int | None = None,
    ) -> FileFormatError:
        return FileFormatError(
            message, path=self.path, sheet=sheet, row=row, column=column, position=position
        )

    def warn(self, sheet: str, row: int | None, column: str | None, message: str) -> None:
        self.warnings.append(ImportWarning(sheet, row, column, message))

    def run(self) -> ImportReport:
        survey = _read_sheet(self.workbook, "survey")
        if survey is None:
            raise self.error(
                "the workbook has no 'survey' sheet; an XLSForm needs sheets survey, choices and settings",
                "survey",
            )
        for required in ("type", "name"):
            if required not in [header.lower() for header in survey.headers]:
                raise self.error(f"the survey sheet has no '{required}' column", "survey", 1, required)
        settings = self.read_settings()
        default_language = settings["default_language"]
        self.rating_scale = settings["rating_scale"]
        lists = self.read_choices(default_language)
        sections = self.read_survey(survey, lists, default_language)
        data = {
            "id": settings["id"],
            "version": settings["version"],
            "title": settings["title"],
            "settings": {
                "default_language": default_language,
                "rating_scale": settings["rating_scale"],
                "case_fields": settings["case_fields"],
            },
            "sections": sections,
        }
        try:
            questionnaire = Questionnaire.model_validate(data)
        except ExpressionError as error:
            raise self.located_expression_error(error) from None
        except DefinitionError as error:
            row = self.item_rows.get(error.item or "")
            raise self.error(error.message, "survey" if row else "settings", row, error.field) from None
        except ValidationError as error:
            first = error.errors()[0]
            raise self.error(f"{first['msg']} ({'.'.join(map(str, first['loc']))})", "survey") from None
        return ImportReport(questionnaire, self.warnings)

    def located_expression_error(self, error: ExpressionError) -> FileFormatError:
        column = EXPRESSION_COLUMNS.get(error.field or "", error.field)
        message = error.message
        skipped = [name for name in self.skipped if f"${{{name}}}" in message]
        if skipped:
            message += f" (item '{skipped[0]}' was not imported: see the import warnings)"
        return self.error(message, "survey", self.item_rows.get(error.item or ""), column, error.position)

    # settings ------------------------------------------------------------------------------

    def read_settings(self) -> dict[str, Any]:
        sheet = _read_sheet(self.workbook, "settings")
        record: dict[str, str] = {}
        row = None
        if sheet is not None and sheet.rows:
            row, record = sheet.rows[0]
            _warn_unknown_columns(
                sheet,
                lambda header: (
                    header.lower() in SETTINGS_COLUMNS or header.split("::", 1)[0].lower() == "title"
                ),
                self.warnings,
            )
        language_text = record.get("default_language", "") or "zh"
        default_language = _language_of("x::" + language_text, "zh")
        version_text = record.get("version", "") or "1"
        if not version_text.isdigit() or int(version_text) < 1:
            raise self.error(
                f"version must be a whole number of 1 or more, not {version_text!r}",
                "settings",
                row,
                "version",
            )
        title = _texts(record, "title", default_language)
        if not title and record.get("form_title"):
            title = {default_language: record["form_title"]}
        scale = record.get("rating_scale", "") or "justice3"
        if scale not in SCALES:
            raise self.error(
                f"unknown rating scale {scale!r}; known: {', '.join(SCALES)}", "settings", row, "rating_scale"
            )
        form_id = record.get("form_id", "")
        if not form_id:  # as pyxform does: the file's name
            form_id = Path(self.path).stem if self.path else "form"
        return {
            "id": form_id,
            "version": int(version_text),
            "title": title,
            "default_language": default_language,
            "rating_scale": scale,
            "case_fields": tuple(record.get("case_fields", "").split()),
        }

    # choices -------------------------------------------------------------------------------

    def read_choices(self, default_language: str) -> dict[str, list[tuple[int, str, Text]]]:
        sheet = _read_sheet(self.workbook, "choices")
        lists: dict[str, list[tuple[int, str, Text]]] = {}
        if sheet is None:
            return lists
        headers = [header.lower() for header in sheet.headers]
        if "list_name" not in headers or "name" not in headers:
            raise self.error(
                "the choices sheet needs the columns list_name and name", "choices", 1, "list_name"
            )
        _warn_unknown_columns(
            sheet,
            lambda header: (
                header.lower() in ("list_name", "name")
                or (_known_column(header) and header.split("::", 1)[0].lower() == "label")
            ),
            self.warnings,
        )
        for number, record in sheet.rows:
            list_name = record.get("list_name", "")
            code = record.get("name", "")
            if not list_name or not code:
                raise self.error(
                    "a choice needs both a list_name and a name",
                    "choices",
                    number,
                    "name" if list_name else "list_name",
                )
            entries = lists.setdefault(list_name, [])
            if any(existing == code for _, existing, _ in entries):
                raise self.error(
                    f"choice {code!r} appears twice in list {list_name!r}", "choices", number, "name"
                )
            entries.append((number, code, _texts(record, "label", default_language)))
        return lists

    # survey --------------------------------------------------------------------------------

    def read_survey(
        self, sheet: _Sheet, lists: dict[str, list[tuple[int, str, Text]]], default_language: str
    ) -> list[dict[str, Any]]:
        _warn_unknown_columns(sheet, _known_column, self.warnings)
        sections: list[dict[str, Any]] = []
        ungrouped: dict[str, Any] | None = None
        group: dict[str, Any] | None = None
        group_row = 0
        nested: list[tuple[str, str | None, int]] = []
        repeat_depth = 0
        repeat_row = 0
        for number, record in sheet.rows:
            raw_type = re.sub(r"\s+", " ", record.get("type", "").strip())
            kind = (
                raw_type.lower().replace("_", " ")
                if raw_type.lower() in ("begin_group", "end_group", "begin_repeat", "end_repeat")
                else raw_type.lower()
            )
            name = record.get("name", "")
            if repeat_depth:
                if kind == "begin repeat":
                    repeat_depth += 1
                elif kind == "end repeat":
                    repeat_depth -= 1
                elif name:
                    self.skipped.add(name)
                    self.warn(
                        "survey",
                        number,
                        "type",
                        f"item {name!r} is inside a repeat (row {repeat_row}) and was not imported",
                    )
                continue
            if not raw_type:
                raise self.error("the row has no type", "survey", number, "type")
            if kind == "begin repeat":
                repeat_depth, repeat_row = 1, number
                self.warn(
                    "survey",
                    number,
                    "type",
                    f"repeat groups are not supported: repeat {name!r} and its contents were not imported",
                )
                continue
            if kind == "end repeat":
                raise self.error("end repeat without a begin repeat", "survey", number, "type")
            if kind == "begin group":
                if group is not None:
                    nested.append((name, record.get("relevant") or None, number))
                    self.warn(
                        "survey",
                        number,
                        "type",
                        f"nested group {name!r} was flattened into group {group['name']!r}; its relevant applies to each of its items",
                    )
                    continue
                if not name:
                    raise self.error("a group needs a name", "survey", number, "name")
                self.warn_group_columns(number, record, name)
                group = {
                    "name": name,
                    "label": _texts(record, "label", default_language),
                    "relevant": record.get("relevant") or None,
                    "items": [],
                }
                group_row = number
                self.item_rows[name] = number
                ungrouped = None
                continue
            if kind == "end group":
                if nested:
                    nested.pop()
                    continue
                if group is None:
                    raise self.error("end group without a begin group", "survey", number, "type")
                sections.append(group)
                group = None
                continue
            item = self.read_item(number, record, raw_type, kind, lists, default_language)
            if item is None:
                continue
            if nested:
                conditions = [condition for _, condition, _ in nested if condition]
                if item.get("relevant"):
                    conditions.append(item["relevant"])
                if conditions:
                    item["relevant"] = " and ".join(f"({condition})" for condition in conditions)
            if item["name"] in self.item_rows:
                raise self.error(
                    f"the name {item['name']!r} is already used in row {self.item_rows[item['name']]}; names must be unique",
                    "survey",
                    number,
                    "name",
                )
            self.item_rows[item["name"]] = number
            if group is not None:
                group["items"].append(item)
            else:
                if ungrouped is None:
                    ungrouped = {"name": "", "label": {}, "relevant": None, "items": []}
                    sections.append(ungrouped)
                ungrouped["items"].append(item)
        if repeat_depth:
            raise self.error("the repeat begun here has no end repeat", "survey", repeat_row, "type")
        if group is not None:
            raise self.error(
                f"group {group['name']!r} begun here has no end group", "survey", group_row, "type"
            )
        return sections

    def warn_group_columns(self, number: int, record: dict[str, str], name: str) -> None:
        """A group keeps its name, label and relevant; anything else on its row is reported."""
        for header, value in record.items():
            base = header.split("::", 1)[0].strip().lower()
            if value and base not in ("type", "name", "label", "relevant") and _known_column(header):
                self.warn(
                    "survey",
                    number,
                    header,
                    f"{header!r} on group {name!r} is not supported and was not imported",
                )

    def read_item(
        self,
        number: int,
        record: dict[str, str],
        raw_type: str,
        kind: str,
        lists: dict[str, list[tuple[int, str, Text]]],
        default_language: str,
    ) -> dict[str, Any] | None:
        name = record.get("name", "")
        words = raw_type.split()
        base = words[0].lower()
        if base in METADATA_TYPES:
            self.warn(
                "survey",
                number,
                "type",
                f"metadata {raw_type!r} ({name or 'unnamed'}) is not recorded by Huifang and was not imported",
            )
            self.skipped.add(name)
            return None
        if base not in ("select_one", "select_multiple") and kind not in SIMPLE_TYPES:
            self.warn(
                "survey",
                number,
                "type",
                f"type {raw_type!r} is not supported; item {name!r} was not imported",
            )
            self.skipped.add(name)
            return None
        if not name:
            raise self.error("the item has no name", "survey", number, "name")
        item: dict[str, Any] = {
            "name": name,
            "label": _texts(record, "label", default_language),
            "hint": _texts(record, "hint", default_language),
            "constraint_message": _texts(record, "constraint_message", default_language),
            "relevant": record.get("relevant") or None,
            "constraint": record.get("constraint") or None,
            "required": self.read_required(record.get("required", "")),
            "allow_dk": self.read_flag(record, "allow_dk", number),
            "allow_refused": self.read_flag(record, "allow_refused", number),
        }
        worded = {
            mode: {
                "label": _texts(record, f"label_{mode}", default_language),
                "hint": _texts(record, f"hint_{mode}", default_language),
            }
            for mode in MODES
        }
        item["modes"] = {mode: texts for mode, texts in worded.items() if texts["label"] or texts["hint"]}
        if base in ("select_one", "select_multiple"):
            self.read_select(item, number, words, base, lists)
        else:
            item["type"] = kind
        if kind == "calculate":
            item["calculate"] = record.get("calculation") or None
            if not item["calculate"]:
                raise self.error("a calculate row needs a calculation", "survey", number, "calculation")
        elif record.get("calculation"):
            self.warn(
                "survey",
                number,
                "calculation",
                f"a calculation on a {raw_type} item is not supported and was not imported",
            )
        for column, key in (("min", "minimum"), ("max", "maximum")):
            text = record.get(column, "")
            if text:
                try:
                    value = float(text)
                except ValueError:
                    raise self.error(
                        f"{column} must be a number, not {text!r}", "survey", number, column
                    ) from None
                item[key] = int(value) if value.is_integer() and "." not in text else value
        return item

    def read_required(self, text: str) -> bool | str:
        lowered = text.strip().lower()
        if lowered in YES:
            return True
        if lowered in NO:
            return False
        return text

    def read_flag(self, record: dict[str, str], column: str, number: int) -> bool:
        lowered = record.get(column, "").strip().lower()
        if lowered in YES:
            return True
        if lowered in NO:
            return False
        raise self.error(f"{column} must be yes or no, not {record[column]!r}", "survey", number, column)

    def read_select(
        self,
        item: dict[str, Any],
        number: int,
        words: list[str],
        base: str,
        lists: dict[str, list[tuple[int, str, Text]]],
    ) -> None:
        if len(words) < 2:
            raise self.error(
                f"{base} needs a choice list name, e.g. '{base} colours'", "survey", number, "type"
            )
        list_name = words[1]
        if len(words) > 2:
            self.warn(
                "survey",
                number,
                "type",
                f"{' '.join(words[2:])!r} after the list name is not supported and was ignored",
            )
        if list_name not in lists:
            raise self.error(
                f"{base} refers to the choice list {list_name!r}, which is not in the choices sheet",
                "survey",
                number,
                "type",
            )
        entries = lists[list_name]
        choices = []
        for row, code, label in entries:
            if code in (DONT_KNOW, REFUSED):
                item["allow_dk" if code == DONT_KNOW else "allow_refused"] = True
                self.check_standard_label(row, code, label, SPECIAL_LABELS[code], "the special answer")
                continue
            choices.append({"code": code, "label": label, "row": row})
        codes = [choice["code"] for choice in choices]
        item["type"] = "multiple" if base == "select_multiple" else "single"
        if base == "select_one" and list_name == "yesno" and codes == ["yes", "no"]:
            item["type"] = "yesno"
            standard = YESNO_LABELS
        elif base == "select_one" and list_name in SCALES and codes == SCALES[list_name].codes:
            item["type"] = "rating"
            item["scale"] = None if list_name == self.rating_scale else list_name
            standard = {level.code: {"zh": level.zh, "en": level.en} for level in SCALES[list_name].levels}
        else:
            item["choices"] = [{"code": choice["code"], "label": choice["label"]} for choice in choices]
            return
        for choice in choices:
            self.check_standard_label(
                choice["row"],
                choice["code"],
                choice["label"],
                standard[choice["code"]],
                f"list {list_name!r}",
            )

    def check_standard_label(self, row: int, code: str, label: Text, standard: Text, what: str) -> None:
        differing = {language: text for language, text in label.items() if standard.get(language) != text}
        if differing:
            language, text = next(iter(differing.items()))
            self.warn(
                "choices",
                row,
                _language_header("label", language),
                f"{what} uses Huifang's standard labels for {code!r}: {text!r} was not imported "
                f"({standard.get(language, '')!r} is used)",
            )


# --- writing ------------------------------------------------------------------------------------


def _languages(questionnaire: Questionnaire) -> list[str]:
    found: set[str] = set(questionnaire.title)
    for section in questionnaire.sections:
        found.update(section.label)
        for item in section.items:
            found.update(item.label, item.hint, item.constraint_message)
            for wording in item.modes.values():
                found.update(wording.label, wording.hint)
            for choice in item.choices:
                found.update(choice.label)
    ordered = [
        language
        for language in ("zh", "en")
        if language in found or language == questionnaire.settings.default_language
    ]
    return ordered + sorted(found - set(ordered))


def _list_names(questionnaire: Questionnaire) -> dict[str, tuple[str, tuple[Choice, ...]]]:
    """The choice list of each choice item: shared when identical, never a reserved name."""
    reserved = {"yesno", *SCALES}
    by_item: dict[str, tuple[str, tuple[Choice, ...]]] = {}
    by_content: dict[tuple, str] = {}
    used: set[str] = set()
    for item in questionnaire.items:
        if item.type == "yesno":
            by_item[item.name] = ("yesno", questionnaire.options(item)[:2])
        elif item.type == "rating":
            scale = questionnaire.scale_of(item)
            by_item[item.name] = (
                scale,
                tuple(choice for choice in questionnaire.options(item) if choice.code not in item.specials),
            )
        elif item.type in ("single", "multiple"):
            key = tuple((choice.code, tuple(sorted(choice.label.items()))) for choice in item.choices)
            if key in by_content:
                by_item[item.name] = (by_content[key], item.choices)
                continue
            name = item.name if item.name not in reserved else f"{item.name}_list"
            while name in used:
                name += "_"
            used.add(name)
            by_content[key] = name
            by_item[item.name] = (name, item.choices)
    return by_item


def _set(sheet: Any, row: int, column: int, value: Any) -> None:
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text, never a formula


def _write_table(sheet: Any, headers: list[str], rows: Iterable[dict[str, Any]]) -> None:
    for column, header in enumerate(headers, start=1):
        _set(sheet, 1, column, header)
    for number, record in enumerate(rows, start=2):
        for column, header in enumerate(headers, start=1):
            value = record.get(header)
            if value not in (None, ""):
                _set(sheet, number, column, value)


def to_workbook(questionnaire: Questionnaire) -> Workbook:
    """The questionnaire as an XLSForm workbook (survey, choices, settings)."""
    languages = _languages(questionnaire)
    lists = _list_names(questionnaire)

    def texts(column: str, values: Text) -> dict[str, str]:
        return {_language_header(column, language): values.get(language, "") for language in languages}

    survey_rows: list[dict[str, Any]] = []
    for section in questionnaire.sections:
        if section.name:
            survey_rows.append(
                {
                    "type": "begin group",
                    "name": section.name,
                    **texts("label", section.label),
                    "relevant": section.relevant,
                }
            )
        for item in section.items:
            if item.type in ("single", "rating", "yesno"):
                kind = f"select_one {lists[item.name][0]}"
            elif item.type == "multiple":
                kind = f"select_multiple {lists[item.name][0]}"
            else:
                kind = item.type
            survey_rows.append(
                {
                    "type": kind,
                    "name": item.name,
                    **texts("label", item.label),
                    **texts("hint", item.hint),
                    **{
                        header: value
                        for mode, wording in item.modes.items()
                        for text in ("label", "hint")
                        for header, value in texts(f"{text}_{mode}", getattr(wording, text)).items()
                    },
                    "relevant": item.relevant,
                    "constraint": item.constraint,
                    **texts("constraint_message", item.constraint_message),
                    "required": "yes" if item.required is True else (item.required or None),
                    "calculation": item.calculate,
                    "min": item.minimum,
                    "max": item.maximum,
                    "allow_dk": "yes" if item.allow_dk else None,
                    "allow_refused": "yes" if item.allow_refused else None,
                }
            )
        if section.name:
            survey_rows.append({"type": "end group", "name": section.name})
    worded = any(item.modes for item in questionnaire.items)
    survey_headers = [
        header
        for column in SURVEY_COLUMN_ORDER
        if worded or column not in MODE_COLUMNS
        for header in (
            [_language_header(column, language) for language in languages]
            if column in TEXT_COLUMNS
            else [column]
        )
    ]
    choice_rows: list[dict[str, Any]] = []
    written: set[str] = set()
    for list_name, choices in lists.values():
        if list_name in written:
            continue
        written.add(list_name)
        for choice in choices:
            choice_rows.append({"list_name": list_name, "name": choice.code, **texts("label", choice.label)})
    settings = questionnaire.settings
    default_language = settings.default_language
    settings_row = {
        "form_id": questionnaire.id,
        "form_title": questionnaire.title.get(default_language)
        or next(iter(questionnaire.title.values()), None),
        "version": str(questionnaire.version),
        "default_language": f"{LANGUAGE_NAMES.get(default_language, default_language)} ({default_language})",
        "rating_scale": settings.rating_scale,
        "case_fields": " ".join(settings.case_fields) or None,
        **texts("title", questionnaire.title),
    }
    workbook = Workbook()
    survey = workbook.active
    survey.title = "survey"
    _write_table(survey, survey_headers, survey_rows)
    _write_table(
        workbook.create_sheet("choices"),
        ["list_name", "name", *(_language_header("label", language) for language in languages)],
        choice_rows,
    )
    _write_table(
        workbook.create_sheet("settings"),
        [*SETTINGS_COLUMNS, *(_language_header("title", language) for language in languages)],
        [settings_row],
    )
    return workbook


def write_xlsform(questionnaire: Questionnaire, target: str | Path | IO[bytes]) -> None:
    """Write the questionnaire as an XLSForm .xlsx file (or into a binary stream)."""
    to_workbook(questionnaire).save(target)
