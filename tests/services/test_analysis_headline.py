"""The study's headline: like for like (eligible events on both sides), event weights, sensitivity rows."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select

from analysis import DK_AS_DISSATISFIED, TOP_BOX
from survey_app.services import analysis_service, samples, studies
from survey_app.storage.models import Exclusion, Frame, FrameRecord
from tests.conftest import copy_small_demo


def _analyse(database):
    with database.session() as session:
        study = studies.list_studies(session)[0]
        result = analysis_service.analyse(session, study)
        records = session.execute(
            select(FrameRecord.record_id, FrameRecord.system_rating, FrameRecord.frame_id)
            .join(Frame, Frame.id == FrameRecord.frame_id)
            .where(Frame.study_id == study.id)
        ).all()
        design = samples.current_design(session, study)
        excluded = set(session.scalars(select(Exclusion.record_id).where(Exclusion.design_id == design.id)))
        records = [r for r in records if r.frame_id == design.frame_id]
    return result, records, excluded


@pytest.fixture(scope="module")
def analysed(_small_demo, tmp_path_factory):
    """The untouched small demo analysed once: every test here only reads the result (one analysis of
    ~2-3 s of CPU instead of four)."""
    database = copy_small_demo(_small_demo, tmp_path_factory.mktemp("headline-demo"))
    yield _analyse(database)
    database.dispose()


def test_the_system_rate_is_the_census_of_the_eligible_events_after_the_study_exclusions(analysed):
    result, records, excluded = analysed
    kept = [rating for record_id, rating, _ in records if record_id not in excluded]
    assert excluded and result.excluded_events == len(excluded)
    assert len(result.frame) == len(kept)
    expected = np.mean([rating in result.satisfied_codes for rating in kept])
    assert result.system_rate == expected


def test_the_analysis_holds_the_frame_its_readers_use_without_record_ids_keys_or_dates(analysed):
    # every cached analysis holds its frame: the unit, staff and area columns stay, the rest goes
    result, _, _ = analysed
    assert not set(analysis_service.UNREAD_FRAME_COLUMNS) & set(result.frame.columns)
    readers = {
        "organisation_id",
        "organisation",
        "staff_id",
        "system_rating",
        "district",
        "domain",
        "channel",
    }
    assert readers | {"event_type"} <= set(result.frame.columns)


def test_a_sampled_person_counts_as_many_events_as_they_had(analysed):
    result, _, _ = analysed
    cases = result.cases
    assert (cases["person_events"] > 1).any()
    assert np.allclose(cases["base_weight"], cases["design_weight"] * cases["person_events"])


def test_the_callback_weights_add_up_to_the_eligible_frame_events(analysed):
    result, _, _ = analysed
    cases = result.cases
    # calibrated weights of all released cases equal the frame's eligible events; the cases found not
    # eligible (4.x) keep their share out, and the respondents carry all the rest
    found_ineligible = cases.loc[~cases["eligible"], "cal_weight"].sum()
    assert cases["cal_weight"].sum() == pytest.approx(len(result.frame), rel=1e-12)
    assert cases["nr_weight"].sum() + found_ineligible == pytest.approx(len(result.frame), rel=1e-12)


def test_the_headline_shows_dk_as_dissatisfied_and_the_top_box_beside_the_rate(analysed):
    result, _, _ = analysed
    overall = result.headline[result.headline["group"] == "overall"].set_index("metric")
    rate = overall.loc["满意率", "estimate"]
    assert overall.loc[DK_AS_DISSATISFIED, "estimate"] <= rate
    assert overall.loc[TOP_BOX, "estimate"] <= rate
    figures = analysis_service.headline_figures(result)
    assert {"satisfaction_dk_as_dissatisfied", "satisfaction_top_box"} <= set(figures)
    assert "sensitivity, 说不清 counted as 不满意" in analysis_service.summary_text(result)
