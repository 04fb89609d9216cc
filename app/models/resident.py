"""Residents (one per mobile number), what they want to learn (Need), and details that disagree."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import db
from app.models.checks import one_of
from app.models.place import Town
from app.vocabulary import Kind

if TYPE_CHECKING:
    from app.models.policy import Mentor
    from app.models.staff import User


class Resident(db.Model):
    """A person, found by mobile number wherever they come from (survey, self, worker)."""

    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(11), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    town_id: Mapped[int | None] = mapped_column(ForeignKey("towns.id"), index=True)
    age_band: Mapped[str | None] = mapped_column(String(8))
    birth_year: Mapped[int | None]
    education: Mapped[str | None] = mapped_column(String(12))
    work: Mapped[str | None] = mapped_column(String(12))
    industry: Mapped[str | None] = mapped_column(String(40))
    residence: Mapped[str | None] = mapped_column(String(8))  # 户籍 / 流动人口
    # The ID-card number is never stored in full: a keyed hash to recognise it, a mask to show.
    id_card_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    id_card_masked: Mapped[str | None] = mapped_column(String(18))
    consent_method: Mapped[str] = mapped_column(String(12))  # online / 口头同意 / 本人签字 / 家属代办
    consent_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # When the number's owner first entered a one-time code sent to it (at /me); until then the
    # number may have been typed by anyone, so public sign-up receipts to it are capped harder.
    phone_confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # PIPL: when they withdrew consent to be contacted (texts not about their own sign-ups) or to be
    # profiled (a plan ranked for them); None while they agree. When their data was erased.
    contact_withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    profiling_withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    erased_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # When they pressed the stop link of a "有您想学的课了" text: no more such texts (app.services.push).
    push_stopped_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # The same for a "有适合您的工作" text (app.services.job_push): one stop per kind of text.
    job_push_stopped_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    town: Mapped[Town | None] = relationship()
    needs: Mapped[list[Need]] = relationship(back_populates="resident", order_by="Need.created_at.desc()")
    conflicts: Mapped[list[ResidentConflict]] = relationship(back_populates="resident")

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678."""
    return phone[:3] + "****" + phone[-4:] if len(phone) == 11 else "****"


class ResidentConflict(db.Model):
    """A detail that a later entry gave differently: kept for staff to settle, never overwritten."""

    __tablename__ = "resident_conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    field: Mapped[str] = mapped_column(String(20))
    kept_value: Mapped[str] = mapped_column(String(80))
    new_value: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    resident: Mapped[Resident] = relationship(back_populates="conflicts")


class NeedStatus(StrEnum):
    NEW = "new"
    MATCHED = "matched"
    ENROLLED = "enrolled"
    COMPLETED = "completed"


class NeedSource(StrEnum):
    SELF = "self"
    ASSISTED = "assisted"  # a community worker entered it
    SURVEY = "survey"
    IMPORTED = "imported"


class Need(db.Model):
    """What a resident wants to learn, and where and when they could."""

    __tablename__ = "needs"
    __table_args__ = (
        one_of("kind", Kind),
        one_of("status", NeedStatus),
        one_of("source", NeedSource),
        # The dashboard's demand and unmet-demand aggregates: GROUP BY kind, town (and target), people
        # counted by resident, all read from the index alone.
        Index("ix_needs_kind_town_status", "kind", "town_id", "status", "target", "unmet", "resident_id"),
        # The funnel: each resident's needs, matched or not.
        Index("ix_needs_resident_unmet", "resident_id", "unmet"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)  # unguessable, in the receipt's URL
    submission_id: Mapped[str] = mapped_column(String(36), unique=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12), index=True)
    target: Mapped[str] = mapped_column(String(60))
    major: Mapped[str | None] = mapped_column(String(60))
    # The certificate level they already hold in the occupation they asked for (None: none or not said).
    held_level: Mapped[str | None] = mapped_column(String(8))
    weekdays: Mapped[str] = mapped_column(String(20), default="")  # "6,7": ISO weekdays that suit
    times: Mapped[str] = mapped_column(String(40), default="")  # "morning,evening"
    town_id: Mapped[int | None] = mapped_column(ForeignKey("towns.id"), index=True)  # where they would learn
    notes: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(12), default=NeedSource.SELF)
    status: Mapped[str] = mapped_column(String(12), default=NeedStatus.NEW, index=True)
    unmet: Mapped[bool] = mapped_column(default=False, index=True)  # no class matched when reported
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("mentors.id"), index=True)
    # Assisted entries: the worker who entered it, and how the resident agreed.
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    consent_method: Mapped[str] = mapped_column(String(12), default="online", server_default="online")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    resident: Mapped[Resident] = relationship(back_populates="needs")
    town: Mapped[Town | None] = relationship()
    mentor: Mapped[Mentor | None] = relationship(back_populates="needs")
    entered_by: Mapped[User | None] = relationship()

    @property
    def weekday_list(self) -> list[int]:
        return [int(d) for d in self.weekdays.split(",") if d]

    @property
    def time_list(self) -> list[str]:
        return [t for t in self.times.split(",") if t]
