"""Attacks on a published study, performed the way an intruder with database rights would: plain SQL
on the database file, with Huifang's own functions to recompute digests, chain hashes and the report.

`Attacker(db)` has only the database. `Attacker(db, signer=signing.active_signer())` is an
application-server administrator who also holds the signing key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select, text

from survey_app.security import audit, signing
from survey_app.services import reports
from survey_app.services.interviews import answer_digest
from survey_app.services.studies import find_study
from survey_app.storage import Database
from survey_app.storage.models import Answer, AuditEntry, AuditHead

ANSWER_ACTIONS = ("answer.saved", "answer.changed", "interview.imported", "answer.corrected")


@dataclass
class Attacker:
    db: Database
    signer: signing.Signer | None = None

    def sql(self, statement: str, **params) -> None:
        with self.db.engine.begin() as conn:
            conn.execute(text(statement), params)

    def drop_triggers(self) -> None:
        if self.db.is_sqlite:
            self.sql("DROP TRIGGER IF EXISTS audit_log_no_update")
            self.sql("DROP TRIGGER IF EXISTS audit_log_no_delete")
        else:
            self.sql("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")

    def rechain(self, first_id: int, details: dict[int, str] | None = None) -> None:
        """Rewrite entries from `first_id` on (with new `details` where given): recompute every hash and
        the head, keep the old signatures (or re-sign, for an attacker holding the key)."""
        details = details or {}
        with self.db.engine.begin() as conn:
            rows = conn.execute(
                select(AuditEntry.__table__).where(AuditEntry.id >= first_id).order_by(AuditEntry.id)
            ).all()
            prev = conn.scalar(select(AuditEntry.hash).where(AuditEntry.id == first_id - 1)) or audit.GENESIS
            for row in rows:
                body = details.get(row.id, row.details)
                digest = audit._entry_hash(
                    prev, row.id, row.at, row.actor, row.action, row.study_id, row.entity, row.entity_id, body
                )
                values = {"id": row.id, "d": body, "p": prev, "h": digest}
                if self.signer is not None:
                    values |= {"k": self.signer.public_key_hex, "s": self.signer.sign_entry(row.id, digest)}
                    conn.execute(
                        text(
                            "UPDATE audit_log SET details=:d, prev_hash=:p, hash=:h, key_id=:k, "
                            "signature=:s WHERE id=:id"
                        ),
                        values,
                    )
                else:
                    conn.execute(
                        text("UPDATE audit_log SET details=:d, prev_hash=:p, hash=:h WHERE id=:id"), values
                    )
                prev = digest
            conn.execute(
                text("UPDATE audit_head SET last_id=:i, last_hash=:h WHERE id=1"),
                {"i": rows[-1].id, "h": prev},
            )

    def change_answer(self, study_name: str, item: str, old: str, new: str) -> int:
        """Change one stored answer, recompute its digest, rewrite the audit entry that recorded it and
        the chain after it. Returns the interview id."""
        with self.db.session() as session:
            answers = session.scalars(select(Answer).where(Answer.item == item).order_by(Answer.id))
            answer = next(a for a in answers if a.value == old)
            interview_id, version = answer.interview_id, answer.questionnaire_version_id
            entry = session.scalar(
                select(AuditEntry)
                .where(
                    AuditEntry.entity == "interview",
                    AuditEntry.entity_id == str(interview_id),
                    AuditEntry.action.in_(ANSWER_ACTIONS),
                    AuditEntry.details.contains(f'"{item}"'),
                )
                .order_by(AuditEntry.id.desc())
                .limit(1)
            )
            entry_id, entry_details = entry.id, json.loads(entry.details)
            answer_id = answer.id
        digest = answer_digest(interview_id, item, new, version)
        self.sql(
            "UPDATE answers SET value=:v, digest=:d WHERE id=:id", v=json.dumps(new), d=digest, id=answer_id
        )
        entry_details["answers"][item] = digest
        self.drop_triggers()
        self.rechain(entry_id, {entry_id: audit.canonical_json(entry_details)})
        return interview_id

    def rebuild_report_entry(self, study_name: str) -> str:
        """Rebuild the last report from the tampered state with Huifang's own function and write its new
        hash and figures into the `report.built` entry; re-chain. Returns the new report's SHA-256."""
        with self.db.session() as session:
            study = find_study(session, study_name)
            entry = session.scalar(
                select(AuditEntry)
                .where(AuditEntry.study_id == study.id, AuditEntry.action == "report.built")
                .order_by(AuditEntry.id.desc())
                .limit(1)
            )
            recorded = json.loads(entry.details)
            built = reports.render_report(session, study, lang=recorded["lang"], kind=recorded["kind"])
            # the headline figures of the analysis the report was rendered from, as `record_built` records
            recorded |= {"sha256": built.sha256, "headline": built.headline, "content": built.content_sha256}
            entry_id = entry.id
        self.rechain(entry_id, {entry_id: audit.canonical_json(recorded)})
        return built.sha256

    def truncate_after(self, last_kept: int) -> None:
        """Delete every entry after `last_kept` and rewind the head to it."""
        self.drop_triggers()
        with self.db.engine.begin() as conn:
            kept = conn.scalar(select(AuditEntry.hash).where(AuditEntry.id == last_kept))
            count = conn.scalar(select(AuditHead.count).where(AuditHead.id == 1))
            removed = conn.execute(text("DELETE FROM audit_log WHERE id > :i"), {"i": last_kept}).rowcount
            conn.execute(
                text("UPDATE audit_head SET last_id=:i, last_hash=:h, count=:c WHERE id=1"),
                {"i": last_kept, "h": kept, "c": count - removed},
            )
