"""The sign-in sheet (签到表) of a class and the attendance recorded back from it.

The sheet lists the people with a place (confirmed, or completed since), in sign-up order, with a
column per session that is held (cancelled ones left out; a moved one under its new date); those
waiting (候补, a lottery entry, an intent for a group class) are listed apart, never on the sheet.
Staff tick who came, one session at a time; a class can then require a share of the sessions held
to be attended before 结业 is recorded (Offering.min_attendance, set on the class form: a setting per
class, none by default)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Attendance, Enrolment, Offering, Session, SessionStatus, User
from app.models.enrolment import EnrolmentStatus
from app.services import staff

ON_SHEET = (EnrolmentStatus.CONFIRMED, EnrolmentStatus.COMPLETED)
WAITING = (EnrolmentStatus.WAITLISTED, EnrolmentStatus.RECEIVED, EnrolmentStatus.INTENT)


@dataclass
class Sheet:
    offering: Offering
    people: list[Enrolment]  # on the sheet, in sign-up order
    waiting: list[Enrolment]  # listed apart
    sessions: list[Session]  # held (not cancelled), by date
    marks: dict[tuple[int, int], bool]  # (enrolment id, session id) → present

    def mark(self, enrolment: Enrolment, session: Session) -> bool | None:
        return self.marks.get((enrolment.id, session.id))

    def present(self, session: Session) -> int | None:
        """How many came to a session, or None while it is not recorded."""
        found = [self.marks[(e.id, session.id)] for e in self.people if (e.id, session.id) in self.marks]
        return sum(found) if found else None


def held_sessions(offering: Offering) -> list[Session]:
    return list(
        db.session.scalars(
            select(Session)
            .where(Session.offering_id == offering.id, Session.status != SessionStatus.CANCELLED)
            .order_by(Session.date, Session.start_time, Session.id)
        )
    )


def sheet(offering: Offering) -> Sheet:
    everyone = list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.offering_id == offering.id, Enrolment.status.in_((*ON_SHEET, *WAITING)))
            .options(selectinload(Enrolment.resident))
            .order_by(Enrolment.id)
        )
    )
    people = [e for e in everyone if e.status in ON_SHEET]
    waiting = sorted(
        (e for e in everyone if e.status in WAITING),
        key=lambda e: (e.status != EnrolmentStatus.WAITLISTED, e.draw_rank is None, e.draw_rank or 0, e.id),
    )
    sessions = held_sessions(offering)
    marks = {
        (a.enrolment_id, a.session_id): a.present
        for a in db.session.scalars(select(Attendance).where(Attendance.session_id.in_([s.id for s in sessions])))
    }
    return Sheet(offering, people, waiting, sessions, marks)


def record(session: Session, present: set[int], actor: User) -> dict[str, int]:
    """Who came to `session`: those in `present` (enrolment ids) came, everyone else on the sheet did
    not. Recording again replaces what was recorded; the audit entry holds who changed from what."""
    sheet_ = sheet(session.offering)
    changes: staff.Changes = {}
    existing = {
        a.enrolment_id: a for a in db.session.scalars(select(Attendance).where(Attendance.session_id == session.id))
    }
    for enrolment in sheet_.people:
        came = enrolment.id in present
        row = existing.get(enrolment.id)
        if row is None:
            db.session.add(
                Attendance(enrolment_id=enrolment.id, session_id=session.id, present=came, recorded_by_id=actor.id)
            )
            changes[str(enrolment.id)] = (None, came)
        elif row.present != came:
            changes[str(enrolment.id)] = (row.present, came)
            row.present, row.recorded_by_id = came, actor.id
    db.session.flush()
    if changes:
        staff.audit(
            actor,
            "attendance.record",
            "session",
            session.id,
            offering_id=session.offering_id,
            before={k: old for k, (old, _new) in changes.items()},
            after={k: new for k, (_old, new) in changes.items()},
        )
        db.session.flush()
    return {"present": sum(1 for e in sheet_.people if e.id in present), "of": len(sheet_.people)}


def attended(enrolment: Enrolment, until: dt.date) -> tuple[int, int]:
    """(sessions attended, sessions held) of the person's class up to `until`."""
    held = (
        select(func.count(Session.id))
        .where(
            Session.offering_id == enrolment.offering_id,
            Session.status != SessionStatus.CANCELLED,
            Session.date <= until,
        )
        .scalar_subquery()
    )
    came = (
        select(func.count(Attendance.id))
        .join(Session, Session.id == Attendance.session_id)
        .where(Attendance.enrolment_id == enrolment.id, Attendance.present.is_(True), Session.date <= until)
        .scalar_subquery()
    )
    present, total = db.session.execute(select(came, held)).one()
    return int(present or 0), int(total or 0)


def short_of(enrolment: Enrolment, until: dt.date) -> dict | None:
    """None if the class has no attendance rule or the person meets it; else what they attended and
    what the rule asks (for the message)."""
    rule = enrolment.offering.min_attendance
    if not rule:
        return None
    present, held = attended(enrolment, until)
    needed = -(-held * rule // 100)  # rounded up
    if present >= needed:
        return None
    return {"attended": present, "held": held, "needed": needed, "percent": rule}
