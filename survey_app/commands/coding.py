"""`huifang coding`: open comments coded into findings (issue 14).

Loaded only when one of these commands runs or its help is rendered (`survey_app.cli.COMMANDS`).
"""

from __future__ import annotations

from pathlib import Path

import click

from survey_app.cli import _actor, _Context, _errors, pass_ctx, user_option


@click.group()
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
        with ctx.db.reading() as session:
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
        with ctx.db.reading() as session:
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
        with ctx.db.reading() as session:
            table = coding_service.theme_frequencies(
                session, actor, find_study(session, study), by=by, lang=lang
            )
        if out:
            from sampling.cells import csv_bytes  # text cells neutralised against spreadsheet formulas

            out.write_bytes(csv_bytes(table))
            click.echo(f"Wrote {len(table)} row(s) to {out}.")
        else:
            click.echo(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
