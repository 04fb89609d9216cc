"""A resident's place in a class (Enrolment): confirmed, waitlisted, or for lotteries and group classes
received / intent first. At most one live enrolment per resident and class, enforced by the database."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import DateTime, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import db
from app.models.checks import one_of
from app.models.course import Offering
from app.models.resident import Resident
from app.models.staff import User


class EnrolmentStatus(StrEnum):
    RECEIVED = "received"  # a lottery entry, before the draw
    INTENT = "intent"  # a group class (组班) that has not reached its threshold yet; holds a seat
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


# Still in the class: a place, a wait, or an entry in a draw or a group class.
LIVE = (EnrolmentStatus.RECEIVED, EnrolmentStatus.INTENT, EnrolmentStatus.CONFIRMED, EnrolmentStatus.WAITLISTED)
# Holds a seat, i.e. counts in offerings.seats_taken.
SEATED = (EnrolmentStatus.INTENT, EnrolmentStatus.CONFIRMED)
LIVE_CONDITION = f"status NOT IN ('{EnrolmentStatus.CANCELLED}', '{EnrolmentStatus.COMPLETED}')"


class EnrolmentSource(StrEnum):
    SELF = "self"
    FAMILY = "family"  # a family member signed the resident up, with their consent
    ASSISTED = "assisted"  # a community worker entered it


class Enrolment(db.Model):
    __tablename__ = "enrolments"
    __table_args__ = (
        one_of("status", EnrolmentStatus),
        one_of("source", EnrolmentSource),
        # One live place per person and class: in the database, so that concurrent requests can't both win.
        Index(
            "uq_enrolments_live_resident_offering",
            "resident_id",
            "offering_id",
            unique=True,
            sqlite_where=text(LIVE_CONDITION),
            postgresql_where=text(LIVE_CONDITION),
        ),
        # The waitlist of a class, in order.
        Index("ix_enrolments_offering_status", "offering_id", "status", "draw_rank", "id"),
        # The dashboard's funnel and monthly trend.
        Index("ix_enrolments_status_created", "status", "created_at"),
        Index("ix_enrolments_resident_status", "resident_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)  # unguessable, in the receipt's URL
    code: Mapped[str] = mapped_column(String(12), unique=True)  # short, read out on the phone: XH-7K3M9Q
    submission_id: Mapped[str] = mapped_column(String(36), unique=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("offerings.id"))
    status: Mapped[str] = mapped_column(String(12))
    # Position drawn in a lottery (1 = first); None for first-come sign-ups. The waitlist is ordered
    # by drawn rank first, then by arrival (id).
    draw_rank: Mapped[int | None]
    source: Mapped[str] = mapped_column(String(12), default=EnrolmentSource.SELF)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # the worker, for assisted sign-ups
    consent_method: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # When a place was offered from the waitlist (promote): the town's workers follow it up.
    promoted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)

    resident: Mapped[Resident] = relationship()
    offering: Mapped[Offering] = relationship()
    entered_by: Mapped[User | None] = relationship()

    @property
    def live(self) -> bool:
        return self.status in LIVE

    def __repr__(self) -> str:
        return f"<Enrolment {self.code} {self.status}>"
