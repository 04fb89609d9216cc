"""Institution staff keep their programmes, classes (offerings) and single sessions here.

Services add and flush, never commit; every change writes an audit entry with before and after.
Moving or cancelling one session tells each resident with a place or on the waitlist by SMS.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app import sms
from app.extensions import db
from app.models import AdminSubmission, Enrolment, Offering, OfferingStatus, Programme, Session, SessionStatus, User
from app.models.enrolment import EnrolmentStatus
from app.services import catalogue, enrolment, staff
from app.services.schedule import weekly_dates

PROGRAMME_FIELDS = (
    "kind",
    "name",
    "description",
    "degree_level",
    "major",
    "years",
    "tuition",
    "certificate",
    "cert_level",
    "audience",
)
OFFERING_FIELDS = (
    "programme_id",
    "code",
    "town_id",
    "place",
    "start_date",
    "end_date",
    "weekday",
    "start_time",
    "end_time",
    "capacity",
    "fee",
    "signup_deadline",
    "senior_friendly",
    "status",
)
PATTERN = ("start_date", "end_date", "weekday", "start_time", "end_time")


class ClassError(Exception):
    """A change that can't be made; `field` names the form field it belongs to, `code` why."""

    def __init__(self, field: str, code: str, **params):
        super().__init__(code)
        self.field, self.code, self.params = field, code, params


def snapshot(obj, fields) -> dict:
    """Plain JSON values of some columns, for the audit trail."""
    out = {}
    for name in fields:
        value = getattr(obj, name, None)
        out[name] = value.isoformat() if isinstance(value, dt.date | dt.time) else value
    return out


def replayed(submission_id: str) -> AdminSubmission | None:
    return db.session.scalar(select(AdminSubmission).where(AdminSubmission.submission_id == submission_id))


def remember(submission_id: str, action: str, target_type: str, target_id: int | None) -> None:
    db.session.add(
        AdminSubmission(submission_id=submission_id, action=action, target_type=target_type, target_id=target_id)
    )


def save_programme(
    programme: Programme | None, institution_id: int, values: dict, actor: User, submission_id: str | None = None
) -> Programme:
    """Create (programme None) or update a programme of `institution_id`. Names are unique per institution."""
    if programme is None and submission_id and (first := replayed(submission_id)):
        return db.session.get(Programme, first.target_id)
    clash = db.session.scalar(
        select(Programme.id).where(Programme.institution_id == institution_id, Programme.name == values["name"])
    )
    if clash is not None and (programme is None or clash != programme.id):
        raise ClassError("name", "programme_exists")
    before = snapshot(programme, PROGRAMME_FIELDS) if programme else None
    if programme is None:
        programme = Programme(institution_id=institution_id)
        db.session.add(programme)
    for name, value in values.items():
        setattr(programme, name, value)
    db.session.flush()
    if submission_id and before is None:
        remember(submission_id, "programme.create", "programme", programme.id)
    for offering in programme.offerings:
        catalogue.refresh_search_key(offering)
    staff.audit(
        actor,
        "programme.create" if before is None else "programme.update",
        "programme",
        programme.id,
        before=before,
        after=snapshot(programme, PROGRAMME_FIELDS),
    )
    db.session.flush()
    return programme


def build_sessions(offering: Offering, keep: list[Session] | None = None) -> None:
    """The class's sessions from its weekly pattern. Sessions that were moved or cancelled keep their
    change when their original date is still in the pattern; enrolments belong to the class, not to
    sessions, so nobody's place is touched."""
    changed = {(s.original_date or s.date): s for s in (keep or []) if s.status != SessionStatus.SCHEDULED}
    for old in list(offering.sessions):
        offering.sessions.remove(old)
    db.session.flush()
    for seq, day in enumerate(weekly_dates(offering.start_date, offering.end_date, offering.weekday), start=1):
        session = Session(seq=seq, date=day, start_time=offering.start_time, end_time=offering.end_time)
        if day in changed:
            old = changed[day]
            session.status, session.original_date, session.note = old.status, old.original_date, old.note
            session.place = old.place
            if old.status == SessionStatus.MOVED:
                session.date, session.start_time, session.end_time = old.date, old.start_time, old.end_time
        offering.sessions.append(session)


def save_offering(
    offering: Offering | None, institution_id: int, values: dict, actor: User, submission_id: str | None = None
) -> Offering:
    """Create or update a class. The code (开班编号) is unique; capacity can't go below the places
    held; more capacity moves people up from the waitlist; a new weekly pattern rebuilds sessions."""
    if offering is None and submission_id and (first := replayed(submission_id)):
        return db.session.get(Offering, first.target_id)
    programme = db.session.get(Programme, values["programme_id"])
    if programme is None or programme.institution_id != institution_id:
        raise ClassError("programme", "unknown_programme")
    clash = db.session.scalar(select(Offering.id).where(Offering.code == values["code"]))
    if clash is not None and (offering is None or clash != offering.id):
        raise ClassError("code", "code_taken")
    if offering is not None and values["capacity"] < offering.seats_taken:
        raise ClassError("capacity", "below_taken", taken=offering.seats_taken)
    before = snapshot(offering, OFFERING_FIELDS) if offering else None
    old_pattern = snapshot(offering, PATTERN) if offering else None
    grew = offering is not None and values["capacity"] > offering.capacity
    if offering is None:
        offering = Offering(institution_id=institution_id, seats_taken=0, status=OfferingStatus.OPEN)
        db.session.add(offering)
    for name, value in values.items():
        setattr(offering, name, value)
    offering.kind = programme.kind
    db.session.flush()
    db.session.refresh(offering)
    if old_pattern != snapshot(offering, PATTERN):
        build_sessions(offering, keep=list(offering.sessions))
    catalogue.refresh_search_key(offering)
    db.session.flush()
    if grew:
        while enrolment.promote(offering):
            pass
    if submission_id and before is None:
        remember(submission_id, "offering.create", "offering", offering.id)
    staff.audit(
        actor,
        "offering.create" if before is None else "offering.update",
        "offering",
        offering.id,
        before=before,
        after=snapshot(offering, OFFERING_FIELDS),
    )
    db.session.flush()
    return offering


def set_status(offering: Offering, status: str, actor: User) -> None:
    """Open, close (stop sign-ups) or cancel a class. Cancelling tells everyone with a place or waiting."""
    before = offering.status
    if before == status:
        return
    offering.status = status
    staff.audit(actor, "offering.status", "offering", offering.id, before={"status": before}, after={"status": status})
    db.session.flush()
    if status == OfferingStatus.CANCELLED:
        for person in people_to_tell(offering):
            with force_locale("zh_Hans_CN"):
                text = _(
                    "学后：很抱歉，“%(name)s”（%(code)s）已取消，不再开课。有疑问请致电 %(phone)s。",
                    name=offering.title,
                    code=offering.code,
                    phone=offering.institution.phone or "",
                )
            sms.send(person.resident.phone, text)


def people_to_tell(offering: Offering) -> list[Enrolment]:
    return list(
        db.session.scalars(
            select(Enrolment)
            .where(
                Enrolment.offering_id == offering.id,
                Enrolment.status.in_(
                    (
                        EnrolmentStatus.CONFIRMED,
                        EnrolmentStatus.WAITLISTED,
                        EnrolmentStatus.INTENT,
                        EnrolmentStatus.RECEIVED,
                    )
                ),
            )
            .order_by(Enrolment.id)
        )
    )


def change_session(
    session: Session,
    action: str,
    actor: User,
    note: str,
    date: dt.date | None = None,
    start: dt.time | None = None,
    end: dt.time | None = None,
    place: str | None = None,
) -> int:
    """Move or cancel one meeting; returns how many residents were told by SMS."""
    offering = session.offering
    before = snapshot(session, ("date", "start_time", "end_time", "place", "status", "note"))
    if action == "cancel":
        session.status = SessionStatus.CANCELLED
    else:
        if session.original_date is None:
            session.original_date = session.date
        session.status = SessionStatus.MOVED
        session.date = date or session.date
        session.start_time = start or session.start_time
        session.end_time = end or session.end_time
        session.place = place or session.place
    session.note = note
    staff.audit(
        actor,
        f"session.{action}",
        "session",
        session.id,
        before=before,
        after=snapshot(session, ("date", "start_time", "end_time", "place", "status", "note")),
        offering_id=offering.id,
    )
    db.session.flush()
    told = 0
    for person in people_to_tell(offering):
        with force_locale("zh_Hans_CN"):
            if action == "cancel":
                text = _(
                    "学后：“%(name)s”%(date)s 的课停课一次。原因：%(note)s",
                    name=offering.title,
                    date=_md(before["date"]),
                    note=note,
                )
            else:
                text = _(
                    "学后：“%(name)s”%(old)s 的课调到 %(new)s %(start)s–%(end)s，地点：%(place)s。原因：%(note)s",
                    name=offering.title,
                    old=_md(before["date"]),
                    new=_md(session.date.isoformat()),
                    start=session.start_time.strftime("%H:%M"),
                    end=session.end_time.strftime("%H:%M"),
                    place=session.where,
                    note=note,
                )
        sms.send(person.resident.phone, text)
        told += 1
    return told


def _md(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day.month}月{day.day}日"
