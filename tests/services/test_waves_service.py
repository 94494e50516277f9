"""Two analyses compared (`services.waves.compare_analyses`), on the small demo's analysis and copies of
it changed the way a second wave differs: what the comparison says it cannot vouch for."""

from __future__ import annotations

import dataclasses

import pytest

from survey_app.services import waves
from survey_app.services.errors import InvalidState


@pytest.fixture
def earlier(demo_result):
    return demo_result.analysis


def _later(earlier, **changes):
    return dataclasses.replace(earlier, study_id=earlier.study_id + 100, study_name="later", **changes)


def test_a_study_compared_with_an_identical_one_marks_no_change_anywhere(earlier):
    comparison = waves.compare_analyses(earlier, _later(earlier))
    compared = comparison.changes[comparison.changes["verdict"] != "insufficient"]
    assert len(compared) and (compared["change"] == 0).all()
    assert set(compared["verdict"]) == {"no_clear_change"}
    assert comparison.caveats == ()


def test_the_published_rates_beside_the_callback_are_the_frames_census(earlier):
    changes = waves.compare_analyses(earlier, _later(earlier)).changes
    overall = changes[(changes["metric"] == "满意率") & (changes["group"] == "overall")].iloc[0]
    assert overall["system_earlier"] == pytest.approx(earlier.system_rate)


def test_studies_that_count_other_answers_as_satisfied_leave_their_rates_uncompared_and_say_so(earlier):
    comparison = waves.compare_analyses(earlier, _later(earlier, satisfied_codes=("satisfied",)))
    assert any("count different answers as satisfied" in english for english, _ in comparison.caveats)


def test_a_flagged_id_that_names_another_unit_in_the_earlier_study_is_said(earlier):
    units = earlier.units.copy()
    unit = units.index[0]
    units.loc[unit, ["status", "flagged"]] = ["flagged", True]
    units.loc[unit, "name"] = "另一家机构"
    comparison = waves.compare_analyses(earlier, _later(earlier, units=units))
    row = comparison.units.set_index("unit").loc[unit]
    assert row["outcome"] == "newly_flagged" and row["earlier_name"] == earlier.units.loc[unit, "name"]
    assert any(
        "carry another organisation's name in the earlier study" in english
        for english, _ in comparison.caveats
    )


def test_a_response_rate_that_moved_ten_points_is_said_in_both_languages(earlier):
    rates = {**earlier.rates, "RR3": earlier.rates["RR3"] - 0.2}
    caveats = waves.compare_analyses(earlier, _later(earlier, rates=rates)).caveats
    assert any(
        "response rate (AAPOR RR3) moved" in english and "应答率" in chinese for english, chinese in caveats
    )


def test_other_verdict_methods_are_named_in_words(earlier):
    other = "empirical_null" if earlier.verdict_method == "posterior" else "posterior"
    caveats = waves.compare_analyses(earlier, _later(earlier, verdict_method=other)).caveats
    english = next(english for english, _ in caveats if "units were judged by" in english)
    assert "empirical null (each unit's exact tests" in english and "posterior (empirical-Bayes" in english


def test_a_study_nobody_has_answered_yet_is_refused_by_name_not_by_a_missing_column(earlier):
    unanswered = _later(earlier, third_party=None, headline=earlier.headline.iloc[0:0, :0])
    with pytest.raises(InvalidState, match="study 'later' has no answered callback yet"):
        waves.compare_analyses(earlier, unanswered)


def test_one_analysis_cannot_be_compared_with_itself(earlier):
    with pytest.raises(InvalidState, match="cannot be compared with itself"):
        waves.compare_analyses(earlier, earlier)
