"""One resident per mobile number, whoever enters them; differing details become flagged conflicts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.clock import utcnow
from app.extensions import db
from app.models import Resident, ResidentConflict
from app.services import identity


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


def search(query: str, limit: int = 20) -> list[Resident]:
    """Residents by phone (whole number or its last four digits or more) or by name."""
    text = identity.normalise_phone(query)
    if text.isdigit() and len(text) >= 4:
        condition = Resident.phone.like(f"%{text}") if len(text) < 11 else Resident.phone == text
    else:
        name = identity.normalise_name(query)
        if not name:
            return []
        condition = Resident.name.like(f"%{name.replace('%', '').replace('_', '')}%")
    return list(db.session.scalars(select(Resident).where(condition).order_by(Resident.name, Resident.id).limit(limit)))
