"""Researcher: code the open comments — first and blind second pass, kappa, adjudication, frequencies.

Researchers code (see `services.coding` for why not supervisors). Texts are shown anonymised; a
second coder sees only their own codes. Codes are shown by their labels in the tab's language.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.errors import AnalysisError
from sampling.cells import csv_bytes
from survey_app.app import state, tables
from survey_app.app.state import tr
from survey_app.security import audit
from survey_app.services import coding
from survey_app.services.errors import HuifangError
from survey_app.storage.models import Study

BY = {
    "": "coding.by_overall",
    "organisation": "coding.by_organisation",
    "district": "coding.by_district",
    "domain": "coding.by_domain",
}

state.guard("researcher")
st.header(tr("coding.page"))
st.caption(tr("coding.intro"))
state.show_flash()
lang = state.lang()

with state.reading() as session:
    study = state.require_study(session)
    me = state.actor(session)
    codebook = coding.current_codebook(session, study)[1]
    counts = coding.progress(session, me, study)
    members = coding.sample_members(session, study)
    drawn = coding.current_sample(session, study)


def _label(code: str) -> str:
    return codebook.label(code, lang) if code in codebook else code


def _question(question: str) -> str:
    return tr(f"coding.question_{question}")


columns = st.columns(5)
for column, key, value in zip(
    columns,
    ("comments", "coded", "sample", "double", "open"),
    (
        counts["comments"],
        counts["coded"],
        counts["sample"],
        counts["double_coded"],
        counts["open_disagreements"],
    ),
    strict=True,
):
    column.metric(tr(f"coding.metric_{key}"), value)

code_tab, agreement_tab, adjudicate_tab, frequency_tab = st.tabs(
    [
        tr("coding.tab_code"),
        tr("coding.tab_agreement"),
        tr("coding.tab_adjudicate"),
        tr("coding.tab_frequencies"),
    ]
)

# -------------------------------------------------------------------------------------------- coding
with code_tab:
    coding_pass = st.radio(
        tr("coding.pass"),
        ["first", "second"],
        format_func=lambda p: tr(f"coding.pass_{p}"),
        horizontal=True,
        key="coding_pass",
    )
    with state.reading() as session:
        waiting = coding.queue(session, state.actor(session), session.get(Study, study.id), coding_pass)
    if not waiting:
        st.info(tr("coding.none_waiting" if coding_pass == "first" else "coding.none_second"))
    else:
        labels = {
            index: tr("coding.item", interview=c.interview_id, question=_question(c.question))
            for index, c in enumerate(waiting)
        }
        index = st.selectbox(
            tr("coding.choose", n=len(waiting)),
            list(labels),
            format_func=labels.__getitem__,
            key="coding_item",
        )
        item = waiting[index]
        st.markdown(f"> {item.text}")
        with state.reading() as session:
            suggestions = coding.suggestions(session, session.get(Study, study.id), item.text)
        key = f"{item.interview_id}-{item.question}"
        st.markdown(f"**{tr('coding.suggestions')}**")
        accepted = []
        if not suggestions:
            st.caption(tr("coding.no_suggestions"))
        for suggestion in suggestions:
            label = tr("coding.matched", label=_label(suggestion.code), words="、".join(suggestion.keywords))
            if st.checkbox(label, value=True, key=f"coding_accept-{key}-{suggestion.code}"):
                accepted.append(suggestion.code)
        suggested = {s.code for s in suggestions}
        others = [code for code in codebook.assignable_codes if code not in suggested]
        extra = st.multiselect(tr("coding.more_codes"), others, format_func=_label, key=f"coding_extra-{key}")
        if st.button(tr("coding.save"), key=f"coding_save-{key}", type="primary"):
            saved = False
            with state.action() as session:
                coding.save_coding(
                    session, state.actor(session), session.get(Study, study.id), item.interview_id,
                    item.question, [*accepted, *extra], suggested=suggested,
                )  # fmt: skip
                saved = True
            if saved:
                state.flash(tr("coding.saved", interview=item.interview_id))
                st.rerun()

    st.subheader(tr("coding.sample_header"))
    if drawn is not None:
        st.caption(tr("coding.sample_current", n=len(members), seed=drawn.seed))
    left, right = st.columns(2)
    seed = left.number_input(tr("coding.sample_seed"), min_value=0, value=20261201, step=1, key="coding_seed")
    share = right.slider(tr("coding.sample_share"), 0.05, 1.0, coding.DOUBLE_SHARE, 0.05, key="coding_share")
    if st.button(tr("coding.sample_draw"), key="coding_draw"):
        made = None
        with state.action() as session:
            made = coding.draw_double_sample(
                session,
                state.actor(session),
                session.get(Study, study.id),
                seed=int(seed),
                share=float(share),
            )
            made = (len(made.members), made.seed)
        if made is not None:
            state.flash(tr("coding.sample_drawn", n=made[0], seed=made[1]))
            st.rerun()

# ----------------------------------------------------------------------------------------- agreement
with agreement_tab:
    try:
        with state.database().reading() as session:
            kappa = coding.kappa_table(session, state.actor(session), session.get(Study, study.id), lang=lang)
    except HuifangError:
        st.info(tr("coding.no_kappa"))
    else:
        shown = kappa.drop(columns=["code", "se", "neither"])
        tables.grid(shown.rename(columns={c: tr(f"coding.col_{c}") for c in shown.columns}), hide_index=True)
        st.caption(tr("coding.kappa_caption"))

# -------------------------------------------------------------------------------------- adjudication
with adjudicate_tab:
    with state.reading() as session:
        actor = state.actor(session)
        current = session.get(Study, study.id)
        disputed = coding.disagreements(session, actor, current)
        texts = {(c.interview_id, c.question): c.text for c in coding.comments(session, actor, current)}
    if disputed.empty:
        st.info(tr("coding.no_disagreements"))
    else:

        def _mark(value: object) -> str:
            if value is None or pd.isna(value):
                return tr("coding.undecided")
            return tr("coding.yes") if bool(value) else tr("coding.no")

        table = pd.DataFrame(
            {
                tr("coding.col_text"): [
                    texts.get((r.interview_id, r.question), "") for r in disputed.itertuples()
                ],
                tr("coding.col_label"): [_label(code) for code in disputed["code"]],
                tr("coding.col_first"): [_mark(v) for v in disputed["first"]],
                tr("coding.col_second"): [_mark(v) for v in disputed["second"]],
                tr("coding.col_decision"): [_mark(v) for v in disputed["applies"]],
            }
        )
        tables.grid(table, hide_index=True)
        rows = {
            i: f"{tr('coding.item', interview=r.interview_id, question=_question(r.question))} · {_label(r.code)}"
            for i, r in enumerate(disputed.itertuples())
        }
        chosen = st.selectbox(
            tr("coding.disagreement"), list(rows), format_func=rows.__getitem__, key="coding_dispute"
        )
        row = disputed.iloc[chosen]
        applies = st.radio(
            tr("coding.applies"), [True, False], format_func=_mark, horizontal=True, key="coding_applies"
        )
        note = st.text_input(tr("coding.note"), key="coding_note")
        if st.button(tr("coding.adjudicate"), key="coding_adjudicate"):
            done = False
            with state.action() as session:
                coding.adjudicate(
                    session, state.actor(session), session.get(Study, study.id), int(row["interview_id"]),
                    str(row["question"]), str(row["code"]), bool(applies), note.strip() or None,
                )  # fmt: skip
                done = True
            if done:
                state.flash(tr("coding.adjudicated"))
                st.rerun()


# --------------------------------------------------------------------------------------- frequencies
@st.cache_data(show_spinner=False, max_entries=8)
def _frequencies(url: str, study_id: int, head: str, by: str, lang: str) -> pd.DataFrame:
    """Weighted theme frequencies, recomputed only when the audit chain moved (every coding is audited)."""
    with state.database().reading() as session:
        column = {"organisation": "organisation", "district": "district", "domain": "domain"}.get(by)
        return coding.theme_frequencies(
            session, state.actor(session), session.get(Study, study_id), by=column, lang=lang
        )


with frequency_tab:
    by = st.selectbox(tr("coding.by"), list(BY), format_func=lambda b: tr(BY[b]), key="coding_by")
    with state.reading() as session:
        head = audit.head_hash(session)
    try:
        table = _frequencies(state.database().url, study.id, head, by, lang)
    except (HuifangError, AnalysisError):
        table = pd.DataFrame()
    if table.empty:
        st.info(tr("coding.no_frequencies"))
    else:
        shown = table.drop(columns=["theme"]).assign(
            group=lambda t: t["group"].replace({"overall": tr("coding.overall")}),
            **{c: (lambda t, c=c: (t[c] * 100).round(1)) for c in ("estimate", "ci_low", "ci_high")},
        )
        renamed = shown.rename(columns={c: tr(f"coding.col_{'theme' if c == 'label' else c}") for c in shown})
        tables.grid(renamed, hide_index=True)
        st.caption(tr("coding.frequencies_caption"))
        st.download_button(
            tr("coding.download"),
            csv_bytes(table),
            file_name=f"{study.name}-themes.csv",
            mime="text/csv",
            key="coding_download",
        )
