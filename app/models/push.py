"""Issue 16: new classes told to the people who asked (Push), and the bureau's requests to
institutions to open a class where people are waiting (ClassRequest)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import db
from app.models.checks import one_of
from app.vocabulary import Kind

if TYPE_CHECKING:
    from app.models.course import Offering
    from app.models.place import Institution, Town
    from app.models.resident import Need, Resident
    from app.models.staff import User
    from app.models.work import Job


class PushReason(StrEnum):
    PUBLISHED = "published"  # a new class
    REOPENED = "reopened"  # a closed class open for sign-up again
    FREED = "freed"  # more places, or a cancelled place nobody waited for


class Push(db.Model):
    """One need told of one class that fits it: by text, or on the plan page only (no consent to be
    contacted, stopped, or a text already this week). One per need and class, ever."""

    __tablename__ = "pushes"
    __table_args__ = (
        one_of("reason", PushReason),
        UniqueConstraint("need_id", "offering_id", name="uq_pushes_need_offering"),
        Index("ix_pushes_resident_texted", "resident_id", "texted", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id"), index=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("offerings.id"), index=True)
    reason: Mapped[str] = mapped_column(String(12))
    texted: Mapped[bool] = mapped_column(default=False)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    need: Mapped[Need] = relationship()
    offering: Mapped[Offering] = relationship()
    resident: Mapped[Resident] = relationship()


class RequestAnswer(StrEnum):
    PENDING = "pending"
    WILL_OPEN = "will_open"
    CANNOT = "cannot"


class ClassRequest(db.Model):
    """The bureau asks an institution to open a class: what, where, for how many, on which days."""

    __tablename__ = "class_requests"
    __table_args__ = (one_of("kind", Kind), one_of("answer", RequestAnswer))

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[str] = mapped_column(String(36), unique=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"))
    kind: Mapped[str] = mapped_column(String(12))
    programme: Mapped[str] = mapped_column(String(60))  # what to teach, in the suggestion's words
    people: Mapped[int]
    weekdays: Mapped[str] = mapped_column(String(20), default="")  # "6,7": the days that suit them
    note: Mapped[str] = mapped_column(Text, default="")
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answer: Mapped[str] = mapped_column(String(12), default=RequestAnswer.PENDING)
    answer_reason: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    offering_id: Mapped[int | None] = mapped_column(ForeignKey("offerings.id"))

    institution: Mapped[Institution] = relationship()
    town: Mapped[Town] = relationship()
    offering: Mapped[Offering | None] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])

    @property
    def weekday_list(self) -> list[int]:
        return [int(d) for d in self.weekdays.split(",") if d]


class JobPushReason(StrEnum):
    POSTED = "posted"  # a new job
    REOPENED = "reopened"  # a closed job open again
    MORE = "more"  # more people wanted


class JobPush(db.Model):
    """One resident told of one job that fits what they hold (app.services.job_push): by text, or on
    their work page only (no consent to be contacted, stopped, or a text already this week). One per
    resident and job, ever. `ref` is the unguessable key of the text's stop link."""

    __tablename__ = "job_pushes"
    __table_args__ = (
        one_of("reason", JobPushReason),
        UniqueConstraint("resident_id", "job_id", name="uq_job_pushes_resident_job"),
        Index("ix_job_pushes_resident_texted", "resident_id", "texted", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    reason: Mapped[str] = mapped_column(String(12))
    texted: Mapped[bool] = mapped_column(default=False)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    job: Mapped[Job] = relationship()
    resident: Mapped[Resident] = relationship()
