"""The "audit units" design and the MDI column of a plan, through SampleDesign, draw and re-draw."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sampling
from sampling import SampleDesign, draw_design, verify_draw
from sampling.power import minimum_detectable_inflation


def unit_frame(seed: int = 0) -> pd.DataFrame:
    """Events of four organisations (the strata) with different volumes and system rates."""
    rng = np.random.default_rng(seed)
    volumes = {"ORG1": 900, "ORG2": 600, "ORG3": 60, "ORG4": 2000}
    rates = {"ORG1": 0.97, "ORG2": 0.90, "ORG3": 0.95, "ORG4": 0.85}
    rows = []
    for org, volume in volumes.items():
        satisfied = rng.random(volume) < rates[org]
        rows += [(org, "satisfied" if s else "dissatisfied") for s in satisfied]
    frame = pd.DataFrame(rows, columns=["organisation_id", "system_rating"])
    frame.insert(0, "record_id", [f"E{i:05d}" for i in range(len(frame))])
    return frame


def audit_design(**changes) -> SampleDesign:
    settings = {
        "strata": ["organisation_id"],
        "seed": 7,
        "unit": "event",
        "method": "audit",
        "n": 700,
        "inflation": 0.10,
        "response_rate": 0.6,
        "audited": ["ORG1", "ORG2", "ORG3"],
    }
    return SampleDesign(**{**settings, **changes})


def test_an_audit_design_gives_each_funded_unit_an_mdi_within_the_chosen_inflation():
    table = sampling.audit_plan(unit_frame(), audit_design())
    funded = table[table["status"] == "funded"]
    assert len(funded) >= 1
    assert (funded["mdi"] <= 0.10).all()
    assert int(table["n_h"].sum()) == 700


def test_the_audit_plan_uses_the_census_system_rate_of_each_unit():
    frame = unit_frame()
    table = sampling.audit_plan(frame, audit_design())
    truth = (frame["system_rating"] == "satisfied").groupby(frame["organisation_id"]).mean()
    assert table["system_rate"].to_dict() == pytest.approx(truth.to_dict(), abs=1e-15)


def test_a_drawn_audit_design_stores_its_allocation_and_re_draws_identically():
    frame = unit_frame()
    drawn = draw_design(frame, audit_design())
    assert drawn.design.allocation == sampling.audit_plan(frame, audit_design())["n_h"].to_dict()
    stored = SampleDesign.from_json(drawn.design.to_json())
    assert verify_draw(frame, stored, drawn).identical


def test_an_audit_design_needs_the_inflation_to_detect():
    with pytest.raises(sampling.DesignError, match="inflation to detect"):
        sampling.audit_plan(unit_frame(), audit_design(inflation=None))


def test_with_power_adds_each_strata_mdi_at_q_over_the_number_of_strata():
    frame = unit_frame()
    design = SampleDesign(strata=["organisation_id"], seed=1, unit="event", n=400, response_rate=0.5)
    table = sampling.plan(sampling.unit_sizes(frame, design), n=400, response_rate=0.5)
    out = sampling.with_power(frame, design, table)
    assert out.attrs["alpha"] == pytest.approx(0.10 / 4)
    completes = np.floor(table.loc["ORG2", "n_h"] * 0.5)
    expected = minimum_detectable_inflation(out.loc["ORG2", "system_rate"], completes, 0.025)[0]
    assert out.loc["ORG2", "mdi"] == pytest.approx(expected, abs=1e-15)
