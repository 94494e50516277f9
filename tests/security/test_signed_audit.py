"""The signing key, the state log and the witness file, one behaviour each (SQLite and PostgreSQL).

The tamper suite (test_tamper_suite.py) attacks a whole published study; these tests pin the pieces.
"""

from __future__ import annotations

import base64
import json
import os
import stat
from typing import ClassVar

import pytest
from sqlalchemy import select, text, update

from survey_app.security import anchors, audit, signing, state_log, witness
from survey_app.services import auth, studies, trust_checks
from survey_app.storage.models import AuditEntry, Case, User

PASSWORD = "correct horse battery staple"


@pytest.fixture
def admin(db):
    with db.session() as session:
        return auth.create_user(session, None, "root", PASSWORD, "admin")


def entries(db, action: str) -> list[dict]:
    with db.session() as session:
        rows = session.scalars(
            select(AuditEntry.details).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
        return [json.loads(r) for r in rows]


def recorded_state_check(db, study_name: str) -> tuple[bool, str]:
    with db.session() as session:
        return trust_checks.check_recorded_state(session, studies.find_study(session, study_name))


# --- keys -----------------------------------------------------------------------------------------------------


def test_a_new_key_folder_is_private_and_the_key_file_is_0600(tmp_path):
    folder = tmp_path / "keys"
    info = signing.init_key(folder)
    key_file = folder / f"signing-{info.fingerprint[:16]}.key"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_init_refuses_to_replace_an_existing_key(tmp_path):
    signing.init_key(tmp_path / "keys")
    with pytest.raises(signing.KeyFolderError, match="keys rotate"):
        signing.init_key(tmp_path / "keys")


def test_rotation_keeps_every_old_public_key_and_deletes_the_old_private_key(tmp_path):
    folder = tmp_path / "keys"
    first = signing.init_key(folder)
    second, retired = signing.rotate_key(folder)
    assert retired.fingerprint == first.fingerprint and retired.retired
    assert set(signing.trusted_keys(folder)) == {first.fingerprint, second.fingerprint}
    assert not (folder / f"signing-{first.fingerprint[:16]}.key").exists()
    assert signing.active_signer(folder).fingerprint == second.fingerprint


def test_a_key_file_readable_by_others_is_refused(tmp_path):
    folder = tmp_path / "keys"
    info = signing.init_key(folder)
    os.chmod(folder / f"signing-{info.fingerprint[:16]}.key", 0o644)
    signing._cache.clear()
    with pytest.raises(signing.KeyFolderError, match="chmod 600"):
        signing.active_signer(folder)


def test_a_signature_covers_the_entry_id_and_hash(tmp_path):
    signing.init_key(tmp_path / "k")
    signer = signing.active_signer(tmp_path / "k")
    key = signing.public_key_from_hex(signer.public_key_hex)
    signature = signer.sign_entry(7, "a" * 64)
    assert signing.verify_entry(key, 7, "a" * 64, signature)
    assert not signing.verify_entry(key, 8, "a" * 64, signature)
    assert not signing.verify_entry(key, 7, "b" * 64, signature)


# --- signed entries -------------------------------------------------------------------------------------------


def test_every_entry_is_signed_with_the_active_key(db, admin):
    with db.session() as session:
        result = audit.verify_signatures(session, set(signing.trusted_keys()))
    assert result.ok and result.entries >= 2 and result.keys == (signing.active_signer().fingerprint,)


def test_without_a_key_entries_are_unsigned_and_verify_says_how_to_fix_it(db, tmp_path, monkeypatch):
    monkeypatch.setenv("HUIFANG_KEY_DIR", str(tmp_path / "none"))
    with db.session() as session:
        auth.create_user(session, None, "root", PASSWORD, "admin")
    monkeypatch.undo()
    with db.session() as session:
        result = audit.verify_signatures(session, set(signing.trusted_keys()))
    assert not result.ok and result.first_bad_id == 1 and "huifang keys init" in result.problem


def test_signatures_need_a_trusted_fingerprint_from_outside_the_database(db, admin):
    with db.session() as session:
        result = audit.verify_signatures(session, set())
    assert not result.ok and "no trusted public key" in result.problem


def test_after_a_rotation_trust_in_either_key_extends_to_the_other(db, tmp_path, monkeypatch):
    monkeypatch.setenv("HUIFANG_KEY_DIR", str(tmp_path / "keys"))
    old = signing.init_key()
    with db.session() as session:
        auth.create_user(session, None, "root", PASSWORD, "admin")
    new, _ = signing.rotate_key()
    with db.session() as session:
        auth.create_user(session, None, "sue", PASSWORD, "surveyor")
    assert [e["previous_public_key"] for e in entries(db, audit.ROTATED)] == [old.public_key]
    with db.session() as session:  # an auditor holding only an older PDF, or only a newer one
        assert audit.verify_signatures(session, {old.fingerprint}).ok
        assert audit.verify_signatures(session, {new.fingerprint}).ok


def test_a_rotation_entry_without_the_old_keys_endorsement_extends_no_trust(db, admin, tmp_path, monkeypatch):
    trusted = signing.active_signer()
    signing.init_key(tmp_path / "mallory")
    mallory = signing.active_signer(tmp_path / "mallory")
    forged = signing.Signer(mallory.key, mallory.fingerprint, trusted.public_key_hex, "00" * 64)
    monkeypatch.setattr(signing, "active_signer", lambda folder=None: forged)
    with db.session() as session:
        audit.record(session, "mallory", "user.promoted", entity="user", entity_id=admin.id)
    monkeypatch.undo()
    with db.session() as session:
        result = audit.verify_signatures(session, {trusted.fingerprint})
    assert not result.ok and "not a trusted key" in result.problem


# --- state log ------------------------------------------------------------------------------------------------


def test_a_role_change_made_through_the_orm_is_recorded_with_its_actor(db, admin):
    with db.session() as session:
        user = auth.create_user(session, None, "sue", PASSWORD, "surveyor")
    with db.session() as session:
        session.get(User, user.id).role = "supervisor"
        audit.record(session, "root", "user.role_changed", entity="user", entity_id=user.id)
    recorded = entries(db, state_log.ACTION)[-1]["users"][str(user.id)]
    assert recorded[:3] == ["sue", "supervisor", True]
    with db.session() as session:
        actor = session.scalar(select(AuditEntry.actor).order_by(AuditEntry.id.desc()).limit(1))
    assert actor == "root"


def test_a_bulk_update_statement_on_cases_is_recorded(db, admin):
    from tests.fieldwork.conftest import make_study

    study_id = make_study(db, cases=3)
    with db.session() as session:
        session.execute(update(Case).where(Case.study_id == study_id).values(priority=5, state="pending"))
        session.execute(update(Case).where(Case.study_id == study_id).values(design_weight=2.5))
    last = entries(db, state_log.ACTION)[-1]
    assert len(last["cases"]) == 3 and all(values[4] == 2.5 for values in last["cases"].values())


def test_a_rolled_back_change_records_nothing(db, admin):
    before = len(entries(db, state_log.ACTION))
    with pytest.raises(RuntimeError), db.session() as session:
        session.get(User, admin.id).role = "surveyor"
        session.flush()
        raise RuntimeError("abandon")
    assert len(entries(db, state_log.ACTION)) == before


def test_an_unrelated_change_records_no_state(db, admin):
    before = len(entries(db, state_log.ACTION))
    with db.session() as session:
        session.get(User, admin.id).display_name = "The Root"
        audit.record(session, "root", "user.renamed", entity="user", entity_id=admin.id)
    assert len(entries(db, state_log.ACTION)) == before


def test_a_case_changed_with_plain_sql_is_named_by_the_recorded_state_check(db, admin):
    from tests.fieldwork.conftest import make_study

    study_id = make_study(db, cases=2)
    with db.session() as session:
        name = session.scalar(text("SELECT name FROM studies WHERE id = :i"), {"i": study_id})
        case_id = session.scalar(select(Case.id).where(Case.study_id == study_id).limit(1))
    assert recorded_state_check(db, name)[0]
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE cases SET final_disposition = '1.1' WHERE id = :i"), {"i": case_id})
    ok, detail = recorded_state_check(db, name)
    assert not ok and f'case {case_id}: final_disposition null → "1.1"' in detail


def test_a_claim_returning_a_whole_number_weight_is_recorded_as_the_database_holds_it(db, admin):
    """SQLite's RETURNING gives a REAL of 2.0 back as 2; the claim hands its row to the state log."""
    import datetime as dt

    from survey_app.services import fieldwork
    from tests.fieldwork.conftest import make_study

    study_id = make_study(db, cases=2)  # design weights 2.0
    with db.session() as session:
        surveyor = auth.create_user(session, None, "sue", PASSWORD, "surveyor")
    with db.session() as session:
        study = studies.find_study(session, str(study_id))
        claimed = fieldwork.next_case(session, surveyor, study, now=dt.datetime(2026, 3, 2, 3))
        name = study.name
    recorded = entries(db, state_log.ACTION)[-1]["cases"][str(claimed.id)]
    assert recorded[1] == "held" and isinstance(recorded[4], float)
    ok, detail = recorded_state_check(db, name)
    assert ok, detail


def test_a_password_hash_replaced_in_the_database_is_named_but_never_recorded_in_clear(db, admin):
    from tests.fieldwork.conftest import make_study

    study_id = make_study(db, cases=1)
    with db.session() as session:
        name = session.scalar(text("SELECT name FROM studies WHERE id = :i"), {"i": study_id})
        genuine = session.get(User, admin.id).password_hash
    assert all(genuine not in json.dumps(e) for e in entries(db, state_log.ACTION))
    with db.engine.begin() as conn:  # the attacker sets a password they know
        conn.execute(
            text("UPDATE users SET password_hash = :h WHERE id = :i"), {"h": genuine + "x", "i": admin.id}
        )
    ok, detail = recorded_state_check(db, name)
    assert not ok and f"user {admin.id}: password_hash" in detail


# --- anchors and the witness file -----------------------------------------------------------------------------


def test_the_witness_line_is_written_only_when_the_transaction_commits(db, admin, tmp_path, monkeypatch):
    path = tmp_path / "w.jsonl"
    monkeypatch.setenv("HUIFANG_WITNESS_FILE", str(path))
    anchor = anchors.Anchor(1, "a" * 64)
    with pytest.raises(RuntimeError), db.session() as session:
        session.execute(text("SELECT 1"))
        witness.after_commit(session, anchor, study="s", report_sha256="b" * 64, chain="c" * 64)
        raise RuntimeError("the build failed")
    assert not path.exists()
    with db.session() as session:
        session.execute(text("SELECT 1"))
        witness.after_commit(session, anchor, study="s", report_sha256="b" * 64, chain="c" * 64)
    assert witness.read(path) == [witness.WitnessLine(1, "c" * 64, anchor)]


def test_an_anchor_beyond_the_end_of_the_chain_means_entries_were_deleted(db, admin):
    with db.session() as session:
        ok, detail = anchors.check_anchor(session, anchors.Anchor(10_000, "a" * 64), "witness line 3")
    assert not ok and "witness line 3" in detail and "deleted" in detail


def test_a_forged_anchor_signature_is_refused(db, admin):
    with db.session() as session:
        entry = session.scalar(select(AuditEntry).limit(1))
        genuine = anchors.anchor_of(entry)
        forged = anchors.Anchor(genuine.entry_id, genuine.hash, genuine.public_key, "0" * 128)
        assert anchors.check_anchor(session, genuine, "pdf")[0]
        ok, detail = anchors.check_anchor(session, forged, "pdf")
    assert not ok and "forged anchor" in detail


def test_a_witness_file_with_a_broken_line_names_the_line(tmp_path):
    path = tmp_path / "w.jsonl"
    path.write_text('{"entry_id": 1, "hash": "' + "a" * 64 + '"}\nnot json\n', encoding="utf-8")
    with pytest.raises(witness.WitnessError, match="line 2"):
        witness.read(path)


def test_an_anchor_argument_must_be_entry_colon_hash():
    assert witness.parse_head("12:" + "A" * 64) == anchors.Anchor(12, "a" * 64)
    with pytest.raises(witness.WitnessError, match="ENTRY:HASH"):
        witness.parse_head("12:abc")


def test_a_file_that_is_not_a_pdf_is_named():
    with pytest.raises(anchors.PublishedPdfError, match=r"notes\.txt"):
        trust_checks.published_pdf(b"hello, not a PDF", "notes.txt")


class RecordingAuthority:
    """A stand-in timestamp authority: returns a fixed token and remembers what it was asked to stamp."""

    asked: ClassVar[list[bytes]] = []

    def timestamp(self, digest: bytes) -> bytes:
        RecordingAuthority.asked.append(digest)
        return b"token-over-" + digest[:4]


def test_a_configured_timestamp_authority_stamps_each_witness_line(tmp_path, monkeypatch):
    monkeypatch.setenv("HUIFANG_TIMESTAMP_AUTHORITY", f"{__name__}:RecordingAuthority")
    anchor = anchors.Anchor(4, "ab" * 32)
    path = witness.append(
        anchor, study="s", report_sha256="c" * 64, chain="d" * 64, path=tmp_path / "w.jsonl"
    )
    line = json.loads(path.read_text(encoding="utf-8"))
    assert RecordingAuthority.asked[-1] == bytes.fromhex(anchor.hash)
    assert base64.b64decode(line["rfc3161"]) == b"token-over-" + bytes.fromhex(anchor.hash)[:4]


def test_without_a_timestamp_authority_no_token_is_requested(tmp_path, monkeypatch):
    monkeypatch.delenv("HUIFANG_TIMESTAMP_AUTHORITY", raising=False)
    path = witness.append(
        anchors.Anchor(4, "ab" * 32),
        study="s",
        report_sha256="c" * 64,
        chain="d" * 64,
        path=tmp_path / "w.jsonl",
    )
    assert "rfc3161" not in json.loads(path.read_text(encoding="utf-8"))


def test_a_misnamed_timestamp_authority_is_a_clear_error(monkeypatch):
    from survey_app.security import timestamping
    from survey_app.services.errors import HuifangError

    monkeypatch.setenv("HUIFANG_TIMESTAMP_AUTHORITY", "no.such.module")
    with pytest.raises(HuifangError, match="module:factory"):
        timestamping.configured()
