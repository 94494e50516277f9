"""`huifang frame`, `huifang sample`: sampling frames and samples.

Loaded only when one of these commands runs or its help is rendered (`survey_app.cli.COMMANDS`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from survey_app.cli import _actor, _Context, _errors, pass_ctx, user_option
from survey_app.cli_errors import check_encoding, check_output


@click.group()
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


@click.group()
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
@click.option(
    "--surveyors",
    type=click.IntRange(min=1),
    default=None,
    help="Telephone surveyors you plan to have: the margin their differences add is shown.",
)
@click.option(
    "--surveyor-spread",
    type=click.FloatRange(0, 1, max_open=True),
    default=None,
    help="SD of the surveyors' shifts of the satisfied share (0.03 = 3 points, the default); `huifang "
    "analyse` of an earlier study with the same team prints its own, which is better.",
)
@pass_ctx
def sample_plan(
    ctx: _Context,
    study: str,
    recent_days: int | None,
    surveyors: int | None,
    surveyor_spread: float | None,
    **options,
) -> None:
    """Show N_h, n_h and the expected margin of error per stratum, drawing nothing."""
    from survey_app.services import frames, recent_contacts, samples
    from survey_app.services.studies import find_study

    with _errors(), ctx.db.session() as session:
        target = find_study(session, study)
        if recent_days is not None:  # for this plan only: rolled back below, the study keeps its rule
            target.settings = {**(target.settings or {}), recent_contacts.SETTING: recent_days}
        data = frames.frame_records(session, frames.latest_frame(session, target), personal=True)
        params = _params(**options)
        table = samples.plan(data, target, params)
        coverage = samples.staff_coverage(data, target, params, table)
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
        for line in samples.surveyor_lines(table, surveyors, surveyor_spread):
            click.echo(line)
        if coverage is not None:
            click.echo(
                f"staff level: about {coverage.attrs['expected_judged']:,.0f} of the frame's {len(coverage):,} staff "
                f"members are expected to reach {coverage.attrs['min_respondents']} respondents and can be judged one "
                "by one; the others will have insufficient evidence"
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

    with _errors(), ctx.db.reading() as session:
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
@click.option(
    "--rule",
    "kind",
    type=click.Choice(["rate", "evidence"]),
    default="rate",
    show_default=True,
    help="rate: clear on the phase-1 rate; evidence: screen on all phase-1 evidence (answers beside the "
    "system rating, signs, staff asked, the published level).",
)
@click.option("--top", type=click.IntRange(min=1), help="Evidence rule: the J units with the highest scores.")
@click.option("--threshold", type=float, help="Evidence rule: every unit whose score reaches this (nats).")
@click.option(
    "--ceiling",
    type=float,
    help="Evidence rule: a unit whose score reaches this (nats) is decided: no phase 2.",
)
@click.option(
    "--constants-from",
    metavar="STUDY",
    help="Evidence rule: estimate its constants from this previous study (default: built-in constants).",
)
@click.option("--no-level", is_flag=True, help="Evidence rule: the published level is no evidence.")
@click.option(
    "--allocation",
    type=click.Choice(["need", "equal"]),
    default="need",
    show_default=True,
    help="Share the budget among the selected units in proportion to their planned need, or equally.",
)
@user_option
@pass_ctx
def sample_phase2(
    ctx: _Context,
    study: str,
    budget: int,
    seed: int,
    inflation: float,
    level: float,
    kind: str,
    top: int | None,
    threshold: float | None,
    ceiling: float | None,
    constants_from: str | None,
    no_level: bool,
    allocation: str,
    user: str | None,
) -> None:
    """Two-phase sampling: send BUDGET more cases to the units phase 1 could not clear.

    What it buys, in simulated studies (60 units, 1,920 cases either way, 14 a unit in phase 1, phase 2
    to the top 12 by evidence): inflation that shows as a rate gap is found about twice as often (+10
    points: 0.41 against 0.22; at 95–98% 0.38 against 0.19); staff rating 30% of the events about as
    often as with one phase (0.57 against 0.54 at 95–98%); staff rating mostly the unsatisfied events
    less often (0.61 against 0.65). At the staff level (a design with --risk-unit staff_id; 600
    members, 6 cases a member first and 12 in all, phase 2 to the top 60): +20 points found 0.37
    against 0.14, staff rating 30% of the events 0.22 against 0.07.
    """
    from survey_app.services import phase_two
    from survey_app.services.studies import find_study

    if kind == "rate" and (top or threshold is not None or ceiling is not None or constants_from or no_level):
        raise click.UsageError(
            "--top, --threshold, --ceiling, --constants-from and --no-level go with --rule evidence."
        )
    if top and threshold is not None:
        raise click.UsageError("give --top or --threshold, not both.")
    rule: dict = {"inflation": inflation, "level": level, "kind": kind, "allocation": allocation}
    if threshold is not None:
        rule.update(select="threshold", threshold=threshold)
    elif top:
        rule.update(select="top", top=top)
    if ceiling is not None:
        rule["ceiling"] = ceiling
    with _errors():
        actor = _actor(ctx, user)
        with ctx.db.session() as session:
            drawn_for = find_study(session, study)
            record = phase_two.draw_phase_two(
                session,
                actor,
                drawn_for,
                budget,
                seed,
                rule,
                constants_from=constants_from,
                level_from_census=not no_level,
            )
            leaning = phase_two.leaning_expanded(session, actor, drawn_for, record)
        added = sum(record["allocation"].values())
        decided = "selected by their evidence" if kind == "evidence" else "not cleared"
        click.echo(
            f"Phase 2 (seed {record['seed']}): {len(record['selected'])} of {len(record['audited'])} audited units "
            f"{decided}; {added} cases added in {len(record['allocation'])} units "
            f"({budget - added} of the budget unused); phase-2 SHA-256 {record['sha256']}"
        )
        if leaning:
            click.echo(
                f"{len(leaning)} of these units are called mostly by one surveyor ({', '.join(leaning)}): hand "
                "their new cases to other surveyors (progress page) so that the verdict can read them."
            )
