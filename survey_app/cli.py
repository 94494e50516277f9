"""The `huifang` command: a thin layer that parses arguments and calls services and libraries.

Commands that change a study act as a named user (`--user`, or HUIFANG_USER, with HUIFANG_PASSWORD or
a prompt) so that the same role checks and audit entries apply as in the app. Reading and verifying
commands need only access to the database.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from survey_app.cli_errors import HuifangGroup, check_encoding, check_output
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
            _purge_due(self._db)
        return self._db


def _purge_due(db) -> None:
    """The retention check on every start: purge what is due, and say so."""
    from survey_app.services.retention import purge_due

    for done in purge_due(db):
        click.secho(
            f"Retention: the personal data of study {done.study} ({done.records} records) was purged, "
            f"its key {'destroyed' if done.key_destroyed else 'already gone'}.",
            fg="yellow",
            err=True,
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


@click.group(cls=HuifangGroup, context_settings={"help_option_names": ["-h", "--help"]})
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


# --- database -------------------------------------------------------------------------------------


@main.group()
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


# --- studies and users ------------------------------------------------------------------------------


@main.command()
@pass_ctx
def studies(ctx: _Context) -> None:
    """List the studies of the database: id, name, state."""
    from survey_app.services.studies import list_studies

    with _errors(), ctx.db.session() as session:
        rows = list_studies(session)
        if not rows:
            click.echo("No studies yet. `huifang demo` builds one.")
        for study in rows:
            click.echo(f"{study.id}\t{study.name}\t{study.state}\t{study.title}")


@main.group()
def users() -> None:
    """Users and roles."""


@users.command("add")
@click.argument("username")
@click.option(
    "--role",
    required=True,
    type=click.Choice(
        ["researcher", "surveyor", "supervisor", "reviewer", "auditor", "admin", "remediation"]
    ),
)
@click.option("--new-password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--surveyor-no")
@click.option(
    "--organisation",
    "organisation_id",
    help="The organisation id (e.g. ORG0001) a remediation user (整改责任单位) follows up; required for that role.",
)
@user_option
@pass_ctx
def users_add(
    ctx: _Context,
    username: str,
    role: str,
    new_password: str,
    surveyor_no: str | None,
    organisation_id: str | None,
    user: str | None,
) -> None:
    """Create a user (as an admin; the very first user of an empty database needs no admin)."""
    from sqlalchemy import func, select

    from survey_app.services.auth import create_user
    from survey_app.storage.models import User

    with _errors():
        with ctx.db.session() as session:
            empty = session.scalar(select(func.count(User.id))) == 0
        actor = None if empty else _actor(ctx, user)
        with ctx.db.session() as session:
            made = create_user(
                session,
                actor,
                username,
                new_password,
                role,
                surveyor_no=surveyor_no,
                organisation_id=organisation_id,
            )
            click.echo(f"Created {made.username} ({made.role}).")


@main.group()
def referrals() -> None:
    """Referral of the dissatisfied to the responsible organisation (整改), behind an identity firewall."""


@referrals.command("create")
@click.argument("study")
@user_option
@pass_ctx
def referrals_create(ctx: _Context, study: str, user: str | None) -> None:
    """Refer every consenting respondent below 满意 not referred yet (as a supervisor or admin)."""
    from survey_app.services import referrals as referral_service
    from survey_app.services.studies import find_study

    with _errors():
        actor = _actor(ctx, user)
        with ctx.db.session() as session:
            found = find_study(session, study)
            made = referral_service.create_referrals(session, actor, found)
            click.echo(f"Created {made} referral(s) for study {found.name}.")


# --- synthetic data -----------------------------------------------------------------------------------


@main.group("fixtures")
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


# --- frames and samples ---------------------------------------------------------------------------------


@main.group()
def frame() -> None:
    """Sampling frames: the rating system's exports."""


@frame.command("import")
@click.argument("study")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A saved header mapping (JSON: export header → Huifang field).",
)
@click.option("--encoding", callback=check_encoding, help="Force an encoding instead of detecting it.")
@click.option(
    "--rejected-out",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=check_output,
    help="Write the validation report (every rejected or repaired row) to this CSV.",
)
@user_option
@pass_ctx
def frame_import(
    ctx: _Context,
    study: str,
    file: Path,
    mapping: Path | None,
    encoding: str | None,
    rejected_out: Path | None,
    user: str | None,
) -> None:
    """Validate and import FILE as the frame of STUDY (id or name)."""
    from sampling.mapping import load_mapping
    from survey_app.services import frames
    from survey_app.services.studies import find_study

    with _errors():
        actor = _actor(ctx, user)
        mapping_dict = load_mapping(mapping) if mapping else None
        with ctx.db.session() as session:
            target = find_study(session, study)
            stored = frames.import_frame(
                session, actor, target, file, mapping=mapping_dict, encoding=encoding
            )
            issues = frames.frame_issues(session, stored)
        click.echo(
            f"Imported {stored.row_count} rows from {file.name} ({stored.encoding}); "
            f"{stored.rejected_count} rejected, {len(issues)} issues reported."
        )
        for line in issues[issues["action"].isin(["warning", "note"])].itertuples():
            click.secho(
                f"{line.action.capitalize()}: {line.reason}",
                fg="yellow" if line.action == "warning" else None,
            )
        click.echo(f"source SHA-256 {stored.source_sha256}\nframe  SHA-256 {stored.frame_sha256}")
        if rejected_out is not None:
            from sampling.cells import write_csv

            write_csv(issues, rejected_out)
            click.echo(f"Validation report: {rejected_out}")


def _design_options(func):
    options = [
        click.option(
            "--strata",
            default="district",
            show_default=True,
            help="Comma-separated frame columns that define the strata.",
        ),
        click.option(
            "--n", type=click.IntRange(min=1), help="Cases to release (else computed from --margin)."
        ),
        click.option(
            "--margin",
            type=click.FloatRange(0, 1, min_open=True, max_open=True),
            default=0.03,
            show_default=True,
            help="Target margin of error for the overall 满意率.",
        ),
        click.option(
            "--method",
            default="neyman",
            show_default=True,
            type=click.Choice(["proportional", "equal", "neyman", "optimal", "audit"]),
            help="audit: --n is the budget; each unit stratum gets the cases that detect --inflation.",
        ),
        click.option(
            "--inflation",
            type=click.FloatRange(0, 1, min_open=True),
            default=0.10,
            show_default=True,
            help="Inflation (share, 0.10 = 10 points) an audit design must detect with power 0.8.",
        ),
        click.option(
            "--minimum",
            default=30,
            show_default=True,
            type=click.IntRange(min=0),
            help="Minimum cases per stratum.",
        ),
        click.option(
            "--response-rate",
            default=0.5,
            show_default=True,
            type=click.FloatRange(0, 1, min_open=True),
        ),
        click.option(
            "--reserve",
            default=0.2,
            show_default=True,
            type=click.FloatRange(0, 1),
            help="Reserve share drawn as replicates to release later.",
        ),
        click.option("--unit", default="person", show_default=True, type=click.Choice(["person", "event"])),
        click.option(
            "--cost",
            "costs",
            multiple=True,
            metavar="STRATUM=COST",
            help="--method optimal: the cost of a case in STRATUM relative to others (repeat per stratum; "
            "a stratum not given costs 1).",
        ),
        click.option(
            "--risk-unit",
            help="Risk targeting: give units of this frame column (e.g. organisation_id) whose system 满意率 "
            "is implausibly high a stratum of their own; use --strata risk_stratum with it.",
        ),
        click.option(
            "--risk-min-rate",
            default=0.93,
            show_default=True,
            type=click.FloatRange(0, 1),
            help="A unit is suspicious from this system 满意率 on.",
        ),
        click.option(
            "--risk-min-records",
            default=30,
            show_default=True,
            type=click.IntRange(min=1),
            help="…and with at least this many records.",
        ),
        click.option(
            "--risk-base",
            default="district",
            show_default=True,
            help="How records of other units are stratified.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _params(
    strata: str,
    n: int | None,
    margin: float,
    method: str,
    minimum: int,
    response_rate: float,
    reserve: float,
    unit: str,
    risk_unit: str | None = None,
    risk_min_rate: float = 0.93,
    risk_min_records: int = 30,
    risk_base: str = "district",
    seed: int | None = None,
    inflation: float = 0.10,
    costs: tuple[str, ...] = (),
) -> dict:
    params = {
        "strata": [s.strip() for s in strata.split(",") if s.strip()],
        "method": method,
        "minimum": minimum,
        "response_rate": response_rate,
        "reserve": reserve,
        "unit": unit,
    }
    if n:
        params["n"] = n
    else:
        params["margin"] = margin
    if seed is not None:
        params["seed"] = seed
    if method == "audit":
        if not n:
            raise click.UsageError("--method audit needs --n, the budget of cases to share among the units")
        params["inflation"] = inflation
    if costs:
        if method != "optimal":
            raise click.UsageError("--cost is for --method optimal")
        params["cost"] = {}
        for given in costs:
            stratum, _, value = given.rpartition("=")
            try:
                params["cost"][stratum] = float(value)
            except ValueError:
                raise click.UsageError(f"--cost {given!r}: write STRATUM=COST, e.g. 浦东新区=2.5") from None
            if not stratum or not params["cost"][stratum] > 0:
                raise click.UsageError(f"--cost {given!r}: write STRATUM=COST with a cost above 0")
    if risk_unit:
        params["risk"] = {
            "unit": risk_unit,
            "min_rate": risk_min_rate,
            "min_records": risk_min_records,
            "base": risk_base,
        }
    return params


@main.group()
def sample() -> None:
    """Sample designs: plan, draw, release reserves, verify."""


_recent_option = click.option(
    "--exclude-recent-days",
    "recent_days",
    type=click.IntRange(0, 730),
    help="Leave out people another study reached in the last N days (matched by person key; 0 = off). "
    "The draw keeps it as the study's rule.",
)


@sample.command("plan")
@click.argument("study")
@_design_options
@_recent_option
@pass_ctx
def sample_plan(ctx: _Context, study: str, recent_days: int | None, **options) -> None:
    """Show N_h, n_h and the expected margin of error per stratum, drawing nothing."""
    from survey_app.services import frames, recent_contacts, samples
    from survey_app.services.studies import find_study

    with _errors(), ctx.db.session() as session:
        target = find_study(session, study)
        if recent_days is not None:  # for this plan only: rolled back below, the study keeps its rule
            target.settings = {**(target.settings or {}), recent_contacts.SETTING: recent_days}
        data = frames.frame_records(session, frames.latest_frame(session, target), personal=True)
        table = samples.plan(data, target, _params(**options))
        left_out = len(recent_contacts.exclusion_args(target).get("recent_records", []))
        session.rollback()
        click.echo(table.to_string())
        if recent_days:
            click.echo(
                f"left out: {left_out} record(s) of people other studies reached in the last {recent_days} days"
            )
        click.echo(f"total n = {int(table['n_h'].sum())} of N = {int(table['N_h'].sum())}")
        click.echo(
            f"mdi = minimum detectable inflation of a stratum audited as a unit: one-sided exact binomial "
            f"at α = {table.attrs['alpha']:.3g} (q = 0.10 / the units audited), power "
            f"{table.attrs['power']:.0%}, on ⌊n_h × response rate⌋ completes"
        )
        if "status" in table.columns:
            for status in ("over budget", "unreachable"):
                names = [str(k) for k in table.index[table["status"] == status]]
                if names:
                    click.echo(f"{status}: {len(names)} unit(s), e.g. {', '.join(names[:5])}")


@sample.command("draw")
@click.argument("study")
@_design_options
@click.option("--seed", required=True, type=int, help="Recorded, so anyone can re-draw the same sample.")
@_recent_option
@user_option
@pass_ctx
def sample_draw(ctx: _Context, study: str, user: str | None, recent_days: int | None, **options) -> None:
    """Draw the stratified sample of STUDY from its latest frame and store the cases."""
    from survey_app.services import recent_contacts, samples
    from survey_app.services.studies import find_study

    with _errors():
        actor = _actor(ctx, user)
        with ctx.db.session() as session:
            target = find_study(session, study)
            if recent_days is not None:
                recent_contacts.set_days(session, actor, target, recent_days)
            design = samples.draw_sample(session, actor, target, _params(**options))
            click.echo(
                f"Drew sample design {design.id} with seed {design.seed}; sample SHA-256 {design.sample_sha256}"
            )


@sample.command("release")
@click.argument("study")
@click.option("--replicate", required=True, type=int)
@click.option("--stratum")
@user_option
@pass_ctx
def sample_release(ctx: _Context, study: str, replicate: int, stratum: str | None, user: str | None) -> None:
    """Release a reserve replicate (optionally in one stratum only)."""
    from survey_app.services import samples
    from survey_app.services.studies import find_study

    with _errors():
        actor = _actor(ctx, user)
        with ctx.db.session() as session:
            count = samples.release_replicate(
                session, actor, find_study(session, study), replicate, [stratum] if stratum else None
            )
        click.echo(f"Released {count} cases of replicate {replicate}.")


@sample.command("verify")
@click.argument("study")
@pass_ctx
def sample_verify(ctx: _Context, study: str) -> None:
    """Re-draw from the stored frame and seed and prove the stored sample identical."""
    from survey_app.services import samples
    from survey_app.services.studies import find_study

    with _errors(), ctx.db.session() as session:
        ok, message = samples.verify_sample(session, find_study(session, study))
    click.secho(("OK    " if ok else "FAIL  ") + message, fg="green" if ok else "red")
    sys.exit(0 if ok else 1)


@sample.command("phase2")
@click.argument("study")
@click.option("--budget", required=True, type=click.IntRange(min=0), help="Cases phase 2 may add in all.")
@click.option("--seed", required=True, type=int, help="Phase 2's own seed, recorded with the design.")
@click.option(
    "--inflation",
    default=0.10,
    show_default=True,
    type=click.FloatRange(0, 1, min_open=True),
    help="A unit is cleared once its phase-1 callbacks rule out this inflation (share).",
)
@click.option(
    "--level",
    default=0.20,
    show_default=True,
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    help="…at this one-sided level; the other units are suspicious or inconclusive and get phase 2.",
)
@user_option
@pass_ctx
def sample_phase2(
    ctx: _Context, study: str, budget: int, seed: int, inflation: float, level: float, user: str | None
) -> None:
    """Two-phase sampling: send BUDGET more cases to the units phase 1 could not clear."""
    from survey_app.services import phase_two
    from survey_app.services.studies import find_study

    with _errors():
        actor = _actor(ctx, user)
        with ctx.db.session() as session:
            record = phase_two.draw_phase_two(
                session,
                actor,
                find_study(session, study),
                budget,
                seed,
                {"inflation": inflation, "level": level},
            )
        added = sum(record["allocation"].values())
        click.echo(
            f"Phase 2 (seed {record['seed']}): {len(record['selected'])} of {len(record['audited'])} audited units "
            f"not cleared; {added} cases added in {len(record['allocation'])} units "
            f"({budget - added} of the budget unused); phase-2 SHA-256 {record['sha256']}"
        )


# --- analysis, reports, verification ------------------------------------------------------------------------


@main.command()
@click.argument("study")
@pass_ctx
def analyse(ctx: _Context, study: str) -> None:
    """Print the study's headline figures and the units flagged as inflated."""
    from survey_app.services import analysis_service
    from survey_app.services.studies import find_study

    with _errors(), ctx.db.session() as session:
        result = analysis_service.analyse(session, find_study(session, study))
    click.echo(analysis_service.summary_text(result))


@main.command("export")
@click.argument("study")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    callback=check_output,
    help="A .csv, .xlsx, .sav (SPSS) or .dta (Stata) file; value labels travel with the last two.",
)
@user_option
@pass_ctx
def export(ctx: _Context, study: str, out: Path, user: str | None) -> None:
    """Export the analysis dataset (weights, dispositions, answers; no personal data)."""
    from survey_app.services import analysis_service
    from survey_app.services.studies import find_study

    with _errors():
        actor = _actor(ctx, user)
        with ctx.db.session() as session:
            written = analysis_service.export_analysis_dataset(
                session, actor, find_study(session, study), out
            )
        click.echo(f"wrote {written}")


@main.command()
@click.argument("study")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), callback=check_output)
@click.option("--lang", default="zh", show_default=True, type=click.Choice(["zh", "en"]))
@click.option("--kind", default="full", show_default=True, type=click.Choice(["full", "comparison"]))
@click.option("--district", help="Print only this district's page (e.g. 浦东新区), for its assessment file.")
@click.option("--domain", help="Print only this service domain's page (e.g. 公证); with --district, both.")
@click.option(
    "--user", "-u", "--as", "user", help="Build as this user (default: $HUIFANG_USER); it is audited."
)
@pass_ctx
def report(
    ctx: _Context,
    study: str,
    out: Path,
    lang: str,
    kind: str,
    district: str | None,
    domain: str | None,
    user: str | None,
) -> None:
    """Write the study's PDF report (byte-identical for the same study state), audit the build once the
    file is written, and append the signed chain head to the witness file."""
    from survey_app import config
    from survey_app.services import reports
    from survey_app.services.studies import find_study

    with _errors():
        actor = _actor(ctx, user)
        with ctx.db.session() as session:
            found = find_study(session, study)
            built = reports.render_report(
                session, found, lang=lang, kind=kind, district=district, domain=domain
            )
            out.write_bytes(built.pdf)  # an unwritable file ends here, before anything is audited
            anchor = reports.record_built(session, found, actor, built)
        click.echo(f"wrote {out} ({len(built.pdf):,} bytes), SHA-256 {built.sha256}")
        click.echo(
            f"signed chain head {anchor.entry_id}:{anchor.hash} (key {anchor.fingerprint[:16]}…), "
            f"appended to {config.witness_file()}"
        )
        if not anchor.signed:
            click.secho(
                "Warning: no signing key, so this build and the report's chain head are unsigned and "
                "`huifang verify` will say so. Run `huifang keys init` once on this server.",
                fg="yellow",
                err=True,
            )


@main.command()
@click.argument("study")
@click.option(
    "--frame",
    "frame_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The frame file as the auditor received it (default: the path recorded at import).",
)
@click.option(
    "--pdf",
    "pdf_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The report PDF as it was published: its hash and the signed chain head it printed are checked.",
)
@click.option(
    "--anchor",
    "anchor_args",
    multiple=True,
    help="A witness file, or ENTRY:HASH as printed by `huifang report`; the chain must still hold it.",
)
@pass_ctx
def verify(
    ctx: _Context, study: str, frame_file: Path | None, pdf_file: Path | None, anchor_args: tuple[str, ...]
) -> None:
    """Check, one by one, that the frame, sample, answers, audit log and report are untouched, and (with
    --pdf/--anchor) that the database still matches what was published."""
    from survey_app.security import anchors, witness
    from survey_app.services import trust_checks, verification
    from survey_app.services.studies import find_study

    with _errors():
        published_anchors: list = []
        for arg in anchor_args:
            if Path(arg).is_file():
                published_anchors += [
                    (f"{Path(arg).name} line {line.number}", line.anchor, line.chain)
                    for line in witness.read(Path(arg))
                ]
            else:
                published_anchors.append((f"anchor {arg[:24]}…", witness.parse_head(arg), None))
        try:
            pdf = anchors.published_anchor(pdf_file) if pdf_file else None
        except anchors.PublishedPdfError as exc:
            raise click.UsageError(str(exc)) from exc
        published = trust_checks.Published(pdf=pdf, anchors=published_anchors)
        with ctx.db.session() as session:
            checks = verification.verify_study(
                session, find_study(session, study), frame_file=frame_file, published=published
            )
        for check in checks:
            mark = "N/A " if not check.applicable else "OK  " if check.ok else "FAIL"
            click.secho(
                f"{mark}  {check.name}: {check.detail}",
                fg=None if not check.applicable else "green" if check.ok else "red",
            )
    sys.exit(0 if all(c.ok for c in checks) else 1)


@main.command()
@click.argument("study", required=False)
@click.option(
    "--early", "early_reason", help="Purge before the retention period ends (admin), for this reason."
)
@click.option("--check", is_flag=True, help="Only list each study's retention end; purge nothing.")
@user_option
@pass_ctx
def purge(ctx: _Context, study: str | None, early_reason: str | None, check: bool, user: str | None) -> None:
    """Remove STUDY's names and numbers and destroy its data key once its retention period has ended.

    Every start already purges what is due; this purges one study on demand (or early, with --early)
    and, with --check, lists when each study's personal data will be removed.
    """
    from sqlalchemy import select

    from survey_app.services import retention
    from survey_app.storage.models import Study

    with _errors():
        if check or study is None:
            with ctx.db.session() as session:
                for row in session.scalars(select(Study).order_by(Study.id)):
                    ends = retention.purge_date(session, row)
                    state = (
                        f"purged {row.personal_data_purged_at:%Y-%m-%d}"
                        if row.personal_data_purged_at
                        else f"kept until {ends:%Y-%m-%d}"
                        if ends
                        else "kept while the study is open"
                    )
                    click.echo(f"{row.name}: {state}")
            return
        actor = _actor(ctx, user)
        done = retention.purge(ctx.db, actor, study, early_reason=early_reason)
        click.echo(
            f"Purged the personal data of study {done.study}: {done.records} records; "
            f"data key {'destroyed' if done.key_destroyed else 'was already gone'}."
        )


@main.command()
@click.argument("study")
@click.option(
    "--reminder", is_flag=True, help="Send a fresh link to everyone invited who has not answered yet."
)
@click.option("--limit", type=click.IntRange(min=1), help="Invite at most this many cases now.")
@user_option
@pass_ctx
def invite(ctx: _Context, study: str, reminder: bool, limit: int | None, user: str | None) -> None:
    """Invite a web-first study's fresh cases by SMS (to the file outbox unless a gateway is configured)."""
    from survey_app.services import web_invites
    from survey_app.services.studies import find_study

    with _errors():
        actor = _actor(ctx, user)
        with ctx.db.session() as session:
            found = find_study(session, study)
            if reminder:
                done = web_invites.remind(session, actor, found)
            else:
                done = web_invites.invite(session, actor, found, limit=limit)
        what = "reminders" if reminder else "invitations"
        click.echo(
            f"{done.sent} {what} sent through the {done.gateway} gateway; {done.undeliverable} undeliverable, "
            f"{done.no_mobile} without a mobile number, {done.failed} failed (run again to retry)."
        )


@main.group()
def sms() -> None:
    """SMS: what the default file outbox holds (nothing is sent unless a gateway is configured)."""


@sms.command("outbox")
@click.option("--last", type=click.IntRange(min=1), help="Only the newest N messages.")
def sms_outbox(last: int | None) -> None:
    """List the messages written to the outbox, numbers masked."""
    from survey_app.security.masking import mask_phone
    from survey_app.services import sms as sms_service

    messages = sms_service.read_outbox()
    if last:
        messages = messages[-last:]
    click.echo(f"{len(messages)} message(s) in {sms_service.outbox_dir() / sms_service.OUTBOX_FILE}")
    for message in messages:
        click.echo(f"{mask_phone(message['to'])}  {message['text']}")


@main.group()
def recordings() -> None:
    """Call recordings: attach a PBX's recordings to attempts, verify them."""


@recordings.command("match")
@click.argument("study")
@click.option(
    "--cdr",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The PBX's call-detail records (CSV: start, number, file; optional end or duration).",
)
@click.option(
    "--folder",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The folder holding the recordings the CDR names.",
)
@click.option(
    "--tolerance",
    default=120,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Seconds an attempt may lie outside the call's start-to-end span.",
)
@user_option
@pass_ctx
def recordings_match(
    ctx: _Context, study: str, cdr: Path, folder: Path, tolerance: float, user: str | None
) -> None:
    """Attach each CDR row's recording to the one attempt on the same number within the tolerance.

    Numbers are compared as keyed hashes; rows with no attempt or more than one are listed by row
    number and nothing is attached for them. The PBX must play the study's consent script (录音告知).
    """
    from survey_app.services import recording_cdr
    from survey_app.services.studies import find_study

    with _errors():
        actor = _actor(ctx, user)
        with ctx.db.session() as session:
            report = recording_cdr.match(
                session, actor, find_study(session, study), cdr, folder, tolerance=tolerance
            )
    for line in report.lines():
        click.echo(line)
    click.echo(
        f"{len(report.matched)} attached, {len(report.unmatched)} unmatched, {len(report.ambiguous)} ambiguous."
    )


@recordings.command("verify")
@click.argument("study")
@user_option
@pass_ctx
def recordings_verify(ctx: _Context, study: str, user: str | None) -> None:
    """Decrypt every recording of STUDY and check its SHA-256 against the row and the audit log."""
    from survey_app.services import recordings as service
    from survey_app.services.studies import find_study

    with _errors():
        actor = _actor(ctx, user)
        with ctx.db.session() as session:
            checks = service.verify(session, actor, find_study(session, study))
    for check in checks:
        click.secho(
            f"{'OK  ' if check.ok else 'FAIL'}  recording {check.recording_id}: {check.detail}",
            fg="green" if check.ok else "red",
        )
    click.echo(f"{len(checks)} recordings checked.")
    sys.exit(0 if all(c.ok for c in checks) else 1)


@main.group()
def audit() -> None:
    """The append-only, hash-chained audit log."""


@audit.command("verify")
@pass_ctx
def audit_verify(ctx: _Context) -> None:
    """Walk the hash chain and name the first edited, inserted or deleted entry; check every signature
    against the local keyring."""
    from survey_app.security import signing
    from survey_app.security.audit import verify_chain, verify_signatures

    with _errors(), ctx.db.session() as session:
        result = verify_chain(session)
        signed = verify_signatures(session, set(signing.trusted_keys()))
    click.secho(result.describe(), fg="green" if result.ok else "red")
    click.secho(f"signatures: {signed.describe()}", fg="green" if signed.ok else "red")
    sys.exit(0 if result.ok and signed.ok else 1)


@main.group()
def keys() -> None:
    """The Ed25519 key that signs the audit log, kept outside the database ($HUIFANG_KEY_DIR)."""


def _echo_key(info, label: str) -> None:
    state = f"retired {info.retired}" if info.retired else label
    click.echo(f"{info.fingerprint}  created {info.created}  {state}\n    public key {info.public_key}")


@keys.command("init")
def keys_init() -> None:
    """Create the signing key (once); publish the fingerprint it prints."""
    from survey_app import config
    from survey_app.security import signing

    with _errors():
        info = signing.init_key()
    click.echo(f"Signing key created in {config.key_dir()} (mode 0700; private key mode 0600).")
    _echo_key(info, "active")
    click.echo("Publish this fingerprint: auditors check the reports' signatures against it.")


@keys.command("rotate")
def keys_rotate() -> None:
    """Replace the signing key; the old public key is kept, so old entries still verify."""
    from survey_app.security import signing

    with _errors():
        info, retired = signing.rotate_key()
    _echo_key(info, "active (new)")
    if retired is not None:
        _echo_key(retired, "retired")


@keys.command("show")
def keys_show() -> None:
    """List every signing key ever used here (active and retired) and where the witness file is."""
    from survey_app import config
    from survey_app.security import signing

    with _errors():
        active, known = signing.read_keyring()
    click.echo(f"Key folder: {config.key_dir()}\nWitness file: {config.witness_file()}")
    if not known:
        click.echo("No signing key yet: run `huifang keys init`.")
    for info in known:
        _echo_key(info, "active" if info.fingerprint == active else "")


# --- the main job and the app ---------------------------------------------------------------------------------


@main.command()
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
    from survey_app.services import demo as demo_service

    with _errors():
        result = demo_service.build_demo(
            ctx.db_url, rows=rows, seed=seed, out_dir=out_dir, force=force, echo=click.echo
        )
        click.echo(demo_service.summary(result))


@main.command()
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
        sys.exit(subprocess.call(command, env=environment(url)))


@main.command()
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
        cluster = Cluster(instances, port, run_dir, environment(url), host=host)
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


# --- open comments coded into findings (issue 14) ------------------------------------------------------


@main.group()
def coding() -> None:
    """Open comments: codebook, suggestions, the double-coding sample, kappa per code, theme frequencies."""


@coding.command("codebook")
@click.argument("study")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@user_option
@pass_ctx
def coding_codebook(ctx: _Context, study: str, file: Path | None, user: str | None) -> None:
    """Store FILE (YAML or JSON; default: the shipped legal-services codebook) as STUDY's codebook."""
    from analysis.comments import load_codebook
    from survey_app.services import coding as coding_service
    from survey_app.services.studies import find_study

    with _errors():
        codebook = load_codebook(file) if file else None
        actor = _actor(ctx, user)
        with ctx.db.session() as session:
            stored = coding_service.save_codebook(session, actor, find_study(session, study), codebook)
            click.echo(f"Codebook {stored.name} version {stored.version} (SHA-256 {stored.sha256}).")


@coding.command("suggest")
@click.argument("study")
@click.option("--all", "everything", is_flag=True, help="Every comment, not only those not coded yet.")
@click.option("--limit", type=click.IntRange(min=1), help="Show at most this many comments.")
@user_option
@pass_ctx
def coding_suggest(ctx: _Context, study: str, everything: bool, limit: int | None, user: str | None) -> None:
    """Print STUDY's comments (anonymised) with the codes jieba's keyword rules suggest (as a researcher)."""
    from survey_app.services import coding as coding_service
    from survey_app.services.studies import find_study

    with _errors():
        actor = _actor(ctx, user)
        with ctx.db.session() as session:
            found = find_study(session, study)
            shown = (coding_service.comments if everything else coding_service.queue)(session, actor, found)
            for item in shown[:limit]:
                codes = [s.code for s in coding_service.suggestions(session, found, item.text)]
                click.echo(f"{item.interview_id}\t{item.question}\t{item.text}\t{', '.join(codes) or '-'}")
            click.echo(f"{len(shown)} comment(s).", err=True)


@coding.command("sample")
@click.argument("study")
@click.option("--seed", required=True, type=int, help="Recorded, so the same sample can be drawn again.")
@click.option("--share", default=0.2, show_default=True, type=click.FloatRange(0, 1, min_open=True))
@user_option
@pass_ctx
def coding_sample(ctx: _Context, study: str, seed: int, share: float, user: str | None) -> None:
    """Draw STUDY's double-coding sample of comments with SEED."""
    from survey_app.services import coding as coding_service
    from survey_app.services.studies import find_study

    with _errors():
        actor = _actor(ctx, user)
        with ctx.db.session() as session:
            drawn = coding_service.draw_double_sample(
                session, actor, find_study(session, study), seed=seed, share=share
            )
            click.echo(f"Drew {len(drawn.members)} comment(s) for double coding with seed {drawn.seed}.")


@coding.command("kappa")
@click.argument("study")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@user_option
@pass_ctx
def coding_kappa(ctx: _Context, study: str, lang: str, user: str | None) -> None:
    """Cohen's kappa per code over STUDY's double-coded comments."""
    from survey_app.services import coding as coding_service
    from survey_app.services.studies import find_study

    with _errors():
        actor = _actor(ctx, user)
        with ctx.db.session() as session:
            table = coding_service.kappa_table(session, actor, find_study(session, study), lang=lang)
        columns = [
            "code",
            "label",
            "n",
            "both",
            "first_only",
            "second_only",
            "agreement",
            "kappa",
            "ci_low",
            "ci_high",
        ]
        click.echo(table[columns].to_string(index=False, float_format=lambda x: f"{x:.2f}"))


@coding.command("frequencies")
@click.argument("study")
@click.option("--by", help="A respondent column, e.g. organisation_id or district (default: overall).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the table as CSV.")
@user_option
@pass_ctx
def coding_frequencies(
    ctx: _Context, study: str, by: str | None, lang: str, out: Path | None, user: str | None
) -> None:
    """Weighted theme frequencies of STUDY's coded comments, with 95% intervals."""
    from survey_app.services import coding as coding_service
    from survey_app.services.studies import find_study

    with _errors():
        actor = _actor(ctx, user)
        with ctx.db.session() as session:
            table = coding_service.theme_frequencies(
                session, actor, find_study(session, study), by=by, lang=lang
            )
        if out:
            from sampling.cells import csv_bytes  # text cells neutralised against spreadsheet formulas

            out.write_bytes(csv_bytes(table))
            click.echo(f"Wrote {len(table)} row(s) to {out}.")
        else:
            click.echo(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))


if __name__ == "__main__":  # pragma: no cover
    main()
