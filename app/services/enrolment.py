"""Sign-ups, shared by every way in (public, family, worker, 长辈版): enrol, cancel, promote, draw, open.

Capacity is guarded in the database. `offerings.seats_taken` counts the places held (confirmed, and
intent in a group class); a place is taken with one conditional UPDATE, so the count can never pass
the capacity however many requests arrive at once. Each sign-up or cancellation is one transaction
that first locks its class row (SELECT … FOR UPDATE on PostgreSQL; on SQLite the sign-up step in
app.services.signup_flow opens the transaction with BEGIN IMMEDIATE, see `app.db.begin_write`), so the
waitlist is served strictly in order.

The services add and flush, never commit; the route commits once. Text messages are rows
(app.messages) in the same transaction, sent by the worker process once it commits.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app import clock, messages
from app.clock import utcnow
from app.db import begin_write
from app.extensions import db
from app.models import Allocation, Enrolment, EnrolmentSource, MessageKind, Offering, OfferingStatus
from app.models.enrolment import LIVE, SEATED, EnrolmentStatus
from app.models.push import PushReason
from app.services import push
from app.services.residents import Person, register
from app.templating import external_url

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read out over the phone


class EnrolmentError(Exception):
    """A sign-up that can't be made; `code` names why (the route turns it into a message)."""

    def __init__(self, code: str, enrolment: Enrolment | None = None):
        super().__init__(code)
        self.code = code
        self.enrolment = enrolment


@dataclass(frozen=True)
class Actor:
    """Who made the sign-up and on what consent."""

    source: str = EnrolmentSource.SELF
    consent_method: str = "online"
    entered_by_id: int | None = None


def new_code() -> str:
    return "XH-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


REF = re.compile(r"[A-Za-z0-9_-]{1,32}")


def find(ref: str) -> Enrolment | None:
    if not REF.fullmatch(ref or ""):
        return None
    return db.session.scalar(select(Enrolment).where(Enrolment.ref == ref))


def by_submission(submission_id: str) -> Enrolment | None:
    return db.session.scalar(select(Enrolment).where(Enrolment.submission_id == submission_id))


def live_enrolment(resident_id: int, offering_id: int) -> Enrolment | None:
    return db.session.scalar(
        select(Enrolment).where(
            Enrolment.resident_id == resident_id, Enrolment.offering_id == offering_id, Enrolment.status.in_(LIVE)
        )
    )


def _lock(offering: Offering) -> Offering:
    """Lock the class row for this transaction and read its counters fresh."""
    return db.session.scalars(
        select(Offering).where(Offering.id == offering.id).with_for_update().execution_options(populate_existing=True)
    ).one()


def _take_seat(offering: Offering) -> bool:
    """The capacity guard: one conditional UPDATE; True if a place was free and is now held."""
    result = db.session.execute(
        update(Offering)
        .where(Offering.id == offering.id, Offering.seats_taken < Offering.capacity)
        .values(seats_taken=Offering.seats_taken + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _release_seat(offering: Offering) -> None:
    db.session.execute(
        update(Offering)
        .where(Offering.id == offering.id, Offering.seats_taken > 0)
        .values(seats_taken=Offering.seats_taken - 1)
        .execution_options(synchronize_session=False)
    )


def _lottery_open(offering: Offering, now: dt.datetime) -> bool:
    return offering.is_lottery and offering.drawn_at is None and as_utc(offering.lottery_closes_at) > now


def as_utc(value: dt.datetime | None) -> dt.datetime:
    """SQLite hands back naive datetimes for timezone-aware columns; they were stored as UTC."""
    if value is None:
        return dt.datetime.max.replace(tzinfo=dt.UTC)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def enrol(
    offering: Offering,
    person: Person,
    submission_id: str,
    actor: Actor | None = None,
    today: dt.date | None = None,
    receipt_link: Callable[[str], str] | None = None,
) -> Enrolment:
    """Sign `person` up for `offering`: confirmed while places last, else waitlisted; `received` in
    an open lottery window; `intent` in a group class that has not opened. A replay of the same
    submission returns the first enrolment. Raises EnrolmentError(closed | past_deadline |
    already_enrolled). With `receipt_link` (ref → URL) the person gets the receipt by SMS."""
    actor = actor or Actor()
    today = today or clock.today()
    first = by_submission(submission_id)
    if first is not None:
        return first
    resident = register(person, actor.source, actor.consent_method)
    if not draw_in_worker_if_large(offering):
        draw_if_due(offering)
    problem = offering.signup_problem(today)
    if problem:
        raise EnrolmentError(problem)
    existing = live_enrolment(resident.id, offering.id)
    if existing is not None:
        if existing.submission_id == submission_id:  # a twin of this very submission got there first
            return existing
        raise EnrolmentError("already_enrolled", existing)

    offering = _lock(offering)
    for _attempt in range(3):
        try:
            with db.session.begin_nested():  # a twin caught by a unique constraint undoes the seat too
                status = _place(offering)
                enrolment = Enrolment(
                    ref=secrets.token_urlsafe(24),
                    code=new_code(),
                    submission_id=submission_id,
                    resident_id=resident.id,
                    offering_id=offering.id,
                    status=status,
                    source=actor.source,
                    entered_by_id=actor.entered_by_id,
                    consent_method=actor.consent_method,
                )
                db.session.add(enrolment)
                db.session.flush()
        except IntegrityError:
            first = by_submission(submission_id)
            if first is not None:
                return first
            existing = live_enrolment(resident.id, offering.id)
            if existing is not None:
                raise EnrolmentError("already_enrolled", existing) from None
            continue  # a clash of random codes: draw new ones
        break
    else:  # pragma: no cover - three code clashes in a row
        raise RuntimeError("could not allocate a unique enrolment code")
    if receipt_link is not None:
        _tell(enrolment, "signed_up", link=receipt_link(enrolment.ref))
    if status == EnrolmentStatus.INTENT:
        db.session.refresh(offering)
        _open_if_threshold(offering)
        db.session.refresh(enrolment)
    return enrolment


def _place(offering: Offering) -> str:
    if _lottery_open(offering, clock.now()):
        return EnrolmentStatus.RECEIVED
    if not _take_seat(offering):
        return EnrolmentStatus.WAITLISTED
    return EnrolmentStatus.INTENT if offering.awaiting_threshold else EnrolmentStatus.CONFIRMED


def waitlist(offering: Offering):
    """The query for a class's waitlist, in order: drawn rank first, then arrival."""
    return (
        select(Enrolment)
        .where(Enrolment.offering_id == offering.id, Enrolment.status == EnrolmentStatus.WAITLISTED)
        .order_by(Enrolment.draw_rank.is_(None), Enrolment.draw_rank, Enrolment.id)
    )


def waitlist_position(enrolment: Enrolment) -> int | None:
    if enrolment.status != EnrolmentStatus.WAITLISTED:
        return None
    ids = db.session.scalars(waitlist(enrolment.offering).with_only_columns(Enrolment.id)).all()
    return ids.index(enrolment.id) + 1 if enrolment.id in ids else None


def cancel(enrolment: Enrolment) -> Enrolment | None:
    """Cancel a live enrolment. If it held a place, the first on the waitlist takes it and is told
    by SMS. Returns the promoted enrolment, if any. Cancelling twice changes nothing."""
    offering = _lock(enrolment.offering)
    db.session.refresh(enrolment)
    if not enrolment.live:
        return None
    held_seat = enrolment.status in SEATED
    enrolment.status = EnrolmentStatus.CANCELLED
    enrolment.cancelled_at = utcnow()
    db.session.flush()
    if not held_seat:
        return None
    _release_seat(offering)
    promoted = promote(offering)
    if promoted is None and offering.status == OfferingStatus.OPEN:
        push.announce(offering.id, PushReason.FREED)  # a place nobody waited for: tell who asked
    return promoted


def promote(offering: Offering) -> Enrolment | None:
    """Give a free place to the first on the waitlist, if there is a place and someone waiting."""
    query = waitlist(offering).limit(1)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    candidate = db.session.scalar(query)
    if candidate is None or not _take_seat(offering):
        return None
    db.session.refresh(offering)
    candidate.status = EnrolmentStatus.INTENT if offering.awaiting_threshold else EnrolmentStatus.CONFIRMED
    candidate.promoted_at = clock.utcnow()
    db.session.flush()
    _tell(candidate, "promoted")
    return candidate


# Lottery (摇号) ---------------------------------------------------------------------------------


def draw_due(offering: Offering, now: dt.datetime | None = None) -> bool:
    now = now or clock.now()
    return offering.is_lottery and offering.drawn_at is None and as_utc(offering.lottery_closes_at) <= now


def draw_in_worker_if_large(offering: Offering) -> bool:
    """A due draw with more than DRAW_IN_REQUEST_MAX entries is handed to the worker process once
    this transaction commits (its texts are thousands of message rows); True if it was. Smaller
    draws run where they are found. The worker also draws every due lottery each minute."""
    if not draw_due(offering):
        return False
    entries = db.session.scalar(
        select(func.count())
        .select_from(Enrolment)
        .where(Enrolment.offering_id == offering.id, Enrolment.status == EnrolmentStatus.RECEIVED)
    )
    if entries <= current_app.config["DRAW_IN_REQUEST_MAX"]:
        return False
    messages.after_commit_draw(offering.id)
    return True


def run_draw_in_worker(offering_id: int) -> bool:
    """The worker's side: draw (if nobody has yet) in one transaction with all its texts."""
    begin_write()
    drawn = draw_if_due(db.session.get(Offering, offering_id))
    db.session.commit()
    return drawn


def draw_if_due(offering: Offering) -> bool:
    """Run the draw if the window has closed and it has not been drawn. Safe to call from anywhere
    and at the same moment from many requests: exactly one draws."""
    if not draw_due(offering):
        return False
    return draw(offering)


def draw(offering: Offering, seed: str | None = None) -> bool:
    """The recorded, seeded draw: the entries (status received) in id order are shuffled with
    random.Random(seed); the first ones take the free places, the rest are waitlisted in drawn order.
    Returns False if this class was already drawn (by another request)."""
    seed = seed or secrets.token_hex(16)
    now = utcnow()
    claimed = db.session.execute(
        update(Offering)
        .where(Offering.id == offering.id, Offering.drawn_at.is_(None))
        .values(drawn_at=now, draw_seed=seed)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.refresh(offering)
        return False
    entries = list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.offering_id == offering.id, Enrolment.status == EnrolmentStatus.RECEIVED)
            .order_by(Enrolment.id)
        )
    )
    order = draw_order([e.id for e in entries], seed)
    by_id = {e.id: e for e in entries}
    offering = _lock(offering)  # fresh counters, under this transaction's lock
    free = max(offering.capacity - offering.seats_taken, 0)
    for rank, enrolment_id in enumerate(order, start=1):
        enrolment = by_id[enrolment_id]
        enrolment.draw_rank = rank
        enrolment.status = EnrolmentStatus.CONFIRMED if rank <= free else EnrolmentStatus.WAITLISTED
    confirmed = min(free, len(entries))
    counted = db.session.execute(
        update(Offering)
        .where(Offering.id == offering.id, Offering.seats_taken + confirmed <= Offering.capacity)
        .values(draw_entries=len(entries), seats_taken=Offering.seats_taken + confirmed)
        .execution_options(synchronize_session=False)
    )
    if counted.rowcount != 1:  # cannot happen under the lock; never overbook if it somehow does
        raise RuntimeError(f"offering {offering.id}: places changed during the draw")
    db.session.flush()
    db.session.refresh(offering)
    position = {e.id: n for n, e in enumerate(db.session.scalars(waitlist(offering)), start=1)}
    for enrolment in entries:
        _tell(enrolment, "drawn", position.get(enrolment.id))
    return True


def draw_order(entry_ids: list[int], seed: str) -> list[int]:
    """The drawn order of entries given in id order. Anyone can repeat this with Python's random."""
    order = sorted(entry_ids)
    random.Random(seed).shuffle(order)
    return order


def due_draws(now: dt.datetime | None = None) -> list[Offering]:
    now = now or clock.now()
    return list(
        db.session.scalars(
            select(Offering).where(
                Offering.allocation == Allocation.LOTTERY,
                Offering.drawn_at.is_(None),
                Offering.lottery_closes_at <= now,
            )
        )
    )


def drawn_entries(offering: Offering) -> list[Enrolment]:
    """A drawn class's entries in the order drawn (codes only are shown publicly)."""
    return list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.offering_id == offering.id, Enrolment.draw_rank.is_not(None))
            .order_by(Enrolment.draw_rank)
        )
    )


# Group classes (组班) ----------------------------------------------------------------------------


def lottery_entries(offering: Offering) -> int | None:
    """How many wait for a lottery not yet drawn (None for other classes)."""
    if not offering.is_lottery or offering.drawn_at is not None:
        return None
    return (
        db.session.scalar(
            select(func.count(Enrolment.id)).where(
                Enrolment.offering_id == offering.id, Enrolment.status == EnrolmentStatus.RECEIVED
            )
        )
        or 0
    )


def intent_count(offering: Offering) -> int | None:
    """How many hold an intent or a place in a group class (None for other classes)."""
    if not offering.is_group_class:
        return None
    return (
        db.session.scalar(
            select(func.count(Enrolment.id)).where(Enrolment.offering_id == offering.id, Enrolment.status.in_(SEATED))
        )
        or 0
    )


def _open_if_threshold(offering: Offering) -> None:
    """When a group class's intent sign-ups reach its threshold, it opens (once): the intents become
    places, each person and the institution are told."""
    if not offering.awaiting_threshold or offering.seats_taken < (offering.min_to_open or 0):
        return
    now = utcnow()
    opened = db.session.execute(
        update(Offering)
        .where(Offering.id == offering.id, Offering.opened_at.is_(None))
        .values(opened_at=now)
        .execution_options(synchronize_session=False)
    )
    if opened.rowcount != 1:
        return
    intents = list(
        db.session.scalars(
            select(Enrolment).where(Enrolment.offering_id == offering.id, Enrolment.status == EnrolmentStatus.INTENT)
        )
    )
    for enrolment in intents:
        enrolment.status = EnrolmentStatus.CONFIRMED
    db.session.flush()
    db.session.refresh(offering)
    institution = offering.institution
    if institution.phone:
        messages.queue(
            institution.phone,
            "class_can_open",
            MessageKind.STAFF,
            name=offering.title,
            code=offering.code,
            count=offering.seats_taken,
            min=offering.min_to_open,
        )
        offering.institution_notified_at = now
        db.session.flush()
    for enrolment in intents:
        _tell(enrolment, "opened")


_SIGNED_UP = {
    EnrolmentStatus.CONFIRMED: "signup_confirmed",
    EnrolmentStatus.WAITLISTED: "signup_waitlisted",
    EnrolmentStatus.RECEIVED: "signup_received",
    EnrolmentStatus.INTENT: "signup_intent",
}


def _tell(enrolment: Enrolment, event: str, position: int | None = None, link: str = "") -> None:
    """A text message to the resident about their place: a row sent when this transaction commits."""
    offering = enrolment.offering
    params = {"name": offering.title, "code": enrolment.code}
    if event == "signed_up":
        template = _SIGNED_UP[enrolment.status]
        params |= {"link": link, "min": offering.min_to_open}
    elif event == "promoted":  # the receipt has the one-tap "give up my place"
        template, params["link"] = "promoted", _receipt_url(enrolment.ref)
    elif event == "opened":
        template = "opened"
    elif enrolment.status == EnrolmentStatus.CONFIRMED:
        template = "drawn_won"
    else:
        template, params["rank"] = "drawn_waitlisted", position
    # A receipt of a public sign-up echoes a form anyone can fill in with any number: capped harder.
    kind = MessageKind.RECEIPT if event == "signed_up" and enrolment.source != "assisted" else MessageKind.NOTICE
    messages.queue(enrolment.resident.phone, template, kind, resident_id=enrolment.resident_id, **params)


def _receipt_url(ref: str) -> str:
    """The receipt's address for a text sent outside a sign-up request (PUBLIC_URL in the worker)."""
    try:
        return external_url("signup.receipt", ref=ref)
    except RuntimeError:  # no request and no PUBLIC_URL: the text goes without the link
        return ""


def for_resident(resident_id: int) -> list[Enrolment]:
    """A resident's sign-ups, newest first, with the class they are for, its town and sessions (for /me
    and the worker's resident card)."""
    query = (
        select(Enrolment)
        .where(Enrolment.resident_id == resident_id)
        .options(
            selectinload(Enrolment.offering).options(
                selectinload(Offering.programme), selectinload(Offering.town), selectinload(Offering.sessions)
            )
        )
        .order_by(Enrolment.created_at.desc(), Enrolment.id.desc())
    )
    return list(db.session.scalars(query))
