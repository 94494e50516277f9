"""Tables of referral and remediation, kept apart from evaluation data (issue 14).

A referral is what a responsible organisation (整改责任单位) needs to follow up one respondent who was
basically satisfied or dissatisfied and agreed to be contacted: who to call (sealed with the study's
data key, `security.fieldcrypto`), which service, and the problem in the respondent's own words. It
holds no rating, no other answer and no case, interview or record id: `source_key` is a keyed hash of
the interview (HMAC under the deployment's match key), enough to create each referral once, useless
for joining a referral to the evaluation data without the key.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.storage.models import Base, Id, utcnow

#: Where a referral stands: new (not yet taken up), in_progress (an action recorded), closed.
REFERRAL_STATUSES: tuple[str, ...] = ("open", "in_progress", "closed")

#: What the responsible office did (measure 十七): continued service, supplementary service, other.
REFERRAL_ACTIONS: tuple[str, ...] = ("continued_service", "supplementary_service", "other")


class Referral(Base):
    """One respondent handed to the organisation responsible for the service they were unhappy with."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    #: a random public number (the row key the ciphertexts are bound to, and what people quote)
    ref_no: Mapped[str] = mapped_column(String(24), unique=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"), index=True)
    #: HMAC of the interview under the match key: one referral per interview, no join to it
    source_key: Mapped[str] = mapped_column(String(64), unique=True)
    organisation_id: Mapped[str] = mapped_column(String(64), index=True)
    organisation: Mapped[str] = mapped_column(String(256))
    domain: Mapped[str] = mapped_column(String(32))
    event_type: Mapped[str | None] = mapped_column(String(32))
    service_date: Mapped[dt.date] = mapped_column(Date)
    name_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    problem: Mapped[str | None] = mapped_column(Text)  # the respondent's own words
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    due_at: Mapped[dt.datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), default="open")
    action: Mapped[str | None] = mapped_column(String(32))
    action_note: Mapped[str | None] = mapped_column(Text)
    action_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    closure_note: Mapped[str | None] = mapped_column(Text)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: the re-callback after remediation: satisfaction asked again (a scale code, or dk / refused)
    recallback_rating: Mapped[str | None] = mapped_column(String(32))
    recallback_note: Mapped[str | None] = mapped_column(Text)
    recallback_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    recallback_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
