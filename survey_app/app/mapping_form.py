"""The header-mapping editor of the Frames page: one select box per Huifang field, listing the export's
columns.

Why per field and not a grid of headers: the required fields are the question a researcher must answer
("which column holds the phone number?"), each gets its own labelled box marked *, and select boxes are
ordinary widgets a keyboard, a screen reader and a browser test can operate (the data editor's cells
are drawn on a canvas). The pure half (`field_choices`, `clashes`, `header_mapping`) turns between the
form's field → column view and the header → field mapping `sampling.load_frame` takes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

import streamlit as st

from sampling.vocabulary import FRAME_FIELDS
from survey_app.app import words
from survey_app.app.state import lang, tr

IGNORE = "—"
COLUMNS = 3


def field_choices(headers: Sequence[str], guessed: Mapping[str, str]) -> dict[str, str | None]:
    """Field → the export column guessed for it (None when no column was guessed)."""
    chosen: dict[str, str | None] = dict.fromkeys(FRAME_FIELDS)
    for header in headers:
        field = guessed.get(header)
        if field in chosen and chosen[field] is None:
            chosen[field] = header
    return chosen


def clashes(choices: Mapping[str, str | None]) -> dict[str, list[str]]:
    """Columns chosen for more than one field: column → those fields (a column holds one field)."""
    fields_of: dict[str, list[str]] = {}
    for field, header in choices.items():
        if header is not None:
            fields_of.setdefault(header, []).append(field)
    return {header: fields for header, fields in fields_of.items() if len(fields) > 1}


def header_mapping(headers: Sequence[str], choices: Mapping[str, str | None]) -> dict[str, str | None]:
    """Header → field for `load_frame`; every column no field chose is ignored explicitly (None), so a
    built-in guess the researcher undid does not come back."""
    field_of = {header: field for field, header in choices.items() if header is not None}
    return {header: field_of.get(header) for header in headers}


def mapping_form(headers: Sequence[str], guessed: Mapping[str, str]) -> dict[str, str | None] | None:
    """Draw the select boxes (pre-set to the guesses); return header → field, or None after showing
    why the choice cannot be imported (a column chosen for two fields)."""
    headers = [str(h) for h in headers]
    # the keys carry the file's headers: another export starts from its own guesses, not old choices
    digest = hashlib.sha256("\x1f".join(headers).encode()).hexdigest()[:10]
    initial = field_choices(headers, guessed)
    options = [IGNORE, *headers]
    choices: dict[str, str | None] = {}
    columns = st.columns(COLUMNS)
    for number, field in enumerate(FRAME_FIELDS):
        with columns[number % COLUMNS]:
            picked = st.selectbox(
                words.field_option(field, lang()),
                options,
                index=options.index(initial[field]) if initial[field] else 0,
                key=f"map_{digest}_{field}",
            )
        choices[field] = None if picked == IGNORE else picked
    double = clashes(choices)
    if double:
        for header, fields in double.items():
            st.error(
                tr(
                    "frames.column_twice",
                    column=header,
                    fields="、".join(words.field_label(f, lang()) for f in fields),
                )
            )
        return None
    return header_mapping(headers, choices)
