"""Streamlit's own English on the zh pages, replaced where a style sheet can reach it.

Streamlit draws some texts itself, in English whatever the app's language: the file uploader's button
("Upload") and its limit line ("200MB per file • CSV, XLSX"). A style sheet cannot edit text, but it
can shrink an element's own text to nothing and print a Chinese one in its place (`::after`); that is
what `localise` does, once per run, for the zh UI. The file types the limit line listed are in each
uploader's own (Chinese) label instead.

What a style sheet cannot reach stays English and is listed in ARCHITECTURE.md ("Streamlit's own
texts"): the text shown while a file is dragged over the box, the uploader's error for a refused file
type or size, the hidden input's screen-reader name, and the connection and error screens Streamlit
shows when the server is unreachable.
"""

from __future__ import annotations

import streamlit as st

from survey_app.app.state import lang, tr

_DROPZONE = '[data-testid="stFileUploaderDropzone"]'


def _css_text(text: str) -> str:
    """`text` as a CSS string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def style_sheet() -> str:
    """The rules that put the tab's Chinese in place of Streamlit's English."""
    button = f'{_DROPZONE} [data-testid="stBaseButton-secondary"] [data-testid="stMarkdownContainer"] p'
    limit = f'{_DROPZONE} [data-testid="stFileUploaderDropzoneInstructions"] span'
    return (
        f"{button}, {limit} {{ font-size: 0; }}\n"
        f"{button}::after {{ content: {_css_text(tr('upload.button'))}; font-size: 0.875rem; }}\n"
        f"{limit}::after {{ content: {_css_text(tr('upload.limit'))}; font-size: 0.875rem; }}\n"
    )


def localise() -> None:
    """In the zh UI, replace the file uploader's English (a style sheet only: nothing is drawn)."""
    if lang() == "zh":
        st.html(f"<style>\n{style_sheet()}</style>")
