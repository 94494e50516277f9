"""The reviewer's analysis, held still while fieldwork goes on.

An analysis takes seconds (the unit models), and during fieldwork the audit chain moves with every call
attempt, answer and login, so a page keyed on the chain's head recomputed on almost every click. The
comparison page keeps, per browser tab, which analysis it showed: the cache key it was computed under and
the point of the chain its snapshot shows. It computes afresh when the reviewer picks another verdict
method, the study's settings change or a phase 2 is drawn (choices whose effect the reviewer expects to
see at once; the last changes how the page judges), or when the reviewer asks; otherwise it says how
many changes to the study wait (`services.analysis_changes`).

The tab keeps the key, not the analysis: an analysis holds the whole frame (~14 MB pickled for the demo's
50,000 records), and the shared cache (`st.cache_data`, a few entries) bounds that memory however many
tabs are open. Should the cache have let the analysis go, it is read again at the current data and the tab
holds that one, with its own time: the figures then move unasked, but never disagree with the time shown.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import streamlit as st

from survey_app.services.analysis_changes import ChainMark
from survey_app.storage.models import Study

KEY = "held_analysis"


@dataclass(frozen=True)
class HeldAnalysis:
    study_id: int
    verdict: str | None
    two_phase: bool
    settings: str
    head: str  # the chain's head the page asked at: the shared cache's key
    mark: ChainMark  # the point of the chain the analysis's own snapshot shows (at or after `head`)
    at: dt.datetime  # naive UTC, when the tab first showed it


def settings_of(study: Study) -> str:
    """What of the study row an analysis reads (scale, satisfied codes, settings such as Γ and the
    verdict method) and its state, as one comparable string."""
    return json.dumps(
        [study.scale, list(study.satisfied_codes), study.settings or {}, study.state],
        sort_keys=True,
        default=str,
    )


def held(study: Study, verdict: str | None, two_phase: bool) -> HeldAnalysis | None:
    """The tab's analysis if it was made for this study, method, phases and settings; else None."""
    kept = st.session_state.get(KEY)
    if not isinstance(kept, HeldAnalysis):
        return None
    if (kept.study_id, kept.verdict, kept.two_phase, kept.settings) != (
        study.id,
        verdict,
        two_phase,
        settings_of(study),
    ):
        return None
    return kept


def hold(study: Study, verdict: str | None, two_phase: bool, head: str, mark: ChainMark) -> HeldAnalysis:
    """Keep the analysis just shown, unless the tab already holds this one (same snapshot)."""
    kept = held(study, verdict, two_phase)
    if kept is not None and (kept.head, kept.mark) == (head, mark):
        return kept
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    kept = HeldAnalysis(study.id, verdict, two_phase, settings_of(study), head, mark, now)
    st.session_state[KEY] = kept
    return kept


def release() -> None:
    """Drop the held analysis, so the next run computes the current one (the update button's callback)."""
    st.session_state.pop(KEY, None)
