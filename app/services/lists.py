"""The lists the education bureau keeps: towns (with their positions), institutions, mentors,
policies, staff accounts, and the learning vocabulary (words, certificate and degree ladders).

One save for them all: create or update a record from typed values, add and flush (never commit),
and write the audit entry from what the save actually changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import (
    CertificateStep,
    DegreeStep,
    Institution,
    Mentor,
    Offering,
    Policy,
    ProgrammeTerm,
    Town,
    User,
)
from app.services import catalogue, classes, staff, versions, vocabulary


@dataclass(frozen=True)
class KeptList:
    model: type
    order: Any  # the column the list is shown in order of
    unique: str | tuple[str, ...] | None = None  # the column(s) no two records may share


LISTS: dict[str, KeptList] = {
    "towns": KeptList(Town, Town.sort_order, "name"),
    "institutions": KeptList(Institution, Institution.name, "name"),
    "mentors": KeptList(Mentor, Mentor.name),
    "policies": KeptList(Policy, Policy.code, "code"),
    "users": KeptList(User, User.username, "username"),
    "terms": KeptList(ProgrammeTerm, ProgrammeTerm.programme, "word"),
    "cert_steps": KeptList(CertificateStep, CertificateStep.occupation, ("occupation", "level")),
    "degree_steps": KeptList(DegreeStep, DegreeStep.position, "level"),
}
VOCABULARY = ("towns", "terms", "cert_steps", "degree_steps")  # what app.services.vocabulary reads


class ListError(Exception):
    """A save that can't be made; `field` names the form field it belongs to, `code` why."""

    def __init__(self, field: str, code: str):
        super().__init__(code)
        self.field, self.code, self.params = field, code, {}


@dataclass
class Saved:
    item: Any
    changes: staff.Changes  # field → (old, new); empty when nothing changed or on a replay
    replayed: bool = False  # the same submission again: the record its first time made


def items(kind: str) -> list:
    kept = LISTS[kind]
    return list(db.session.scalars(select(kept.model).order_by(kept.order, kept.model.id)))


def save(
    kind: str, item: Any | None, values: dict[str, Any], actor: User, submission_id: str, version: int | None = None
) -> Saved:
    """Create (`item` None) or update one record of the list `kind` with `values` (column → value;
    for users also `password`, None to keep the current one). Names (codes, usernames) are unique.

    The audit entry (`<kind>.create` / `<kind>.update`) holds before and after of the fields the save
    changed; a save that changed nothing writes none. A changed town or institution name refreshes
    the search keys of its classes. An edit from a form passes the `version` the form was loaded at
    (versions.Conflict if someone saved the record since)."""
    kept = LISTS[kind]
    if item is None and (first := classes.replayed(submission_id)):
        return Saved(db.session.get(kept.model, first.target_id), {}, replayed=True)
    values = dict(values)
    password = values.pop("password", None)
    if item is not None:
        versions.check(item, version, values, kind)
    if kept.unique:
        keys = (kept.unique,) if isinstance(kept.unique, str) else kept.unique
        same = [getattr(kept.model, key) == values[key] for key in keys]
        clash = db.session.scalar(select(kept.model.id).where(*same))
        if clash is not None and (item is None or clash != item.id):
            raise ListError(keys[-1], "name_taken")
    created = item is None
    if created:
        item = kept.model()
        db.session.add(item)
    changes = staff.apply(item, values)
    if password:
        item.set_password(password)
        changes["password"] = (None, "changed")  # that it changed, never the password or its hash
    versions.bump(item, bool(changes) and not created)
    db.session.flush()
    if created:
        classes.remember(submission_id, f"{kind}.create", kind, item.id)
    staff.audit_changes(actor, f"{kind}.{'create' if created else 'update'}", kind, item.id, changes, created)
    if not created and "name" in changes and kind in ("towns", "institutions"):
        refresh_search_keys(kind, item.id)
    if kind in VOCABULARY:
        vocabulary.forget()
    db.session.flush()
    return Saved(item, changes)


def refresh_search_keys(kind: str, item_id: int) -> None:
    """The catalogue finds classes by their town's and institution's names too."""
    column = Offering.town_id if kind == "towns" else Offering.institution_id
    for offering in db.session.scalars(select(Offering).where(column == item_id)):
        catalogue.refresh_search_key(offering)
