"""The refusal range's Γ is a study setting: default 2, changed by an audited call, used by the analysis."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from analysis.sensitivity import DEFAULT_GAMMA, REFUSAL_HIGH, REFUSAL_LOW
from survey_app.services import analysis_service, studies
from survey_app.services.errors import InvalidState
from survey_app.storage.models import AuditEntry, User

# every analysis here re-runs from the database; identical unit-comparison inputs are computed once (tests/same_inputs.py)
pytestmark = pytest.mark.usefixtures("same_inputs_same_units")


def _range(result) -> tuple[float, float]:
    overall = result.headline[result.headline["group"] == "overall"].set_index("metric")
    return overall.loc[REFUSAL_LOW, "estimate"], overall.loc[REFUSAL_HIGH, "estimate"]


def test_the_default_gamma_is_the_analysis_default():
    assert studies.DEFAULT_REFUSAL_GAMMA == studies.DEFAULT_SETTINGS["refusal_gamma"] == DEFAULT_GAMMA


def test_a_larger_gamma_widens_the_range_and_is_audited_and_printed(demo_db):
    with demo_db.session() as session:
        study = studies.list_studies(session)[0]
        before = analysis_service.analyse(session, study)
        admin = session.scalar(select(User).where(User.username == "admin"))
        studies.set_refusal_gamma(session, admin, study, 3)
    with demo_db.session() as session:
        after = analysis_service.analyse(session, studies.list_studies(session)[0])
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "study.refusal_gamma"))
    assert before.refusal_gamma == 2.0 and after.refusal_gamma == 3.0
    (low2, high2), (low3, high3) = _range(before), _range(after)
    assert low3 < low2 and high3 > high2
    assert entry is not None and '"after":3.0' in entry.details and '"before":2.0' in entry.details
    assert "up to 3× lower/higher" in analysis_service.summary_text(after)


@pytest.mark.parametrize("gamma", [0.5, 11, "two"])
def test_a_gamma_outside_1_to_10_is_refused_in_one_sentence(demo_db, gamma):
    with demo_db.session() as session:
        study = studies.list_studies(session)[0]
        admin = session.scalar(select(User).where(User.username == "admin"))
        with pytest.raises(InvalidState, match="from 1 to 10"):
            studies.set_refusal_gamma(session, admin, study, gamma)
