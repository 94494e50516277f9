"""Tables of self-completion by link and the SMS log (issue 14).

Why a table of its own per concern: an invitation (one per case, its expiry and its web outcome) lives
longer than any one link (a reminder issues a fresh link), and the SMS log records that a message went
out through which gateway without keeping its text or the number (the text carries the link).
Only the SHA-256 of a link's token is stored: a database copy never opens anyone's questionnaire.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.storage.models import Base, Id, utcnow


class WebInvitation(Base):
    """A case invited to answer on the web: until `expires_at` it waits for the web, then for CATI."""

    __tablename__ = "web_invitations"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # the link works until then; in a web-first design the case enters the CATI queue then
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reminders: Mapped[int] = mapped_column(Integer, default=0)
    last_reminded_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    opened_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    undeliverable_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # AAPOR's internet-survey code once the web phase is over (services.web_invites.WEB_DISPOSITIONS)
    disposition: Mapped[str | None] = mapped_column(String(8))


class WebLink(Base):
    """One link sent for an invitation (the invitation and each reminder): only its token's hash."""

    __tablename__ = "web_links"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("web_invitations.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class SmsMessage(Base):
    """That a message was handed to a gateway, and what it answered; never the number or the text."""

    __tablename__ = "sms_messages"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("web_invitations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # invitation | reminder
    gateway: Mapped[str] = mapped_column(String(16))  # outbox | http
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16))  # sent | rejected | failed
    reference: Mapped[str | None] = mapped_column(String(128))
    error: Mapped[str | None] = mapped_column(Text)
