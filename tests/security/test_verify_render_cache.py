"""`verify`'s rendering cache cannot hide tampering: the report's content is rebuilt from the database on
every check, and only a content this process already rendered, byte for byte in its pickle, with the
same font and renderer, skips the rendering. Any tampering that changes what the report prints misses
the cache, is rendered afresh and is judged on the new PDF.
"""

from __future__ import annotations

import dataclasses

import pytest

from analysis import report as rpt
from survey_app.services import reports, verification
from survey_app.services.studies import find_study
from tests.security.tamper import Attacker

# every verify here re-runs the analysis; identical unit-comparison inputs are computed once (tests/same_inputs.py)
pytestmark = pytest.mark.usefixtures("same_inputs_same_units")


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """Every PDF the renderer makes during the test, by its report language (a counting wrapper)."""
    made: list[str] = []
    real = rpt.render_pdf

    def counting(content, **kwargs):
        made.append(content.language)
        return real(content, **kwargs)

    monkeypatch.setattr(rpt, "render_pdf", counting)
    return made


def verify_renders(db, renders: list[str]) -> tuple[dict[str, verification.Check], int]:
    """The checks of one `verify` of the demo, and how many PDFs it rendered."""
    before = len(renders)
    with db.session() as session:
        checks = verification.verify_study(session, find_study(session, "demo"))
    return {check.name: check for check in checks}, len(renders) - before


def test_verifying_an_unchanged_study_again_skips_only_the_rendering(demo_db, renders):
    first, rendered_first = verify_renders(demo_db, renders)
    again, rendered_again = verify_renders(demo_db, renders)
    assert (rendered_first, rendered_again) == (1, 0)
    assert first["report"].ok and again["report"].ok
    assert again["report"].detail == first["report"].detail


def test_an_answer_changed_in_the_database_misses_the_cache_and_fails_the_report_check(demo_db, renders):
    untouched, _ = verify_renders(demo_db, renders)
    assert untouched["report"].ok
    Attacker(demo_db).change_answer("demo", "sat_overall", "satisfied", "dissatisfied")
    tampered, rendered = verify_renders(demo_db, renders)
    assert rendered == 1
    assert not tampered["report"].ok and "not the published" in tampered["report"].detail


def test_a_consistent_rewrite_is_rendered_afresh_and_judged_on_the_new_pdf(demo_db, renders):
    verify_renders(demo_db, renders)
    attacker = Attacker(demo_db)
    attacker.change_answer("demo", "sat_overall", "satisfied", "dissatisfied")
    new_sha256 = attacker.rebuild_report_entry("demo")
    rewritten, rendered = verify_renders(demo_db, renders)
    assert rendered == 1
    assert rewritten["report"].ok and new_sha256 in rewritten["report"].detail
    assert not rewritten[
        "audit signatures"
    ].ok  # what catches this attack (tests/security/test_tamper_suite.py)


def test_the_key_changes_with_one_printed_cell_the_font_or_the_renderer(demo_db):
    with demo_db.session() as session:
        content = reports.build_content(session, find_study(session, "demo"))
    font = verification.report_font()
    key = verification._render_key(content, font, rpt.render_pdf)
    districts = content.results.by_district.copy()
    column = districts.select_dtypes("number").columns[0]
    districts.loc[districts.index[0], column] += 1e-12  # a difference no printed figure shows
    nudged = dataclasses.replace(content, results=dataclasses.replace(content.results, by_district=districts))
    assert verification._render_key(nudged, font, rpt.render_pdf) != key
    other_font = dataclasses.replace(font, subfont_index=font.subfont_index + 1)
    assert verification._render_key(content, other_font, rpt.render_pdf) != key
    assert verification._render_key(content, font, lambda c, **k: b"") != key
    assert verification._render_key(content, font, rpt.render_pdf) == key


def test_a_content_that_cannot_be_pickled_is_rendered_every_time(demo_db, renders, monkeypatch):
    def refuse(*_args, **_kwargs):
        raise TypeError("cannot pickle this content")

    with demo_db.session() as session:
        content = reports.build_content(session, find_study(session, "demo"))
    monkeypatch.setattr(verification.pickle, "dumps", refuse)
    digests = {verification.rendered_sha256(content) for _ in range(2)}
    assert len(renders) == 2 and len(digests) == 1
