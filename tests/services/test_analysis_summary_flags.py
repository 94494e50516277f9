"""The `analyse` summary's flagged list: every line says what evidence drives it, and a cut list says so."""

from __future__ import annotations

import dataclasses

import pytest

from analysis.verdicts import SIGN_LABELS
from survey_app.services import analysis_service, studies


@pytest.fixture
def flagging(demo_db):
    """The small demo's analysis with its first units marked flagged, each on another evidence type
    (the small demo flags none by itself; the summary's wording is what is tested here)."""
    with demo_db.session() as session:
        result = analysis_service.analyse(session, studies.list_studies(session)[0])
    units = result.units.copy()
    drivers = list(SIGN_LABELS)
    assert len(units) >= len(drivers)
    units["flagged"] = False
    units.iloc[: len(drivers), units.columns.get_loc("flagged")] = True
    units.iloc[: len(drivers), units.columns.get_loc("driver")] = drivers
    return dataclasses.replace(result, units=units), drivers


def _flagged_lines(text: str) -> list[str]:
    """The indented lines under "Units flagged as inflated", up to the next heading."""
    lines = text.splitlines()
    start = next(i for i, x in enumerate(lines) if x.startswith("Units flagged as inflated"))
    listed = []
    for line in lines[start + 1 :]:
        if not line.startswith("  "):
            break
        listed.append(line)
    return listed


def test_each_flagged_unit_in_the_summary_names_its_main_evidence(flagging):
    result, drivers = flagging
    listed = _flagged_lines(analysis_service.summary_text(result))
    assert len(listed) == len(drivers)
    assert [x.rsplit("; main evidence: ", 1)[1] for x in listed] == [SIGN_LABELS[d]["en"] for d in drivers]


def test_a_flagged_list_longer_than_the_summary_shows_says_how_many_are_left_out(flagging, monkeypatch):
    result, drivers = flagging
    monkeypatch.setattr(analysis_service, "FLAGGED_SHOWN", 2)
    listed = _flagged_lines(analysis_service.summary_text(result))
    assert len(listed) == 3 and listed[-1].startswith(f"  … and {len(drivers) - 2} more")
