"""Questionnaires: design, version and run the callback questionnaire (a plain library).

Public API:
    Questionnaire, Section, Item, Choice, Settings        the model (pydantic, immutable)
    template("justice-callback", scale="justice3")      the built-in bilingual callback
    Interview(questionnaire, case=None, answers=None)   the interview engine (see `interview`)
    parse(source) / evaluate(expression, context)       the expression language
"""

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
from questionnaires.interview import Event, Interview, Option, Question
from questionnaires.model import CASE_FIELDS, Choice, Item, Questionnaire, Section, Settings
from questionnaires.templates import template
from questionnaires.validation import check_expression

__all__ = [
    "CASE_FIELDS",
    "AnswerError",
    "Choice",
    "Context",
    "DefinitionError",
    "Event",
    "Expression",
    "ExpressionError",
    "FileFormatError",
    "FrozenError",
    "Interview",
    "InterviewError",
    "Item",
    "Option",
    "Question",
    "Questionnaire",
    "QuestionnaireError",
    "Section",
    "Settings",
    "check_expression",
    "evaluate",
    "parse",
    "template",
]
