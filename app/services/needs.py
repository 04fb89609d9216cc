"""Reporting a learning need: the resident (one per phone), the need, its mentor, its status."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Need, NeedSource, NeedStatus, Programme, User
from app.services import matching, residents, staff, vocabulary
from app.vocabulary import DEGREE_SPOKEN, Kind


@dataclass(frozen=True)
class Wish:
    kind: str
    target: str
    major: str | None = None
    weekdays: tuple[int, ...] = ()
    times: tuple[str, ...] = ()
    town_id: int | None = None
    notes: str = ""
    held_level: str | None = None  # the certificate level they hold in what they want to learn


def target_suggestions(kind: str | None) -> list[str]:
    """Targets to offer in the form's datalist: degree levels, or what the county's programmes teach,
    then the programmes and everyday words of the learning vocabulary. A kind that is not one of
    ours (whatever a request sent) means no kind: it never reaches a query."""
    kind = kind if kind in set(Kind) else None
    if kind == Kind.DEGREE:
        found = list(DEGREE_SPOKEN.values())
    else:
        column = Programme.certificate if kind == Kind.SKILL else Programme.name
        query = select(column).distinct().where(column.is_not(None))
        if kind:
            query = query.where(Programme.kind == kind)
        found = sorted(db.session.scalars(query.limit(60)))
    return list(dict.fromkeys([*found, *vocabulary.suggestions(kind)]))[:80]


def by_submission(submission_id: str) -> Need | None:
    return db.session.scalar(select(Need).where(Need.submission_id == submission_id))


REF = re.compile(r"[A-Za-z0-9_-]{1,32}")  # secrets.token_urlsafe(16)


def by_ref(ref: str) -> Need | None:
    if not REF.fullmatch(ref or ""):  # a NUL, too long: PostgreSQL would refuse the query
        return None
    return db.session.scalar(select(Need).where(Need.ref == ref))


def report(
    person: residents.Person,
    wish: Wish,
    submission_id: str,
    today: dt.date,
    source: str = NeedSource.SELF,
    consent_method: str = "online",
    entered_by: User | None = None,
) -> Need:
    """Record a need; a replay of the same submission id returns the need it first created."""
    existing = by_submission(submission_id)
    if existing is not None:
        return existing
    resident = residents.register(person, source=source, consent_method=consent_method)
    need = Need(
        ref=secrets.token_urlsafe(16),
        submission_id=submission_id,
        resident_id=resident.id,
        kind=wish.kind,
        target=wish.target,
        major=wish.major or None,
        held_level=wish.held_level or None,
        weekdays=",".join(str(d) for d in sorted(set(wish.weekdays))),
        times=",".join(wish.times),
        town_id=wish.town_id or person.town_id,
        notes=wish.notes,
        source=source,
        consent_method=consent_method,
        entered_by_id=entered_by.id if entered_by else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(need)
    except IntegrityError:
        # The same submission arrived twice at once; the other copy was saved first.
        return by_submission(submission_id)
    matches, _alternatives = matching.suggestions(need, today)
    need.unmet = not matches
    need.status = NeedStatus.MATCHED if matches else NeedStatus.NEW
    need.mentor = matching.assign_mentor(need, matches)
    db.session.flush()
    if entered_by is not None:
        staff.audit(
            entered_by,
            "need.assisted",
            "need",
            need.id,
            resident_id=resident.id,
            consent=consent_method,
            kind=need.kind,
            target=need.target,
        )
    return need
