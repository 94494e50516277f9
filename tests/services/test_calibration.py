"""Post-stratification and raking of the demo's respondents to its frame, beside the headline."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from analysis.headline import satisfaction_indicator
from survey_app.services import analysis_service, calibration, studies
from survey_app.services.errors import InvalidState

pytestmark = pytest.mark.db


@pytest.fixture(scope="module")
def result(_small_demo):
    from survey_app.storage import open_database

    db = open_database(str(_small_demo[0]))
    with db.session() as session:
        analysed = analysis_service.analyse(session, studies.find_study(session, "demo"))
        session.rollback()
    db.dispose()
    return analysed


def test_post_stratifying_by_district_reweights_each_district_to_its_frame_events(result):
    respondents = result.respondents
    frame_events = result.frame["district"].value_counts()
    weight_by_district = respondents.groupby("district")["nr_weight"].transform("sum")
    weights = respondents["nr_weight"] * respondents["district"].map(frame_events) / weight_by_district
    y = satisfaction_indicator(respondents["sat_overall"], result.satisfied_codes)
    answered = ~np.isnan(y)
    expected = float((weights[answered] * y[answered]).sum() / weights[answered].sum())
    calibrated = calibration.calibrated_satisfaction(result, "poststratify", ["district"])
    assert calibrated.estimate.estimate == pytest.approx(expected, abs=1e-12)
    assert calibrated.estimate.ci_low < calibrated.estimate.estimate < calibrated.estimate.ci_high


def test_raking_to_one_variable_is_post_stratifying_to_it(result):
    raked = calibration.calibrated_satisfaction(result, "rake", ["domain"])
    post = calibration.calibrated_satisfaction(result, "poststratify", ["domain"])
    assert raked.estimate.estimate == pytest.approx(post.estimate.estimate, abs=1e-9)


def test_the_table_sets_the_calibrated_figure_beside_the_headline(result):
    table = calibration.as_table(
        calibration.calibrated_satisfaction(result, "rake", ["domain", "channel"]), result
    )
    assert list(table["weights"]) == ["headline", "uncalibrated", "rake"]
    assert table.loc[0, "estimate"] == result.third_party.estimate


def test_a_district_without_respondents_is_refused_naming_it(result):
    gone = result.respondents["district"].value_counts().index[-1]
    fewer = dataclasses.replace(
        result, respondents=result.respondents[result.respondents["district"] != gone]
    )
    with pytest.raises(InvalidState) as refused:
        calibration.calibrated_satisfaction(fewer, "poststratify", ["district"])
    assert f"所属区“{gone}”在抽样框中有" in refused.value.text("zh")


def test_post_stratifying_takes_one_variable(result):
    with pytest.raises(InvalidState, match="one variable"):
        calibration.calibrated_satisfaction(result, "poststratify", ["district", "domain"])
