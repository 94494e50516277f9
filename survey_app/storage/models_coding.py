"""Tables of open-comment coding: codebook versions, codings, the double-coding sample, adjudications.

A comment is one answer: (interview, question), the question being `comment`,
`unsatisfied_reason_other` ("其他（请注明）") or a free-text `unsatisfied_reason`. A coder's decision on a comment is a `CommentCoding` (which pass, when) with its
codes as `CommentCode` rows; a coding with no codes is a decision too ("none of these"), which kappa
needs. The double-coding sample is drawn with a recorded seed; a second coder codes its comments
blind to the first. An `Adjudication` settles one code of one comment where the two coders disagreed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.storage.models import Base, Id, utcnow

#: The answers coded: the comment, a reason typed where the template had a choice (version 1 allowed a
#: free-text reason), and the reason behind "其他（请注明）" (template version 2 on).
QUESTIONS: tuple[str, ...] = ("comment", "unsatisfied_reason", "unsatisfied_reason_other")
#: Of those, the questions whose every answer is free text (the others only when not a choice code).
FREE_TEXT_QUESTIONS: tuple[str, ...] = ("comment", "unsatisfied_reason_other")
PASSES: tuple[str, ...] = ("first", "second")


class CodebookVersion(Base):
    """A codebook as a study used it; a new edit is a new version, older codings keep theirs."""

    __tablename__ = "codebook_versions"
    __table_args__ = (UniqueConstraint("study_id", "version"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CommentCoding(Base):
    """One coder's decision on one comment, in the first or the second (blind) pass."""

    __tablename__ = "comment_codings"
    __table_args__ = (UniqueConstraint("interview_id", "question", "coder_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"), index=True)
    codebook_id: Mapped[int] = mapped_column(ForeignKey("codebook_versions.id"))
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id"), index=True)
    question: Mapped[str] = mapped_column(String(32))
    coder_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    coding_pass: Mapped[str] = mapped_column(String(8))
    coded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class CommentCode(Base):
    """A code a coder assigned to a comment; `suggested` when it was a jieba suggestion they accepted."""

    __tablename__ = "comment_codes"
    __table_args__ = (UniqueConstraint("coding_id", "code"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    coding_id: Mapped[int] = mapped_column(ForeignKey("comment_codings.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    suggested: Mapped[bool] = mapped_column(Boolean, default=False)


class CodingSample(Base):
    """The comments drawn for double coding: which, with what seed, by whom."""

    __tablename__ = "coding_samples"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"), index=True)
    seed: Mapped[int] = mapped_column(BigInteger)
    share: Mapped[float | None] = mapped_column(Float)
    members: Mapped[list[Any]] = mapped_column(JSON)  # [[interview_id, question], ...] in draw order
    drawn_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    drawn_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Adjudication(Base):
    """Whether `code` applies to a double-coded comment the two coders disagreed on."""

    __tablename__ = "coding_adjudications"
    __table_args__ = (UniqueConstraint("interview_id", "question", "code"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"), index=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id"))
    question: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(64))
    applies: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    adjudicator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
