"""The report's power table: per stratum of the drawn demo design, planned and achieved MDI."""

from __future__ import annotations

import numpy as np
import pytest

from sampling.power import minimum_detectable_inflation
from survey_app.services import samples, studies


def test_the_achieved_mdi_is_that_of_the_respondents_at_q_over_the_strata(demo_db):
    with demo_db.session() as session:
        table = samples.detectable_inflation(session, studies.find_study(session, "demo"))
    assert table.attrs["alpha"] == pytest.approx(0.10 / len(table))
    row = table[table["respondents"] > 0].iloc[0]
    expected = minimum_detectable_inflation(row["system_rate"], row["respondents"], table.attrs["alpha"])[0]
    assert row["mdi_achieved"] == pytest.approx(expected, abs=1e-15)


def test_planned_completes_are_the_released_cases_times_the_expected_response_rate(demo_db):
    with demo_db.session() as session:
        study = studies.find_study(session, "demo")
        table = samples.detectable_inflation(session, study)
        design = samples.current_design(session, study)
        rate = design.params["sampling"]["response_rate"]
        released = samples.stored_cases(session, design).query("state != 'reserve'").groupby("stratum").size()
    expected = np.floor(released.reindex(table.index).fillna(0) * rate + 1e-9).astype("int64")
    assert table["planned_completes"].tolist() == expected.tolist()
