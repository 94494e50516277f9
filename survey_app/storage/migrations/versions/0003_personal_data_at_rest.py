"""Personal data at rest: names and numbers sealed with AES-GCM, a keyed hash for matching, logins throttled.

Adds `frame_records.name_sealed`, `phone_sealed` (ciphertext) and `person_key` (HMAC of the number),
seals every plaintext name and number already stored (keys made in the key folder, see
`security/fieldcrypto.py`) and then drops the plaintext columns. Adds `studies.data_key_id` and
`personal_data_purged_at`, `frames.public_sha256` and the `login_throttle` table.

Revision ID: 0003_personal_data_at_rest
Revises: 0002_audit_signatures
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_personal_data_at_rest"
down_revision = "0002_audit_signatures"
branch_labels = None
depends_on = None


def _seal_existing(connection: sa.Connection) -> None:
    """Encrypt the plaintext a database made before this revision holds (none in a new database)."""
    if connection.execute(sa.text("SELECT COUNT(*) FROM frame_records")).scalar_one() == 0:
        return
    from survey_app.security import fieldcrypto

    studies = connection.execute(sa.text("SELECT id FROM studies")).scalars().all()
    for study_id in studies:
        key_id = fieldcrypto.new_key_id()
        cipher = fieldcrypto.FieldCipher(fieldcrypto.data_key(key_id, create=True), "frame_records")
        connection.execute(
            sa.text("UPDATE studies SET data_key_id = :k WHERE id = :s"), {"k": key_id, "s": study_id}
        )
        rows = connection.execute(
            sa.text(
                "SELECT r.id, r.frame_id, r.record_id, r.recipient_name, r.phone FROM frame_records r "
                "JOIN frames f ON f.id = r.frame_id WHERE f.study_id = :s"
            ),
            {"s": study_id},
        ).all()
        if not rows:
            continue
        row_keys = [f"{frame_id}|{record_id}" for _, frame_id, record_id, _, _ in rows]
        names = cipher.seal_many("recipient_name", [r[3] for r in rows], row_keys)
        phones = cipher.seal_many("phone", [r[4] for r in rows], row_keys)
        keys = fieldcrypto.person_keys([r[4] or "" for r in rows])
        connection.execute(
            sa.text("UPDATE frame_records SET name_sealed = :n, phone_sealed = :p, person_key = :k WHERE id = :i"),
            [
                {"n": n, "p": p, "k": k, "i": r[0]}
                for r, n, p, k in zip(rows, names, phones, keys, strict=True)
            ],
        )


def upgrade() -> None:
    op.add_column("studies", sa.Column("data_key_id", sa.String(length=32), nullable=True))
    op.add_column("studies", sa.Column("personal_data_purged_at", sa.DateTime(), nullable=True))
    op.add_column("frames", sa.Column("public_sha256", sa.String(length=64), nullable=True))
    op.add_column("frame_records", sa.Column("name_sealed", sa.LargeBinary(), nullable=True))
    op.add_column("frame_records", sa.Column("phone_sealed", sa.LargeBinary(), nullable=True))
    op.add_column("frame_records", sa.Column("person_key", sa.String(length=64), nullable=True))
    _seal_existing(op.get_bind())
    op.drop_column("frame_records", "recipient_name")
    op.drop_column("frame_records", "phone")
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=80), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(), nullable=True),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
    )


def downgrade() -> None:
    # the plaintext is not restored: decrypting personal data back into the database is not offered
    op.drop_table("login_throttle")
    op.add_column("frame_records", sa.Column("phone", sa.String(length=32), nullable=True))
    op.add_column("frame_records", sa.Column("recipient_name", sa.String(length=128), nullable=True))
    op.drop_column("frame_records", "person_key")
    op.drop_column("frame_records", "phone_sealed")
    op.drop_column("frame_records", "name_sealed")
    op.drop_column("frames", "public_sha256")
    op.drop_column("studies", "personal_data_purged_at")
    op.drop_column("studies", "data_key_id")
