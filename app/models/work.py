"""Learn → earn: what a resident declares they hold (LearningClaim, checked by staff), their choice to
be shown to enterprises (LearnerListing), enterprises' jobs (Job) and the requests to put a learner
in touch (ContactRequest), and 共富工坊 work orders (WorkOrder) shared out in a village workshop
(WorkPortion), for which residents may also ask themselves (WorkRequest). Money here is integer fen
(a piece rate of ¥0.35 is 35)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import db
from app.models.checks import one_of
from app.models.place import Institution, Town
from app.models.resident import Resident
from app.models.staff import User
from app.vocabulary import CertLevel


class ClaimKind(StrEnum):
    DEGREE = "degree"
    CERTIFICATE = "certificate"
    COMPLETION = "completion"


class ClaimStatus(StrEnum):
    PENDING = "pending"  # declared by the resident, not yet checked
    ACCEPTED = "accepted"  # checked by staff: counts for matching and jobs
    REJECTED = "rejected"


class LearningClaim(db.Model):
    """A degree, certificate or class completion a resident says they earned outside Xuehou."""

    __tablename__ = "learning_claims"
    __table_args__ = (one_of("kind", ClaimKind), one_of("status", ClaimStatus))

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[str] = mapped_column(String(36), unique=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(60))  # the occupation (电工), the degree level or the class
    level: Mapped[str | None] = mapped_column(String(8))  # a CertLevel for certificates
    earned_on: Mapped[dt.date] = mapped_column(Date)
    certificate_no: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(12), default=ClaimStatus.PENDING, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    resident: Mapped[Resident] = relationship()
    checked_by: Mapped[User | None] = relationship()


class LearnerListing(db.Model):
    """A resident's opt-in: enterprises may see what they hold (never their contact, until they
    accept a request). Deleting the row takes them off every list."""

    __tablename__ = "learner_listings"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Shift(StrEnum):
    DAY = "day"  # 白班
    NIGHT = "night"  # 夜班
    ROTATING = "rotating"  # 两班倒
    FLEXIBLE = "flexible"  # 灵活


class JobStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Job(db.Model):
    """An enterprise's vacancy, with the occupation and certificate level it wants."""

    __tablename__ = "jobs"
    __table_args__ = (
        one_of("status", JobStatus),
        CheckConstraint("openings > 0", name="openings"),
        CheckConstraint("pay_min >= 0 AND pay_max >= pay_min", name="pay"),
        CheckConstraint(
            f"cert_level IS NULL OR cert_level IN ({', '.join(repr(v.value) for v in CertLevel)})", name="cert_level"
        ),
        Index("ix_jobs_status_occupation", "status", "occupation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[str] = mapped_column(String(36), unique=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    title: Mapped[str] = mapped_column(String(80))
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"), index=True)
    pay_min: Mapped[int]  # yuan a month
    pay_max: Mapped[int]
    shifts: Mapped[str] = mapped_column(String(40), default="")  # Shift codes, comma-separated
    occupation: Mapped[str] = mapped_column(String(40))  # a skill programme of the vocabulary (电工)
    cert_level: Mapped[str | None] = mapped_column(String(8))  # None: no certificate needed
    openings: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(12), default=JobStatus.OPEN)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    institution: Mapped[Institution] = relationship()
    town: Mapped[Town] = relationship()

    @property
    def shift_list(self) -> list[str]:
        return [s for s in self.shifts.split(",") if s]


class ContactStatus(StrEnum):
    PENDING = "pending"  # the enterprise asked; the resident has not answered
    ACCEPTED = "accepted"  # the resident agreed: the enterprise sees their name and phone
    DECLINED = "declined"
    HIRED = "hired"  # accepted, and the enterprise recorded that it took them on


class ContactRequest(db.Model):
    """An enterprise asking to be put in touch with a listed learner about one job."""

    __tablename__ = "contact_requests"
    __table_args__ = (
        one_of("status", ContactStatus),
        UniqueConstraint("job_id", "resident_id", name="uq_contact_requests_job_resident"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=ContactStatus.PENDING)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    hired_on: Mapped[dt.date | None] = mapped_column(Date)

    job: Mapped[Job] = relationship()
    resident: Mapped[Resident] = relationship()


class OrderStatus(StrEnum):
    OPEN = "open"  # posted, no workshop leader has taken it
    TAKEN = "taken"  # a workshop leader is sharing it out
    DONE = "done"  # every portion handed in


class WorkOrder(db.Model):
    """A 共富工坊 work order: so many pieces at a piece rate by a deadline, distributed by the
    workshop of one town's village."""

    __tablename__ = "work_orders"
    __table_args__ = (
        one_of("status", OrderStatus),
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("piece_rate > 0", name="piece_rate"),
        CheckConstraint(
            f"cert_level IS NULL OR cert_level IN ({', '.join(repr(v.value) for v in CertLevel)})", name="cert_level"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[str] = mapped_column(String(36), unique=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    what: Mapped[str] = mapped_column(String(120))
    quantity: Mapped[int]
    piece_rate: Mapped[int]  # fen a piece
    deadline: Mapped[dt.date] = mapped_column(Date)
    occupation: Mapped[str | None] = mapped_column(String(40))  # the skill it needs, if any
    cert_level: Mapped[str | None] = mapped_column(String(8))
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"), index=True)  # the workshop's town
    workshop: Mapped[str] = mapped_column(String(60))  # the village workshop (某村共富工坊)
    status: Mapped[str] = mapped_column(String(12), default=OrderStatus.OPEN)
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    taken_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    institution: Mapped[Institution] = relationship()
    town: Mapped[Town] = relationship()
    taken_by: Mapped[User | None] = relationship(foreign_keys=[taken_by_id])
    portions: Mapped[list[WorkPortion]] = relationship(back_populates="order", order_by="WorkPortion.id")
    requests: Mapped[list[WorkRequest]] = relationship(back_populates="order", order_by="WorkRequest.id")

    @property
    def assigned(self) -> int:
        return sum(p.quantity for p in self.portions)

    @property
    def unassigned(self) -> int:
        """Pieces not yet in anyone's portion."""
        return max(self.quantity - self.assigned, 0)

    @property
    def asked(self) -> int:
        """Pieces residents have asked for that the leader has not answered yet (held for them)."""
        return sum(r.quantity for r in self.requests if r.status == RequestStatus.ASKED)

    @property
    def left(self) -> int:
        """Pieces still free: neither given out nor held for a resident's request."""
        return max(self.unassigned - self.asked, 0)


class WorkPortion(db.Model):
    """The pieces of an order given to one resident, what they handed in and what that earned."""

    __tablename__ = "work_portions"
    __table_args__ = (
        UniqueConstraint("order_id", "resident_id", name="uq_work_portions_order_resident"),
        UniqueConstraint("submission_id", name="uq_work_portions_submission_id"),
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("handed_in >= 0 AND handed_in <= quantity", name="handed_in"),
        CheckConstraint("earned >= 0", name="earned"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # the form that gave it out (the leader's, or the leader's answer to a request): a replay finds it
    submission_id: Mapped[str | None] = mapped_column(String(36))
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    quantity: Mapped[int]
    handed_in: Mapped[int] = mapped_column(default=0)
    earned: Mapped[int] = mapped_column(default=0)  # fen: handed_in × the order's piece rate
    assigned_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    recorded_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    order: Mapped[WorkOrder] = relationship(back_populates="portions")
    resident: Mapped[Resident] = relationship()


class RequestStatus(StrEnum):
    ASKED = "asked"  # the resident asked; the workshop leader has not answered (the pieces are held)
    CONFIRMED = "confirmed"  # the leader gave them a portion (the number asked, or one they agreed)
    DECLINED = "declined"  # the leader said no; the pieces are free again


class WorkRequest(db.Model):
    """A resident asking for pieces of an order their workshop has taken. The leader hands out the
    material, so the leader confirms (or adjusts, or declines) the request; confirming makes the
    portion. One request per resident and order."""

    __tablename__ = "work_requests"
    __table_args__ = (
        one_of("status", RequestStatus),
        UniqueConstraint("order_id", "resident_id", name="uq_work_requests_order_resident"),
        CheckConstraint("quantity > 0", name="quantity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[str] = mapped_column(String(36), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    quantity: Mapped[int]  # pieces asked for
    status: Mapped[str] = mapped_column(String(12), default=RequestStatus.ASKED)
    portion_id: Mapped[int | None] = mapped_column(ForeignKey("work_portions.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    order: Mapped[WorkOrder] = relationship(back_populates="requests")
    resident: Mapped[Resident] = relationship()
    portion: Mapped[WorkPortion | None] = relationship()
