"""`huifang db`: the database schema.

Loaded only when one of these commands runs or its help is rendered (`survey_app.cli.COMMANDS`).
"""

from __future__ import annotations

import click

from survey_app.cli import _Context, _errors, pass_ctx


@click.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@pass_ctx
def db_upgrade(ctx: _Context) -> None:
    """Apply every pending migration (also done automatically at every start)."""
    from survey_app.storage import open_database, upgrade

    with _errors():
        database = open_database(ctx.db_url)
        click.echo(f"Database: {database.description}")
        before, after = upgrade(database)
        click.echo(
            f"Schema at revision {after}"
            + (f" (was {before or 'empty'})" if before != after else " (current)")
        )
