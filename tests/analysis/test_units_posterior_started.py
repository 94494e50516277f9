"""`compare_units(start=…)`: the posterior unit model run where the caller says (the demo: a forked
process beside the rest of the comparison) gives the comparison run here."""

from __future__ import annotations

import pandas as pd
import pytest

import fixtures
import sampling
from analysis import compare_units, respondent_design
from tests.analysis.fixture_study import canonical


@pytest.fixture(scope="module")
def study() -> dict:
    synthetic = fixtures.make_frame(6000, 11)
    frame = canonical(synthetic.export)
    design = sampling.SampleDesign(
        strata=["organisation_id"], n=30 * frame["organisation_id"].nunique(), method="neyman", minimum=30,
        response_rate=0.5, reserve=0.2, unit="person", seed=11,
    )  # fmt: skip
    released = sampling.draw_design(frame, design).released
    fieldwork = fixtures.simulate_fieldwork(released, synthetic.truth, seed=11)
    answers = pd.DataFrame.from_dict(fieldwork.answers, orient="index")
    cases = released.merge(fieldwork.cases[["record_id", "disposition"]], on="record_id")
    cases = cases.merge(answers, left_on="record_id", right_index=True, how="left")
    interviews = cases[cases["record_id"].isin(answers.index)]
    survey = respondent_design(cases, min_respondents=10).design
    return {"frame": frame, "responses": survey, "interviews": interviews, "seed": 11, "method": "posterior"}


def test_the_posterior_started_elsewhere_gives_the_comparison_run_here(study):
    started = []

    def start(model):  # what `forked.elsewhere` does, in this process: run it, hand back a waiter
        started.append(model)
        table = model()
        return lambda: table

    here = compare_units(**study)
    elsewhere = compare_units(**study, start=start)
    assert len(started) == 1
    pd.testing.assert_frame_equal(elsewhere, here, check_exact=True)
    assert elsewhere.attrs == here.attrs


def test_the_empirical_null_starts_no_posterior(study):
    started = []
    compare_units(**{**study, "method": "empirical_null"}, start=started.append)
    assert started == []
