"""Where a report build and `verify` run their posterior unit models (`start`): the organisations' and
the staff members' each beside the rest of its level, in the app's worker or the command line's forked
child, and the report is the same bytes as one worked out in a single process."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from survey_app.cli import main
from survey_app.services import forked, posterior_worker, reports, studies, verification
from survey_app.storage.models import User


class Counted:
    """A `start` that counts the models it is given and hands each to `start`."""

    def __init__(self, start) -> None:
        self.start = start
        self.models = 0

    def __call__(self, work):
        self.models += 1
        return self.start(work)


def _published_sha256(db) -> str:
    with db.reading() as session:
        return verification.last_report_entry(session, studies.find_study(session, "demo"))["sha256"]


def _auditor(db) -> User:
    with db.reading() as session:
        auditor = session.scalar(select(User).where(User.role == "auditor"))
        session.expunge(auditor)
    return auditor


def test_a_report_built_with_both_posterior_models_in_the_worker_is_the_published_report(demo_db):
    published = _published_sha256(demo_db)
    started = Counted(posterior_worker.start)
    built, _ = reports.build_and_record(demo_db, "demo", _auditor(demo_db), lang="zh", start=started)
    assert started.models == 2  # the organisations' model and the staff members'
    assert built.sha256 == published


def test_verify_rebuilds_the_report_with_both_posterior_models_in_the_worker(demo_db):
    started = Counted(posterior_worker.start)
    with demo_db.reading() as session:
        checks = verification.verify_study(session, studies.find_study(session, "demo"), start=started)
    report = next(check for check in checks if check.name == "report")
    assert report.ok and "byte-identical" in report.detail
    assert started.models == 2


def test_the_command_lines_verify_starts_its_posterior_models_in_a_forked_child(demo_db, monkeypatch):
    """The wiring only (what `start` does to a rebuild is the test above): `huifang verify` hands
    `verify_study` the command line's fork."""
    given = {}

    def verify_study(session, study, **options):
        given.update(options)
        return []

    monkeypatch.setattr(verification, "verify_study", verify_study)
    CliRunner().invoke(main, ["--db", demo_db.url, "verify", "demo"], catch_exceptions=False)
    assert given["start"] is forked.elsewhere
