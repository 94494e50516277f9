"""`huifang coding …`: suggestions, kappa and weighted theme frequencies of the demo's coded comments."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from survey_app.cli import main
from survey_app.security.passwords import hash_password
from survey_app.storage.models import User

# every analysis here re-runs from the database; identical unit-comparison inputs are computed once (tests/same_inputs.py)
pytestmark = [pytest.mark.db, pytest.mark.usefixtures("same_inputs_same_units")]


@pytest.fixture
def env(demo_db):
    """Known passwords for the demo's researcher and reviewer (the demo's are random)."""
    with demo_db.session() as session:
        for name in ("researcher", "reviewer"):
            session.scalar(select(User).where(User.username == name)).password_hash = hash_password(
                "password-coding-cli"
            )
    return lambda user: {"HUIFANG_USER": user, "HUIFANG_PASSWORD": "password-coding-cli"}


def run(db, *args: str, env: dict):
    return CliRunner().invoke(main, ["--db", db.url, "coding", *args], env=env, catch_exceptions=False)


def test_suggest_prints_anonymised_comments_with_their_suggested_codes(demo_db, env):
    result = run(demo_db, "suggest", "demo", "--all", "--limit", "3", env=env("researcher"))
    assert result.exit_code == 0, result.output
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert len(lines) == 3 and all(len(parts) == 4 and parts[1] == "comment" for parts in lines)


def test_kappa_prints_a_row_per_code(demo_db, env):
    result = run(demo_db, "kappa", "demo", "--lang", "en", env=env("reviewer"))
    assert result.exit_code == 0, result.output
    assert "waiting.slow" in result.output and "Waiting and speed / Long waits" in result.output


def test_frequencies_write_a_csv(demo_db, env, tmp_path):
    out = tmp_path / "themes.csv"
    result = run(demo_db, "frequencies", "demo", "--by", "district", "--out", str(out), env=env("reviewer"))
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert {"group", "theme", "estimate", "ci_low", "ci_high"} <= set(table.columns)
    assert table["group"].nunique() > 1


def test_a_reviewer_cannot_read_the_comments(demo_db, env):
    result = run(demo_db, "suggest", "demo", env=env("reviewer"))
    assert result.exit_code == 1 and "needs the role researcher" in result.output


def test_a_bad_codebook_file_is_one_sentence(demo_db, env, tmp_path):
    path = tmp_path / "book.yaml"
    path.write_text("name: x\nthemes: []\n", encoding="utf-8")
    result = run(demo_db, "codebook", "demo", str(path), env=env("researcher"))
    assert result.exit_code == 1 and "book.yaml: entry 'themes' must be a non-empty list" in result.output
