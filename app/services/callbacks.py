"""Call-back requests: "请工作人员给我打电话"."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import CallbackRequest, Enrolment, Offering, Resident, User
from app.models.enrolment import LIVE
from app.services import staff


def request_callback(
    name: str, phone: str, town_id: int, offering: Offering | None, submission_id: str
) -> CallbackRequest:
    """Record the request once; a replay of the same submission returns the first."""
    existing = db.session.scalar(select(CallbackRequest).where(CallbackRequest.submission_id == submission_id))
    if existing is not None:
        return existing
    callback = CallbackRequest(
        submission_id=submission_id,
        name=name,
        phone=phone,
        town_id=town_id,
        offering_id=offering.id if offering else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(callback)
    except IntegrityError:
        return db.session.scalar(select(CallbackRequest).where(CallbackRequest.submission_id == submission_id))
    return callback


def waiting(town_id: int | None) -> list[CallbackRequest]:
    query = (
        select(CallbackRequest)
        .options(selectinload(CallbackRequest.offering).selectinload(Offering.programme))
        .where(CallbackRequest.town_id == town_id, CallbackRequest.handled_at.is_(None))
        .order_by(CallbackRequest.created_at)
    )
    return list(db.session.scalars(query))


def mark_handled(callback: CallbackRequest, worker: User, now: dt.datetime) -> None:
    if callback.handled_at is None:
        callback.handled_at, callback.handled_by_id = now, worker.id
        staff.audit(worker, "callback.handled", "callback_request", callback.id)


def standing(requests: list[CallbackRequest]) -> dict[int, Enrolment]:
    """For each call-back about a class: the caller's live sign-up for that class, if any (by the
    phone number they gave), so the worker knows she is already in its lottery or on its waitlist."""
    about = [c for c in requests if c.offering_id is not None]
    if not about:
        return {}
    rows = db.session.execute(
        select(Resident.phone, Enrolment)
        .join(Enrolment, Enrolment.resident_id == Resident.id)
        .where(
            Resident.phone.in_({c.phone for c in about}),
            Enrolment.offering_id.in_({c.offering_id for c in about}),
            Enrolment.status.in_(LIVE),
        )
    ).all()
    found = {(phone, enrolment.offering_id): enrolment for phone, enrolment in rows}
    return {c.id: found[(c.phone, c.offering_id)] for c in about if (c.phone, c.offering_id) in found}
