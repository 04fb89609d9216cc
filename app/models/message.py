"""Text messages as records (issue 15): each one written in the same transaction as what caused it.

A row is the source of truth for one text: the worker process claims it (queued → sending, with a
claim token, in a short transaction of its own), calls the gateway, and records the outcome. The
queue only carries the row's id, so an enqueue lost between commit and queue costs nothing: the
periodic sweep finds the row still queued."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.extensions import db


class MessageState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # claimed by a worker; the gateway is being called
    SENT = "sent"
    FAILED = "failed"  # with a reason: the gateway refused, retries used up, the daily cap, interrupted


class MessageKind(StrEnum):
    """What a text is, for the caps and the order: a one-time code (first in line, never held for
    the night); the receipt of a public sign-up (capped harder for unconfirmed numbers); a notice
    about the person's own place; a message to an institution's office (not capped); an offer — a
    text not about their own sign-ups, such as a class they asked for having opened — sent only to
    those who agree to be contacted (app.services.privacy.may_contact)."""

    CODE = "code"
    RECEIPT = "receipt"
    NOTICE = "notice"
    STAFF = "staff"
    OFFER = "offer"


# Texts about the person's own code, sign-up or place (or to an office): sent whatever they said
# about being contacted otherwise.
TRANSACTIONAL = frozenset({MessageKind.CODE, MessageKind.RECEIPT, MessageKind.NOTICE, MessageKind.STAFF})


class Message(db.Model):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_due", "state", "priority", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    template: Mapped[str] = mapped_column(String(40))  # one registered gateway template per kind of text
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    state: Mapped[str] = mapped_column(String(10), default=MessageState.QUEUED)
    reason: Mapped[str | None] = mapped_column(String(200))
    priority: Mapped[int] = mapped_column(default=5)  # lower goes first: codes 0
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    gateway_ref: Mapped[str | None] = mapped_column(String(64))  # the gateway's id of the text (Alibaba BizId)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def masked_phone(self) -> str:
        from app.models.resident import mask_phone

        return mask_phone(self.phone)
