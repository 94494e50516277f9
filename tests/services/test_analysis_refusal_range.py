"""The study's headline carries the Γ refusal range: rows, published figures, the `analyse` line."""

from __future__ import annotations

import pytest

from analysis.sensitivity import REFUSAL_HIGH, REFUSAL_LOW
from survey_app.services import analysis_service, studies

# every analysis here re-runs from the database; identical unit-comparison inputs are computed once (tests/same_inputs.py)
pytestmark = pytest.mark.usefixtures("same_inputs_same_units")


def test_the_refusal_range_brackets_the_headline_and_is_published_and_printed(demo_db):
    with demo_db.session() as session:
        result = analysis_service.analyse(session, studies.list_studies(session)[0])
    overall = result.headline[result.headline["group"] == "overall"].set_index("metric")
    low, rate, high = (overall.loc[m, "estimate"] for m in (REFUSAL_LOW, "满意率", REFUSAL_HIGH))
    assert low < rate < high
    figures = analysis_service.headline_figures(result)
    assert {"satisfaction_refusal_low", "satisfaction_refusal_high"} <= set(figures)
    line = next(
        x for x in analysis_service.summary_text(result).splitlines() if "odds of being satisfied" in x
    )
    assert f"{100 * low:.1f}%–{100 * high:.1f}%" in line and "up to 2× lower/higher" in line
