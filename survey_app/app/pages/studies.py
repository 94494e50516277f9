"""Researcher: the studies (list, create), their questionnaire versions and their state."""

from __future__ import annotations

import streamlit as st

import questionnaires
from sampling.vocabulary import DEFAULT_SATISFIED_CODES, SCALES
from survey_app.app import state, tables, words
from survey_app.app.refusal_gamma import refusal_gamma_control
from survey_app.app.state import tr
from survey_app.app.verdict_setting import verdict_setting_control
from survey_app.services import questionnaire_store, studies

TEMPLATE = "justice-callback"

state.guard("researcher", "admin")
st.header(tr("page.studies"))
state.show_flash()

with state.reading() as session:
    rows = [
        {
            tr("common.id"): s.id,
            tr("common.name"): s.name,
            tr("common.title"): s.title,
            tr("common.state"): studies.state_label(s.state, state.lang()),
            tr("studies.scale"): words.scale_label(s.scale, state.lang()),
            tr("studies.satisfied"): " + ".join(
                SCALES[s.scale].label(c, state.lang()) for c in s.satisfied_codes
            ),
            tr("common.created"): tables.shanghai(s.created_at),
        }
        for s in studies.list_studies(session)
    ]
st.subheader(tr("studies.list"))
if rows:
    tables.show(rows, key="studies", file_name="huifang-studies.csv")
else:
    st.info(tr("app.no_studies"))

st.subheader(tr("studies.create"))
scale = st.selectbox(
    tr("studies.scale"),
    list(SCALES),
    format_func={name: words.scale_label(name, state.lang()) for name in SCALES}.__getitem__,
    key="new_study_scale",
)
with st.form("create_study", clear_on_submit=True):
    name = st.text_input(tr("studies.name"), key="new_study_name")
    title = st.text_input(tr("studies.title_field"), key="new_study_title")
    levels = SCALES[scale].levels
    label_of = {level.code: level.zh if state.lang() == "zh" else level.en for level in levels}
    satisfied = st.multiselect(
        tr("studies.satisfied"),
        list(label_of),
        default=[c for c in DEFAULT_SATISFIED_CODES if c in label_of],
        format_func=label_of.__getitem__,
        placeholder=tr("common.choose"),
        key="new_study_satisfied",
    )
    create = st.form_submit_button(tr("studies.submit"))
if create:
    with state.action() as session:
        made = studies.create_study(
            session,
            state.actor(session),
            name.strip(),
            title.strip() or name.strip(),
            scale=scale,
            satisfied_codes=tuple(satisfied),
        )
        state.switch_study(made.id)
        state.flash(tr("studies.created", name=made.name))
    if st.session_state.get(state.FLASH_KEY):
        st.rerun()

study, versions, study_state, gamma, verdict = None, [], None, studies.DEFAULT_REFUSAL_GAMMA, None
with state.reading() as session:
    study = state.study(session)
    if study is not None:
        st.subheader(f"{study.name} · {tr('studies.questionnaire')}")
        versions = [
            {
                tr("common.id"): v.id,
                tr("common.name"): v.name,
                tr("designer.version"): v.version,
                tr("common.state"): tr("designer.frozen") if v.frozen else tr("designer.draft"),
                "SHA-256": v.sha256[:16],
            }
            for v in questionnaire_store.versions(session, study)
        ]
        study_state = study.state
        gamma = studies.refusal_gamma(study)
        verdict = studies.verdict_method(study)
if study is not None:
    if versions:
        tables.show(versions, key="versions", file_name=f"{study.name}-questionnaire-versions.csv")
    else:
        st.caption(tr("studies.no_versions"))
    template = getattr(questionnaires, "template", None)
    if template is None:
        st.caption(tr("common.not_available", what="questionnaires.template"))
    elif st.button(tr("studies.attach_template"), key="attach_template"):
        with state.action() as session:
            actor = state.actor(session)
            row = questionnaire_store.save_version(session, actor, state.study(session), template(TEMPLATE))
            questionnaire_store.freeze(session, actor, row.id)
            state.flash(tr("studies.attached", name=row.name, version=row.version))
        if st.session_state.get(state.FLASH_KEY):
            st.rerun()
    next_state = {
        "design": ("fieldwork", "studies.start_fieldwork"),
        "fieldwork": ("closed", "studies.close"),
    }
    st.subheader(tr("gamma.title"))
    refusal_gamma_control(gamma)
    verdict_setting_control(verdict)
    st.caption(tr("studies.current_state", state=studies.state_label(study_state, state.lang())))
    if study_state in next_state:
        target, label = next_state[study_state]
        if st.button(tr(label), key="advance_state"):
            with state.action() as session:
                studies.set_state(session, state.actor(session), state.study(session), target)
                state.flash(tr("studies.state_changed", state=studies.state_label(target, state.lang())))
            if st.session_state.get(state.FLASH_KEY):
                st.rerun()
    elif study_state == "closed":
        # more fieldwork after closing (a reserve released late, re-contacts): reopened with a reason
        with st.form("reopen_study"):
            reason = st.text_input(tr("studies.reopen_reason"), key="reopen_reason")
            reopen = st.form_submit_button(tr("studies.reopen"))
        if reopen:
            with state.action() as session:
                studies.reopen(session, state.actor(session), state.study(session), reason)
                state.flash(tr("studies.state_changed", state=studies.state_label("fieldwork", state.lang())))
            if st.session_state.get(state.FLASH_KEY):
                st.rerun()
