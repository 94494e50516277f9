"""The synthetic exports of ``fixtures`` load with exactly their planted blemishes reported."""

from __future__ import annotations

import pytest

import sampling

fixtures = pytest.importorskip("fixtures")


@pytest.fixture(scope="module")
def dirty():
    return fixtures.make_frame(3000, 5, dirty=True)


def record_ids_of(frame, export, field, action):
    rows = frame.report[(frame.report["field"] == field) & (frame.report["action"] == action)]["row"]
    return set(export["记录编号"].iloc[rows.to_numpy() - 2])


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_every_planted_blemish_is_reported_and_nothing_else(tmp_path, dirty, encoding):
    paths = fixtures.write_frame(dirty, tmp_path / "export.csv", encoding=encoding)
    frame = sampling.load_frame(paths.export)
    dirt = dirty.truth.set_index("record_id")["dirt"]
    planted = {
        kind: set(dirt.index[dirt == kind]) for kind in ("old_district", "phone_format", "unknown_label")
    }
    assert record_ids_of(frame, dirty.export, "district", "repaired") == planted["old_district"]
    assert record_ids_of(frame, dirty.export, "phone", "repaired") == planted["phone_format"]
    assert record_ids_of(frame, dirty.export, "system_rating", "rejected") == planted["unknown_label"]
    assert record_ids_of(frame, dirty.export, "record_id", "rejected") == set(
        dirt.index[dirt == "duplicated"]
    )
    assert frame.summary["rows_read"] == len(dirty.export) == len(frame.data) + len(frame.rejected)


def test_the_export_draws_a_person_sample_end_to_end(tmp_path, dirty):
    frame = sampling.load_frame(
        fixtures.write_frame(dirty, tmp_path / "export.parquet", format="parquet").export
    )
    design = sampling.SampleDesign(strata=["district"], seed=2026, n=200, minimum=2, reserve=0.3)
    sample = sampling.draw_design(frame, design, sampling.Exclusions())
    assert sample.released["stratum"].value_counts().min() >= 2
    assert len(sample.released) == 200 and sample.cases["phone"].is_unique
    assert sampling.verify_draw(frame, sample.design, sample, sampling.Exclusions()).identical
