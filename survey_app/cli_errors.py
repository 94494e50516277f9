"""One plain sentence instead of a traceback, for every error that reaches the `huifang` command.

Commands stay simple: they let errors rise. `HuifangGroup` (the class of the top-level command group)
catches whatever escapes a command and prints one sentence with exit code 1; click's own usage errors
keep exit code 2. With `huifang --debug …` (or HUIFANG_DEBUG=1) the traceback is shown as well.
"""

from __future__ import annotations

import errno
import os
import sys
import traceback

import click

#: OS error numbers whose message is worth a sentence of its own.
_OS_HINTS = {
    errno.ENOSPC: "the disk is full; free some space and run the command again",
    errno.EDQUOT: "the disk quota is used up; free some space and run the command again",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the file system is read-only",
    errno.EISDIR: "this is a folder, not a file",
    errno.ENOTDIR: "a part of this path is not a folder",
}


def _first_line(text: object) -> str:
    lines = [line.strip() for line in str(text).strip().splitlines() if line.strip()]
    return lines[0] if lines else ""


def _os_message(exc: OSError) -> str:
    where = exc.filename if exc.filename is not None else ""
    if isinstance(exc, FileNotFoundError) and where:
        parent = os.path.dirname(os.path.abspath(os.fspath(where)))
        if not os.path.isdir(parent):
            return f"{where}: the folder {parent} does not exist; create it first or choose another path."
        return f"{where}: no such file."
    reason = _OS_HINTS.get(exc.errno or -1) or exc.strerror or _first_line(exc) or type(exc).__name__
    return f"{where}: {reason}." if where else f"{reason[:1].upper()}{reason[1:]}."


def _database_message(exc: Exception) -> str:
    reason = _first_line(getattr(exc, "orig", None) or exc)
    lowered = reason.lower()
    if "full" in lowered or "no space" in lowered or "disk i/o" in lowered:
        return (
            f"The database could not be written ({reason}); nothing of this command was saved and the "
            "database is as it was before. Free some disk space and run the command again."
        )
    if "locked" in lowered or "busy" in lowered:
        return f"The database is busy ({reason}); nothing was saved. Try again in a moment."
    return f"The database refused the command ({reason}); nothing of this command was saved."


def user_message(exc: BaseException) -> str:
    """The one sentence (or short paragraph) the user sees for ``exc``."""
    from pydantic import ValidationError
    from sqlalchemy.exc import DBAPIError

    from analysis.errors import AnalysisError
    from questionnaires.errors import QuestionnaireError
    from sampling.errors import SamplingError
    from survey_app.services.errors import HuifangError

    if isinstance(exc, HuifangError | SamplingError | QuestionnaireError | AnalysisError):
        return str(exc)
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or exc.title
        return f"{field}: {first['msg']}."
    if isinstance(exc, DBAPIError):
        return _database_message(exc)
    if isinstance(exc, OSError):
        return _os_message(exc)
    if isinstance(exc, MemoryError):
        return "Not enough memory for this command (the input is too large)."
    if isinstance(exc, RecursionError):
        return "The input is nested too deeply to be read."
    text = _first_line(exc)
    if isinstance(exc, ValueError) and text:  # libraries' plain refusals (a short password, …)
        return text
    return (
        f"an unexpected {type(exc).__name__}"
        + (f" ({text})" if text else "")
        + ". Run the command again with --debug and report the traceback."
    )


def debug_requested(ctx: click.Context) -> bool:
    root = ctx.find_root()
    return bool(root.params.get("debug")) or os.environ.get("HUIFANG_DEBUG", "") not in ("", "0")


class HuifangGroup(click.Group):
    """The top-level group: errors escaping any command become one sentence and exit code 1."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:
            if debug_requested(ctx):
                traceback.print_exc()
            click.secho(f"Error: {user_message(exc)}", fg="red", err=True)
            sys.exit(1)


def check_encoding(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """An --encoding value Python knows (a usage error otherwise, exit code 2)."""
    import codecs

    if value is None:
        return None
    try:
        codecs.lookup(value)
    except LookupError:
        raise click.BadParameter(
            f"{value!r} is not an encoding; use utf-8, gbk, gb18030, big5 or utf-16."
        ) from None
    return value


def check_output(ctx: click.Context, param: click.Parameter, value):
    """An output file whose folder exists (checked before any work is done or audited)."""
    if value is None:
        return None
    parent = os.path.dirname(os.path.abspath(os.fspath(value)))
    if not os.path.isdir(parent):
        raise click.BadParameter(f"the folder {parent} does not exist; create it first.")
    if os.path.isdir(value):
        raise click.BadParameter(f"{value} is a folder; give a file name.")
    return value
