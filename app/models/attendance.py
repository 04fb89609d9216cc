"""Who came to each meeting of a class (Attendance: one row per enrolment and session), recorded
back from the printed sign-in sheet (签到表)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import db
from app.models.course import Session
from app.models.enrolment import Enrolment


class Attendance(db.Model):
    """Whether one person with a place came to one session. No row: not recorded yet."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("enrolment_id", "session_id", name="uq_attendance_enrolment_session"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    present: Mapped[bool]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    enrolment: Mapped[Enrolment] = relationship()
    session: Mapped[Session] = relationship()
