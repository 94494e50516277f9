"""The migrations build exactly the schema the models describe, so a table added to a model without
its migration (or the other way round) fails here rather than on a user's database."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from survey_app.storage.db import open_database
from survey_app.storage.migrate import upgrade
from survey_app.storage.models import Base


def test_a_migrated_database_has_every_table_and_column_the_models_declare(tmp_path):
    db = open_database(str(tmp_path / "schema.db"))
    upgrade(db)
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, Base.metadata)
    missing = [d for d in differences if d[0] in ("add_table", "add_column", "remove_table", "remove_column")]
    assert missing == []
