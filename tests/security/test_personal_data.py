"""Personal data at rest: sealed field by field, matched by keyed hash, purged on time with the study
still verifying.

The demo study (small, SQLite) is built through every real service; the bytes tests also run on
PostgreSQL (pg_dump) when HUIFANG_TEST_DATABASE_URL names a server.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

import fixtures
import sampling
from survey_app import config
from survey_app.security import fieldcrypto
from survey_app.services import fieldwork, frames, retention, samples, studies, verification
from survey_app.services.errors import InvalidState
from survey_app.storage import open_database, upgrade
from survey_app.storage.models import Case, Exclusion, Frame, FrameIssue, FrameRecord, Study, User
from tests.security.bytesearch import occurring

PG_DUMP = "/usr/lib/postgresql/15/bin/pg_dump"


def _people(frame_file) -> tuple[list[str], list[str]]:
    """The normalised numbers and the names (three characters or more) of a frame file."""
    data = sampling.load_frame(frame_file).data
    phones = data["phone"].dropna().astype(str).unique().tolist()
    names = [n for n in data["recipient_name"].dropna().astype(str).unique() if len(n) >= 3]
    return phones, names


def _found(blob: bytes, values: list[str]) -> list[str]:
    """The values whose UTF-8 bytes are anywhere in `blob` (one pass: `tests/security/bytesearch.py`)."""
    return occurring(blob, values)


def _study(db, name="demo") -> tuple[Study, User]:
    with db.session() as session:
        study = studies.find_study(session, name)
        admin = session.scalar(select(User).where(User.role == "admin"))
        return study, admin


@pytest.fixture(autouse=True)
def _restore_data_keys():
    """Every copy of the small demo shares the session's key folder: put back keys a purge destroyed."""
    folder = config.key_dir() / fieldcrypto.DATA_KEY_FOLDER
    saved = {p: p.read_bytes() for p in folder.glob("*.key")} if folder.exists() else {}
    yield
    for path, key in saved.items():
        if not path.exists():
            path.write_bytes(key)
            path.chmod(0o600)


# ---------------------------------------------------------------- sealed at rest


def test_no_phone_number_or_name_is_anywhere_in_the_sqlite_file(demo_db, tmp_path):
    phones, names = _people(tmp_path / "out" / "demo-frame.csv")
    demo_db.dispose()
    blob = (tmp_path / "demo.db").read_bytes()
    assert len(phones) > 1000 and len(names) > 100
    assert _found(blob, phones) == [] and _found(blob, names) == []


def test_a_frame_imported_into_any_database_keeps_no_plaintext_in_its_dump(db, users, tmp_path):
    synthetic = fixtures.make_frame(600, seed=5)
    paths = fixtures.write_frame(synthetic, tmp_path / "frame.csv", encoding="gb18030")
    with db.session() as session:
        study = studies.create_study(session, users["researcher"], "sealed", "封存测试")
        frames.import_frame(
            session,
            users["researcher"],
            study,
            paths.export,
        )
    phones, names = _people(tmp_path / "frame.csv")
    dump = _dump(db)
    assert len(phones) > 300
    assert _found(dump, phones) == [] and _found(dump, names) == []


def _dump(db) -> bytes:
    """Every byte the database keeps: the SQLite file, or PostgreSQL's pg_dump."""
    url = make_url(db.url)
    if url.get_backend_name() == "postgresql":
        if not os.path.exists(PG_DUMP):
            pytest.skip("pg_dump is missing")
        return subprocess.run(
            [
                PG_DUMP,
                "--no-owner",
                "-h",
                url.host or "localhost",
                "-p",
                str(url.port or 5432),
                "-U",
                url.username or "postgres",
                url.database,
            ],
            capture_output=True,
            check=True,
            env={**os.environ, "PGPASSWORD": url.password or ""},
        ).stdout
    db.dispose()
    return Path(url.database).read_bytes()


def test_a_do_not_call_list_leaves_no_number_in_the_database_and_still_excludes(db, users, tmp_path):
    """Whoever holds the database file (or a dump) learns neither the numbers on the list nor any
    fingerprint of them he could brute-force; the draw still leaves them out and re-draws the same."""
    synthetic = fixtures.make_frame(600, seed=6)
    paths = fixtures.write_frame(synthetic, tmp_path / "frame.csv", encoding="gb18030")
    phones, _ = _people(tmp_path / "frame.csv")
    listed = phones[:25]
    typed = [f"+86 {p[:3]} {p[3:7]} {p[7:]}" for p in listed[:5]] + listed[5:] + ["13900000000"]
    with db.session() as session:
        study = studies.create_study(session, users["researcher"], "dnc", "免打扰测试")
        frames.import_frame(session, users["researcher"], study, paths.export)
        studies.set_do_not_call(session, users["researcher"], study, typed)
        design = samples.draw_sample(
            session,
            users["researcher"],
            study,
            {"strata": ["district"], "n": 120, "method": "proportional", "seed": 3, "unit": "person"},
        )
        excluded = session.scalar(
            select(func.count()).where(Exclusion.design_id == design.id, Exclusion.reason == "do_not_call")
        )
        ok, message = samples.verify_sample(session, study)
    data = sampling.load_frame(tmp_path / "frame.csv").data
    assert excluded == data.loc[data["phone"].astype(str).isin(listed), "record_id"].nunique() > 0
    assert ok and "differ" not in message, message
    dump = _dump(db)
    assert _found(dump, [*listed, "13900000000", *typed]) == []
    fingerprint = sampling.exclusions.list_sha256([*listed, "13900000000"]).encode()
    assert fingerprint not in dump  # the unkeyed fingerprint, brute-forceable for a short list


def test_each_value_is_bound_to_its_row_so_a_swapped_ciphertext_is_caught(demo_db):
    with demo_db.engine.begin() as conn:
        (first, _), (_, second_sealed) = conn.execute(
            text("SELECT id, phone_sealed FROM frame_records ORDER BY id LIMIT 2")
        ).all()
        conn.execute(
            text("UPDATE frame_records SET phone_sealed = :p WHERE id = :i"), {"p": second_sealed, "i": first}
        )
    with demo_db.session() as session:
        check = verification.check_stored_frame(session, studies.find_study(session, "demo"))
    assert not check.ok


def test_a_ciphertext_opens_only_under_its_own_table_column_and_row():
    cipher = fieldcrypto.FieldCipher(bytes(32), "frame_records")
    sealed = cipher.seal("phone", "13812345678", "1|R1")
    assert cipher.open("phone", sealed, "1|R1") == "13812345678"
    for column, row in (("recipient_name", "1|R1"), ("phone", "1|R2"), ("phone", "2|R1")):
        with pytest.raises(fieldcrypto.TamperedCiphertext):
            cipher.open(column, sealed, row)


def test_sealing_the_same_number_twice_gives_different_ciphertexts_but_one_person_key():
    cipher = fieldcrypto.FieldCipher(bytes(32), "frame_records")
    one, two = cipher.seal_many("phone", ["13812345678", "13812345678"], ["1|R1", "1|R1"])
    assert one != two
    first, second, other = fieldcrypto.person_keys(["13812345678", "13812345678", "13812345679"])
    assert first == second != other


def test_keys_live_in_the_key_folder_with_mode_0600_and_never_in_the_database(demo_db, tmp_path):
    study, _ = _study(demo_db)
    path = config.key_dir() / fieldcrypto.DATA_KEY_FOLDER / f"{study.data_key_id}.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((config.key_dir() / fieldcrypto.MATCH_KEY_FILE).stat().st_mode) == 0o600
    demo_db.dispose()
    blob = (tmp_path / "demo.db").read_bytes()
    assert path.read_bytes() not in blob and fieldcrypto.match_key() not in blob


def test_a_surveyor_sees_the_masked_number_and_the_reveal_decrypts_it(demo_db, tmp_path):
    phones, _ = _people(tmp_path / "out" / "live-frame.csv")
    with demo_db.session() as session:
        study = studies.find_study(session, "live")
        surveyor = session.scalar(select(User).where(User.role == "surveyor"))
        claimed = fieldwork.next_case(session, surveyor, study, enforce_hours=False)
    with demo_db.session() as session:
        view = fieldwork.view_case(session, surveyor, claimed.id)
        number = fieldwork.reveal_phone(session, surveyor, claimed.id)
    assert number in phones
    assert view.phone_masked == f"{number[:3]}****{number[-4:]}"


def test_the_analysis_export_carries_a_study_pseudonym_instead_of_the_record_id(demo_db, tmp_path):
    from survey_app.services import analysis_service

    with demo_db.session() as session:
        study = studies.find_study(session, "demo")
        reviewer = session.scalar(select(User).where(User.role == "reviewer"))
        record_ids = set(session.scalars(select(FrameRecord.record_id)))
        out = analysis_service.export_analysis_dataset(session, reviewer, study, tmp_path / "data.csv")
    data = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
    assert "record_id" not in data.columns and data["pseudonym"].is_unique
    assert not set(data["pseudonym"]) & record_ids
    assert fieldcrypto.pseudonym(1, "PJ1") != fieldcrypto.pseudonym(2, "PJ1")


# ---------------------------------------------------------------- purge


def _close_long_ago(db, days: int) -> None:
    """Pretend the demo study was closed `days` days ago (the audit entry's time, as a clock would)."""
    with db.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
        conn.execute(
            text(
                "UPDATE audit_log SET at = :t WHERE action = 'study.state' AND details LIKE '%\"after\":\"closed\"%'"
            ),
            {"t": dt.datetime(2026, 1, 1)},
        )


def test_a_purge_before_the_retention_period_ends_is_refused_without_a_reason(demo_db):
    study, admin = _study(demo_db)
    with demo_db.session() as session, pytest.raises(InvalidState, match="retention period"):
        retention.purge_study(session, admin, session.get(Study, study.id))


def test_a_purge_removes_every_name_and_number_and_destroys_the_key(demo_db, tmp_path):
    study, admin = _study(demo_db)
    done = retention.purge(demo_db, admin, "demo", early_reason="study cancelled by the commissioner")
    assert done.records > 0 and done.key_destroyed
    assert not fieldcrypto.has_data_key(study.data_key_id)
    with demo_db.session() as session:
        frame_ids = select(Frame.id).where(Frame.study_id == study.id)
        left = session.scalar(
            select(func.count()).where(
                FrameRecord.frame_id.in_(frame_ids),
                (FrameRecord.name_sealed.is_not(None)) | (FrameRecord.phone_sealed.is_not(None)),
            )
        )
        issues = session.scalar(
            select(func.count()).where(
                FrameIssue.frame_id.in_(frame_ids),
                FrameIssue.field.in_(("phone", "recipient_name")),
                FrameIssue.value.is_not(None),
            )
        )
    assert left == 0 and issues == 0


@pytest.mark.usefixtures("same_inputs_same_units")  # same comparison inputs computed once
def test_after_a_purge_every_check_and_the_report_still_verify(demo_db):
    _, admin = _study(demo_db)
    retention.purge(demo_db, admin, "demo", early_reason="study cancelled by the commissioner")
    with demo_db.session() as session:
        checks = verification.verify_study(session, studies.find_study(session, "demo"))
    failed = {c.name: c.detail for c in checks if not c.ok}
    assert failed == {}
    named = {c.name: c.detail for c in checks}
    assert "purged" in named["stored frame"] and "byte-identical" in named["report"]


def test_after_a_purge_the_frame_check_still_catches_an_edited_record(demo_db):
    _, admin = _study(demo_db)
    retention.purge(demo_db, admin, "demo", early_reason="study cancelled by the commissioner")
    with demo_db.engine.begin() as conn:
        conn.execute(
            text("UPDATE frame_records SET system_rating = 'satisfied' WHERE system_rating = 'dissatisfied'")
        )
    with demo_db.session() as session:
        assert not verification.check_stored_frame(session, studies.find_study(session, "demo")).ok


def test_the_start_up_check_purges_a_study_whose_retention_period_has_ended(demo_db):
    study, _ = _study(demo_db)
    _close_long_ago(demo_db, 181)
    done = retention.purge_due(demo_db, now=dt.datetime(2026, 6, 30))
    assert [d.study for d in done] == ["demo"] and done[0].key_destroyed
    assert retention.purge_due(demo_db, now=dt.datetime(2026, 6, 30)) == []  # once
    with demo_db.session() as session:
        assert session.get(Study, study.id).personal_data_purged_at is not None
        live = studies.find_study(session, "live")
        assert live.personal_data_purged_at is None and fieldcrypto.has_data_key(live.data_key_id)


def test_the_start_up_check_leaves_a_study_within_its_period_alone(demo_db):
    _close_long_ago(demo_db, 10)
    assert retention.purge_due(demo_db, now=dt.datetime(2026, 1, 11)) == []


def test_a_running_server_checks_retention_at_its_first_action_and_then_every_hour(demo_db):
    clock = [0.0]
    assert retention.purge_when_due(demo_db, clock=lambda: clock[0]) == []  # checked: nothing due yet
    _close_long_ago(demo_db, 181)  # the period ends while the server runs
    clock[0] = retention.PURGE_CHECK_INTERVAL / 2
    assert retention.purge_when_due(demo_db, clock=lambda: clock[0]) is None  # not checked again yet
    assert _study(demo_db)[0].personal_data_purged_at is None
    clock[0] = retention.PURGE_CHECK_INTERVAL
    assert [d.study for d in retention.purge_when_due(demo_db, clock=lambda: clock[0])] == ["demo"]
    assert _study(demo_db)[0].personal_data_purged_at is not None


def test_each_database_has_its_own_retention_schedule(demo_db, tmp_path):
    other = open_database(str(tmp_path / "other.db"))
    upgrade(other)
    assert retention.purge_when_due(other, clock=lambda: 0.0) == []
    other.dispose()
    _close_long_ago(demo_db, 181)
    assert [d.study for d in retention.purge_when_due(demo_db, clock=lambda: 0.0)] == ["demo"]


def test_a_failed_retention_check_is_tried_again_at_the_next_action(db, monkeypatch):
    def failing(_db):
        raise OSError("No space left on device")

    monkeypatch.setattr(retention, "purge_due", failing)
    with pytest.raises(OSError, match="No space"):
        retention.purge_when_due(db, clock=lambda: 0.0)
    monkeypatch.undo()
    assert retention.purge_when_due(db, clock=lambda: 1.0) == []


def test_a_purge_is_audited_with_what_still_verifies(demo_db):
    from survey_app.storage.models import AuditEntry

    _, admin = _study(demo_db)
    retention.purge(demo_db, admin, "demo", early_reason="data subject request")
    with demo_db.session() as session:
        entry = session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()))
    assert entry.action == "personal_data.purged" and "public_sha256" in entry.details
    assert "data subject request" in entry.details


def test_a_purged_case_can_no_longer_be_revealed(demo_db):
    _, admin = _study(demo_db)
    with demo_db.session() as session:
        case_id = session.scalar(
            select(Case.id).join(Study, Study.id == Case.study_id).where(Study.name == "demo").limit(1)
        )
    retention.purge(demo_db, admin, "demo", early_reason="study cancelled by the commissioner")
    with demo_db.session() as session:
        case = session.get(Case, case_id)
        case.state, case.held_by = "held", admin.id
        with pytest.raises(InvalidState, match="purged"):
            fieldwork._personal(session, case)


# ---------------------------------------------------------------- the command


def _cli(*args: str, env: dict | None = None):
    from click.testing import CliRunner

    from survey_app.cli import main

    return CliRunner().invoke(main, list(args), env=env or {}, catch_exceptions=False)


def _admin_password(db) -> dict[str, str]:
    from survey_app.security.passwords import hash_password

    with db.session() as session:
        admin = session.scalar(select(User).where(User.role == "admin"))
        admin.password_hash = hash_password("purge-test-admin-pass")
        return {"HUIFANG_USER": admin.username, "HUIFANG_PASSWORD": "purge-test-admin-pass"}


def test_huifang_purge_check_lists_when_each_study_is_purged(demo_db):
    result = _cli("--db", demo_db.url, "purge", "--check")
    assert result.exit_code == 0
    assert "demo: kept until" in result.output and "live: kept while the study is open" in result.output


def test_huifang_purge_needs_a_user_and_refuses_before_the_period_ends(demo_db):
    assert _cli("--db", demo_db.url, "purge", "demo").exit_code != 0  # no identity
    refused = _cli("--db", demo_db.url, "purge", "demo", env=_admin_password(demo_db))
    assert refused.exit_code == 1 and "retention period" in refused.output


def test_huifang_purge_early_with_a_reason_purges_and_verify_still_passes(demo_db):
    env = _admin_password(demo_db)
    result = _cli("--db", demo_db.url, "purge", "demo", "--early", "study cancelled", env=env)
    assert result.exit_code == 0 and "data key destroyed" in result.output
    assert "demo: purged" in _cli("--db", demo_db.url, "purge", "--check").output
    with demo_db.session() as session:
        checks = verification.verify_study(session, studies.find_study(session, "demo"))
    assert all(c.ok for c in checks), {c.name: c.detail for c in checks if not c.ok}
