"""`huifang users add --role remediation --organisation ORG` binds the responsible office to its
organisation; without one it is refused in one sentence; `huifang referrals create STUDY` makes the
study's referrals once (issue 14)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from survey_app.cli import main
from survey_app.storage.models import User
from tests.app.builders import STUDY_NAME, password
from tests.services.test_referrals import REFERRED, study  # noqa: F401 (the fixture)

pytestmark = pytest.mark.db

OFFICE_PASSWORD = "a long office password 2026"


def _run(database_url: str, actor: str, *args: str):
    env = {"HUIFANG_PASSWORD": password(actor)}
    return CliRunner().invoke(
        main, ["--db", database_url, *args, "-u", actor], env=env, catch_exceptions=False
    )


def test_users_add_makes_a_remediation_user_bound_to_its_organisation(db, database_url, users):
    made = _run(
        database_url,
        "admin",
        *("users", "add", "office7", "--role", "remediation", "--organisation", "ORG0007"),
        *("--new-password", OFFICE_PASSWORD),
    )
    assert made.exit_code == 0, made.output
    with db.session() as session:
        office = session.scalar(select(User).where(User.username == "office7"))
        assert (office.role, office.organisation_id) == ("remediation", "ORG0007")


def test_a_remediation_user_without_an_organisation_is_refused_in_one_sentence(db, database_url, users):
    refused = _run(
        database_url,
        "admin",
        *("users", "add", "office8", "--role", "remediation", "--new-password", OFFICE_PASSWORD),
    )
    assert refused.exit_code == 1
    assert "needs the organisation" in refused.output and "Traceback" not in refused.output


def test_referrals_create_makes_each_referral_once(db, database_url, study):  # noqa: F811
    first = _run(database_url, "supervisor", "referrals", "create", STUDY_NAME)
    again = _run(database_url, "supervisor", "referrals", "create", STUDY_NAME)
    assert first.output.strip() == f"Created {len(REFERRED)} referral(s) for study {STUDY_NAME}."
    assert again.output.strip() == f"Created 0 referral(s) for study {STUDY_NAME}."
