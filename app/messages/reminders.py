"""The day-before reminder: everyone with a confirmed place in a meeting tomorrow gets one text.

Run by the worker every hour (app.messages.tasks.reminders_task); safe to run again and from
several workers: each meeting is claimed once (UPDATE … WHERE reminded_at IS NULL) in the same
transaction as its texts. Texts queued in quiet hours wait for the morning, still the day before.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from app import clock, messages
from app.extensions import db
from app.models import Enrolment, Offering, OfferingStatus, Session, SessionStatus
from app.models.enrolment import EnrolmentStatus


def queue_reminders() -> int:
    """Queue tomorrow's reminders; returns how many texts were queued."""
    tomorrow = clock.today() + dt.timedelta(days=1)
    ids = list(
        db.session.scalars(
            select(Session.id)
            .join(Offering)
            .where(
                Session.date == tomorrow,
                Session.status != SessionStatus.CANCELLED,
                Session.reminded_at.is_(None),
                Offering.status != OfferingStatus.CANCELLED,
            )
            .order_by(Session.id)
        )
    )
    db.session.rollback()
    queued = 0
    for session_id in ids:
        claimed = db.session.execute(
            update(Session)
            .where(Session.id == session_id, Session.reminded_at.is_(None))
            .values(reminded_at=clock.utcnow())
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:
            queued += _remind(db.session.get(Session, session_id))
        db.session.commit()
    return queued


def _remind(session: Session) -> int:
    offering = session.offering
    people = db.session.scalars(
        select(Enrolment)
        .where(Enrolment.offering_id == offering.id, Enrolment.status == EnrolmentStatus.CONFIRMED)
        .options(selectinload(Enrolment.resident))
        .order_by(Enrolment.id)
    )
    count = 0
    for enrolment in people:
        messages.queue(
            enrolment.resident.phone,
            "reminder",
            resident_id=enrolment.resident_id,
            name=offering.title,
            date=f"{session.date.month}月{session.date.day}日",
            start=session.start_time.strftime("%H:%M"),
            end=session.end_time.strftime("%H:%M"),
            place=session.where,
        )
        count += 1
    return count
