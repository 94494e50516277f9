"""The `huifang` entry point: answers `huifang --help` without importing click or the command table.

Why: importing click and building the ~40 commands of `survey_app.cli` costs twice a bare interpreter
start, and `huifang --help` is the first thing a new user runs (issue 15 asks for ≤ 1.5× a bare
interpreter). The top-level help is rendered by click once, kept in `survey_app/__pycache__` under a
key of everything that can change it (the command modules' and click's files, the terminal width, the
program name, the interpreter), and printed from there afterwards. Any other command line, a key
mismatch or an unwritable cache goes through click as before, so the cache can only ever be skipped,
never wrong.
"""

from __future__ import annotations

import os
import sys

HELP_FLAGS = (["--help"], ["-h"])
_PACKAGE = os.path.dirname(os.path.abspath(__file__))
_CACHE = os.path.join(_PACKAGE, "__pycache__", "huifang-help.txt")
_SOURCES = ("cli.py", "cli_errors.py", "launcher.py")


def main() -> int | None:
    """Run `huifang` with sys.argv; the top-level help comes from the cache when it is current."""
    if sys.argv[1:] in HELP_FLAGS:
        prog = os.path.basename(sys.argv[0]) or "huifang"
        key = _help_key(prog)
        text = _cached_help(key) if key else None
        if text is None:
            text = _render_help(prog)
            if key:
                _store_help(key, text)
        sys.stdout.write(text)
        sys.stdout.flush()
        return 0
    from survey_app.cli import main as cli

    return cli()


def _terminal_width() -> int:
    """The width click formats help for: min(terminal columns, 80) − 2, at least 50 (click 8)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        width = int(columns)
    else:
        try:
            width = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            width = 80
    return max(min(width, 80) - 2, 50)


def _help_key(prog: str) -> str | None:
    """Everything the help text depends on, as one line; None if click cannot be found."""
    from importlib.util import find_spec

    spec = find_spec("click")
    if spec is None or spec.origin is None:
        return None
    click_dir = os.path.dirname(spec.origin)
    files = [os.path.join(_PACKAGE, name) for name in _SOURCES]
    files += [os.path.join(click_dir, name) for name in ("core.py", "formatting.py", "decorators.py")]
    try:
        stamps = [f"{st.st_mtime_ns}:{st.st_size}" for st in map(os.stat, files)]
    except OSError:
        return None
    return "|".join([prog, str(_terminal_width()), sys.executable, *stamps])


def _cached_help(key: str) -> str | None:
    try:
        with open(_CACHE, encoding="utf-8") as stored:
            first, _, text = stored.read().partition("\n")
    except (OSError, UnicodeDecodeError):
        return None
    return text if first == key else None


def _render_help(prog: str) -> str:
    """The help exactly as `click` prints it for `prog --help` (its text and one newline)."""
    import click

    from survey_app.cli import main as cli

    with click.Context(cli, info_name=prog, **cli.context_settings) as ctx:
        return ctx.get_help() + "\n"


def _store_help(key: str, text: str) -> None:
    """Write the cache atomically; a read-only install simply keeps rendering the help each time."""
    temporary = f"{_CACHE}.{os.getpid()}"
    try:
        os.makedirs(os.path.dirname(_CACHE), exist_ok=True)
        with open(temporary, "w", encoding="utf-8") as out:
            out.write(f"{key}\n{text}")
        os.replace(temporary, _CACHE)
    except OSError:
        from contextlib import suppress

        with suppress(OSError):
            os.unlink(temporary)


if __name__ == "__main__":
    sys.exit(main())
