"""Storage: SQLAlchemy models, Alembic migrations and the database handle."""

from survey_app.storage.db import Database, open_database
from survey_app.storage.migrate import upgrade

__all__ = ["Database", "open_database", "upgrade"]
