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

Names load on first use (`sampling.lazy`): importing the package or one of its submodules costs
nothing until a name that needs pandas or scipy is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sampling.lazy import lazy_exports

if TYPE_CHECKING:
    from questionnaires.model import Questionnaire

__getattr__, __dir__, _exported = lazy_exports(
    globals(),
    {
        "questionnaires.diff": (
            "Change",
            "diff",
        ),
        "questionnaires.editing": (
            "add_choice",
            "add_item",
            "add_section",
            "delete_choice",
            "delete_item",
            "delete_section",
            "move_choice",
            "move_item",
            "move_section",
            "update_choice",
            "update_item",
            "update_questionnaire",
            "update_section",
        ),
        "questionnaires.errors": (
            "AnswerError",
            "DefinitionError",
            "ExpressionError",
            "FileFormatError",
            "FrozenError",
            "InterviewError",
            "QuestionnaireError",
        ),
        "questionnaires.expressions": (
            "Context",
            "Expression",
            "evaluate",
            "parse",
        ),
        "questionnaires.files": (
            "XLSFormImportWarning",
            "dump",
            "from_dict",
            "load",
            "load_with_report",
            "to_dict",
        ),
        "questionnaires.interview": (
            "Event",
            "Interview",
            "Option",
            "Question",
        ),
        "questionnaires.model": (
            "CASE_FIELDS",
            "MODES",
            "Choice",
            "Item",
            "Questionnaire",
            "Section",
            "Settings",
            "Wording",
        ),
        "questionnaires.templates": (
            "EXAMPLE_CASE",
            "template",
        ),
        "questionnaires.validation": ("check_expression",),
        "questionnaires.xlsform": (
            "ImportReport",
            "ImportWarning",
            "read_xlsform",
            "to_workbook",
            "write_xlsform",
        ),
    },
)


def freeze(questionnaire: Questionnaire) -> Questionnaire:
    """The questionnaire frozen: fieldwork starts with this version, edits need new_version()."""
    return questionnaire.freeze()


def new_version(questionnaire: Questionnaire) -> Questionnaire:
    """An editable copy with version + 1."""
    return questionnaire.new_version()


__all__ = sorted([*_exported, "freeze", "new_version"])
