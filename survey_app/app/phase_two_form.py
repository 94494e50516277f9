"""The sample page's phase 2: the rest of the budget to the units phase 1 could not clear (issue 10).

Why on the page: the researcher who drew phase 1 here decides phase 2 here too, once every phase-1 case
is final, without the command line. The form offers what a researcher chooses — budget, seed, the
rule (the evidence rule's J highest scores, or the rate rule), the inflation sought and how the budget
is shared; `huifang sample phase2` has the rest (a score threshold or ceiling, constants from an earlier
study, no published level). The draw is `services.phase_two.draw_phase_two`'s, stored with the design and
re-drawn by "verify the sample" like phase 1.
"""

from __future__ import annotations

import streamlit as st

from sampling.errors import SamplingError
from survey_app.app import state
from survey_app.app.state import tr
from survey_app.services import phase_two, studies
from survey_app.storage.models import SampleDesign

RULES = ["evidence", "rate"]
ALLOCATIONS = ["need", "equal"]
#: The form's suggested budget: this share of phase 1's released cases (the researcher sets the real one).
SUGGESTED_SHARE = 0.4


def show(design: SampleDesign, study_state: str) -> None:
    """The phase-2 form, during fieldwork and while the design has no phase 2 (the page then says what
    phase 2 drew instead)."""
    if phase_two.phase_two_of(design) is not None:
        return
    with st.expander(tr("phase2.title"), expanded=False):
        st.caption(tr("phase2.help"))
        if study_state != "fieldwork":
            st.caption(tr("phase2.when", state=studies.state_label(study_state, state.lang())))
            return
        released = sum(int(v) for v in design.allocation.values())
        with st.form("phase_two"):
            budget = st.number_input(
                tr("phase2.budget"),
                min_value=1,
                value=max(1, round(released * SUGGESTED_SHARE)),
                step=10,
                key="phase2_budget",
            )
            seed = st.number_input(
                tr("phase2.seed"), min_value=0, value=int(design.seed) + 1, step=1, key="phase2_seed"
            )
            kind = st.radio(
                tr("phase2.rule"),
                RULES,
                format_func={r: tr(f"phase2.rule_{r}") for r in RULES}.__getitem__,
                key="phase2_rule",
            )
            top = st.number_input(tr("phase2.top"), min_value=1, value=12, step=1, key="phase2_top")
            inflation = st.number_input(
                tr("phase2.inflation"),
                min_value=0.01,
                max_value=0.5,
                value=0.10,
                step=0.01,
                key="phase2_inflation",
            )
            allocation = st.radio(
                tr("phase2.allocation"),
                ALLOCATIONS,
                format_func={a: tr(f"phase2.allocation_{a}") for a in ALLOCATIONS}.__getitem__,
                key="phase2_allocation",
            )
            drawn = st.form_submit_button(tr("phase2.draw"))
        if drawn:
            _draw(int(budget), int(seed), _rule(kind, int(top), float(inflation), allocation))


def _rule(kind: str, top: int, inflation: float, allocation: str) -> dict:
    """The `PhaseTwoRule` fields the form sets (the J highest scores only under the evidence rule)."""
    rule: dict = {"kind": kind, "inflation": inflation, "allocation": allocation}
    if kind == "evidence":
        rule.update(select="top", top=top)
    return rule


def _draw(budget: int, seed: int, rule: dict) -> None:
    with st.spinner(tr("phase2.draw")), state.action() as session:
        try:
            record = phase_two.draw_phase_two(
                session, state.actor(session), state.study(session), budget, seed, rule
            )
        except SamplingError as exc:
            st.error(str(exc))
        else:
            added = sum(record["allocation"].values())
            leaning = phase_two.leaning_expanded(session, state.actor(session), state.study(session), record)
            state.flash(
                tr(
                    "phase2.drawn",
                    seed=record["seed"],
                    selected=len(record["selected"]),
                    audited=len(record["audited"]),
                    units=len(record["allocation"]),
                    cases=added,
                    unused=budget - added,
                ),
                tr("phase2.leaning", count=len(leaning), units="、".join(leaning)) if leaning else None,
            )
    if st.session_state.get(state.FLASH_KEY):
        st.rerun()
