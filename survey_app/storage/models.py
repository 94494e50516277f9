"""The study lifecycle as tables: users, studies, frames, samples, questionnaires, fieldwork, audit.

Times are stored as naive UTC (`utcnow()`), the one convention SQLite and PostgreSQL both keep exactly.
Personal data lives only in `frame_records.name_sealed` and `frame_records.phone_sealed`, encrypted
(`survey_app.security.fieldcrypto`); `person_key` is a keyed hash of the number, for matching.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ROLES: tuple[str, ...] = (
    "researcher",
    "surveyor",
    "supervisor",
    "reviewer",
    "auditor",
    "admin",
    "remediation",  # the responsible office (整改责任单位): its own organisation's referrals only
)

STUDY_STATES: tuple[str, ...] = ("design", "fieldwork", "closed")

CASE_STATES: tuple[str, ...] = ("reserve", "pending", "held", "appointment", "finalised")


def utcnow() -> dt.datetime:
    """Now, as naive UTC with microseconds (what both databases store unchanged)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# BigInteger primary keys that are still SQLite's rowid.
Id = BigInteger().with_variant(Integer, "sqlite")


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict] = {dict[str, Any]: JSON, list[Any]: JSON}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(256))
    surveyor_no: Mapped[str | None] = mapped_column(String(16))
    # the organisation (frame `organisation_id`) a `remediation` user answers for (migration 0005)
    organisation_id: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # raised at each logout: part of the session tokens' signed fingerprint (migration 0010)
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Study(Base):
    __tablename__ = "studies"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(256))
    state: Mapped[str] = mapped_column(String(16), default="design")
    scale: Mapped[str] = mapped_column(String(32), default="justice3")
    satisfied_codes: Mapped[list[Any]] = mapped_column(JSON)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # the name of the study's data key in the key folder (the key itself is never in the database)
    data_key_id: Mapped[str | None] = mapped_column(String(32))
    personal_data_purged_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Frame(Base):
    __tablename__ = "frames"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"), index=True)
    filename: Mapped[str] = mapped_column(String(512))
    source_path: Mapped[str | None] = mapped_column(Text)
    source_sha256: Mapped[str] = mapped_column(String(64))
    frame_sha256: Mapped[str] = mapped_column(String(64))
    # the fingerprint with the personal fields left out: what still verifies after a purge
    public_sha256: Mapped[str | None] = mapped_column(String(64))
    encoding: Mapped[str | None] = mapped_column(String(32))
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    row_count: Mapped[int] = mapped_column(Integer)
    rejected_count: Mapped[int] = mapped_column(Integer, default=0)
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    imported_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class FrameIssue(Base):
    """One rejected or repaired row of an imported frame, with where and why."""

    __tablename__ = "frame_issues"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    frame_id: Mapped[int] = mapped_column(ForeignKey("frames.id"), index=True)
    row: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(64))
    value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(16))


class FrameRecord(Base):
    """One rated service event of the frame, after validation and normalisation."""

    __tablename__ = "frame_records"
    __table_args__ = (UniqueConstraint("frame_id", "record_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    frame_id: Mapped[int] = mapped_column(ForeignKey("frames.id"), index=True)
    record_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str | None] = mapped_column(String(32))
    domain: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(32))
    district: Mapped[str] = mapped_column(String(32))
    district_code: Mapped[str | None] = mapped_column(String(8))
    organisation_id: Mapped[str | None] = mapped_column(String(64))
    organisation: Mapped[str] = mapped_column(String(256))
    staff_id: Mapped[str] = mapped_column(String(64))
    service_date: Mapped[dt.date] = mapped_column(Date)
    rating_time: Mapped[dt.datetime | None] = mapped_column(DateTime)
    system_rating: Mapped[str] = mapped_column(String(32))
    name_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)  # AES-GCM, see security/fieldcrypto.py
    phone_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    person_key: Mapped[str | None] = mapped_column(String(64))  # HMAC of the number: same number, same key
    complaint_open: Mapped[bool | None] = mapped_column(Boolean)


class SampleDesign(Base):
    __tablename__ = "sample_designs"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"), index=True)
    frame_id: Mapped[int] = mapped_column(ForeignKey("frames.id"))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    allocation: Mapped[dict[str, Any]] = mapped_column(JSON)
    seed: Mapped[int] = mapped_column(BigInteger)
    sample_sha256: Mapped[str | None] = mapped_column(String(64))
    drawn_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    drawn_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Exclusion(Base):
    """A frame row or person left out of the draw, and why (do-not-call, recent call, study rule)."""

    __tablename__ = "exclusions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    design_id: Mapped[int] = mapped_column(ForeignKey("sample_designs.id"), index=True)
    record_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(128))


class Case(Base):
    """A sampled unit to call back: one person (or event), the event asked about, its weight."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("design_id", "stratum", "selection_order"),
        Index("ix_cases_queue", "study_id", "state", "next_call_after"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"), index=True)
    design_id: Mapped[int] = mapped_column(ForeignKey("sample_designs.id"))
    frame_record_id: Mapped[int] = mapped_column(ForeignKey("frame_records.id"))
    stratum: Mapped[str] = mapped_column(String(256))
    replicate: Mapped[int] = mapped_column(Integer, default=0)
    selection_order: Mapped[int] = mapped_column(Integer)
    inclusion_prob: Mapped[float | None] = mapped_column(Float)  # None until a reserve case is released
    design_weight: Mapped[float | None] = mapped_column(Float)
    person_events: Mapped[int] = mapped_column(Integer, default=1)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    held_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    held_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_call_after: Mapped[dt.datetime | None] = mapped_column(DateTime)
    appointment_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    appointment_note: Mapped[str | None] = mapped_column(Text)
    final_disposition: Mapped[str | None] = mapped_column(String(8))

    record: Mapped[FrameRecord] = relationship()


#: The call queue's limited lookups (migration 0009, `fieldwork._lookups`): fresh cases and retries
#: not assigned to anyone, each in its group's order, so a claim reads the first entries of a range
#: instead of sorting the study's waiting cases; held cases stay in them so a claim my other window
#: made meanwhile is found again (see `fieldwork._lookups`). Cases assigned to a surveyor are few and
#: read through `ix_cases_assigned`.
#: name → (WHERE, key): the key is the group's order; fresh cases all have no attempt, so theirs leaves
#: `attempts` out (SQLite would otherwise sort what follows it).
QUEUE_INDEXES = {
    "ix_cases_fresh": (
        "state IN ('pending', 'held') AND assigned_to IS NULL AND attempts = 0",
        (
            Case.study_id,
            Case.next_call_after,
            Case.priority.desc(),
            Case.replicate,
            Case.selection_order,
            Case.id,
        ),
    ),
    "ix_cases_retries": (
        "state IN ('pending', 'held') AND assigned_to IS NULL AND attempts > 0",
        (
            Case.study_id,
            Case.next_call_after,
            Case.priority.desc(),
            Case.replicate,
            Case.attempts,
            Case.selection_order,
            Case.id,
        ),
    ),
}
for _name, (_where, _key) in QUEUE_INDEXES.items():
    Index(_name, *_key, sqlite_where=text(_where), postgresql_where=text(_where))
Index(
    "ix_cases_assigned",
    Case.assigned_to,
    Case.study_id,
    sqlite_where=text("assigned_to IS NOT NULL"),
    postgresql_where=text("assigned_to IS NOT NULL"),
)


class QuestionnaireVersion(Base):
    __tablename__ = "questionnaire_versions"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    study_id: Mapped[int | None] = mapped_column(ForeignKey("studies.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CallAttempt(Base):
    __tablename__ = "call_attempts"
    __table_args__ = (UniqueConstraint("case_id", "attempt_no"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    surveyor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    attempt_no: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    disposition: Mapped[str] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(Text)


class Interview(Base):
    __tablename__ = "interviews"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    questionnaire_version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id"))
    surveyor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), default="in_progress")
    # how the answers were given: "cati" (a surveyor on the phone) or "web" (the respondent by link)
    mode: Mapped[str] = mapped_column(String(8), default="cati", server_default="cati")


class Answer(Base):
    """The current answer to one item of one interview; its history is in the audit log."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("interview_id", "item"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id"), index=True)
    item: Mapped[str] = mapped_column(String(64))
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    questionnaire_version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id"))
    answered_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    surveyor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    digest: Mapped[str] = mapped_column(String(64))


class AuditEntry(Base):
    """One line of the append-only, hash-chained audit log."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    study_id: Mapped[int | None] = mapped_column(Integer, index=True)
    entity: Mapped[str | None] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str | None] = mapped_column(String(64))  # the Ed25519 public key (hex) that signed
    signature: Mapped[str | None] = mapped_column(String(128))  # over (id, hash); see security/signing.py


class AuditHead(Base):
    """The chain's last id and hash; updating this one row serialises appends on every database."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(BigInteger, default=0)


class ReportContent(Base):
    """A recorded report's content as canonical text (`analysis.report.content_leaves`, zlib), under the
    content fingerprint its signed `report.built` entry records: what `verify` compares a rebuild with,
    figure by figure, where its arithmetic is not the build's. Content-addressed, so a content built
    twice is kept once, and a row that does not hash to its key is refused, not trusted."""

    __tablename__ = "report_contents"

    content_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    leaves: Mapped[bytes] = mapped_column(LargeBinary)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class LoginThrottle(Base):
    """Failed logins counted per user name and per client, each under a keyed hash (never what was typed)."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)


# Each capability of issue 14 keeps its tables in a module of its own; importing them here registers
# them on `Base.metadata` wherever the models are loaded (the app, migrations, tests).
from survey_app.storage import (  # noqa: E402, F401
    models_coding,
    models_recordings,
    models_referrals,
    models_web,
)
