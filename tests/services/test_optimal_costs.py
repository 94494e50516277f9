"""Optimal allocation takes a cost per case: equal costs plan as Neyman, a dearer stratum gets fewer."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from survey_app.cli import main
from survey_app.services import frames, samples, studies
from tests.app.builders import write_frame_csv

pytestmark = pytest.mark.db

PLAN = {"strata": ["domain"], "n": 12, "minimum": 0, "response_rate": 0.5, "reserve": 0.0, "unit": "event"}


@pytest.fixture
def study_frame(db, users, tmp_path):
    path = tmp_path / "export.csv"
    write_frame_csv(path, rows=60)
    with db.session() as session:
        study = studies.create_study(session, users["researcher"], "costs", "costs")
        frames.import_frame(session, users["researcher"], study, path)
    return path


def _plan(db, params):
    with db.session() as session:
        study = studies.find_study(session, "costs")
        data = frames.frame_records(session, frames.latest_frame(session, study), personal=True)
        return samples.plan(data, study, params)["n_h"]


def test_without_costs_optimal_allocation_plans_as_neyman(db, study_frame):
    assert (
        _plan(db, {**PLAN, "method": "optimal"}).tolist() == _plan(db, {**PLAN, "method": "neyman"}).tolist()
    )


def test_a_dearer_stratum_gets_fewer_cases(db, study_frame):
    equal = _plan(db, {**PLAN, "method": "optimal"})
    dear = _plan(db, {**PLAN, "method": "optimal", "cost": {"公证": 9.0}})
    assert dear["公证"] < equal["公证"] and dear.sum() == equal.sum() == PLAN["n"]


def test_the_command_line_takes_costs_and_the_draw_keeps_them(db, study_frame, database_url):
    env = {"HUIFANG_USER": "researcher", "HUIFANG_PASSWORD": "password-researcher"}
    options = ["--strata", "domain", "--n", "12", "--method", "optimal", "--unit", "event", "--reserve", "0"]
    options += ["--minimum", "0", "--cost", "公证=9"]
    drawn = CliRunner().invoke(
        main, ["--db", database_url, "sample", "draw", "costs", *options, "--seed", "5"], env=env
    )
    assert drawn.exit_code == 0, drawn.output
    with db.session() as session:
        study = studies.find_study(session, "costs")
        stored = samples.current_design(session, study).params["sampling"]["cost"]
        assert stored == {"公证": 9.0, "律师": 1.0}
        assert samples.verify_sample(session, study)[0]


def test_a_cost_without_a_stratum_is_a_usage_error(db, study_frame, database_url):
    result = CliRunner().invoke(
        main, ["--db", database_url, "sample", "plan", "costs", "--method", "optimal", "--cost", "9"]
    )
    assert result.exit_code == 2 and "write STRATUM=COST" in result.output
