"""Call-back requests: "请工作人员给我打电话"."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import CallbackRequest, Offering, User
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
        .where(CallbackRequest.town_id == town_id, CallbackRequest.handled_at.is_(None))
        .order_by(CallbackRequest.created_at)
    )
    return list(db.session.scalars(query))


def mark_handled(callback: CallbackRequest, worker: User, now: dt.datetime) -> None:
    if callback.handled_at is None:
        callback.handled_at, callback.handled_by_id = now, worker.id
        staff.audit(worker, "callback.handled", "callback_request", callback.id)
