"""After a phase 2, the headline 满意率 from phase 1's cases alone beside the headline
(`analysis_service.phase_one_headline`): phase 2 is called weeks later, and where memory of a good
service fades its answers pull the headline down; phase 1 alone is design-unbiased whatever they did."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import select, update

from survey_app.services import analysis_service, phase_two, studies
from survey_app.storage.models import Study, User

pytestmark = pytest.mark.db


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


def test_before_and_after_a_phase_two_nobody_answered_phase_one_alone_is_the_study_as_it_was(demo_db):
    """Phase 1's cases keep N_h / m_h and their answers, so their headline is the one-phase study's to
    the last digit, interval and respondents included."""
    before = _analyse(demo_db)
    assert analysis_service.PHASE_ONE_ONLY not in set(before.headline["metric"])
    _draw_phase_two(demo_db)
    after = _analyse(demo_db)
    first, was = (
        _overall(after, analysis_service.PHASE_ONE_ONLY),
        _overall(before, analysis_service.SATISFACTION),
    )
    for column in ("estimate", "se", "ci_low", "ci_high", "n"):
        assert first[column] == pytest.approx(was[column], rel=1e-12), column


def test_the_phase_one_headline_is_published_verified_and_said(demo_db):
    _draw_phase_two(demo_db)
    result = _analyse(demo_db)
    first = _overall(result, analysis_service.PHASE_ONE_ONLY)
    figures = analysis_service.headline_figures(result)
    assert figures["satisfaction_phase_one"].startswith(f"{first['estimate']:.4f} [")
    assert "sensitivity, phase 1's cases alone:" in analysis_service.summary_text(result)


def test_the_report_prints_phase_one_alone_beside_the_other_sensitivities():
    from survey_app.services import reports

    headline = pd.DataFrame(
        {
            "metric": [analysis_service.SATISFACTION, analysis_service.PHASE_ONE_ONLY],
            "group": "overall",
            "estimate": [0.812, 0.834],
            "ci_low": [0.78, 0.79],
            "ci_high": [0.84, 0.87],
        }
    )
    assert "敏感性分析：仅第一阶段样本 83.4%" in reports._sensitivity_text(headline, "zh")
    assert "Sensitivity: phase 1's cases alone 83.4%" in reports._sensitivity_text(headline, "en")
