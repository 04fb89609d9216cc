"""Staff accounts and the audit trail of assisted and administrative changes."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Institution, Role, User
from app.services import catalogue


class StaffError(Exception):
    pass


def create_or_update_user(
    role: str, username: str, password: str, institution_id: int | None = None, town: str | None = None, name: str = ""
) -> tuple[User, bool]:
    if len(password) < 8:
        raise StaffError("password: use at least 8 characters")
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
    user.institution_id = institution_id if role == Role.INSTITUTION else None
    user.town_id = town_row.id if town_row else None
    user.set_password(password)
    db.session.flush()
    return user, created


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
