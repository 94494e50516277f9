"""Researcher: the questionnaire designer — versions, edits with live checks, preview, files, history.

Edits change a working copy held in this tab (every edit is a `questionnaires` function, so the copy
is always a valid questionnaire); "save" stores it through `questionnaire_store`, which checks the
role and writes the audit log. A frozen version is never edited: the page offers a new version.
"""

from __future__ import annotations

import streamlit as st

import questionnaires
from questionnaires import QuestionnaireError
from survey_app.app import designer_widgets as widgets
from survey_app.app import state, tables
from survey_app.app.state import tr
from survey_app.services import questionnaire_store

TEMPLATE = "justice-callback"
VERSION_KEY = "designer_version"
SELECT_NEXT = "designer_select_next"  # a version to select on the next run (after saving one)


def _saved(message: str, version_id: int | None = None) -> None:
    """After an action stored something: remember the message (and the version to show), rerun."""
    state.flash(message)
    if version_id is not None:
        st.session_state[SELECT_NEXT] = version_id
    widgets.forget_work()


def _store_new(questionnaire: questionnaires.Questionnaire) -> None:
    """Save `questionnaire` (unfrozen) as the next version in the chosen study."""
    with state.action() as session:
        row = questionnaire_store.save_version(
            session,
            state.actor(session),
            state.study(session),
            questionnaire.model_copy(update={"frozen": False}),
        )
        _saved(tr("designer.saved_new", name=row.name, version=row.version), row.id)


state.guard("researcher", "admin")
st.header(tr("page.designer"))
state.show_flash()

with state.reading() as session:
    study = state.require_study(session)
    rows = questionnaire_store.versions(session, study)
    versions = {row.id: (row.name, row.version, row.frozen, row.sha256, row.created_at) for row in rows}

# --- start: template or import -------------------------------------------------------------------
with st.expander(tr("designer.start"), expanded=not versions):
    if st.button(tr("designer.from_template", name=TEMPLATE), key="designer_template"):
        _store_new(questionnaires.template(TEMPLATE))
    upload = st.file_uploader(
        tr("designer.import"), type=["json", "yaml", "yml", "xlsx"], key="designer_upload"
    )
    if upload is not None:
        try:
            report = widgets.read_upload(upload.name, upload.getvalue())
        except QuestionnaireError as error:
            st.error(tr("designer.import_failed", error=error))
        else:
            for warning in report.warnings:
                st.warning(tr("designer.import_warning", warning=warning))
            if not report.warnings:
                st.success(tr("designer.import_clean", name=report.questionnaire.id))
            if st.button(tr("designer.import_save"), key="designer_import"):
                _store_new(report.questionnaire)
if st.session_state.get(state.FLASH_KEY):
    st.rerun()
if not versions:
    st.info(tr("designer.no_versions"))
    st.stop()

# --- the version to work on ----------------------------------------------------------------------
ids = list(versions)
chosen = st.session_state.pop(SELECT_NEXT, None)
if chosen in versions:
    st.session_state[VERSION_KEY] = chosen
elif st.session_state.get(VERSION_KEY) not in versions:
    st.session_state[VERSION_KEY] = ids[-1]
version_labels = {
    vid: tr(
        "designer.version_label",
        name=name,
        version=version,
        state=tr("designer.frozen") if frozen else tr("designer.draft"),
    )
    for vid, (name, version, frozen, _, _) in versions.items()
}
version_id = st.selectbox(
    tr("designer.version"), ids, format_func=version_labels.__getitem__, key=VERSION_KEY
)
name, number, frozen, sha256, _ = versions[version_id]
with state.reading() as session:
    stored = questionnaire_store.load_version(session, version_id)
if frozen:
    stored = stored.freeze()  # the row's flag is the truth: the library then refuses edits too
work = widgets.working_copy(version_id, stored)
dirty = work != stored

edit_tab, preview_tab, history_tab, files_tab = st.tabs(
    [
        tr("designer.tab_edit"),
        tr("designer.tab_preview"),
        tr("designer.tab_history"),
        tr("designer.tab_files"),
    ]
)

# --- editing -------------------------------------------------------------------------------------
with edit_tab:
    tables.grid(widgets.item_rows(work), hide_index=True, width="stretch")
    if frozen:
        st.info(tr("designer.frozen_info", name=name, version=number))
        if st.button(tr("designer.new_version"), key="designer_new_version", type="primary"):
            _store_new(questionnaires.new_version(stored))
    else:
        edited = None
        names = list(work.item_names)
        added = st.session_state.pop(widgets.ITEM_NEXT, None)
        if added in names:
            st.session_state[f"designer_item-{version_id}"] = added
        item_name = st.selectbox(
            tr("designer.pick_item"),
            names,
            format_func={
                item.name: f"{item.name} · {widgets.type_label(item.type)} · {item.label.get(state.lang(), '')[:30]}"
                for item in work.items
            }.__getitem__,
            key=f"designer_item-{version_id}",
        )
        if item_name is not None:
            item = work.item(item_name)
            up, down, delete = st.columns(3)
            if up.button(tr("designer.move_up"), key="designer_item_up"):
                edited = widgets.moved(work, item_name, -1)
            if down.button(tr("designer.move_down"), key="designer_item_down"):
                edited = widgets.moved(work, item_name, +1)
            if delete.button(tr("designer.delete_item"), key="designer_item_delete"):
                edited = widgets.try_edit(questionnaires.delete_item, work, item_name)
            changes, valid = widgets.item_editor(work, item, version_id)
            if changes and valid:
                st.caption(tr("designer.pending", fields=", ".join(changes)))
            if st.button(tr("designer.apply"), key="designer_apply"):
                if not valid:
                    st.error(tr("designer.fix_first"))
                elif changes:
                    edited = widgets.try_edit(questionnaires.update_item, work, item_name, **changes)
            if item.type in widgets.OWN_CHOICES:
                edited = widgets.choice_editor(work, item, version_id) or edited
        with st.expander(tr("designer.add_item")):
            edited = widgets.add_item_form(work) or edited
        with st.expander(tr("designer.sections")):
            edited = widgets.section_editor(work, version_id) or edited
        with st.expander(tr("designer.settings")):
            edited = widgets.settings_editor(work, version_id) or edited
        if edited is not None:
            widgets.keep(version_id, edited)
            st.rerun()

        st.divider()
        if dirty:
            st.warning(tr("designer.unsaved"))
            with st.expander(tr("designer.unsaved_changes")):
                tables.grid(widgets.diff_rows(stored, work), hide_index=True, width="stretch")
        save, save_new, freeze, discard = st.columns(4)
        if save.button(tr("designer.save"), key="designer_save", type="primary"):
            if not dirty:
                st.info(tr("designer.nothing_to_save"))
            else:
                with state.action() as session:
                    row = questionnaire_store.update_draft(session, state.actor(session), version_id, work)
                    _saved(tr("designer.saved", name=row.name, version=row.version))
        if save_new.button(tr("designer.save_new"), key="designer_save_new"):
            _store_new(work)
        if freeze.button(tr("designer.freeze"), key="designer_freeze"):
            if dirty:
                st.error(tr("designer.save_before_freeze"))
            else:
                with state.action() as session:
                    row = questionnaire_store.freeze(session, state.actor(session), version_id)
                    _saved(tr("designer.frozen_done", name=row.name, version=row.version))
        if dirty and discard.button(tr("designer.discard"), key="designer_discard"):
            widgets.forget_work()
            st.rerun()
if st.session_state.get(state.FLASH_KEY):  # something was stored: show the page as it is now
    st.rerun()

# --- preview -------------------------------------------------------------------------------------
with preview_tab:
    widgets.preview(work)

# --- history -------------------------------------------------------------------------------------
with history_tab:
    tables.grid(
        [
            {
                tr("common.id"): vid,
                tr("common.name"): v_name,
                tr("designer.version"): v_number,
                tr("common.state"): tr("designer.frozen") if v_frozen else tr("designer.draft"),
                "SHA-256": v_sha[:16],
                tr("common.created"): created.strftime("%Y-%m-%d %H:%M"),
            }
            for vid, (v_name, v_number, v_frozen, v_sha, created) in versions.items()
        ],
        hide_index=True,
        width="stretch",
    )
    if len(ids) < 2:
        st.caption(tr("designer.one_version"))
    else:
        before, after = st.columns(2)
        old_id = before.selectbox(
            tr("designer.diff_from"),
            ids,
            index=max(ids.index(version_id) - 1, 0),
            format_func=version_labels.__getitem__,
            key="designer_diff_from",
        )
        new_id = after.selectbox(
            tr("designer.diff_to"),
            ids,
            index=ids.index(version_id),
            format_func=version_labels.__getitem__,
            key="designer_diff_to",
        )
        with state.reading() as session:
            old_q = questionnaire_store.load_version(session, old_id)
            new_q = questionnaire_store.load_version(session, new_id)
        changes = widgets.diff_rows(old_q, new_q)
        if changes:
            tables.grid(changes, hide_index=True, width="stretch")
        else:
            st.caption(tr("designer.no_changes"))

# --- files ---------------------------------------------------------------------------------------
with files_tab:
    st.caption(tr("designer.export_note", name=name, version=number))
    widgets.download_buttons(stored, f"{name}-v{number}")
