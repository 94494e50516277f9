"""Every page, for every role, in the Chinese UI: no English word outside a short allow-list.

The allow-list holds what Chinese users read as is: codes (AAPOR RR1, disposition codes), units and
file types, proper names, and the test data's own values (user names, the study's short name, the
organisation ids) — data is shown as entered, not translated.
"""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from sampling.vocabulary import SCALES
from survey_app.app.main import ROLE_PAGES
from tests.app.builders import STUDY_NAME, complete_interviews
from tests.app.conftest import log_in, page_text

pytestmark = pytest.mark.db

WORD = re.compile(r"[A-Za-z][A-Za-z0-9_'’-]*[A-Za-z0-9]")
#: hashes, paths and ids are data, not words
NOT_WORDS = re.compile(r"[0-9a-f]{12,}|/[\w./-]+|\bORG\d+(-S\d+)?\b|[^\s/（]+\.(csv|xlsx|parquet)\b")
ALLOWED = {
    # codes, standards, units and file types
    *("AAPOR", "RR1", "RR2", "RR3", "RR4", "RR5", "RR6", "COOP1", "REF1", "CON1", "CMH", "BH"),
    *("SHA-256", "SHA", "CSV", "PDF", "JSON", "YAML", "XLSForm", "XLSX", "Parquet", "SPSS", "Stata"),
    *("UTF-8", "GBK", "BOM", "CI", "N_h", "n_h", "sha256sum", "YYYY-MM-DD"),
    *("utf-8", "utf-8-sig", "gbk", "gb18030"),
    # the parts of a PostgreSQL URL the administrator sees (driver and server names are codes)
    *("postgresql", "psycopg", "postgres"),
    # AAPOR's disposition groups, and pandas' mark for an empty number (shown empty in the browser)
    *("NC", "UH", "UO", "NaN"),
    # proper names; the language switch's label is bilingual on purpose
    *("Huifang", "Benjamini", "Hochberg", "Asia", "Shanghai", "SQLite", "PostgreSQL", "Language", "English"),
    # the built-in questionnaire template's name, a code
    "justice-callback",
}


def _questionnaire_codes() -> set[str]:
    """The built-in questionnaire's identifiers (sections, items, choice codes, case fields) and the
    expression language's words: the designer shows them as they are written."""
    import questionnaires

    template = questionnaires.template("justice-callback")
    codes = {"and", "or", "not", "in", "selected", "dk", "refused", "S001", *template.case_fields}
    for scale in SCALES.values():
        codes.update(scale.codes)
    for section in template.sections:
        codes.add(section.name)
        for item in section.items:
            codes.add(item.name)
            codes.update(choice.code for choice in getattr(item, "choices", None) or [])
    return codes


def _visible_text(app: AppTest) -> str:
    parts = [page_text(app)]
    for table in app.dataframe:
        frame = table.value
        parts.extend(str(c) for c in frame.columns)
    for kind in ("button", "selectbox", "multiselect", "text_input", "number_input", "checkbox", "radio"):
        for widget in getattr(app, kind):
            parts.append(str(widget.label))
    parts.extend(str(widget.label) for widget in app.get("download_button"))
    for widget in app.multiselect:  # the chosen values' chips
        parts.extend(str(widget.format_func(v)) for v in widget.value)
    for widget in app.selectbox:
        if widget.value is not None:
            parts.append(str(widget.format_func(widget.value)))
    return "\n".join(parts)


def _english(text: str, data: set[str]) -> set[str]:
    """Words in `text` that are English UI: not allowed codes or names, not identifiers (snake_case
    item names and codes), not the test data's own values (user names, the study's name)."""
    words = set(WORD.findall(NOT_WORDS.sub(" ", text)))
    return {w for w in words if w not in ALLOWED and w not in data and "_" not in w}


@pytest.mark.parametrize("role", list(ROLE_PAGES))
def test_every_page_of_every_role_is_chinese(study, app_db, role):
    complete_interviews(app_db, 4)
    data = {STUDY_NAME, *STUDY_NAME.split("-"), "researcher", "surveyor", "supervisor", "reviewer"}
    data |= {"auditor", "admin", "remediation"}
    if role == "researcher":  # the designer shows the questionnaire's codes: names, choices, expressions
        data |= _questionnaire_codes()
    app = log_in(role)
    found: dict[str, set[str]] = {}
    for filename, _title, _url in ROLE_PAGES[role]:
        app.switch_page(f"pages/{filename}").run()
        assert not app.exception, filename
        english = _english(_visible_text(app), data)
        if english:
            found[filename] = english
    assert found == {}
