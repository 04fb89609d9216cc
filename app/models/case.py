"""A worker's caseload (as CommCare gives field workers their case list): one Case per thing a
worker of the town should follow up — an open need, a call-back request, a place offered from a
waitlist, a class starting this week for someone the worker signed up — with its state, a note, the
next contact date, who holds it, and the history of who acted (CaseEvent).

The things themselves live where they always have (needs, callback_requests, enrolments); a Case row
is written the first time a worker acts on one, so a caseload costs no writes to show."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Date, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import db
from app.models.checks import one_of
from app.models.place import Town
from app.models.staff import User


class CaseKind(StrEnum):
    NEED = "need"  # source: needs.id — an open need (new or matched, not yet enrolled)
    CALLBACK = "callback"  # source: callback_requests.id — not yet phoned back
    OFFER = "offer"  # source: enrolments.id — a place offered from the waitlist
    STARTING = "starting"  # source: enrolments.id — a class starting this week, signed up by a worker


class CaseState(StrEnum):
    NEW = "new"
    CONTACTED = "contacted"
    WAITING = "waiting"  # waiting for the resident (to decide, to bring papers, to call back)
    DONE = "done"


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("kind", "source_id"),
        one_of("kind", CaseKind),
        one_of("state", CaseState),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    source_id: Mapped[int]
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)  # who holds it
    state: Mapped[str] = mapped_column(String(10), default=CaseState.NEW)
    note: Mapped[str] = mapped_column(Text, default="")
    next_contact: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    town: Mapped[Town] = relationship()
    worker: Mapped[User | None] = relationship()
    events: Mapped[list[CaseEvent]] = relationship(back_populates="case", order_by="CaseEvent.id.desc()")


class CaseEvent(db.Model):
    """One act on a case: an update (state, note, next contact) or a reassignment."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    submission_id: Mapped[str] = mapped_column(String(36), unique=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(10))  # update / reassign
    state: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
    next_contact: Mapped[dt.date | None] = mapped_column(Date)
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # the holder after this act
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    worker: Mapped[User | None] = relationship(foreign_keys=[worker_id])
