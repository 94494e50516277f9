"""The `huifang` command: a thin layer that parses arguments and calls services and libraries.

Commands that change a study act as a named user (`--user`, or HUIFANG_USER, with HUIFANG_PASSWORD or
a prompt) so that the same role checks and audit entries apply as in the app. Reading and verifying
commands need only access to the database.

The commands live in `survey_app.commands` and are imported only when looked up (click's lazy-group
pattern): `huifang sample draw` imports click, this module and `commands.frames_samples`, nothing else.
This module holds what every command shares: the database context, the user login, error handling.
Import heavy modules (pandas, scipy, services) inside command functions, never at module top.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module

import click

from survey_app.cli_errors import HuifangGroup
from survey_app.services.errors import HuifangError


class _Context:
    def __init__(self, db_url: str | None) -> None:
        self.db_url = db_url
        self._db = None

    @property
    def db(self):
        if self._db is None:
            from survey_app.storage import open_database, upgrade

            self._db = open_database(self.db_url)
            upgrade(self._db)
            _seal_do_not_call_lists(self._db)  # first: a purge then finds keyed hashes to re-key
            _purge_due(self._db)
        return self._db


def _purge_due(db) -> None:
    """The retention check on every start: purge what is due, and say so (a process that runs several
    commands, as tests do, checks each database at most hourly: `retention.purge_when_due`)."""
    from survey_app.services.retention import purge_when_due

    for done in purge_when_due(db) or []:
        click.secho(
            f"Retention: the personal data of study {done.study} ({done.records} records) was purged, "
            f"its key {'destroyed' if done.key_destroyed else 'already gone'}.",
            fg="yellow",
            err=True,
        )


def _seal_do_not_call_lists(db) -> None:
    """An older release's do-not-call list kept in clear becomes keyed hashes on the first start."""
    from survey_app.services.do_not_call import seal_plain_lists

    for name in seal_plain_lists(db):
        click.secho(
            f"Study {name}: its do-not-call list is now kept as keyed hashes only.", fg="yellow", err=True
        )


pass_ctx = click.make_pass_decorator(_Context)


#: The libraries' own error classes, by module: looked up only among loaded modules (an instance of
#: one means its module is loaded), so entering a command imports no library (`sampling` pulls in
#: pandas and scipy).
_LIBRARY_ERRORS = (
    ("analysis.errors", "AnalysisError"),
    ("questionnaires.errors", "QuestionnaireError"),
    ("sampling.errors", "SamplingError"),
)


def _is_known_error(exc: Exception) -> bool:
    if isinstance(exc, HuifangError):
        return True
    for module, name in _LIBRARY_ERRORS:
        loaded = sys.modules.get(module)
        if loaded is not None and isinstance(exc, getattr(loaded, name)):
            return True
    return False


@contextmanager
def _errors() -> Iterator[None]:
    """Turn Huifang's and the libraries' own errors into a one-paragraph message and exit code 1."""
    try:
        yield
    except Exception as exc:
        if not _is_known_error(exc):
            raise
        click.secho(f"Error: {exc}", fg="red", err=True)
        sys.exit(1)


def _actor(ctx: _Context, user: str | None):
    from survey_app.services.auth import login

    name = user or os.environ.get("HUIFANG_USER")
    if not name:
        raise click.UsageError("This command acts as a user: give --user NAME (or set HUIFANG_USER).")
    password = os.environ.get("HUIFANG_PASSWORD") or click.prompt(f"Password for {name}", hide_input=True)
    import getpass
    import socket

    return login(ctx.db, name, password, client=f"cli:{getpass.getuser()}@{socket.gethostname()}")


user_option = click.option("--user", "-u", help="Act as this user (default: $HUIFANG_USER).")


#: Each top-level command and where it is defined ("module:attribute"), imported on first look-up.
COMMANDS = {
    "analyse": "survey_app.commands.reports:analyse",
    "app": "survey_app.commands.running:app",
    "audit": "survey_app.commands.reports:audit",
    "coding": "survey_app.commands.coding:coding",
    "db": "survey_app.commands.database:db",
    "demo": "survey_app.commands.running:demo",
    "export": "survey_app.commands.reports:export",
    "fixtures": "survey_app.commands.synthetic:fixtures_group",
    "frame": "survey_app.commands.frames_samples:frame",
    "invite": "survey_app.commands.reports:invite",
    "keys": "survey_app.commands.reports:keys",
    "plan-wave": "survey_app.commands.reports:plan_wave",
    "purge": "survey_app.commands.reports:purge",
    "recordings": "survey_app.commands.reports:recordings",
    "referrals": "survey_app.commands.people:referrals",
    "report": "survey_app.commands.reports:report",
    "sample": "survey_app.commands.frames_samples:sample",
    "serve": "survey_app.commands.running:serve",
    "sms": "survey_app.commands.reports:sms",
    "studies": "survey_app.commands.people:studies",
    "users": "survey_app.commands.people:users",
    "verify": "survey_app.commands.reports:verify",
    "waves": "survey_app.commands.reports:waves",
}


class LazyGroup(HuifangGroup):
    """The top-level group: a command's module is imported when click looks the command up."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            module, _, attribute = COMMANDS[cmd_name].partition(":")
            self.add_command(getattr(import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db_url",
    envvar="HUIFANG_DATABASE_URL",
    help="Database URL or SQLite file (default: ./huifang.db, or $HUIFANG_DATABASE_URL).",
)
@click.option("--debug", is_flag=True, help="Show the traceback of an error (for reporting a bug).")
@click.version_option(package_name="huifang")
@click.pass_context
def main(click_ctx: click.Context, db_url: str | None, debug: bool = False) -> None:
    """Huifang (回访): independent callback surveys that check a rating system's satisfaction figures."""
    click_ctx.obj = _Context(db_url)


if __name__ == "__main__":  # pragma: no cover
    # `python -m survey_app.cli`: run the importable module, whose context class the commands share.
    from survey_app.cli import main as importable

    importable()
