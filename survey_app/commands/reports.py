"""Analysis, reports, verification, retention, invitations, recordings, the audit log and keys:
`huifang analyse`, `audit`, `export`, `invite`, `keys`, `purge`, `recordings`, `report`, `sms`, `verify`,
`waves`.

Loaded only when one of these commands runs or its help is rendered (`survey_app.cli.COMMANDS`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from survey_app.cli import _actor, _Context, _errors, pass_ctx, user_option
from survey_app.cli_errors import check_output


@click.command()
@click.argument("study")
@click.option(
    "--verdict",
    type=click.Choice(["posterior", "empirical-null"]),
    help="How units are judged in this analysis (default: the study's setting, else the posterior; "
    "always the posterior after a phase 2).",
)
@click.option(
    "--level",
    type=click.Choice(["organisation", "staff"]),
    default="organisation",
    show_default=True,
    help="Judge organisations (with the headline figures), or each staff member on the events they served.",
)
@pass_ctx
def analyse(ctx: _Context, study: str, verdict: str | None, level: str) -> None:
    """Print the study's headline figures and the units flagged as inflated."""
    from survey_app.services import analysis_service, forked
    from survey_app.services.studies import find_study

    with _errors(), ctx.db.reading() as session:  # no actor, nothing audited: a snapshot, no write lock
        result = analysis_service.analyse(
            session, find_study(session, study), verdict=verdict, start=forked.elsewhere
        )
    if level == "organisation":
        click.echo(analysis_service.summary_text(result))
        return
    from survey_app.services import staff_verdicts

    with _errors():
        table = staff_verdicts.staff_verdicts(result, start=forked.elsewhere)
    click.echo(staff_verdicts.staff_summary_text(result, table))


@click.command()
@click.argument("earlier")
@click.argument("later")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=check_output,
    help="Also write every row of the comparison to this .csv or .xlsx file.",
)
@click.option(
    "--level",
    type=click.Choice(["organisation", "staff"]),
    default="organisation",
    show_default=True,
    help="Follow up the organisations flagged in either study, or the staff members.",
)
@pass_ctx
def waves(ctx: _Context, earlier: str, later: str, out: Path | None, level: str) -> None:
    """Compare two studies a period apart: which rates rose or fell, and the units flagged in either."""
    from survey_app.services import forked
    from survey_app.services import waves as wave_service
    from survey_app.services.studies import find_study

    if out is not None and out.suffix.lower() not in wave_service.OUT_SUFFIXES:
        raise click.BadParameter(f"{out.name}: write the comparison as .csv or .xlsx", param_hint="--out")
    with _errors(), ctx.db.reading() as session:  # no actor, nothing audited: a snapshot, no write lock
        comparison = wave_service.compare_studies(
            session,
            find_study(session, earlier),
            find_study(session, later),
            start=forked.elsewhere,
            level=level,
        )
    click.echo(wave_service.wave_text(comparison))
    if out is not None:
        with _errors():
            wave_service.write_changes(comparison, out)
        click.echo(f"Every row written to {out}")


@click.command("plan-wave")
@click.argument("study")
@click.option(
    "--change",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=0.10,
    show_default=True,
    help="The fall or rise of 满意率 (a share: 0.10 = 10 points) the next study must find.",
)
@click.option(
    "--power",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=0.8,
    show_default=True,
    help="The chance the next study finds such a change where it happened.",
)
@click.option(
    "--by",
    "group",
    type=click.Choice(["district", "domain", "channel"]),
    default="district",
    show_default=True,
    help="The groups whose change the next study must find.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=check_output,
    help="Also write the plan's rows to this .csv or .xlsx file.",
)
@pass_ctx
def plan_wave(ctx: _Context, study: str, change: float, power: float, group: str, out: Path | None) -> None:
    """Plan the next study from this one: the answers and cases each district needs for a change to be found."""
    from survey_app.services import analysis_service, forked, wave_planning
    from survey_app.services.studies import find_study

    if out is not None and out.suffix.lower() not in wave_planning.OUT_SUFFIXES:
        raise click.BadParameter(f"{out.name}: write the plan as .csv or .xlsx", param_hint="--out")
    with _errors(), ctx.db.reading() as session:  # no actor, nothing audited: a snapshot, no write lock
        result = analysis_service.analyse(session, find_study(session, study), start=forked.elsewhere)
    with _errors():
        plan = wave_planning.plan_next_wave(result, change, group=group, power=power)
    click.echo(wave_planning.plan_text(plan))
    if out is not None:
        with _errors():
            wave_planning.write_plan(plan, out)
        click.echo(f"The plan written to {out}")


@click.command("export")
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


@click.command()
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
    file is written, and append the signed chain head to the witness file. The report is built from one
    read-only snapshot without holding the write lock (surveyors keep saving meanwhile); a study that
    changed before the record is refused, and no file is written."""
    from survey_app import config
    from survey_app.services import forked, reports

    with _errors():
        actor = _actor(ctx, user)
        built, anchor = reports.build_and_record(
            ctx.db,
            study,
            actor,
            lang=lang,
            kind=kind,
            district=district,
            domain=domain,
            # an unwritable file ends here, in the record's session, before anything is audited
            deliver=lambda built: out.write_bytes(built.pdf),
            start=forked.elsewhere,  # the posterior models on the second core
        )
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


@click.command()
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
@click.option(
    "--user",
    "-u",
    help="Open the study's call recordings as this user (default: $HUIFANG_USER); it is audited. "
    "Asked for only when the study has recordings.",
)
@pass_ctx
def verify(
    ctx: _Context,
    study: str,
    frame_file: Path | None,
    pdf_file: Path | None,
    anchor_args: tuple[str, ...],
    user: str | None,
) -> None:
    """Check, one by one, that the frame, sample, answers, call recordings, audit log and report are
    untouched, and (with --pdf/--anchor) that the database still matches what was published."""
    import os

    from survey_app.security import anchors, witness
    from survey_app.services import forked, trust_checks, verification
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
        with ctx.db.reading() as session:  # a login of its own, outside the verification's transaction
            has_recordings = verification.recording_count(session, find_study(session, study)) > 0
        opener = _actor(ctx, user) if has_recordings and (user or os.environ.get("HUIFANG_USER")) else None
        # opening recordings is audited (a write); without an opener every check only reads
        with ctx.db.session() if opener is not None else ctx.db.reading() as session:
            checks = verification.verify_study(
                session,
                find_study(session, study),
                frame_file=frame_file,
                published=published,
                recordings_as=opener,
                start=forked.elsewhere,  # the rebuild's posterior models on the second core
            )
        for check in checks:
            mark = "N/A " if not check.applicable else "OK  " if check.ok else "FAIL"
            click.secho(
                f"{mark}  {check.name}: {check.detail}",
                fg=None if not check.applicable else "green" if check.ok else "red",
            )
    sys.exit(0 if all(c.ok for c in checks) else 1)


@click.command()
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


@click.command()
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


@click.group()
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


@click.group()
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


@click.group()
def audit() -> None:
    """The append-only, hash-chained audit log."""


@audit.command("verify")
@pass_ctx
def audit_verify(ctx: _Context) -> None:
    """Walk the hash chain and name the first edited, inserted or deleted entry; check every signature
    against the local keyring."""
    from survey_app.security import signing
    from survey_app.security.audit import verify_chain, verify_signatures

    with _errors(), ctx.db.reading() as session:
        result = verify_chain(session)
        signed = verify_signatures(session, set(signing.trusted_keys()))
    click.secho(result.describe(), fg="green" if result.ok else "red")
    click.secho(f"signatures: {signed.describe()}", fg="green" if signed.ok else "red")
    sys.exit(0 if result.ok and signed.ok else 1)


@click.group()
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
