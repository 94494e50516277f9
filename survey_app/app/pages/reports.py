"""Auditor: the PDF report (generated on click) and the verification, check by check."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from survey_app.app import state, tables, words
from survey_app.app.i18n import LANGUAGES
from survey_app.app.state import tr
from survey_app.security.anchors import PublishedPdfError
from survey_app.services import posterior_worker, reports, trust_checks, verification
from survey_app.services.errors import HuifangError

REPORT_KEY = "report_pdf"

state.guard("auditor", "admin")
st.header(tr("page.reports"))

with state.reading() as session:
    study = state.require_study(session)

language = st.radio(
    tr("reports.language"),
    list(LANGUAGES),
    format_func=LANGUAGES.__getitem__,
    horizontal=True,
    key="report_lang",
)
if st.button(tr("reports.generate"), type="primary", key="generate_report"):
    with state.reading() as session:
        auditor = state.actor(session)
    # built from a snapshot and recorded in a short writing session (no write lock while it renders); a
    # study that changed meanwhile is refused in one sentence and nothing is recorded or shown
    try:
        with st.spinner(tr("reports.generate")):
            built_now, _ = reports.build_and_record(
                state.database(), study.id, auditor, lang=language, start=posterior_worker.start
            )
    except HuifangError as exc:
        st.error(state.error_text(exc))
    else:
        st.session_state[REPORT_KEY] = (study.id, language, built_now.pdf, built_now.sha256)
built = st.session_state.get(REPORT_KEY)
if built is not None and built[0] == study.id:
    _, built_lang, pdf, digest = built
    st.caption(tr("reports.sha", sha=digest or hashlib.sha256(pdf).hexdigest()))
    st.caption(tr("reports.sha_help"))
    st.download_button(
        tr("reports.download"),
        pdf,
        file_name=f"huifang-{study.name}-{built_lang}.pdf",
        mime="application/pdf",
        key="download_report",
    )

st.subheader(tr("reports.verify"))
checks = None
upload = st.file_uploader(tr("reports.published_pdf"), type=["pdf"], key="published_pdf")
if st.button(tr("reports.verify"), key="run_verification"):
    try:
        published = trust_checks.published_pdf(upload.getvalue(), upload.name) if upload else None
    except PublishedPdfError as exc:
        st.error(str(exc))
        st.stop()
    with state.reading() as session:
        audited = verification.recording_count(session, state.study(session)) > 0
    # opening the recordings is audited (a write); without any, every check only reads and takes no write
    # lock for the seconds a verification lasts (a recording attached meanwhile fails this verification
    # at its commit, ReadOnlySessionWrite: its opening is never left unaudited)
    with st.spinner(tr("reports.verify")), state.action() if audited else state.reading() as session:
        checks = verification.verify_study(
            session,
            state.study(session),
            actor=state.actor(session),
            published=published,
            start=posterior_worker.start,
        )
if checks is not None:
    # plain words, no emoji: a government desktop without an emoji font shows those as empty boxes
    failed = [check for check in checks if not check.ok]
    applicable = [check for check in checks if check.applicable]
    (st.error if failed else st.success)(
        tr("reports.summary_failed", failed=len(failed), total=len(applicable))
        if failed
        else tr("reports.summary_ok", total=len(applicable))
    )
    if len(applicable) < len(checks):
        st.caption(tr("reports.not_applicable_help", count=len(checks) - len(applicable)))
    tables.show(
        pd.DataFrame(
            [
                {
                    "check": words.check_name(check.name, state.lang()),
                    "result": tr("reports.not_applicable")
                    if not check.applicable
                    else tr("reports.ok")
                    if check.ok
                    else tr("reports.failed"),
                    "detail": words.check_text(check.detail, state.lang()),
                }
                for check in checks
            ]
        ),
        key="verification",
        file_name=f"huifang-{study.name}-verification.csv",
        labels={"check": tr("reports.check"), "result": tr("reports.result"), "detail": tr("reports.detail")},
    )
