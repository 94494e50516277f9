"""The PostgreSQL pass's per-test databases: a file copy of one migrated template each, dropped in batches.

Each `db` test on PostgreSQL gets a database of its own, as on SQLite. How it is made and dropped was
most of a short database test's cost on the server (measured on the CI cluster, PostgreSQL 15 with
HUIFANG_PG_FAST, 50 databases, server CPU per test):

- `CREATE DATABASE … TEMPLATE` (PostgreSQL 15's default WAL_LOG strategy copies the template page by page
  through shared buffers) and a `DROP DATABASE` when the test ends (each drop waits for a forced
  checkpoint, which writes out those dirty pages): ~160-240 ms;
- `STRATEGY FILE_COPY` (a checkpoint, then a copy of the template's files) with the finished tests'
  databases dropped 25 at a time (one round of checkpoints for the lot): ~40 ms.

A server older than 15 has no STRATEGY clause and copies files anyway. What a test sees is unchanged: a
fresh, migrated, empty database under a name of its own; none outlives the run.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from survey_app.storage import open_database, upgrade

#: finished tests' databases dropped together once this many are waiting
DROP_BATCH = 25


class Server:
    """A PostgreSQL server's test databases: the migrated template, and one copy per test."""

    def __init__(self, url: str, admin: Engine) -> None:
        self.url = url
        self._admin = admin
        self.template = f"huifang_tpl_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.template}"'))
            version = conn.execute(text("SHOW server_version_num")).scalar_one()
        self._strategy = " STRATEGY FILE_COPY" if int(version) >= 150000 else ""
        db = open_database(self.url_of(self.template))
        upgrade(db)
        db.dispose()
        self._finished: list[str] = []

    def url_of(self, name: str) -> str:
        return make_url(self.url).set(database=name).render_as_string(hide_password=False)

    def create(self) -> str:
        """A new database copied from the template; returns its URL."""
        name = f"huifang_t_{uuid.uuid4().hex[:10]}"
        with self._admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"{self._strategy}'))
        return self.url_of(name)

    def finished(self, url: str) -> None:
        """The test that used `url` has ended: its database is dropped with the next batch."""
        self._finished.append(make_url(url).database)
        if len(self._finished) >= DROP_BATCH:
            self._drop_finished()

    def _drop_finished(self) -> None:
        with self._admin.connect() as conn:
            for name in self._finished:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self._finished.clear()

    def close(self) -> None:
        self._drop_finished()
        with self._admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)'))


@contextlib.contextmanager
def server(url: str) -> Iterator[Server]:
    """The test databases of the server `url` names, all dropped when the block ends."""
    admin = create_engine(
        make_url(url).set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    made = Server(url, admin)
    try:
        yield made
    finally:
        made.close()
        admin.dispose()
