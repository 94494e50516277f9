"""Surveyor: the interview of the held case — one item at a time, each answer stored when given.

The page keeps nothing that matters in the browser: the engine is rebuilt from the stored answers
on every run, so a reload (or a new tab, or a new login) lands on the same item. Only "I went back
to change item X" lives in the tab's state; losing it just returns to the first unanswered item.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from questionnaires.errors import QuestionnaireError
from survey_app.app import state
from survey_app.app.queries import held_case_id
from survey_app.app.state import tr
from survey_app.services import dispositions, interviews

CURSOR_KEY = "interview_cursor"  # {case_id: item name} while an earlier answer is being changed
CHOICE_TYPES = ("single", "rating", "yesno")

state.guard("surveyor")
st.header(tr("page.interview"))
state.show_flash()


def _cursor(case_id: int) -> str | None:
    return st.session_state.get(CURSOR_KEY, {}).get(case_id)


def _set_cursor(case_id: int, name: str | None) -> None:
    st.session_state[CURSOR_KEY] = {case_id: name} if name else {}


with state.reading() as session:
    study = state.require_study(session)
    actor = state.actor(session)
    case_id = held_case_id(session, actor, study)
    if case_id is None:
        st.info(tr("interview.no_case"))
        st.stop()
    _, engine = interviews.open_interview(session, actor, case_id)
    engine.language = state.lang()
    cursor = _cursor(case_id)
    question = engine.go_to(cursor) if cursor else engine.current()
    answered = len(engine.answers)
    can_go_back = engine.can_go_back

st.caption(tr("interview.progress", done=answered, case=case_id))
if cursor:
    st.info(tr("interview.changing"))
st.markdown(f"#### {question.label}")
if question.hint:
    st.caption(question.hint)


def _label(code: str) -> str:
    return next((o.label for o in question.options if o.code == code), code)


def _widget() -> tuple[Any, bool]:
    """The answer widget for the item's type: (value, chosen) where chosen is False for 'nothing given'."""
    kind, key = question.type, f"answer-{case_id}-{question.name}"
    codes = [o.code for o in question.options]
    if kind == "note":
        return None, True
    if kind in CHOICE_TYPES:
        index = codes.index(question.value) if question.answered and question.value in codes else None
        value = st.radio(
            question.label, codes, index=index, format_func=_label, key=key, label_visibility="collapsed"
        )
        return value, value is not None
    if kind == "multiple":
        value = st.multiselect(
            question.label,
            codes,
            default=question.value or [],
            format_func=_label,
            key=key,
            label_visibility="collapsed",
        )
        return value, bool(value)
    specials = list(question.item.specials)
    if kind in ("integer", "decimal"):
        integer = kind == "integer"
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
    elif kind == "date":
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
            format_func={None: tr("interview.none"), **{c: _label(c) for c in specials}}.__getitem__,
            key=f"{key}-special",
            horizontal=True,
        )
        if special is not None:
            return special, True
    return value, value is not None


with st.form(f"item-{case_id}-{question.name}"):
    value, chosen = _widget()
    submit_label = tr("interview.continue") if question.type == "note" else tr("interview.next")
    submitted = st.form_submit_button(submit_label, type="primary")

if submitted:
    if not chosen and question.required:
        st.error(tr("interview.choose"))
    else:
        finished = False
        try:
            with state.action() as session:
                actor = state.actor(session)
                if cursor:
                    interviews.change_answer(session, actor, case_id, question.name, value)
                    # the change may have completed nothing: the interview continues at the frontier
                    finished = False
                else:
                    engine = interviews.save_answer(session, actor, case_id, value)
                    finished = engine.complete
                _set_cursor(case_id, None)
                if finished:  # complete, or ended early as not eligible ("not me", "never happened")
                    code = dispositions.interview_outcome(engine.answers)
                    label = f"{code} {dispositions.get(code).label(state.lang())}"
                    state.flash(
                        tr("interview.complete") if code == "1.1" else tr("interview.ended_done", code=label)
                    )
                st.session_state["_answer_saved"] = True
        except QuestionnaireError as exc:
            st.error(tr("interview.invalid", error=exc))
        if st.session_state.pop("_answer_saved", False):
            st.rerun()

left, right = st.columns(2)
if can_go_back and left.button(tr("interview.back"), key="interview_back"):
    with state.action() as session:
        _, engine = interviews.open_interview(session, state.actor(session), case_id)
        if cursor:
            engine.go_to(cursor)
        _set_cursor(case_id, engine.back().name)
    st.rerun()
if right.button(tr("interview.ended"), key="interview_ended"):
    with state.action() as session:
        code = interviews.stop_interview(session, state.actor(session), case_id)
        state.flash(tr("interview.ended_done", code=f"{code} {dispositions.get(code).label(state.lang())}"))
    _set_cursor(case_id, None)
    st.rerun()
