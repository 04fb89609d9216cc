"""Mentors (导师) and their residents: who is whose (a need's mentor, see matching.assign_mentor),
and the one-to-one contacts a mentor records — when, how (phone, visit, WeChat), what was advised.
The resident sees on /me who their mentor is and when they were last in touch."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import ContactMethod, Mentor, MentorContact, Need, Resident, User
from app.services import staff


@dataclass
class MentorOf:
    mentor: Mentor
    last_contact: dt.date | None


def mentor_of(user: User) -> Mentor | None:
    return db.session.scalar(select(Mentor).where(Mentor.user_id == user.id))


def _last_contacts(mentor_id: int | None = None, resident_id: int | None = None):
    query = select(MentorContact.mentor_id, MentorContact.resident_id, func.max(MentorContact.contact_on))
    if mentor_id is not None:
        query = query.where(MentorContact.mentor_id == mentor_id)
    if resident_id is not None:
        query = query.where(MentorContact.resident_id == resident_id)
    rows = db.session.execute(query.group_by(MentorContact.mentor_id, MentorContact.resident_id))
    return {(m, r): last for m, r, last in rows}


@dataclass
class MentorsResident:
    resident: Resident
    needs: list[Need]
    last_contact: dt.date | None


def residents_of(mentor: Mentor) -> list[MentorsResident]:
    """The residents whose needs this mentor guides, those not contacted for longest first."""
    needs = db.session.scalars(
        select(Need)
        .join(Resident, Resident.id == Need.resident_id)
        .where(Need.mentor_id == mentor.id, Resident.erased_at.is_(None))
        .order_by(Need.created_at)
    )
    by_resident: dict[int, MentorsResident] = {}
    last = _last_contacts(mentor_id=mentor.id)
    for need in needs:
        entry = by_resident.get(need.resident_id)
        if entry is None:
            entry = by_resident[need.resident_id] = MentorsResident(
                need.resident, [], last.get((mentor.id, need.resident_id))
            )
        entry.needs.append(need)
    return sorted(by_resident.values(), key=lambda e: (e.last_contact is not None, e.last_contact or dt.date.min))


def resident_of(mentor: Mentor, resident_id: int) -> MentorsResident | None:
    """One of this mentor's residents; None for anyone else's."""
    return next((e for e in residents_of(mentor) if e.resident.id == resident_id), None)


def contacts(mentor: Mentor, resident: Resident) -> list[MentorContact]:
    query = (
        select(MentorContact)
        .where(MentorContact.mentor_id == mentor.id, MentorContact.resident_id == resident.id)
        .order_by(MentorContact.contact_on.desc(), MentorContact.id.desc())
    )
    return list(db.session.scalars(query))


def record_contact(
    mentor: Mentor, resident: Resident, on: dt.date, method: str, advice: str, submission_id: str, actor: User
) -> MentorContact:
    """One contact, once: the same submission again returns the first."""
    existing = db.session.scalar(select(MentorContact).where(MentorContact.submission_id == submission_id))
    if existing is not None:
        return existing
    contact = MentorContact(
        submission_id=submission_id,
        mentor_id=mentor.id,
        resident_id=resident.id,
        contact_on=on,
        method=ContactMethod(method).value,
        advice=advice,
        recorded_by_id=actor.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(contact)
    except IntegrityError:
        return db.session.scalar(select(MentorContact).where(MentorContact.submission_id == submission_id))
    staff.audit(actor, "mentor.contact", "mentor_contact", contact.id, resident_id=resident.id, method=contact.method)
    return contact


def for_resident(resident: Resident) -> list[MentorOf]:
    """A resident's mentors (of their needs), each with when they were last in touch."""
    mentors = db.session.scalars(
        select(Mentor).join(Need, Need.mentor_id == Mentor.id).where(Need.resident_id == resident.id).distinct()
    )
    last = _last_contacts(resident_id=resident.id)
    return [MentorOf(m, last.get((m.id, resident.id))) for m in sorted(mentors, key=lambda m: m.id)]


def last_contact(mentor: Mentor, resident: Resident) -> dt.date | None:
    return _last_contacts(mentor_id=mentor.id, resident_id=resident.id).get((mentor.id, resident.id))
