"""A resident (often a senior) asks a worker of their town to phone them back."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import db
from app.models.course import Offering
from app.models.place import Town
from app.models.staff import User


class CallbackRequest(db.Model):
    __tablename__ = "callback_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[str] = mapped_column(String(36), unique=True)
    offering_id: Mapped[int | None] = mapped_column(ForeignKey("offerings.id"), index=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(11))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    handled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    offering: Mapped[Offering | None] = relationship()
    town: Mapped[Town] = relationship()
    handled_by: Mapped[User | None] = relationship()
