"""Researcher: upload a rating-system export, validate and import it; the report and fingerprints."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

import sampling
from sampling.errors import SamplingError
from sampling.frame import FILE_FIELD
from sampling.vocabulary import REQUIRED_FIELDS
from survey_app.app import mapping_form, state, tables, words
from survey_app.app.state import tr
from survey_app.security.masking import mask_name, mask_phone
from survey_app.services import frames
from survey_app.services.errors import InvalidState

ENCODINGS = ["auto", "utf-8", "utf-8-sig", "gbk", "gb18030"]


def _mask_value(value: object, mask) -> str:
    """Mask one reported value; an empty cell (None or NaN after storage) stays empty, and a value the
    library masked already is left as it is."""
    if not isinstance(value, str) or not value:
        return ""
    return value if "*" in value else mask(value)


def _masked(issues: pd.DataFrame) -> pd.DataFrame:
    """A researcher never sees phone numbers or names unmasked, not even in the rejected rows."""
    issues = issues.copy()
    if issues.empty:
        return issues
    for field, mask in (("phone", mask_phone), ("recipient_name", mask_name)):
        rows = issues["field"] == field
        issues.loc[rows, "value"] = issues.loc[rows, "value"].map(lambda v, m=mask: _mask_value(v, m))
    return issues


def _without_folder(error: Exception, folder: str) -> str:
    """The error as the user should read it, in the tab's language: the uploaded file's name, not the
    server's temporary folder."""
    text = words.frame_error_text(error, state.lang())
    return text.replace(str(Path(folder)) + "/", "").replace(str(Path(folder)), "")


def _reason_text(reason: object) -> str:
    return words.reason_text(reason, state.lang())


def _previous_mapping() -> dict[str, str]:
    """The mapping used for the study's last import: exports of one system keep their headers."""
    with state.reading() as session:
        stored = frames.study_frames(session, state.actor(session), state.require_study(session))
    return dict(stored[0].mapping or {}) if stored else {}


def _mapping_editor(uploaded, encoding: str | None) -> dict[str, str | None] | None:
    """Show the detected encoding, the header → field mapping (editable) and a masked preview."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(uploaded.name).name
        path.write_bytes(uploaded.getvalue())
        try:
            preview, detected = sampling.preview(path, rows=5, encoding=encoding)
            headers = list(preview.columns)
        except SamplingError as exc:
            st.error(tr("frames.import_failed", error=_without_folder(exc, folder)))
            return None
    for row, _text, why in preview.attrs.get("unparsable", []):  # what the import will reject
        st.warning(tr("frames.preview_broken", row=row, reason=words.loader_text(why, state.lang())))
    guessed = sampling.resolve_mapping(headers, _previous_mapping() or None)
    if detected:
        st.caption(tr("frames.detected", encoding=detected))
    st.caption(tr("frames.mapping_help"))
    st.caption(tr("frames.required_help"))
    chosen = mapping_form.mapping_form(headers, guessed)
    if chosen is None:
        return None
    missing = [f for f in REQUIRED_FIELDS if f not in chosen.values()]
    if missing:
        st.warning(
            tr(
                "frames.required_missing",
                fields="、".join(words.field_option(f, state.lang()) for f in missing),
            )
        )
    shown = preview.rename(columns={h: f for h, f in chosen.items() if f})
    for field, mask in (("phone", mask_phone), ("recipient_name", mask_name)):
        if field in shown.columns:
            shown[field] = shown[field].astype(str).map(mask)
    st.caption(tr("frames.preview"))
    labels = {f: words.field_label(f, state.lang()) for f in chosen.values() if f}
    # headers in words, unless an ignored column already bears that name (a table needs unique headers)
    shown = shown.rename(columns={f: label for f, label in labels.items() if label not in shown.columns})
    tables.grid(shown, hide_index=True, width="stretch")
    return chosen


state.guard("researcher", "admin")
st.header(tr("page.frames"))
state.show_flash()

with state.reading() as session:
    study = state.require_study(session)

try:  # a study past design takes no new frame: say why once, instead of offering a doomed upload
    frames.refuse_unless_design(study)
except InvalidState as refused:
    st.info(state.error_text(refused))
    uploaded = None
else:
    uploaded = st.file_uploader(tr("frames.upload"), type=["csv", "xlsx", "parquet"], key="frame_file")
    encoding = st.selectbox(
        tr("frames.encoding"),
        ENCODINGS,
        format_func={e: tr("frames.encoding_auto") if e == "auto" else e for e in ENCODINGS}.__getitem__,
        key="frame_encoding",
    )
mapping: dict[str, str | None] | None = None
if uploaded is not None:
    mapping = _mapping_editor(uploaded, None if encoding == "auto" else encoding)
if uploaded is not None and st.button(tr("frames.import"), key="import_frame", disabled=mapping is None):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(uploaded.name).name
        path.write_bytes(uploaded.getvalue())
        try:
            bar = st.progress(0.0, text=tr("frames.import"))
            with state.action() as session:
                frame = frames.import_frame(
                    session,
                    state.actor(session),
                    state.study(session),
                    path,
                    mapping=mapping,
                    encoding=None if encoding == "auto" else encoding,
                    progress=lambda stage, done: bar.progress(
                        min(1.0, done), text=f"{tr('frames.import')} · {stage}"
                    ),
                )
                state.flash(tr("frames.imported", rows=frame.row_count, rejected=frame.rejected_count))
        except (SamplingError, ValueError) as exc:
            st.error(tr("frames.import_failed", error=_without_folder(exc, folder)))
    if st.session_state.get(state.FLASH_KEY):
        st.rerun()

with state.reading() as session:
    stored = frames.study_frames(session, state.actor(session), study)
    latest = stored[0] if stored else None
    issues = _masked(frames.frame_issues(session, latest)) if latest else pd.DataFrame()
    composition = (
        frames.frame_records(session, latest).groupby(["domain", "district"]).size().rename("N").reset_index()
        if latest
        else pd.DataFrame()
    )

st.subheader(tr("frames.list"))
if not stored:
    st.info(tr("frames.none"))
    st.stop()
tables.show(
    [
        {
            "id": f.id,
            "file": f.filename,
            "encoding": f.encoding or "",
            "rows": f.row_count,
            "rejected": f.rejected_count,
            "source_sha": f.source_sha256,
            "frame_sha": f.frame_sha256,
            "at": tables.shanghai(f.imported_at),
        }
        for f in stored
    ],
    key="frames",
    file_name=f"{study.name}-frames.csv",
    labels={"source_sha": tr("frames.source_sha"), "frame_sha": tr("frames.frame_sha")},
)
st.caption(tr("frames.sha_help"))

st.subheader(tr("frames.report", id=latest.id))
if issues.empty:
    st.success(tr("frames.no_issues"))
else:
    tables.show(
        issues.assign(
            reason=issues["reason"].map(_reason_text),
            field=issues["field"].map(lambda f: words.field_label(f, state.lang())),
            value=issues["value"].where(
                # "12 lines" (what the whole file holds), "a long value… (9,000 characters)"
                (issues["field"] != FILE_FIELD) & ~issues["value"].astype("str").str.endswith(" characters)"),
                issues["value"].map(
                    lambda v: words.loader_text(v, state.lang()) if isinstance(v, str) else v
                ),
            ),
        ),
        key="issues",
        file_name=f"frame-{latest.id}-rejected.csv",
        words=["action"],
    )

if not composition.empty:
    import altair as alt

    st.subheader(tr("frames.summary"))
    chart = (
        alt.Chart(composition)
        .mark_bar()
        .encode(x=alt.X("sum(N):Q", title="N"), y=alt.Y("district:N", sort="-x"), color="domain:N")
    )
    st.altair_chart(chart, width="stretch")
