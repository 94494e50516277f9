"""The surveyor's answer widgets, shared by the interview page and the designer's preview."""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

import questionnaires
from questionnaires.model import NUMBER_TYPES
from survey_app.app.state import tr

CHOICE_TYPES = ("single", "rating", "yesno")


def answer_widget(question: questionnaires.Question, key: str) -> tuple[Any, bool]:
    """The answer widget for the item's type: (value, chosen), chosen False when nothing is given.

    One function for the interview page and the designer's preview, so the preview is exactly what a
    surveyor sees."""
    codes = [option.code for option in question.options]
    labels = {option.code: option.label for option in question.options}
    if question.type == "note":
        return None, True
    if question.type in CHOICE_TYPES:
        index = codes.index(question.value) if question.answered and question.value in codes else None
        value = st.radio(
            question.label,
            codes,
            index=index,
            format_func=labels.__getitem__,
            key=key,
            label_visibility="collapsed",
        )
        return value, value is not None
    if question.type == "multiple":
        value = st.multiselect(
            question.label,
            codes,
            default=question.value or [],
            format_func=labels.__getitem__,
            key=key,
            label_visibility="collapsed",
        )
        return value, bool(value)
    specials = list(question.item.specials)
    if question.type in NUMBER_TYPES:
        integer = question.type == "integer"
        value = st.number_input(
            question.label,
            min_value=question.minimum,
            max_value=question.maximum,
            value=question.value if question.answered and not isinstance(question.value, str) else None,
            step=1 if integer else 0.1,
            format="%d" if integer else "%.2f",
            key=key,
            label_visibility="collapsed",
        )
        value = None if value is None else (int(value) if integer else float(value))
    elif question.type == "date":
        previous = question.value if isinstance(question.value, dt.date) else None
        value = st.date_input(question.label, value=previous, key=key, label_visibility="collapsed")
    else:
        value = st.text_area(
            question.label, value=question.value or "", key=key, label_visibility="collapsed"
        )
        value = value.strip() or None
    if specials:
        special = st.radio(
            tr("interview.special"),
            [None, *specials],
            format_func={None: tr("interview.none"), **{c: labels.get(c, c) for c in specials}}.__getitem__,
            key=f"{key}-special",
            horizontal=True,
        )
        if special is not None:
            return special, True
    return value, value is not None
