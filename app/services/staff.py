"""Staff accounts and the audit trail of assisted and administrative changes.

`apply()` sets values on a record and returns what it changed (Indico's `populate_from_dict`);
`audit_changes()` writes the audit entry from that return value, so the trail can't miss a field
the save touched."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Institution, InstitutionType, Kind, Mentor, Role, Town, User
from app.services import catalogue

Changes = dict[str, tuple[Any, Any]]  # field → (old, new), only what differs


class StaffError(Exception):
    pass


def enterprise_org(org: str, town: Town | None) -> Institution:
    """The enterprise an enterprise account belongs to: the institution of that name, else a new
    institution of type enterprise in `town` (its own organisation)."""
    found = db.session.scalar(select(Institution).where(Institution.name == org))
    if found is not None:
        return found
    if town is None:
        raise StaffError("a new enterprise needs --town with an existing town name or id")
    found = Institution(name=org, type=InstitutionType.ENTERPRISE, town_id=town.id)
    db.session.add(found)
    db.session.flush()
    return found


def create_or_update_user(
    role: str,
    username: str,
    password: str,
    institution_id: int | None = None,
    town: str | None = None,
    name: str = "",
    org: str | None = None,
    *,
    mentor_id: int | None = None,
    subjects: str | None = None,
    kinds: str | None = None,
    phone: str | None = None,
) -> tuple[User, bool]:
    """A staff account. A mentor's account is linked to their row of the mentors list: the one given
    (`mentor_id`), the one already linked, or a new one at `institution_id` with `phone`; `subjects`
    (programmes, comma-separated) and `kinds` set what they guide. Without any of these the account
    is left unlinked (the bureau links it in its list of mentors)."""
    if len(password) < 8:
        raise StaffError("password: use at least 8 characters")
    if role == Role.ENTERPRISE:
        if org:
            institution_id = enterprise_org(org, catalogue.find_town(town) if town else None).id
        if institution_id is None or db.session.get(Institution, institution_id) is None:
            raise StaffError("an enterprise account needs --org with its enterprise's name (or --institution ID)")
    if role == Role.INSTITUTION and (institution_id is None or db.session.get(Institution, institution_id) is None):
        raise StaffError("institution staff need --institution with an existing institution id")
    town_row = catalogue.find_town(town) if town else None
    if role == Role.WORKER and town_row is None:
        raise StaffError("a community worker needs --town with an existing town name or id")
    user = db.session.scalar(select(User).where(User.username == username))
    created = user is None
    if created:
        user = User(username=username)
        db.session.add(user)
    user.role, user.name, user.active = role, name or user.name or username, True
    user.institution_id = institution_id if role in (Role.INSTITUTION, Role.ENTERPRISE) else None
    user.town_id = town_row.id if town_row else None
    user.set_password(password)
    db.session.flush()
    if role == Role.MENTOR and (mentor_id is not None or institution_id is not None or subjects or kinds or phone):
        link_mentor(user, mentor_id, institution_id, subjects, kinds, phone)
    return user, created


def mentor_row(user: User) -> Mentor | None:
    return db.session.scalar(select(Mentor).where(Mentor.user_id == user.id))


def link_mentor(
    user: User,
    mentor_id: int | None = None,
    institution_id: int | None = None,
    subjects: str | None = None,
    kinds: str | None = None,
    phone: str | None = None,
) -> Mentor:
    if kinds is not None:
        listed = [k.strip() for k in kinds.split(",") if k.strip()]
        if not listed or any(k not in {kind.value for kind in Kind} for k in listed):
            raise StaffError("--kinds: one or more of degree, skill, community, comma-separated")
        kinds = ",".join(listed)
    mentor = db.session.scalar(select(Mentor).where(Mentor.user_id == user.id))
    if mentor_id is not None:
        chosen = db.session.get(Mentor, mentor_id)
        if chosen is None or (chosen.user_id not in (None, user.id)):
            raise StaffError("--mentor: no such mentor, or it already has another account")
        if mentor is not None and mentor.id != chosen.id:
            mentor.user_id = None
            db.session.flush()
        mentor = chosen
    if mentor is None:
        if institution_id is None or db.session.get(Institution, institution_id) is None:
            raise StaffError("a new mentor needs --institution with an existing institution id (or --mentor ID)")
        if not phone:
            raise StaffError("a new mentor needs --phone: residents see it on their plan")
        mentor = Mentor(
            name=user.name, institution_id=institution_id, phone=phone, kinds=kinds or "degree,skill,community"
        )
        db.session.add(mentor)
    mentor.user_id = user.id
    if subjects is not None:
        mentor.subjects = ",".join(s.strip() for s in subjects.replace("，", ",").split(",") if s.strip())
    if kinds is not None:
        mentor.kinds = kinds
    if phone:
        mentor.phone = phone
    db.session.flush()
    return mentor


def audit(
    actor: User | None, action: str, target_type: str, target_id: int | None, resident_id: int | None = None, **details
) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        resident_id=resident_id,
        details=details,
    )
    db.session.add(entry)
    return entry


def apply(obj: Any, values: Mapping[str, Any]) -> Changes:
    """Set each value on `obj`; return field → (old, new) for those that differ from what it had.
    On a new record every attribute starts as None, so everything given (but None) counts."""
    changes: Changes = {}
    for name, new in values.items():
        old = getattr(obj, name)
        if old != new:
            setattr(obj, name, new)
            changes[name] = (old, new)
    return changes


def plain(value: Any) -> Any:
    """A value as the audit trail's JSON keeps it."""
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def audit_changes(
    actor: User | None, action: str, target_type: str, target_id: int | None, changes: Changes, created: bool
) -> AuditEntry | None:
    """The audit entry of a save from what it changed: before and after of those fields only
    (before is None for a record just created). A save that changed nothing writes none."""
    if not changes:
        return None
    before = None if created else {name: plain(old) for name, (old, _new) in changes.items()}
    after = {name: plain(new) for name, (_old, new) in changes.items()}
    return audit(actor, action, target_type, target_id, before=before, after=after)
