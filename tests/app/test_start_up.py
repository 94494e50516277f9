"""What the app does when it first opens a database: upgrade an older schema, and run the retention
check (then hourly while it runs: `retention.purge_when_due`)."""

from __future__ import annotations

import shutil

from sqlalchemy import inspect

from survey_app import config
from survey_app.services import studies
from survey_app.storage import migrate
from tests.app.conftest import open_app
from tests.security.test_personal_data import _close_long_ago
from tests.storage.test_start_up_upgrade import OLDER, downgrade


def test_the_app_upgrades_a_database_an_older_release_left(app_db):
    downgrade(app_db, OLDER)
    app = open_app()
    assert not app.exception
    assert migrate.current_revision(app_db) == migrate.head_revision()
    assert "session_generation" in {c["name"] for c in inspect(app_db.engine).get_columns("users")}


def test_the_app_purges_a_study_whose_retention_period_ended_when_it_opens_the_database(
    demo_db, monkeypatch, tmp_path
):
    keys = tmp_path / "keys"  # a copy of the keys that sealed the demo: the purge destroys its data key
    shutil.copytree(config.key_dir(), keys)
    monkeypatch.setenv("HUIFANG_KEY_DIR", str(keys))
    monkeypatch.setenv("HUIFANG_DATABASE_URL", demo_db.url)
    _close_long_ago(demo_db, 181)
    app = open_app()
    assert not app.exception
    with demo_db.session() as session:
        assert studies.find_study(session, "demo").personal_data_purged_at is not None
