"""What learning led to (Outcome: a degree finished, a certificate obtained) and the incentive it earns;
and the record that makes administrative create and import forms idempotent (AdminSubmission)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import db
from app.models.checks import one_of
from app.models.course import Programme
from app.models.enrolment import Enrolment
from app.models.resident import Resident
from app.models.staff import User
from app.vocabulary import Kind


class OutcomeKind(StrEnum):
    DEGREE = "degree"  # 学历: a degree finished
    CERTIFICATE = "certificate"  # 证书: a vocational certificate obtained, with its level
    COMPLETION = "completion"  # 结业: a community class finished (no incentive unless a policy says so)

    @classmethod
    def for_kind(cls, kind: str) -> OutcomeKind:
        """What finishing a programme of `kind` records: a degree, a certificate, or a completion."""
        return {Kind.DEGREE: cls.DEGREE, Kind.SKILL: cls.CERTIFICATE}.get(kind, cls.COMPLETION)


class Outcome(db.Model):
    """One completion, with the incentive owed under the policies when it was recorded, and whether
    the bureau has paid it. The amount and the policy codes are kept: later policy edits don't
    change what was owed."""

    __tablename__ = "outcomes"
    __table_args__ = (
        one_of("kind", OutcomeKind),
        CheckConstraint("incentive_amount >= 0", name="incentive_amount"),
        # The dashboard's funnel and monthly trend: counts and sums by month and paid or not.
        Index("ix_outcomes_completed_on_paid", "completed_on", "paid_at"),
        Index("ix_outcomes_resident_paid", "resident_id", "paid_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[str] = mapped_column(String(36), unique=True)
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolments.id"), unique=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    level: Mapped[str | None] = mapped_column(String(8))
    evidence: Mapped[str] = mapped_column(Text, default="")
    # A degree's or vocational certificate's number, as issued (nationally unique): one outcome each.
    certificate_no: Mapped[str | None] = mapped_column(String(60), unique=True)
    completed_on: Mapped[dt.date] = mapped_column(Date)
    incentive_amount: Mapped[int] = mapped_column(default=0)  # yuan, owed to the learner
    policy_codes: Mapped[list] = mapped_column(JSON, default=list)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    paid_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    enrolment: Mapped[Enrolment | None] = relationship()
    resident: Mapped[Resident] = relationship()
    programme: Mapped[Programme] = relationship()
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    paid_by: Mapped[User | None] = relationship(foreign_keys=[paid_by_id])

    @property
    def paid(self) -> bool:
        return self.paid_at is not None


class AdminSubmission(db.Model):
    """A create or import form's submission id, with what it made: a replay finds it and returns the
    first result instead of making a second record."""

    __tablename__ = "admin_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[str] = mapped_column(String(36), unique=True)
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(30))
    target_id: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
