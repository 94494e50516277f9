"""`huifang referrals`, `huifang studies`, `huifang users`: studies, users and referrals.

Loaded only when one of these commands runs or its help is rendered (`survey_app.cli.COMMANDS`).
"""

from __future__ import annotations

import click

from survey_app.cli import _actor, _Context, _errors, pass_ctx, user_option


@click.group(invoke_without_command=True)
@click.pass_context
def studies(click_ctx: click.Context) -> None:
    """List the studies of the database: id, name, state (a subcommand changes a study's settings)."""
    if click_ctx.invoked_subcommand is not None:
        return
    from survey_app.services.studies import list_studies

    ctx = click_ctx.find_object(_Context)
    with _errors(), ctx.db.reading() as session:
        rows = list_studies(session)
        if not rows:
            click.echo("No studies yet. `huifang demo` builds one.")
        for study in rows:
            click.echo(f"{study.id}\t{study.name}\t{study.state}\t{study.title}")


@studies.command("set-gamma")
@click.argument("study")
@click.argument("gamma")
@user_option
@pass_ctx
def studies_set_gamma(ctx: _Context, study: str, gamma: str, user: str | None) -> None:
    """Set the study's refusal-range Γ, 1 to 10 (as a researcher or admin; audited): later analyses,
    reports and `verify` show the headline 满意率 if nonrespondents' odds of being satisfied were up to
    Γ times lower or higher."""
    from survey_app.services.studies import find_study, refusal_gamma, set_refusal_gamma

    with _errors():
        actor = _actor(ctx, user)
        with ctx.db.session() as session:
            found = find_study(session, study)
            before = refusal_gamma(found)
            set_refusal_gamma(session, actor, found, gamma)
            click.echo(f"Study {found.name}: refusal range Γ {before:g} → {refusal_gamma(found):g}.")


@studies.command("set-verdict")
@click.argument("study")
@click.argument("method", type=click.Choice(["posterior", "empirical-null", "default"]))
@user_option
@pass_ctx
def studies_set_verdict(ctx: _Context, study: str, method: str, user: str | None) -> None:
    """Set how the study's units are judged (as a researcher or admin; audited): later analyses, reports
    and `verify` use it. `default` clears it (the default is the posterior for every study). The empirical
    null is valid but finds far fewer inflating units (simulations at ~16 respondents a unit: 0.09 of the
    units inflating by 20 points, the posterior 0.52; ARCHITECTURE.md)."""
    from survey_app.services.studies import find_study, set_verdict_method, verdict_method

    with _errors():
        actor = _actor(ctx, user)
        with ctx.db.session() as session:
            found = find_study(session, study)
            before = verdict_method(found) or "default"
            set_verdict_method(session, actor, found, method)
            after = verdict_method(found) or "default"
            click.echo(f"Study {found.name}: unit verdict method {before} → {after}.")


@studies.command("do-not-call")
@click.argument("study")
@click.argument("numbers_file", metavar="FILE", type=click.File("rb"))
@user_option
@pass_ctx
def studies_do_not_call(ctx: _Context, study: str, numbers_file, user: str | None) -> None:
    """Replace the study's do-not-call list with the numbers in FILE (one a line, or a CSV's first
    column; `-` reads standard input). Only keyed hashes of the numbers are stored; audited."""
    from survey_app.services import do_not_call
    from survey_app.services.studies import find_study, set_do_not_call

    with _errors():
        actor = _actor(ctx, user)
        lines = do_not_call.file_lines(numbers_file.read())
        with ctx.db.session() as session:
            found = find_study(session, study)
            count = set_do_not_call(session, actor, found, lines)
        shown = f" ({do_not_call.masked(lines)})" if count else ""
        click.echo(f"Study {found.name}: do-not-call list of {count} numbers{shown}.")


@click.group()
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


@click.group()
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
