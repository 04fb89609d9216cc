"""Optimistic locking for staff edit forms (app.models.versioned): two people editing one class,
programme or list entry, the second save never silently overwrites the first.

An edit form carries the version the record had when the form was loaded (a hidden field). Before
an edit is saved, `check()` locks the row and reads it afresh (PostgreSQL: SELECT … FOR UPDATE waits
for a save in flight to commit; SQLite: every POST already holds the write lock) and compares: the
same version, the save goes on and `bump()` counts it; another version, someone saved since, and
`Conflict` says, field by field, what is saved now and what was typed. The form comes back with the
typed answers and the new version, so saving again puts what was typed on top. An import that
changes a record bumps it too, so an edit form open at the time sees the import as a change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, User


class Conflict(Exception):
    """Someone saved the record since the form was loaded.

    `differences`: column → (saved now, typed), only where they differ; `version` the record's
    version now (the form's, to save on top); `saved_by` / `saved_at` the last audited save."""

    def __init__(self, item: Any, differences: dict[str, tuple[Any, Any]], last: AuditEntry | None):
        super().__init__(f"{type(item).__name__} {item.id} is at version {item.version}")
        self.item, self.version, self.differences = item, item.version, differences
        actor = db.session.get(User, last.actor_id) if last is not None and last.actor_id else None
        self.saved_by: str | None = (actor.name or actor.username) if actor else None
        self.saved_at: dt.datetime | None = last.created_at if last is not None else None


UNKNOWN = 0  # a form that carries no version: never the record's (they start at 1)


def loaded(raw: str | None) -> int:
    """The version an edit form says it was loaded at; UNKNOWN when it carries none (or garbage)."""
    raw = (raw or "").strip()
    return int(raw) if raw.isdecimal() and len(raw) < 10 else UNKNOWN


def check(item: Any, version: int | None, values: Mapping[str, Any], target_type: str) -> None:
    """Before saving `values` (column → typed value) over `item`: raise Conflict if the record is no
    longer at `version` and what is saved now differs from what was typed in some field. (When it
    doesn't, there is nothing to choose between, and the save goes on.) `version` None: a save not
    from a form (the command line, the demo data), which is not checked."""
    if version is None:
        return
    db.session.refresh(item, with_for_update={"of": type(item)})  # its own row (not the eager joins)
    if version == item.version:
        return
    differences = {name: (getattr(item, name), new) for name, new in values.items() if getattr(item, name) != new}
    if not differences:
        return
    last = db.session.scalar(
        select(AuditEntry)
        .where(AuditEntry.target_type == target_type, AuditEntry.target_id == item.id)
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    raise Conflict(item, differences, last)


def bump(item: Any, changed: bool) -> None:
    """Count a save that changed the record (in SQL, so two bumps never give one number)."""
    if changed:
        item.version = type(item).version + 1
