"""Surveyor: the interview of the held case — one item at a time, each answer stored when given.

The page keeps nothing that matters in the browser: the engine is rebuilt from the stored answers
on every run, so a reload (or a new tab, or a new login) lands on the same item. Only "I went back
to change item X" lives in the tab's state; losing it just returns to the first unanswered item.
"""

from __future__ import annotations

import streamlit as st

from questionnaires.errors import QuestionnaireError
from survey_app.app import state
from survey_app.app.answer_widgets import answer_widget
from survey_app.app.queries import held_case_id
from survey_app.app.recording_widgets import call_panel
from survey_app.app.state import tr
from survey_app.services import dispositions, interviews

CURSOR_KEY = "interview_cursor"  # {case_id: item name} while an earlier answer is being changed

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
    engine = interviews.resume_interview(session, actor, case_id, open_new=False)  # one unlocked read per run
if engine is None:  # the interview's first screen opens it (its row and audit entry): a write, once
    with state.action() as session:
        engine = interviews.open_interview(session, state.actor(session), case_id)[1]
    if engine is None:  # the action failed and said why
        st.stop()
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


with st.form(f"item-{case_id}-{question.name}"):
    value, chosen = answer_widget(question, f"answer-{case_id}-{question.name}")
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

call_panel(case_id, expanded=answered == 0)  # dial link, consent script (录音告知), the call's recording
