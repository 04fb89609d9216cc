"""Residents' rights over their data (PIPL arts. 44–47): a request to delete, which a worker of
their town or the bureau confirms; and the one-to-one contacts mentors record."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Date, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import db
from app.models.checks import one_of
from app.models.policy import Mentor
from app.models.resident import Resident
from app.models.staff import User


class DeletionState(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"  # the data is erased; what paid incentives need is kept
    WITHDRAWN = "withdrawn"  # the resident changed their mind


class DeletionRequest(db.Model):
    __tablename__ = "deletion_requests"
    __table_args__ = (one_of("state", DeletionState),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[str] = mapped_column(String(36), unique=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    town_id: Mapped[int | None] = mapped_column(ForeignKey("towns.id"), index=True)
    state: Mapped[str] = mapped_column(String(10), default=DeletionState.PENDING)
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kept: Mapped[str] = mapped_column(Text, default="")  # what was kept on confirmation, and why

    resident: Mapped[Resident] = relationship()
    decided_by: Mapped[User | None] = relationship()


class ContactMethod(StrEnum):
    PHONE = "phone"
    VISIT = "visit"
    WECHAT = "wechat"


class MentorContact(db.Model):
    """One one-to-one contact between a mentor and a resident: when, how, what was advised."""

    __tablename__ = "mentor_contacts"
    __table_args__ = (one_of("method", ContactMethod),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[str] = mapped_column(String(36), unique=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("mentors.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    contact_on: Mapped[dt.date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(10))
    advice: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    mentor: Mapped[Mentor] = relationship()
    resident: Mapped[Resident] = relationship()
