"""A resident's learning record (学习档案, 课证融合): the degrees, certificates and class completions
earned through Xuehou (their outcomes), the ones they declared (counted once staff have checked
them), and the skill classes they are about to finish, each with its level and date.

Matching asks `level_held()` for eligibility for the next certificate level; the job match asks
`holdings()`. Occupations are the vocabulary's skill programmes (电工), levels the CertLevel codes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from flask import g, has_app_context
from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.models import (
    ClaimKind,
    ClaimStatus,
    Enrolment,
    EnrolmentStatus,
    LearnerListing,
    LearningClaim,
    Offering,
    Outcome,
    OutcomeKind,
    Programme,
    User,
)
from app.services import staff, vocabulary
from app.vocabulary import CERT_LEVELS, Kind

_CACHE = "_xuehou_holdings"


@dataclass(frozen=True)
class Entry:
    kind: str  # degree | certificate | completion
    name: str  # the occupation (电工), the degree level, or the class
    level: str | None
    on: dt.date  # earned on, or (studying) the day the class ends
    source: str  # xuehou | declared
    status: str  # earned | pending | rejected | studying
    offering_id: int | None = None
    since: dt.datetime | None = None  # when it was recorded or accepted (outcomes, checked claims)

    @property
    def counts(self) -> bool:
        return self.status == "earned"


def occupation_of(programme: Programme) -> str:
    """The occupation a skill programme's certificate is in, in the vocabulary's words."""
    return vocabulary.occupation_level(programme.certificate or programme.name)[0] or programme.name


def higher(a: str | None, b: str | None) -> str | None:
    levels = [level for level in (a, b) if level in CERT_LEVELS]
    return max(levels, key=CERT_LEVELS.index) if levels else None


def record(resident_id: int, today: dt.date) -> list[Entry]:
    """Everything on the resident's learning record, newest first (classes being studied first)."""
    return records([resident_id], today).get(resident_id, [])


def records(resident_ids, today: dt.date) -> dict[int, list[Entry]]:
    """The learning records of many residents in three queries, whatever their number: resident id →
    entries, as `record` gives them. `resident_ids` is a list or a SELECT of resident ids."""
    found: dict[int, list[Entry]] = {}
    outcomes = db.session.execute(
        select(Outcome, Programme)
        .join(Programme, Outcome.programme_id == Programme.id)
        .where(Outcome.resident_id.in_(resident_ids))
    ).all()
    for outcome, programme in outcomes:
        if outcome.kind == OutcomeKind.CERTIFICATE:
            name, level = occupation_of(programme), outcome.level or programme.cert_level
        elif outcome.kind == OutcomeKind.DEGREE:
            level = outcome.level or programme.degree_level
            name = " ".join(filter(None, [level, programme.major]))
            level = None
        else:
            name, level = programme.name, None
        entry = Entry(outcome.kind, name, level, outcome.completed_on, "xuehou", "earned", since=outcome.created_at)
        found.setdefault(outcome.resident_id, []).append(entry)
    claims = db.session.scalars(select(LearningClaim).where(LearningClaim.resident_id.in_(resident_ids)))
    for claim in claims:
        status = {ClaimStatus.ACCEPTED: "earned", ClaimStatus.PENDING: "pending"}.get(claim.status, "rejected")
        entry = Entry(claim.kind, claim.name, claim.level, claim.earned_on, "declared", status, since=claim.checked_at)
        found.setdefault(claim.resident_id, []).append(entry)
    for entries in found.values():
        entries.sort(key=lambda e: e.on, reverse=True)
    studying = db.session.execute(
        select(Enrolment.resident_id, Offering, Programme)
        .join(Enrolment, Enrolment.offering_id == Offering.id)
        .join(Programme, Offering.programme_id == Programme.id)
        .where(
            Enrolment.resident_id.in_(resident_ids),
            Enrolment.status == EnrolmentStatus.CONFIRMED,
            Offering.kind == Kind.SKILL,
            Offering.still_running(today),
        )
        .order_by(Offering.end_date, Offering.id)
    ).all()
    now_studying: dict[int, list[Entry]] = {}
    for resident_id, o, p in studying:
        entry = Entry(ClaimKind.CERTIFICATE, occupation_of(p), p.cert_level, o.end_date, "xuehou", "studying", o.id)
        now_studying.setdefault(resident_id, []).append(entry)
    return {rid: now_studying.get(rid, []) + found.get(rid, []) for rid in {*found, *now_studying}}


@dataclass(frozen=True)
class Holding:
    occupation: str
    level: str | None  # the highest level held (earned or checked), None: none yet
    studying: str | None  # the level of a class they are about to finish, if higher
    studying_until: dt.date | None = None
    # Each certificate earned in this occupation: (its level, when it was recorded — an outcome
    # entered, a declared certificate accepted; None: not known). The job page's "新符合条件" asks
    # when someone first came to hold a level a job wants (qualified_since).
    earned: tuple[tuple[str | None, dt.datetime | None], ...] = ()

    def qualified_since(self, level: str | None) -> dt.datetime | None:
        """When they first held `level` or above; None when never, or not known."""
        floor = CERT_LEVELS.index(level) if level in CERT_LEVELS else -1
        moments = [m for held, m in self.earned if (CERT_LEVELS.index(held) if held in CERT_LEVELS else -1) >= floor]
        if not moments or None in moments:
            return None
        return min(moments)


def _holdings(entries: list[Entry]) -> dict[str, Holding]:
    held: dict[str, str | None] = {}
    earned: dict[str, list[tuple[str | None, dt.datetime | None]]] = {}
    studying: dict[str, tuple[str | None, dt.date]] = {}
    for entry in entries:
        if entry.kind != ClaimKind.CERTIFICATE:
            continue
        if entry.status == "earned":
            held[entry.name] = higher(held.get(entry.name), entry.level)
            earned.setdefault(entry.name, []).append((entry.level, _aware(entry.since) if entry.since else None))
        elif entry.status == "studying" and entry.name not in studying:
            studying[entry.name] = (entry.level, entry.on)
    found = {}
    for occupation in {*held, *studying}:
        level = held.get(occupation)
        next_level, until = studying.get(occupation, (None, None))
        if next_level and higher(level, next_level) == level:
            next_level, until = None, None
        found[occupation] = Holding(occupation, level, next_level, until, tuple(earned.get(occupation, ())))
    return found


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)  # SQLite reads naive UTC


def holdings(resident_id: int, today: dt.date) -> dict[str, Holding]:
    """Per occupation: the highest certificate level held, and a higher one being studied."""
    cache = g.setdefault(_CACHE, {}) if has_app_context() else {}
    if (resident_id, today) in cache:
        return cache[(resident_id, today)]
    found = _holdings(record(resident_id, today))
    cache[(resident_id, today)] = found
    return found


def holdings_of(resident_ids, today: dt.date) -> dict[int, dict[str, Holding]]:
    """`holdings` for many residents in a fixed number of queries (the enterprise's learner list, the
    job push): resident id → occupation → Holding; a resident with nothing on record is left out."""
    return {rid: _holdings(entries) for rid, entries in records(resident_ids, today).items()}


def level_held(resident_id: int | None, occupation: str | None, today: dt.date) -> str | None:
    """The highest certificate level of `occupation` on the resident's record (None: none)."""
    if resident_id is None or not occupation:
        return None
    name = vocabulary.occupation_level(occupation)[0] or occupation
    holding = holdings(resident_id, today).get(name)
    return holding.level if holding else None


def levels_held(resident_ids: Iterable[int], occupation: str, today: dt.date) -> dict[int, str | None]:
    """`level_held()` for many residents at once, in two queries whatever their number: resident id
    → the highest level of `occupation` earned through Xuehou or declared and checked (residents
    who hold none are left out). `today` is level_held's: what is being studied never counts."""
    ids = sorted(set(resident_ids))
    if not ids or not occupation:
        return {}
    name = vocabulary.occupation_level(occupation)[0] or occupation
    found: dict[int, str | None] = {}
    outcomes = db.session.execute(
        select(Outcome.resident_id, Outcome.level, Programme.certificate, Programme.name, Programme.cert_level)
        .join(Programme, Outcome.programme_id == Programme.id)
        .where(Outcome.resident_id.in_(ids), Outcome.kind == OutcomeKind.CERTIFICATE)
    )
    for resident_id, level, certificate, programme_name, programme_level in outcomes:
        if (vocabulary.occupation_level(certificate or programme_name)[0] or programme_name) == name:
            found[resident_id] = higher(found.get(resident_id), level or programme_level)
    claims = db.session.execute(
        select(LearningClaim.resident_id, LearningClaim.level).where(
            LearningClaim.resident_id.in_(ids),
            LearningClaim.kind == ClaimKind.CERTIFICATE,
            LearningClaim.status == ClaimStatus.ACCEPTED,
            LearningClaim.name == name,
        )
    )
    for resident_id, level in claims:
        found[resident_id] = higher(found.get(resident_id), level)
    return found


def forget() -> None:
    if has_app_context():
        g.pop(_CACHE, None)


# What a resident declares, and staff checking it ---------------------------------------------


def declare(resident_id: int, submission_id: str, kind: str, text: str, earned_on: dt.date, number: str | None):
    """Add a declared degree, certificate or completion, pending until staff check it. A
    certificate's words give its occupation and level (电工四级 → 电工, 中级). A replay of the same
    submission id returns the first claim."""
    found = db.session.scalar(select(LearningClaim).where(LearningClaim.submission_id == submission_id))
    if found is not None:
        return found
    occupation, level = vocabulary.occupation_level(text) if kind == ClaimKind.CERTIFICATE else (None, None)
    claim = LearningClaim(
        submission_id=submission_id,
        resident_id=resident_id,
        kind=kind,
        name=(occupation or text)[:60],
        level=level,
        earned_on=earned_on,
        certificate_no=number or None,
    )
    db.session.add(claim)
    db.session.flush()
    forget()
    return claim


def pending_claims() -> list[LearningClaim]:
    return list(
        db.session.scalars(
            select(LearningClaim).where(LearningClaim.status == ClaimStatus.PENDING).order_by(LearningClaim.id)
        )
    )


def check(claim: LearningClaim, accept: bool, actor: User) -> bool:
    """Staff accept or reject a pending claim (audited); False when it was already checked."""
    if claim.status != ClaimStatus.PENDING:
        return False
    claim.status = ClaimStatus.ACCEPTED if accept else ClaimStatus.REJECTED
    claim.checked_by_id, claim.checked_at = actor.id, utcnow()
    staff.audit(
        actor,
        "learning_claim.check",
        "learning_claim",
        claim.id,
        resident_id=claim.resident_id,
        status=claim.status,
        name=claim.name,
        level=claim.level,
    )
    db.session.flush()
    forget()
    return True


# Being shown to enterprises -------------------------------------------------------------------


def listed(resident_id: int) -> bool:
    return db.session.scalar(select(LearnerListing.id).where(LearnerListing.resident_id == resident_id)) is not None


def set_listed(resident_id: int, show: bool) -> None:
    """Opt in (or out) of being shown to enterprises; doing it twice changes nothing."""
    row = db.session.scalar(select(LearnerListing).where(LearnerListing.resident_id == resident_id))
    if show and row is None:
        db.session.add(LearnerListing(resident_id=resident_id))
    elif not show and row is not None:
        db.session.delete(row)
    db.session.flush()
