"""After a phase 2 the headline comes from phase 1's cases alone (`analysis_service.phase_one_sample`):
phase 2 is called weeks later, and where memory of a good service fades its answers are lower for that
alone; phase 1 alone is design-unbiased whatever they did. Beside it, the 满意率 with phase 2's cases
(`rao_blackwell_rows`)."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import select, update

from survey_app.services import analysis_service, phase_two, studies
from survey_app.storage.models import Study, User

# every analysis here re-runs from the database; identical unit-comparison inputs are computed once (tests/same_inputs.py)
pytestmark = [pytest.mark.db, pytest.mark.usefixtures("same_inputs_same_units")]


def _analyse(db) -> analysis_service.StudyAnalysis:
    with db.session() as session:
        return analysis_service.analyse(session, studies.find_study(session, "demo"))


def _overall(result: analysis_service.StudyAnalysis, metric: str) -> pd.Series:
    rows = result.headline[(result.headline["metric"] == metric) & (result.headline["group"] == "overall")]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def _draw_phase_two(db) -> None:
    with db.engine.begin() as conn:  # the demo ends closed; phase 2 is drawn during fieldwork
        conn.execute(update(Study).values(state="fieldwork"))
    with db.session() as session:
        researcher = session.scalar(select(User).where(User.username == "researcher"))
        phase_two.draw_phase_two(
            session, researcher, studies.find_study(session, "demo"), 60, 11, {"kind": "evidence", "top": 5}
        )


def test_a_phase_two_nobody_answered_yet_leaves_every_headline_row_as_the_one_phase_study_s(demo_db):
    """Phase 1's cases keep N_h / m_h and their answers, so the headline after a phase 2 is the one-phase
    study's to the last digit: every metric, every group, intervals and respondents included."""
    before = _analyse(demo_db)
    assert analysis_service.WITH_PHASE_TWO not in set(before.headline["metric"])
    assert before.rao_blackwell is None
    _draw_phase_two(demo_db)
    after = _analyse(demo_db)
    key = ["metric", "group", "level"]
    was = before.headline.set_index(key)
    now = after.headline.set_index(key).reindex(was.index)
    for column in ("estimate", "se", "ci_low", "ci_high", "n"):
        assert now[column].to_numpy() == pytest.approx(was[column].to_numpy(), rel=1e-12, nan_ok=True), column
    assert after.third_party.estimate == pytest.approx(before.third_party.estimate, rel=1e-12)


def test_the_response_classes_kept_with_the_analysis_are_those_of_the_headline_s_adjustment(demo_db):
    """Phase 2's cases, not yet called, are not in the adjustment the headline used: its classes are the
    one-phase study's."""
    before = _analyse(demo_db)
    _draw_phase_two(demo_db)
    after = _analyse(demo_db)
    pd.testing.assert_frame_equal(after.nonresponse_classes, before.nonresponse_classes)


def test_beside_it_the_satisfaction_with_phase_two_s_cases_is_published_verified_and_said(demo_db):
    _draw_phase_two(demo_db)
    result = _analyse(demo_db)
    beside = _overall(result, analysis_service.WITH_PHASE_TWO)
    figures = analysis_service.headline_figures(result)
    assert figures["satisfaction_with_phase_two"].startswith(f"{beside['estimate']:.4f} [")
    assert "sensitivity, with phase 2's cases (Rao–Blackwell weights" in analysis_service.summary_text(result)
    assert "after a phase 2, from phase 1's cases alone" in analysis_service.summary_text(result)


def test_the_figures_of_a_report_from_before_are_the_rao_blackwell_rows_and_phase_one_beside_them(demo_db):
    """What a phase-2 report of content version 21 printed, which `verify` recomputes for it."""
    _draw_phase_two(demo_db)
    result = _analyse(demo_db)
    old = analysis_service.headline_figures(result, before_phase_one_headline=True)
    rows = result.rao_blackwell[result.rao_blackwell["group"] == "overall"].set_index("metric")
    assert old["satisfaction"].startswith(f"{rows.loc[analysis_service.SATISFACTION, 'estimate']:.4f} [")
    assert old["satisfaction_phase_one"] == analysis_service.headline_figures(result)["satisfaction"]
    assert "satisfaction_with_phase_two" not in old


def test_the_report_prints_the_satisfaction_with_phase_two_s_cases_beside_the_other_sensitivities():
    from survey_app.services import reports

    headline = pd.DataFrame(
        {
            "metric": [analysis_service.SATISFACTION, analysis_service.WITH_PHASE_TWO],
            "group": "overall",
            "estimate": [0.834, 0.812],
            "ci_low": [0.79, 0.78],
            "ci_high": [0.87, 0.84],
        }
    )
    assert "敏感性分析：含第二阶段样本（Rao–Blackwell 权数） 81.2%" in reports._sensitivity_text(
        headline, "zh"
    )
    assert "Sensitivity: with phase 2's cases (Rao–Blackwell weights) 81.2%" in reports._sensitivity_text(
        headline, "en"
    )
