"""`huifang app`, `huifang demo`, `huifang serve`: the demo, the app and several app servers.

Loaded only when one of these commands runs or its help is rendered (`survey_app.cli.COMMANDS`).
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
from pathlib import Path

import click

from survey_app.cli import _Context, _errors, pass_ctx


@click.command()
@click.option("--rows", default=50_000, show_default=True, type=click.IntRange(min=1000))
@click.option("--seed", default=20261126, show_default=True, type=int)
@click.option(
    "--out",
    "out_dir",
    default="huifang-demo",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the frame file and the PDF.",
)
@click.option("--force", is_flag=True, help="Replace an existing demo SQLite database.")
@pass_ctx
def demo(ctx: _Context, rows: int, seed: int, out_dir: Path, force: bool) -> None:
    """Build a demo database from scratch: users, a study, fieldwork, comparison and a PDF report."""
    # Before numpy loads OpenBLAS: its idle threads sleep after 2^4 cycles instead of spinning for 2^28
    # (the demo runs two processes on two cores; the same partition of the work, so the same results).
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
    from survey_app.services import demo as demo_service

    with _errors():
        result = demo_service.build_demo(
            ctx.db_url, rows=rows, seed=seed, out_dir=out_dir, force=force, echo=click.echo
        )
        click.echo(demo_service.summary(result))
    # The demo ends its process with everything closed (the database disposed and moved into place, the
    # PDF and the witness file written, the children reaped). The interpreter's teardown would then walk
    # the whole heap (pandas, scipy, SQLAlchemy, reportlab and the study's tables) in repeated full
    # collections for ~0.8 s; frozen, those objects are still released by reference counting and every
    # exit handler still runs — only cyclic garbage is left to the operating system. At exit, so that a
    # process that calls the command and lives on (tests) is unaffected until it ends too.
    atexit.register(gc.freeze)


@click.command()
@click.option("--port", default=8501, show_default=True, type=int)
@click.option("--headless/--browser", default=True, show_default=True)
@pass_ctx
def app(ctx: _Context, port: int, headless: bool) -> None:
    """Start the Streamlit app on the database."""
    import subprocess

    from survey_app.config import database_url, describe
    from survey_app.serve import environment, streamlit_command
    from survey_app.storage import open_database, upgrade

    with _errors():
        url = database_url(ctx.db_url)
        upgrade(open_database(url))
        click.echo(f"Database: {describe(url)}")
        click.echo(f"Open http://localhost:{port} in a browser (Ctrl+C stops the app).")
        command = streamlit_command(port, address=None, headless=headless)
        try:
            env = environment(url)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        sys.exit(subprocess.call(command, env=env))


@click.command()
@click.option("--instances", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--port", default=8500, show_default=True, type=click.IntRange(1, 65535), help="nginx's port.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address nginx listens on.")
@click.option(
    "--run-dir",
    default="huifang-serve",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for nginx's configuration, logs and the app servers' logs.",
)
@pass_ctx
def serve(ctx: _Context, instances: int, port: int, host: str, run_dir: Path) -> None:
    """Run several app servers on one database behind nginx (sticky sessions, health checks).

    For many surveyors at once use PostgreSQL (--db postgresql://…); see docs/deployment.md.
    """
    import signal
    import time

    from survey_app.config import database_url, describe
    from survey_app.serve import Cluster, environment
    from survey_app.storage import open_database, upgrade

    def stop_on_term(signum: int, frame: object) -> None:  # systemd stops with SIGTERM
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop_on_term)

    with _errors():
        url = database_url(ctx.db_url)
        upgrade(open_database(url))
        try:
            env = environment(url, local_proxy=True)  # its own nginx: the clients' addresses from it
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        cluster = Cluster(instances, port, run_dir, env, host=host)
        try:
            cluster.start()
        except RuntimeError as exc:
            cluster.stop()
            raise click.ClickException(str(exc)) from None
        click.echo(f"Database: {describe(url)}")
        click.echo(f"{instances} app servers on ports {', '.join(map(str, cluster.backends))}")
        click.echo(f"Open {cluster.url} in a browser (health: {cluster.url}/healthz; Ctrl+C stops all).")
        try:
            while True:
                time.sleep(2)
                for restarted in cluster.restart_dead():
                    click.echo(f"app server on port {restarted} had stopped: started again", err=True)
        except KeyboardInterrupt:
            pass
        finally:
            cluster.stop()
