"""Respondent: the questionnaire by one-time link — no account, phone-sized, one item at a time.

Reached through `main.py` whenever the address carries a link's token (`?r=…`), before any login.
The tab first asks for the last four digits of the invited number (`web_invites.verify_identity`,
throttled); then the same engine and answer widgets as the surveyor's interview page show one item at
a time, each answer stored when given. Nothing that matters lives in the tab: closing it and opening
the link again asks for the digits again and resumes at the first unanswered item. Reaching the end
submits the questionnaire, after which every link of the invitation is closed.
"""

from __future__ import annotations

import streamlit as st

from questionnaires.errors import QuestionnaireError
from survey_app.app import state
from survey_app.app.answer_widgets import answer_widget
from survey_app.app.i18n import LANGUAGES
from survey_app.app.state import tr
from survey_app.services import web_invites
from survey_app.services.errors import HuifangError

VERIFIED_KEY = "web_verified"  # the hash of the token this tab passed the identity check for
CURSOR_KEY = "web_cursor"  # the earlier item being changed, if any
DONE_KEY = "web_done"

token = st.query_params.get(web_invites.TOKEN_PARAM, "")
codes = list(LANGUAGES)
st.session_state[state.LANG_KEY] = st.radio(
    "语言 / Language",
    codes,
    index=codes.index(state.lang()),
    format_func=LANGUAGES.__getitem__,
    horizontal=True,
    key="web_lang_select",
    label_visibility="collapsed",
)
st.subheader(tr("web.title"))

if st.session_state.get(DONE_KEY) == web_invites.token_hash(token):
    st.success(tr("web.thanks"))
    st.stop()


def _closed(exc: web_invites.LinkClosed) -> None:
    if exc.reason == "submitted":
        st.success(state.error_text(exc))
    else:
        st.info(state.error_text(exc))
    st.stop()


try:
    with state.database().session() as session:
        web_invites.open_link(session, token)
except web_invites.LinkClosed as exc:
    _closed(exc)

verified = st.session_state.get(VERIFIED_KEY) == web_invites.token_hash(token)
if not verified:
    st.caption(tr("web.intro"))
    st.write(tr("web.identity"))
    with st.form("web-identity"):
        digits = st.text_input(tr("web.last_four"), max_chars=4, key="web_last_four")
        confirmed = st.form_submit_button(tr("web.verify"), type="primary", use_container_width=True)
    if confirmed:
        try:
            with state.database().session() as session:
                passed = web_invites.verify_identity(session, token, digits, client=state.client())
        except web_invites.LinkClosed as exc:
            _closed(exc)
        except HuifangError as exc:  # locked after too many wrong answers
            st.error(state.error_text(exc))
        else:
            if passed:
                st.session_state[VERIFIED_KEY] = web_invites.token_hash(token)
                st.rerun()
            st.error(tr("web.wrong_digits"))
    st.stop()

try:
    with state.database().session() as session:
        _, engine = web_invites.open_web_interview(session, token)
        engine.language = state.lang()
        cursor = st.session_state.get(CURSOR_KEY)
        question = engine.go_to(cursor) if cursor else engine.current()
        answered, can_go_back = len(engine.answers), engine.can_go_back
except web_invites.LinkClosed as exc:
    _closed(exc)

if question is None:  # nothing left to ask: the questionnaire was submitted with the last answer
    st.success(tr("web.thanks"))
    st.stop()
st.caption(tr("web.progress", done=answered))
if cursor:
    st.info(tr("web.changing"))
st.markdown(f"#### {question.label}")
if question.hint:
    st.caption(question.hint)

with st.form(f"web-item-{question.name}"):
    value, chosen = answer_widget(question, f"web-answer-{question.name}")
    label = tr("web.continue") if question.type == "note" else tr("web.next")
    submitted = st.form_submit_button(label, type="primary", use_container_width=True)

if submitted:
    if not chosen and question.required:
        st.error(tr("web.choose"))
    else:
        saved = False
        try:
            with state.database().session() as session:
                engine = web_invites.answer(session, token, value, item=cursor)
                finished = engine.complete
            saved = True
        except web_invites.LinkClosed as exc:
            _closed(exc)
        except QuestionnaireError as exc:
            st.error(tr("web.invalid", error=exc))
        if saved:
            st.session_state.pop(CURSOR_KEY, None)
            if finished:
                st.session_state[DONE_KEY] = web_invites.token_hash(token)
            st.rerun()

if can_go_back and st.button(tr("web.back"), key="web_back", use_container_width=True):
    with state.database().session() as session:
        _, engine = web_invites.open_web_interview(session, token)
        if cursor:
            engine.go_to(cursor)
        st.session_state[CURSOR_KEY] = engine.back().name
    st.rerun()
