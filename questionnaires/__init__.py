"""Questionnaires: design, version and run the callback questionnaire (a plain library).

Public API:
    Questionnaire, Section, Item, Choice, Settings        the model (pydantic, immutable)
    template("justice-callback", scale="justice3")      the built-in bilingual callback
    Interview(questionnaire, case=None, answers=None)   the interview engine (see `interview`)
    parse(source) / evaluate(expression, context)       the expression language
    check_expression(q, source, item=, field=)          live validation for a designer
    load(path) / dump(q, path) / load_with_report(path) .json, .yaml/.yml, .xlsx (XLSForm)
    to_dict(q) / from_dict(data)                        for storing versions in a database
    add_item, update_item, move_item, delete_item, add_choice, …   edits returning a new version
    freeze(q) / new_version(q) / diff(a, b)             versions
"""

from questionnaires.diff import Change, diff
from questionnaires.editing import (
    add_choice,
    add_item,
    add_section,
    delete_choice,
    delete_item,
    delete_section,
    move_choice,
    move_item,
    move_section,
    update_choice,
    update_item,
    update_questionnaire,
    update_section,
)
from questionnaires.errors import (
    AnswerError,
    DefinitionError,
    ExpressionError,
    FileFormatError,
    FrozenError,
    InterviewError,
    QuestionnaireError,
)
from questionnaires.expressions import Context, Expression, evaluate, parse
from questionnaires.files import XLSFormImportWarning, dump, from_dict, load, load_with_report, to_dict
from questionnaires.interview import Event, Interview, Option, Question
from questionnaires.model import CASE_FIELDS, Choice, Item, Questionnaire, Section, Settings
from questionnaires.templates import EXAMPLE_CASE, template
from questionnaires.validation import check_expression
from questionnaires.xlsform import ImportReport, ImportWarning, read_xlsform, to_workbook, write_xlsform


def freeze(questionnaire: Questionnaire) -> Questionnaire:
    """The questionnaire frozen: fieldwork starts with this version, edits need new_version()."""
    return questionnaire.freeze()


def new_version(questionnaire: Questionnaire) -> Questionnaire:
    """An editable copy with version + 1."""
    return questionnaire.new_version()


__all__ = [
    "CASE_FIELDS",
    "EXAMPLE_CASE",
    "AnswerError",
    "Change",
    "Choice",
    "Context",
    "DefinitionError",
    "Event",
    "Expression",
    "ExpressionError",
    "FileFormatError",
    "FrozenError",
    "ImportReport",
    "ImportWarning",
    "Interview",
    "InterviewError",
    "Item",
    "Option",
    "Question",
    "Questionnaire",
    "QuestionnaireError",
    "Section",
    "Settings",
    "XLSFormImportWarning",
    "add_choice",
    "add_item",
    "add_section",
    "check_expression",
    "delete_choice",
    "delete_item",
    "delete_section",
    "diff",
    "dump",
    "evaluate",
    "freeze",
    "from_dict",
    "load",
    "load_with_report",
    "move_choice",
    "move_item",
    "move_section",
    "new_version",
    "parse",
    "read_xlsform",
    "template",
    "to_dict",
    "to_workbook",
    "update_choice",
    "update_item",
    "update_questionnaire",
    "update_section",
    "write_xlsform",
]
