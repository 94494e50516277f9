"""The tamper suite: each attack on a published study, done with Huifang's own functions, and the
check of `huifang verify` that names it.

The study is the small demo: its report PDF was published and its signed chain head appended to the
witness file. The attacker rewrites the database with plain SQL (triggers dropped). "Signature alone"
means verifying with the local keyring only (no PDF, no anchor): what catches an attacker who never
held the signing key. The published PDF and the witness anchor catch even one who did.
"""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from survey_app.cli import main
from survey_app.security import anchors, signing, witness
from survey_app.services import reports, trust_checks, verification
from survey_app.services.studies import find_study
from survey_app.storage.models import AuditEntry, Case, User
from tests.security.tamper import Attacker

# every verify here re-runs the analysis; identical unit-comparison inputs are computed once (tests/same_inputs.py)
pytestmark = pytest.mark.usefixtures("same_inputs_same_units")


@pytest.fixture
def published(demo_db, demo_result, tmp_path):
    """What the auditor holds from before the attack: the PDF as published and the witness anchor."""
    pdf = tmp_path / "out" / "demo-report.pdf"
    return trust_checks.Published(
        pdf=anchors.published_anchor(pdf), anchors=[("witness", demo_result.report_anchor, None)]
    )


def verdicts(db, published=None) -> dict[str, verification.Check]:
    with db.session() as session:
        checks = verification.verify_study(session, find_study(session, "demo"), published=published)
    return {check.name: check for check in checks}


def failed(checks: dict[str, verification.Check]) -> set[str]:
    return {name for name, check in checks.items() if not check.ok}


def test_the_untouched_published_study_passes_every_check(demo_db, published):
    checks = verdicts(demo_db, published)
    assert failed(checks) == set()
    assert {"audit signatures", "recorded state", "published PDF", "anchors"} <= set(checks)


def test_the_published_pdf_prints_the_signed_chain_head_and_key(demo_result):
    printed = anchors.published_anchor(demo_result.report_path).anchor
    assert printed.signed and printed.self_consistent()
    assert printed.fingerprint in signing.trusted_keys()
    assert printed.entry_id < demo_result.report_anchor.entry_id  # the head at the report's time


def test_a_consistent_rewrite_passes_the_self_checks_but_not_the_signatures(demo_db):
    attacker = Attacker(demo_db)
    attacker.change_answer("demo", "sat_overall", "satisfied", "dissatisfied")
    attacker.rebuild_report_entry("demo")
    checks = verdicts(demo_db)
    # what the database says about itself is consistent again ...
    assert all(checks[name].ok for name in ("audit chain", "answers", "headline figures", "report"))
    # ... but the rewritten entries no longer carry the key holder's signature
    assert failed(checks) == {"audit signatures"}
    assert "signature does not match" in checks["audit signatures"].detail


def test_a_consistent_rewrite_is_caught_by_the_published_pdf_and_the_anchor(demo_db, published):
    attacker = Attacker(demo_db)
    attacker.change_answer("demo", "sat_overall", "satisfied", "dissatisfied")
    attacker.rebuild_report_entry("demo")
    checks = verdicts(demo_db, published)
    assert {"published PDF", "anchors", "audit signatures"} <= failed(checks)
    assert "rewritten" in checks["published PDF"].detail and "rewritten" in checks["anchors"].detail


def test_a_rewrite_re_signed_with_the_stolen_key_is_still_caught_by_the_pdf_and_anchor(demo_db, published):
    attacker = Attacker(demo_db, signer=signing.active_signer())
    attacker.change_answer("demo", "sat_overall", "satisfied", "dissatisfied")
    attacker.rebuild_report_entry("demo")
    checks = verdicts(demo_db, published)
    assert checks["audit signatures"].ok  # the key holder can sign anything ...
    assert failed(checks) == {"published PDF", "anchors"}  # ... but not change what was published


def test_truncating_the_chain_after_the_published_anchor_is_caught(demo_db, published, demo_result):
    Attacker(demo_db).truncate_after(demo_result.report_anchor.entry_id - 1)  # the report.built entry goes
    checks = verdicts(demo_db, published)
    assert checks["audit chain"].ok and checks["audit signatures"].ok  # a signed prefix is still a chain
    assert "anchors" in failed(checks) and "deleted" in checks["anchors"].detail
    assert "published PDF" in failed(checks)


def test_cases_silently_set_to_finalised_unknown_eligibility_are_named(demo_db):
    with demo_db.session() as session:
        ids = session.scalars(
            select(Case.id).where(Case.final_disposition.is_distinct_from("3.18")).order_by(Case.id).limit(50)
        ).all()
    Attacker(demo_db).sql(
        f"UPDATE cases SET state='finalised', final_disposition='3.18' WHERE id IN ({','.join(map(str, ids))})"
    )
    checks = verdicts(demo_db)
    assert failed(checks) >= {"recorded state"}
    detail = checks["recorded state"].detail
    assert f"case {ids[0]}:" in detail and "final_disposition" in detail and '→ "3.18"' in detail
    assert "(and 47 more)" in detail


def test_a_user_promoted_to_admin_in_the_database_is_named(demo_db):
    Attacker(demo_db).sql("UPDATE users SET role='admin' WHERE username='surveyor'")
    checks = verdicts(demo_db)
    assert failed(checks) == {"recorded state"}
    assert 'role "surveyor" → "admin"' in checks["recorded state"].detail


def test_edited_study_settings_are_named(demo_db):
    with demo_db.session() as session:
        settings = find_study(session, "demo").settings
    Attacker(demo_db).sql(
        "UPDATE studies SET settings=:s WHERE name='demo'", s=json.dumps({**settings, "retention_days": 3650})
    )
    checks = verdicts(demo_db)
    assert "recorded state" in failed(checks) and "settings" in checks["recorded state"].detail


def test_an_edited_weight_is_named(demo_db):
    with demo_db.session() as session:
        case_id = session.scalar(select(Case.id).where(Case.design_weight.is_not(None)).limit(1))
    Attacker(demo_db).sql("UPDATE cases SET design_weight = design_weight * 2 WHERE id=:i", i=case_id)
    checks = verdicts(demo_db)
    assert "recorded state" in failed(checks) and "design_weight" in checks["recorded state"].detail


def test_a_user_inserted_in_the_database_is_named(demo_db):
    with demo_db.session() as session:
        hashed = session.scalar(select(User.password_hash).where(User.username == "admin"))
    Attacker(demo_db).sql(
        "INSERT INTO users (username, display_name, role, password_hash, active, created_at) "
        "VALUES ('mallory', 'M', 'admin', :h, 1, '2026-01-01')",
        h=hashed,
    )
    checks = verdicts(demo_db)
    assert "was never recorded" in checks["recorded state"].detail


def test_an_entry_signed_with_the_attackers_own_key_is_not_trusted(demo_db, tmp_path):
    mallory = signing.active_signer(_fresh_key_folder(tmp_path))
    with demo_db.session() as session:
        last = session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    attacker = Attacker(demo_db, signer=mallory)
    attacker.drop_triggers()
    attacker.rechain(last)  # the attacker re-signs the newest entry with a key of their own
    checks = verdicts(demo_db)
    assert "not a trusted key" in checks["audit signatures"].detail


def test_removed_signatures_are_caught(demo_db):
    attacker = Attacker(demo_db)
    attacker.drop_triggers()
    attacker.sql("UPDATE audit_log SET key_id=NULL, signature=NULL WHERE id=5")
    checks = verdicts(demo_db)
    assert "entry 5: is not signed" in checks["audit signatures"].detail


def test_a_pdf_with_one_byte_flipped_is_not_the_published_report(demo_db, demo_result, tmp_path):
    data = bytearray(demo_result.report_path.read_bytes())
    # a byte of the first page's drawing, not of the keywords that print the anchor (whose signature
    # would then fail first, as a forged anchor): wherever the middle byte happened to fall
    data[data.index(b"\nstream\n") + 20] ^= 0x01
    forged = tmp_path / "flipped.pdf"
    forged.write_bytes(bytes(data))
    checks = verdicts(demo_db, trust_checks.Published(pdf=anchors.published_anchor(forged)))
    assert failed(checks) == {"published PDF"}
    assert "never recorded as built" in checks["published PDF"].detail


def test_a_witness_file_of_another_chain_only_is_a_failure(demo_db, demo_result):
    line = ("witness line 1", demo_result.report_anchor, "f" * 64)
    checks = verdicts(demo_db, trust_checks.Published(anchors=[line]))
    assert "none of the 1 witness lines belongs to this database's chain" in checks["anchors"].detail


def test_signatures_made_before_a_key_rotation_still_verify(demo_db, tmp_path, monkeypatch, published):
    folder = tmp_path / "rotated"
    shutil.copytree(_key_folder(), folder)
    monkeypatch.setenv("HUIFANG_KEY_DIR", str(folder))
    new, retired = signing.rotate_key()
    assert retired is not None and {new.fingerprint, retired.fingerprint} <= set(signing.trusted_keys())
    with demo_db.session() as session:
        study = find_study(session, "demo")
        reports.build_report(
            session, study, actor=session.scalar(select(User).where(User.username == "auditor"))
        )
    with demo_db.session() as session:
        keys = {row for row in session.scalars(select(AuditEntry.key_id).distinct())}
    assert len(keys) == 2  # old entries by the retired key, the new ones by the new key
    assert failed(verdicts(demo_db, published)) == set()


def test_the_verify_command_takes_the_pdf_and_the_witness_file(demo_db, demo_result, tmp_path):
    pdf = tmp_path / "out" / "demo-report.pdf"
    file = tmp_path / "witness.jsonl"
    with demo_db.session() as session:
        chain = session.scalar(select(AuditEntry.hash).where(AuditEntry.id == 1))
    other = anchors.Anchor(3, "c" * 64)  # a line of another database sharing the file
    witness.append(other, study="demo", report_sha256="d" * 64, chain="e" * 64, path=file)
    anchor = demo_result.report_anchor
    witness.append(anchor, study="demo", report_sha256=demo_result.report_sha256, chain=chain, path=file)
    args = ["--db", demo_db.url, "verify", "demo", "--pdf", str(pdf), "--anchor", str(file)]
    ok = CliRunner().invoke(main, args)
    assert ok.exit_code == 0 and "OK    published PDF" in ok.output and "OK    anchors" in ok.output
    assert "1 lines of other databases skipped" in ok.output
    Attacker(demo_db).truncate_after(demo_result.report_anchor.entry_id - 1)
    caught = CliRunner().invoke(main, args)
    assert caught.exit_code == 1 and "FAIL  anchors" in caught.output


def test_the_verify_command_takes_an_entry_and_hash(demo_db, demo_result):
    anchor = demo_result.report_anchor
    result = CliRunner().invoke(
        main, ["--db", demo_db.url, "verify", "demo", "--anchor", f"{anchor.entry_id}:{anchor.hash}"]
    )
    assert "OK    anchors" in result.output


def test_a_report_without_an_identity_is_refused_and_not_audited(demo_db, tmp_path):
    with demo_db.session() as session:
        before = session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    result = CliRunner().invoke(
        main,
        ["--db", demo_db.url, "report", "demo", "--out", str(tmp_path / "r.pdf")],
        env={"HUIFANG_USER": ""},
    )
    assert result.exit_code != 0 and "acts as a user" in result.output
    with demo_db.session() as session:
        assert session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1)) == before
    assert not (tmp_path / "r.pdf").exists()


def test_a_report_that_cannot_be_written_is_not_audited(demo_db, demo_result, tmp_path, monkeypatch):
    import pathlib

    def refuse(self, data):
        raise PermissionError(13, "Permission denied", str(self))

    with demo_db.session() as session:
        before = session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    monkeypatch.setattr(pathlib.Path, "write_bytes", refuse)
    env = {"HUIFANG_USER": "auditor", "HUIFANG_PASSWORD": demo_result.passwords["auditor"]}
    CliRunner().invoke(
        main, ["--db", demo_db.url, "report", "demo", "--out", str(tmp_path / "r.pdf")], env=env
    )
    with demo_db.session() as session:
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.id > before)).all()
    assert "report.built" not in actions


def _key_folder():
    import os
    from pathlib import Path

    return Path(os.environ["HUIFANG_KEY_DIR"])


def _fresh_key_folder(tmp_path):
    folder = tmp_path / "mallory-keys"
    signing.init_key(folder)
    return folder
