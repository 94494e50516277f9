"""The labels an SPSS or Stata user expects on a study's analysis dataset.

`analysis.exports` knows the columns every dataset has; this module adds what only the study knows:
the disposition codes in words (`dispositions`), and each questionnaire item's text as its variable
label with its answer options as value labels (from the questionnaire versions the interviews used).
"""

from __future__ import annotations

import re

import pandas as pd
from sqlalchemy.orm import Session

from analysis.exports import (
    AAPOR_GROUP_LABELS,
    default_value_labels,
    default_variable_labels,
    ordered_code_labels,
)
from questionnaires.model import text_in
from survey_app.services import dispositions, questionnaire_store
from survey_app.storage.models import Study

#: a case field filled in when the question is read (${domain}): "…" in a label that stands for every case
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")

LabelSet = tuple[dict[str, dict[str, str]], dict[str, str]]


def disposition_labels(present: list[str]) -> dict[str, str]:
    """Every AAPOR code Huifang records (and any other code present), as "code 中文", in code order."""
    known = {code: d.zh for code, d in dispositions.DISPOSITIONS.items()}
    known[dispositions.NOT_ATTEMPTED.code] = dispositions.NOT_ATTEMPTED.zh
    for code in present:
        if code not in known:
            known[code] = dispositions.get(code).zh
    return ordered_code_labels(known)


def _questionnaires(session: Session, study: Study) -> list:
    """The study's questionnaire versions, oldest first (so a newer item text overwrites an older one)."""
    return [
        questionnaire_store.load_version(session, v.id) for v in questionnaire_store.versions(session, study)
    ]


def study_labels(session: Session, study: Study, data: pd.DataFrame) -> LabelSet:
    """(value labels, variable labels) for `data`, the study's analysis dataset as exported."""
    values = default_value_labels(data)
    variables = default_variable_labels(data)
    for column in ("final_disposition", "disposition"):
        if column in data.columns:
            values[column] = disposition_labels(sorted(set(data[column].dropna().astype(str))))
    if "aapor_group" in data.columns:
        values["aapor_group"] = dict(AAPOR_GROUP_LABELS)
    for questionnaire in _questionnaires(session, study):
        for item in questionnaire.items:
            if item.name not in data.columns or item.type == "note":
                continue
            variables[item.name] = _PLACEHOLDER.sub("…", text_in(item.label, "zh")) or item.name
            options = {c.code: text_in(c.label, "zh") or c.code for c in questionnaire.options(item)}
            present = set(data[item.name].dropna().astype(str))
            if options and present <= set(options):
                values[item.name] = options
    return values, variables
