"""Institution staff keep their programmes, classes (offerings) and single sessions here.

Services add and flush, never commit; every change writes an audit entry with before and after.
Moving or cancelling one session tells each resident with a place or on the waitlist by SMS.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, select

from app import messages
from app.extensions import db
from app.i18n import days_text
from app.models import (
    AdminSubmission,
    Attendance,
    Enrolment,
    Offering,
    OfferingStatus,
    Programme,
    Session,
    SessionStatus,
    User,
)
from app.models.enrolment import EnrolmentStatus
from app.models.push import PushReason
from app.services import catalogue, enrolment, push, staff, versions
from app.services.schedule import MAX_WEEKS, TooManySessions, dates_on

OFFERING_FIELDS = (
    "programme_id",
    "code",
    "town_id",
    "place",
    "start_date",
    "end_date",
    "weekday",
    "weekdays",
    "start_time",
    "end_time",
    "capacity",
    "fee",
    "signup_deadline",
    "senior_friendly",
    "status",
    "min_attendance",
    "allocation",
    "lottery_closes_at",
    "min_to_open",
)
PATTERN = ("start_date", "end_date", "weekday", "weekdays", "start_time", "end_time")

# What a class can be, for the form, the importer and build_sessions alike: taught in a window
# around today, at most a year of weekly meetings (a longer course is several classes, one a term
# or a year), places and money within what a county's classes are. A class ending in 9999 once
# built 416,015 sessions in one request while everyone else waited for the write lock.
STARTS_BACK = dt.timedelta(days=365)  # a class may have begun up to a year ago (recorded late) …
STARTS_AHEAD = dt.timedelta(days=2 * 365)  # … or be planned up to two years ahead
MAX_CAPACITY = 10_000
MAX_FEE = 100_000  # yuan, what a learner pays for one class
MAX_TUITION = 1_000_000  # yuan, a whole degree programme
DATES_BACK = dt.timedelta(days=10 * 365)  # completions and other dates: ten years back …
DATES_AHEAD = dt.timedelta(days=3 * 365)  # … to three years ahead (a class planned two ahead, and its year)

BOUNDS = {
    "start_too_early": _l("开始日期最早为 %(date)s（一年前），请核对年份"),
    "start_too_late": _l("开始日期最晚为 %(date)s（两年内），请核对年份"),
    "too_long": _l("结束日期最晚为开始后%(weeks)s周（%(date)s）；更长的课程请分成几个班，每学期或每年一个"),
    "deadline_after_end": _l("报名截止不能晚于结束日期 %(date)s"),
    "deadline_too_early": _l("报名截止最早为开始前一年（%(date)s）"),
    "date_out_of_range": _l("日期要在 %(first)s 到 %(last)s 之间，请核对年份"),
}


def bound_message(code: str, **params) -> str:
    """The words for a bound, in the user's language (params formatted as given)."""
    return BOUNDS[code] % params


def date_in_range(day: dt.date, today: dt.date) -> dict | None:
    """None if `day` is within the years a date may be; else the params of `date_out_of_range`."""
    first, last = today - DATES_BACK, today + DATES_AHEAD
    if first <= day <= last:
        return None
    return {"first": first.isoformat(), "last": last.isoformat()}


def class_date_problems(
    start: dt.date | None,
    end: dt.date | None,
    deadline: dt.date | None,
    today: dt.date,
    unchanged_start: dt.date | None = None,
) -> list[tuple[str, str, dict]]:
    """(field, code, params) for each bound a class's dates break. `unchanged_start` is the start a
    class already has: keeping it is always allowed (a running class edited a year on)."""
    problems: list[tuple[str, str, dict]] = []
    if start is not None and start != unchanged_start:
        if start < today - STARTS_BACK:
            problems.append(("start_date", "start_too_early", {"date": (today - STARTS_BACK).isoformat()}))
        elif start > today + STARTS_AHEAD:
            problems.append(("start_date", "start_too_late", {"date": (today + STARTS_AHEAD).isoformat()}))
    if start is not None and end is not None and end > start + dt.timedelta(weeks=MAX_WEEKS):
        last = start + dt.timedelta(weeks=MAX_WEEKS)
        problems.append(("end_date", "too_long", {"weeks": MAX_WEEKS, "date": last.isoformat()}))
    if deadline is not None and end is not None and deadline > end:
        problems.append(("signup_deadline", "deadline_after_end", {"date": end.isoformat()}))
    elif deadline is not None and start is not None and deadline < start - STARTS_BACK:
        earliest = start - STARTS_BACK
        problems.append(("signup_deadline", "deadline_too_early", {"date": earliest.isoformat()}))
    return problems


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
    programme: Programme | None,
    institution_id: int,
    values: dict,
    actor: User,
    submission_id: str | None = None,
    version: int | None = None,
) -> Programme:
    """Create (programme None) or update a programme of `institution_id`. Names are unique per institution.
    An edit from a form passes the `version` the form was loaded at (versions.Conflict if it is stale)."""
    if programme is None and submission_id and (first := replayed(submission_id)):
        return db.session.get(Programme, first.target_id)
    if programme is not None:
        versions.check(programme, version, values, "programme")
    clash = db.session.scalar(
        select(Programme.id).where(Programme.institution_id == institution_id, Programme.name == values["name"])
    )
    if clash is not None and (programme is None or clash != programme.id):
        raise ClassError("name", "programme_exists")
    created = programme is None
    if programme is None:
        programme = Programme(institution_id=institution_id)
        db.session.add(programme)
    changes = staff.apply(programme, values)
    versions.bump(programme, bool(changes) and not created)
    db.session.flush()
    if submission_id and created:
        remember(submission_id, "programme.create", "programme", programme.id)
    for offering in programme.offerings:
        catalogue.refresh_search_key(offering)
    action = "programme.create" if created else "programme.update"
    staff.audit_changes(actor, action, "programme", programme.id, changes, created)
    db.session.flush()
    return programme


def build_sessions(offering: Offering) -> None:
    """The class's sessions from its weekly pattern (see rebuild_sessions)."""
    rebuild_sessions([offering])


def rebuild_sessions(offerings: list[Offering]) -> None:
    """The sessions of these classes from their weekly patterns, in bulk: one read of the changed
    sessions, one DELETE and one INSERT per thousand classes, so a re-import of thousands of classes
    holds the write lock for seconds, not minutes. Sessions that were moved or cancelled keep their
    change when their original date is still in the pattern; enrolments belong to the class, not to
    sessions, so nobody's place is touched. At most a year of sessions each (ClassError otherwise)."""
    for start in range(0, len(offerings), 1000):
        chunk = offerings[start : start + 1000]
        days = {o.id: bounded_weekly_dates(o.start_date, o.end_date, o.days) for o in chunk}
        changed: dict[tuple[int, dt.date], Session] = {}
        query = select(Session).where(Session.offering_id.in_(days), Session.status != SessionStatus.SCHEDULED)
        for old in db.session.scalars(query):
            changed[(old.offering_id, old.original_date or old.date)] = old
        kept = {key: {name: getattr(old, name) for name in SESSION_FIELDS} for key, old in changed.items()}
        # Attendance already recorded stays with the session held on that date, if it still is.
        marks = db.session.execute(
            select(Session.offering_id, Session.date, Attendance.enrolment_id, Attendance.present)
            .join(Session, Session.id == Attendance.session_id)
            .where(Session.offering_id.in_(days))
        ).all()
        db.session.execute(
            delete(Session).where(Session.offering_id.in_(days)).execution_options(synchronize_session=False)
        )
        rows = []
        for offering in chunk:
            for seq, day in enumerate(days[offering.id], start=1):
                row = dict(
                    offering_id=offering.id,
                    seq=seq,
                    date=day,
                    start_time=offering.start_time,
                    end_time=offering.end_time,
                    place=None,
                    status=SessionStatus.SCHEDULED,
                    original_date=None,
                    note="",
                )
                old = kept.get((offering.id, day))
                if old is not None:
                    row.update(status=old["status"], original_date=old["original_date"], note=old["note"])
                    row["place"] = old["place"]
                    if old["status"] == SessionStatus.MOVED:
                        row.update(date=old["date"], start_time=old["start_time"], end_time=old["end_time"])
                rows.append(row)
        for stale in changed.values():
            db.session.expunge(stale)
        if rows:
            db.session.execute(insert(Session), rows)
        if marks:
            held = {
                (offering_id, day): session_id
                for session_id, offering_id, day in db.session.execute(
                    select(Session.id, Session.offering_id, Session.date).where(Session.offering_id.in_(days))
                )
            }
            again = [
                dict(enrolment_id=enrolment_id, session_id=held[(offering_id, day)], present=present)
                for offering_id, day, enrolment_id, present in marks
                if (offering_id, day) in held
            ]
            if again:
                db.session.execute(insert(Attendance), again)
        for offering in chunk:
            db.session.expire(offering, ["sessions"])


SESSION_FIELDS = ("date", "start_time", "end_time", "place", "status", "original_date", "note")


def bounded_weekly_dates(start: dt.date, end: dt.date, weekdays: int | list[int]) -> list[dt.date]:
    """The dates of a weekly pattern on one or several weekdays; more than a year of them is a
    ClassError on `end_date`."""
    try:
        return dates_on(start, end, [weekdays] if isinstance(weekdays, int) else weekdays)
    except TooManySessions:
        last = (start + dt.timedelta(weeks=MAX_WEEKS)).isoformat()
        raise ClassError("end_date", "too_long", weeks=MAX_WEEKS, date=last) from None


def save_offering(
    offering: Offering | None,
    institution_id: int,
    values: dict,
    actor: User,
    submission_id: str | None = None,
    version: int | None = None,
) -> Offering:
    """Create or update a class. The code (开班编号) is unique; capacity can't go below the places
    held; more capacity moves people up from the waitlist; a new weekly pattern rebuilds sessions.
    An edit from a form passes the `version` the form was loaded at (versions.Conflict if it is stale)."""
    if offering is None and submission_id and (first := replayed(submission_id)):
        return db.session.get(Offering, first.target_id)
    if offering is not None:
        versions.check(offering, version, values, "offering")
    programme = db.session.get(Programme, values["programme_id"])
    if programme is None or programme.institution_id != institution_id:
        raise ClassError("programme", "unknown_programme")
    clash = db.session.scalar(select(Offering.id).where(Offering.code == values["code"]))
    if clash is not None and (offering is None or clash != offering.id):
        raise ClassError("code", "code_taken")
    if offering is not None and values["capacity"] < offering.seats_taken:
        raise ClassError("capacity", "below_taken", taken=offering.seats_taken)
    created = offering is None
    old_pattern = snapshot(offering, PATTERN) if offering else None
    grew = offering is not None and values["capacity"] > offering.capacity
    if offering is None:
        offering = Offering(institution_id=institution_id, seats_taken=0, status=OfferingStatus.OPEN)
        db.session.add(offering)
    changes = staff.apply(offering, {**values, "kind": programme.kind})
    versions.bump(offering, bool(changes) and not created)
    db.session.flush()
    db.session.refresh(offering)
    repatterned = old_pattern is not None and old_pattern != snapshot(offering, PATTERN)
    if old_pattern != snapshot(offering, PATTERN):
        build_sessions(offering)
    catalogue.refresh_search_key(offering)
    db.session.flush()
    if repatterned:
        tell_new_pattern(offering)
    if grew:
        fill_from_waitlist(offering)
    if created and offering.status == OfferingStatus.OPEN:
        push.announce(offering.id, PushReason.PUBLISHED)
    if submission_id and created:
        remember(submission_id, "offering.create", "offering", offering.id)
    action = "offering.create" if created else "offering.update"
    staff.audit_changes(actor, action, "offering", offering.id, changes, created)
    db.session.flush()
    return offering


def fill_from_waitlist(offering: Offering) -> int:
    """More places: people move up from the waitlist, in order, each told by SMS (enrolment.promote);
    places still free are pushed to the needs the class fits (app.services.push). Returns how many
    moved up. The class form and the spreadsheet import both call this."""
    moved = 0
    while enrolment.promote(offering):
        moved += 1
    if offering.seats_left > 0 and offering.status == OfferingStatus.OPEN:
        push.announce(offering.id, PushReason.FREED)  # places nobody waited for: tell who asked
    return moved


def tell_new_pattern(offering: Offering) -> int:
    """The weekly pattern of a running or coming class changed (its sessions were rebuilt): everyone
    with a place or waiting is told the new pattern by SMS. Returns how many were told. The class
    form and the spreadsheet import both call this after rebuilding the sessions."""
    people = people_to_tell(offering)
    for person in people:
        messages.queue(
            person.resident.phone,
            "pattern_changed",
            resident_id=person.resident_id,
            name=offering.title,
            first=_md(offering.start_date.isoformat()),
            last=_md(offering.end_date.isoformat()),
            weekday=days_text(offering),
            start=offering.start_time.strftime("%H:%M"),
            end=offering.end_time.strftime("%H:%M"),
            place=offering.place,
        )
    return len(people)


def set_status(offering: Offering, status: str, actor: User) -> None:
    """Open, close (stop sign-ups) or cancel a class. Cancelling tells everyone with a place or waiting."""
    before = offering.status
    if before == status:
        return
    offering.status = status
    staff.audit(actor, "offering.status", "offering", offering.id, before={"status": before}, after={"status": status})
    db.session.flush()
    if status == OfferingStatus.OPEN:
        push.announce(offering.id, PushReason.REOPENED)
    if status == OfferingStatus.CANCELLED:
        for person in people_to_tell(offering):
            messages.queue(
                person.resident.phone,
                "class_cancelled",
                resident_id=person.resident_id,
                name=offering.title,
                code=offering.code,
                phone=offering.institution.phone or "",
            )


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
    """Move or cancel one meeting; returns how many residents are being told by SMS (the texts are
    queued with this change and go once it commits)."""
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
        session.reminded_at = None  # the new day gets its own reminder
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
        if action == "cancel":
            params = {"name": offering.title, "date": _md(before["date"]), "note": note}
        else:
            params = {
                "name": offering.title,
                "old": _md(before["date"]),
                "new": _md(session.date.isoformat()),
                "start": session.start_time.strftime("%H:%M"),
                "end": session.end_time.strftime("%H:%M"),
                "place": session.where,
                "note": note,
            }
        template = "session_cancelled" if action == "cancel" else "session_moved"
        messages.queue(person.resident.phone, template, resident_id=person.resident_id, **params)
        told += 1
    return told


def _md(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day.month}月{day.day}日"
