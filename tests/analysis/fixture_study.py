"""A whole study on the `fixtures` synthetic frame: draw, simulated fieldwork, weights, comparison.

The design is the study defaults for a unit-level comparison of organisations: organisations as
strata (a verdict on a unit needs the unit's own sample), Neyman allocation with the default minimum
of 30 cases per stratum (so n = 30 × strata and every organisation gets min(30, N_h)), persons as the
sampling unit, nonresponse adjusted within stratum × system rating (`respondent_design`), and the
variance with the fpc.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

import fixtures
import sampling
from analysis import compare_units, respondent_design
from sampling.vocabulary import EXPORT_HEADERS, SCALES


def canonical(export: pd.DataFrame) -> pd.DataFrame:
    """The export with canonical field names and scale codes (what `load_frame` yields, without files)."""
    data = export.rename(columns={zh: field for field, zh in EXPORT_HEADERS.items()})
    data["system_rating"] = data["system_rating"].map(SCALES["justice3"].code_for)
    data["service_date"] = pd.to_datetime(data["service_date"])
    return data


@dataclass(frozen=True)
class FixtureStudy:
    comparison: pd.DataFrame
    planted: set[str]  # organisations planted as inflated
    faulty: set[str]  # planted, or holding a planted inflated staff member


def run_study(seed: int, rows: int = 10_000, q: float = 0.10) -> FixtureStudy:
    synthetic = fixtures.make_frame(rows, seed)
    frame = canonical(synthetic.export)
    strata = frame["organisation_id"].nunique()
    design = sampling.SampleDesign(
        strata=["organisation_id"], n=30 * strata, method="neyman", minimum=30, response_rate=0.5,
        reserve=0.2, unit="person", seed=seed,
    )  # fmt: skip
    released = sampling.draw_design(frame, design).released
    fieldwork = fixtures.simulate_fieldwork(released, synthetic.truth, seed=seed)
    answers = pd.DataFrame.from_dict(fieldwork.answers, orient="index")
    cases = released.merge(fieldwork.cases[["record_id", "disposition"]], on="record_id")
    cases = cases.merge(answers, left_on="record_id", right_index=True, how="left")
    survey = respondent_design(cases, min_respondents=10).design
    interviews = cases[cases["record_id"].isin(answers.index)]
    comparison = compare_units(frame, survey, unit="organisation_id", interviews=interviews, q=q, seed=seed)
    units = synthetic.units
    planted = set(units.loc[(units["unit_type"] == "organisation") & units["inflated"], "organisation_id"])
    staff = set(units.loc[(units["unit_type"] == "staff") & units["inflated"], "organisation_id"])
    return FixtureStudy(comparison, planted, planted | staff)
