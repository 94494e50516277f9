"""`huifang fixtures`: synthetic data.

Loaded only when one of these commands runs or its help is rendered (`survey_app.cli.COMMANDS`).
"""

from __future__ import annotations

from pathlib import Path

import click

from survey_app.cli import _errors
from survey_app.cli_errors import check_output


@click.group("fixtures")
def fixtures_group() -> None:
    """Synthetic data: rating-system exports with planted faults."""


@fixtures_group.command("frame")
@click.option("--rows", default=50_000, show_default=True, type=click.IntRange(min=1))
@click.option("--seed", default=20261126, show_default=True, type=int)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), callback=check_output)
@click.option(
    "--encoding",
    default="utf-8",
    show_default=True,
    type=click.Choice(["utf-8", "utf-8-sig", "gbk", "gb18030"]),
)
@click.option(
    "--format", "fmt", default="csv", show_default=True, type=click.Choice(["csv", "xlsx", "parquet"])
)
def fixtures_frame(rows: int, seed: int, out: Path, encoding: str, fmt: str) -> None:
    """Write a synthetic export of the rating system, and its ground truth beside it."""
    import fixtures

    with _errors():
        frame = fixtures.make_frame(rows, seed)
        written = fixtures.write_frame(frame, out, encoding=encoding, format=fmt)
        for path in _paths(written):
            click.echo(f"wrote {path}")


def _paths(written) -> list:
    if isinstance(written, dict):
        return list(written.values())
    if isinstance(written, list | tuple):
        return list(written)
    return [written]
