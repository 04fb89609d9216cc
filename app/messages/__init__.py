"""Messages (issue 15): every text a row written in the same transaction as its cause.

`queue(...)` adds the row and flushes, like any service; it sends nothing. When the transaction
commits, the ids it queued are handed to the worker process (`app.messages.tasks`, on Huey); when it
rolls back, the rows are gone and so is the hand-over. The hand-over is only a nudge: the worker's
periodic sweep sends any row still queued, so a commit whose enqueue was lost is never a lost text.

- templates.py  the texts, one per registered gateway template
- delivery.py   claim a row, apply the rules (quiet hours, daily caps), call the gateway, record
- tasks.py      the Huey instance, the task that delivers one message, the sweep, reminders, draws
- alibaba.py    the Alibaba Cloud SMS adapter (official SDK)
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession

from app import clock
from app.extensions import db
from app.messages.templates import TEXTS
from app.models.message import TRANSACTIONAL, Message, MessageKind

log = logging.getLogger("xuehou.messages")

DRAWS = "xuehou_draws"  # session.info key: lottery draws to hand to the worker
PUSHES = "xuehou_pushes"  # session.info key: classes to push to the needs they fit (app.services.push)
JOB_PUSHES = "xuehou_job_pushes"  # jobs to tell the residents they fit (app.services.job_push)
PENDING = "xuehou_messages"  # session.info key: (id, queue priority) queued in the current transaction


def queue(
    phone: str,
    template: str,
    kind: MessageKind | str = MessageKind.NOTICE,
    /,
    *,
    resident_id: int | None = None,
    **params,
) -> Message | None:
    """A text to `phone`, sent once this transaction commits. Keyword parameters are the template's
    (the first three are positional only, so a template may have a parameter called `phone`).

    A text that is not about the person's own sign-ups (not TRANSACTIONAL) is not queued — None —
    for a resident who withdrew consent to be contacted (PIPL; app.services.privacy.may_contact)."""
    assert template in TEXTS, template
    kind = MessageKind(kind)
    if kind not in TRANSACTIONAL and not _may_contact(phone, resident_id):
        return None
    message = Message(
        kind=kind,
        template=template,
        params={k: "" if v is None else str(v) for k, v in params.items()},
        phone=phone,
        resident_id=resident_id,
        priority=0 if kind == MessageKind.CODE else 5,
        next_attempt_at=first_attempt(kind, clock.utcnow()),
    )
    db.session.add(message)
    db.session.flush()
    db.session.info.setdefault(PENDING, []).append((message.id, 10 if kind == MessageKind.CODE else 5))
    return message


def _may_contact(phone: str, resident_id: int | None) -> bool:
    from app.models.resident import Resident
    from app.services.privacy import may_contact

    if resident_id is not None:
        resident = db.session.get(Resident, resident_id)
    else:
        resident = db.session.scalar(db.select(Resident).where(Resident.phone == phone))
    return may_contact(resident)


def first_attempt(kind: str, when: dt.datetime) -> dt.datetime:
    """Now, or for anything but a one-time code during quiet hours, the morning."""
    if kind == MessageKind.CODE:
        return when
    return after_quiet_hours(when)


def after_quiet_hours(when: dt.datetime) -> dt.datetime:
    hours = current_app.config.get("SMS_QUIET_HOURS")
    if not hours:
        return when
    start, end = hours
    local = when.astimezone(clock.TZ)
    if local.hour >= start or local.hour < end:
        morning = local.replace(hour=end, minute=0, second=0, microsecond=0)
        if local.hour >= start:
            morning += dt.timedelta(days=1)
        return morning.astimezone(dt.UTC)
    return when


def after_commit_draw(offering_id: int) -> None:
    """Hand a lottery draw to the worker once this transaction commits."""
    db.session.info.setdefault(DRAWS, []).append(offering_id)


def _after_commit(session: OrmSession) -> None:
    # after_commit also fires when a SAVEPOINT is released, with the outer transaction (and its
    # write lock) still open: the pushes wait for the real commit.
    if session.info.get(PUSHES) and session.get_nested_transaction() is None:
        from app.services import push

        push.hand_over(session)  # classes to tell the needs they fit (issue 16)
    if session.info.get(JOB_PUSHES) and session.get_nested_transaction() is None:
        from app.services import job_push

        job_push.hand_over(session)  # jobs to tell the residents they fit (issue 17)
    draws = session.info.pop(DRAWS, None)
    ids = session.info.pop(PENDING, None)
    if not ids and not draws:
        return
    from app.messages import tasks

    for offering_id in draws or ():
        try:
            tasks.draw_task(offering_id)
        except Exception:  # the queue is down: the worker's periodic draw finds it
            log.exception("could not enqueue the draw of offering %s", offering_id)
    ids = ids or []

    for message_id, priority in ids:
        try:
            tasks.deliver(message_id, priority)
        except Exception:  # the queue is down: the sweep sends the row
            log.exception("could not enqueue message %s; the sweep will send it", message_id)


def _after_rollback(session: OrmSession) -> None:
    session.info.pop(PENDING, None)
    session.info.pop(PUSHES, None)
    session.info.pop(JOB_PUSHES, None)
    session.info.pop(DRAWS, None)


_listening = False


def init_app(app: Flask) -> None:
    global _listening
    from app.messages import tasks

    tasks.configure(app)
    if not _listening:
        event.listen(OrmSession, "after_commit", _after_commit)
        event.listen(OrmSession, "after_rollback", _after_rollback)
        _listening = True
