"""A report rebuilds byte for byte whatever BLAS thread count the auditor's machine has.

OpenBLAS splits a matrix product among its threads, and the partial sums' order moves the last bit of
the propensity fits and the replicate intervals: a report analysed on two threads and rebuilt on one
used to differ, and `verify` cried tampering. Analyses now run on one BLAS thread
(`analysis.numeric`, recorded in the signed `report.built` entry as `numeric`); a
build recorded before that is rebuilt with BLAS's threads as loaded, as it always was.

The studies are the demo at full size (slow) and the small demo, whose reports were published by the
current release.
"""

from __future__ import annotations

import json

import pytest
from threadpoolctl import threadpool_limits

from analysis.numeric import BLAS_AS_LOADED, ONE_BLAS_THREAD
from survey_app.services import analysis_service, demo, reports, verification
from survey_app.services.studies import find_study
from survey_app.storage.db import Database, open_database
from tests.security.test_tamper_suite import failed, verdicts


def recorded_entry(db) -> dict:
    with db.session() as session:
        return json.loads(verification.last_report_built(session, find_study(session, "demo")).details)


@pytest.fixture(scope="module")
def full_demo(tmp_path_factory) -> Database:
    """The full-size demo, built on the threads BLAS has: the small demo's matrices are below the size
    at which OpenBLAS splits a product among threads, the full one's propensity fit is above it."""
    folder = tmp_path_factory.mktemp("full-demo")
    demo.build_demo(str(folder / "demo.db"), out_dir=folder / "out", echo=lambda _line: None)
    database = open_database(str(folder / "demo.db"))
    yield database
    database.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("threads", [1, 2])
def test_the_published_report_rebuilds_byte_identically_on_any_blas_thread_count(full_demo, threads):
    with threadpool_limits(threads, user_api="blas"):
        checks = verdicts(full_demo)
    assert failed(checks) == set()
    assert "byte-identical" in checks["report"].detail


def test_a_build_records_that_its_analysis_ran_on_one_blas_thread(demo_db):
    assert reports.numeric_of(recorded_entry(demo_db)) == ONE_BLAS_THREAD


def test_a_build_recorded_before_the_numeric_mode_is_reanalysed_with_blas_threads_as_loaded(
    demo_db, monkeypatch
):
    recorded = {key: value for key, value in recorded_entry(demo_db).items() if key != "numeric"}
    modes = []

    def analyse(session, study, **kwargs):
        modes.append(kwargs["numeric"])

    monkeypatch.setattr(analysis_service, "analyse", analyse)
    with demo_db.session() as session:
        verification.recorded_analysis(session, find_study(session, "demo"), recorded)
    assert modes == [BLAS_AS_LOADED]


def test_an_unknown_numeric_mode_is_named_in_one_sentence():
    with pytest.raises(ValueError, match="numeric mode 'float16'"):
        reports.numeric_of({"numeric": "float16"})
