"""The `huifang` entry point: answers every help page and `--version` without importing click.

Why: importing click and building the command table of `survey_app.cli` costs twice a bare interpreter
start, and `huifang --help`, `huifang sample --help`, `huifang sample draw -h` and `huifang --version`
are what people run to find their way (issue 15 asks for ≤ 1.5× a bare interpreter). Their output is
fixed, so click renders all of it once — the exact text it prints for each of these command lines — and
the launcher replays it from `survey_app/__pycache__/huifang-pages.txt` afterwards.

The cache's first line is its key: the program name, click's help width, the interpreter, and the
mtime/size of every file the text depends on (the command table `cli.py`, the command modules in
`commands/`, the error group, the package's `__version__`, this file and click's own modules). A miss, a stale key, a damaged file or an unwritable
folder renders through click again, so the cache can only ever be skipped, never wrong. Every other
command line goes to `survey_app.cli:main`, which imports only the module of the command it runs, and
whose commands import their heavy libraries inside the command function.
"""

from __future__ import annotations

import os
import sys

HELP_FLAGS = ("--help", "-h")
VERSION = ("--version",)
_PACKAGE = os.path.dirname(os.path.abspath(__file__))
_CACHE = os.path.join(_PACKAGE, "__pycache__", "huifang-pages.txt")
_SOURCES = ("__init__.py", "cli.py", "cli_errors.py", "launcher.py")
_CLICK_SOURCES = ("core.py", "decorators.py", "formatting.py", "parser.py", "termui.py", "utils.py")
_FIELD, _STAMP, _PAGE = "\x1f", "\x1e", "\x1d"  # ASCII separators: never in a help text


def main() -> int | None:
    """Run `huifang` with sys.argv; a fixed output (help page, version) is replayed when current."""
    argv = tuple(sys.argv[1:])
    if _is_fixed(argv):  # answered without numpy: nothing to pin
        prog = os.path.basename(sys.argv[0]) or "huifang"
        pages = _cached_pages(prog)
        if pages is None:
            pages = _refresh(prog)
        if argv in pages:
            sys.stdout.write(pages[argv])
            sys.stdout.flush()
            return 0
    from survey_app.numeric_platform import pin

    pin()  # before any command imports numpy; the app and every child it starts inherit the pin
    from survey_app.cli import main as cli

    return cli()


def _is_fixed(argv: tuple[str, ...]) -> bool:
    """`--version`, or command names followed by a help flag (which names exist, the cache knows)."""
    if argv == VERSION:
        return True
    return bool(argv) and argv[-1] in HELP_FLAGS and not any(a.startswith("-") for a in argv[:-1])


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


def _context(prog: str) -> list[str]:
    """What the cached text depends on besides files: program name, width, interpreter."""
    return [prog, str(_terminal_width()), sys.executable]


def _stamp(path: str) -> str:
    st = os.stat(path)
    return f"{st.st_mtime_ns}:{st.st_size}"


def _cached_pages(prog: str) -> dict[tuple[str, ...], str] | None:
    """The pages of a current cache, or None (missing, damaged, or any input changed)."""
    try:
        with open(_CACHE, encoding="utf-8") as stored:
            key, _, body = stored.read().partition("\n")
        fields = key.split(_FIELD)
        if fields[:3] != _context(prog):
            return None
        for entry in fields[3:]:
            path, stamp = entry.split(_STAMP)
            if _stamp(path) != stamp:
                return None
        pages = {}
        for page in body.split(_PAGE):
            argv, text = page.split(_FIELD)
            pages[tuple(argv.split(" "))] = text
        return pages
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def _refresh(prog: str) -> dict[tuple[str, ...], str]:
    """Render every fixed output through click and store them (the files are stamped first)."""
    import click

    click_dir = os.path.dirname(os.path.abspath(click.__file__))
    commands = os.path.join(_PACKAGE, "commands")
    files = [os.path.join(_PACKAGE, name) for name in _SOURCES]
    files += sorted(entry.path for entry in os.scandir(commands) if entry.name.endswith(".py"))
    files += [os.path.join(click_dir, name) for name in _CLICK_SOURCES]
    try:
        key = _context(prog) + [f"{path}{_STAMP}{_stamp(path)}" for path in files]
    except OSError:
        key = None
    pages = _render_pages(prog)
    if key is not None:
        _store(_FIELD.join(key), pages)
    return pages


def _render_pages(prog: str) -> dict[tuple[str, ...], str]:
    """What click prints for `--version` and for `--help` at every command path (and `-h` alike)."""
    import click

    from survey_app.cli import main as cli

    pages = {VERSION: _render(cli, prog, VERSION)}

    def walk(command: click.Command, path: tuple[str, ...], ctx: click.Context) -> None:
        text = _render(cli, prog, (*path, HELP_FLAGS[0]))
        pages.update({(*path, flag): text for flag in HELP_FLAGS})
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                walk(sub, (*path, name), click.Context(sub, info_name=name, parent=ctx))

    walk(cli, (), click.Context(cli, info_name=prog, **cli.context_settings))
    return pages


def _render(cli, prog: str, argv: tuple[str, ...]) -> str:
    """Exactly what `prog *argv` writes to stdout through click."""
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        cli.main(list(argv), prog_name=prog, standalone_mode=False)
    return out.getvalue()


def _store(key: str, pages: dict[tuple[str, ...], str]) -> None:
    """Write the cache atomically; a read-only install simply renders through click each time."""
    temporary = f"{_CACHE}.{os.getpid()}"
    body = _PAGE.join(f"{' '.join(argv)}{_FIELD}{text}" for argv, text in pages.items())
    try:
        os.makedirs(os.path.dirname(_CACHE), exist_ok=True)
        with open(temporary, "w", encoding="utf-8") as out:
            out.write(f"{key}\n{body}")
        os.replace(temporary, _CACHE)
    except OSError:
        from contextlib import suppress

        with suppress(OSError):
            os.unlink(temporary)


if __name__ == "__main__":
    sys.exit(main())
