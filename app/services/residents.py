"""One resident per mobile number, whoever enters them; differing details become flagged conflicts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import and_, false, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.clock import utcnow
from app.extensions import db
from app.models import CallbackRequest, Enrolment, Need, Offering, Resident, ResidentConflict, User, mask_phone
from app.services import identity, staff


@dataclass(frozen=True)
class Person:
    """What a form says about someone. Only `name` and `phone` are required."""

    name: str
    phone: str
    town_id: int | None = None
    age_band: str | None = None
    education: str | None = None
    work: str | None = None
    industry: str | None = None
    residence: str | None = None
    id_card: str | None = None  # in full, as typed and checked; never stored as such


# Details compared when a known phone number comes again; a different value is flagged, not saved.
COMPARED = ("name", "town_id", "age_band", "education", "work", "industry", "residence")


def find_by_phone(phone: str) -> Resident | None:
    return db.session.scalar(select(Resident).where(Resident.phone == phone))


def phone_confirmed(phone: str) -> bool:
    """Has this number ever proved it is theirs (a one-time code at /me)?"""
    return db.session.scalar(select(Resident.phone_confirmed_at).where(Resident.phone == phone)) is not None


def confirm_phone(phone: str, when: dt.datetime) -> None:
    """The number's owner entered a code sent to it: from now on it gets every receipt."""
    db.session.execute(
        update(Resident)
        .where(Resident.phone == phone, Resident.phone_confirmed_at.is_(None))
        .values(phone_confirmed_at=when)
    )


def register(person: Person, source: str, consent_method: str) -> Resident:
    """The resident with this phone, created if new. Empty details are filled in; details that
    differ from what is on record are kept as a ResidentConflict for staff and not overwritten."""
    resident = find_by_phone(person.phone)
    if resident is None:
        resident = _create(person, consent_method)
        if resident is not None:
            return resident
        resident = find_by_phone(person.phone)  # created at the same moment by another request
    _merge(resident, person, source)
    return resident


def _create(person: Person, consent_method: str) -> Resident | None:
    resident = Resident(phone=person.phone, consent_method=consent_method, consent_at=utcnow())
    for name in COMPARED:
        setattr(resident, name, getattr(person, name))
    _set_id_card(resident, person.id_card)
    try:
        with db.session.begin_nested():
            db.session.add(resident)
    except IntegrityError:
        return None
    return resident


def _merge(resident: Resident, person: Person, source: str) -> None:
    for name in COMPARED:
        new = getattr(person, name)
        if new in (None, ""):
            continue
        old = getattr(resident, name)
        if old in (None, ""):
            setattr(resident, name, new)
        elif str(old) != str(new):
            _flag(resident, name, str(old), str(new), source)
    if person.id_card:
        new_hash = identity.id_card_hash(person.id_card, current_app.config["SECRET_KEY"])
        if resident.id_card_hash is None:
            _set_id_card(resident, person.id_card)
        elif resident.id_card_hash != new_hash:
            _flag(resident, "id_card", resident.id_card_masked or "", identity.mask_id_card(person.id_card), source)
    db.session.flush()


def _flag(resident: Resident, field: str, kept: str, new: str, source: str) -> None:
    already = any(c.field == field and c.new_value == new and c.resolved_at is None for c in resident.conflicts)
    if not already:
        db.session.add(
            ResidentConflict(resident=resident, field=field, kept_value=kept[:80], new_value=new[:80], source=source)
        )


def _set_id_card(resident: Resident, number: str | None) -> None:
    if number:
        resident.id_card_hash = identity.id_card_hash(number, current_app.config["SECRET_KEY"])
        resident.id_card_masked = identity.mask_id_card(number)
        resident.birth_year = resident.birth_year or identity.id_card_birth_year(number)


def search(query: str, worker: User, limit: int = 20) -> list[Resident]:
    """What a community worker may find, and the audit entry of the search.

    In the worker's own town: the whole number, its last four digits or more, or part of a name.
    Elsewhere in the county only a whole mobile number or a whole name matches: a partial number
    across towns would give anyone's number away a digit at a time, and one character of a name
    would list the county. The page shows other towns' numbers masked."""
    text = identity.normalise_phone(query)
    own = Resident.town_id == worker.town_id if worker.town_id is not None else false()
    if text.isdecimal() and len(text) >= 4:
        by = "phone"
        whole = identity.is_mobile(text)
        condition = Resident.phone == text if whole else and_(own, Resident.phone.like(f"%{text}"))
        shown = mask_phone(text) if whole else "…" + text[-4:]
    else:
        by = "name"
        name = identity.normalise_name(query)
        if not identity.is_name(name):
            return []
        condition = or_(Resident.name == name, and_(own, Resident.name.like(f"%{name}%")))
        shown = name
    found = list(
        db.session.scalars(select(Resident).where(condition).order_by(Resident.name, Resident.id).limit(limit))
    )
    staff.audit(worker, "resident.search", "resident", None, by=by, query=shown, found=[r.id for r in found])
    db.session.flush()
    return found


@dataclass
class ResidentCard:
    """A resident as a worker finds them: their needs, sign-ups and waiting call-backs, for
    residents of the worker's own town (elsewhere only the name, masked number and town)."""

    resident: Resident
    own_town: bool
    needs: list[Need]
    signups: list[Enrolment]
    callbacks: list[CallbackRequest]


def cards_for_worker(found: list[Resident], worker: User) -> list[ResidentCard]:
    """The found residents' cards, in three queries whatever their number."""
    own = [r.id for r in found if worker.town_id is not None and r.town_id == worker.town_id]
    needs: dict[int, list[Need]] = {i: [] for i in own}
    signups: dict[int, list[Enrolment]] = {i: [] for i in own}
    waiting: dict[str, list[CallbackRequest]] = {}
    if own:
        for need in db.session.scalars(
            select(Need).where(Need.resident_id.in_(own)).order_by(Need.created_at.desc(), Need.id.desc())
        ):
            needs[need.resident_id].append(need)
        query = (
            select(Enrolment)
            .where(Enrolment.resident_id.in_(own))
            .options(
                selectinload(Enrolment.offering).options(
                    selectinload(Offering.programme), selectinload(Offering.town), selectinload(Offering.sessions)
                )
            )
            .order_by(Enrolment.created_at.desc(), Enrolment.id.desc())
        )
        for enrolment in db.session.scalars(query):
            signups[enrolment.resident_id].append(enrolment)
        phones = [r.phone for r in found if r.id in needs]
        query = (
            select(CallbackRequest)
            .where(
                CallbackRequest.phone.in_(phones),
                CallbackRequest.town_id == worker.town_id,
                CallbackRequest.handled_at.is_(None),
            )
            .options(selectinload(CallbackRequest.offering).selectinload(Offering.programme))
            .order_by(CallbackRequest.created_at)
        )
        for callback in db.session.scalars(query):
            waiting.setdefault(callback.phone, []).append(callback)
    return [
        ResidentCard(
            resident=r,
            own_town=r.id in needs,
            needs=needs.get(r.id, []),
            signups=signups.get(r.id, []),
            callbacks=waiting.get(r.phone, []),
        )
        for r in found
    ]
