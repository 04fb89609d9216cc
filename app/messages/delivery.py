"""Delivering one message, exactly once, and the sweep that finds what is still to send.

Each step is a short transaction of its own (a session of its own, never the request's):

1. claim: UPDATE … SET state='sending', claim_token=T WHERE id=… AND state='queued' AND due. Only
   one worker wins a row; a second task for the same id (the sweep and the commit's hand-over both
   enqueue it) finds nothing to claim.
2. the rules: quiet hours (not for one-time codes) put it back for the morning; the daily caps per
   phone fail it with reason "daily_cap".
3. the gateway call, outside any transaction.
4. record: sent (with the gateway's reference), or queued again with a backoff, or failed.

A worker killed between 1 and 4 leaves the row "sending". The sweep finds claims older than
SMS_CLAIM_LEASE and asks the gateway whether the text went (Alibaba: QuerySendDetails by OutId,
which is our message id): yes → sent, no → queued again, can't tell → failed "interrupted", for
staff to see. So a kill mid-batch neither loses a text nor sends one twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session as OrmSession

from app import clock, sms
from app.extensions import db
from app.messages import after_quiet_hours
from app.messages.templates import render
from app.models import AuditEntry, Resident
from app.models.message import Message, MessageKind, MessageState
from app.models.resident import mask_phone

log = logging.getLogger("xuehou.messages")


def _session() -> OrmSession:
    """A session of the delivery's own. On SQLite each of its transactions takes the write lock first
    (BEGIN IMMEDIATE): they are short, and a read that then writes could not upgrade while another
    worker thread writes. Never open while the gateway is called."""
    return OrmSession(db.engine.execution_options(sqlite_immediate=True), expire_on_commit=False)


def outgoing(message: Message) -> sms.Outgoing:
    return sms.Outgoing(
        id=message.id,
        phone=message.phone,
        template=message.template,
        params=dict(message.params),
        text=render(message.template, message.params),
    )


def deliver(message_id: int) -> str:
    """Try to send one message now; returns what happened (for logs and tests): "sent", "retry",
    "failed", "deferred" (quiet hours or not yet due) or "skipped" (not queued: someone else has it)."""
    now = clock.utcnow()
    with _session() as s:
        message = s.get(Message, message_id)  # the read and the claim: one short transaction
        if message is None or message.state != MessageState.QUEUED:
            return "skipped"
        if message.kind != MessageKind.CODE and after_quiet_hours(now) != now:
            message.next_attempt_at = after_quiet_hours(now)
            s.commit()
            return "deferred"
        token = secrets.token_hex(16)
        claimed = s.execute(
            update(Message)
            .where(Message.id == message_id, Message.state == MessageState.QUEUED, Message.next_attempt_at <= now)
            .values(state=MessageState.SENDING, claim_token=token, claimed_at=now, attempts=Message.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            s.commit()
            return "deferred"  # not due yet (a retry's wait), or another worker's
        s.commit()
        s.refresh(message)

        confirmed = message.kind != MessageKind.RECEIPT or (
            s.scalar(select(Resident.phone_confirmed_at).where(Resident.phone == message.phone)) is not None
        )
        if not sms.within_caps(message.phone, message.kind, confirmed):
            log.warning("SMS to %s held back: daily cap for %s texts", mask_phone(message.phone), message.kind)
            _finish(s, message, token, MessageState.FAILED, reason="daily_cap")
            return "failed"
        out = outgoing(message)
        s.commit()  # no transaction is open while the gateway is called

        try:
            ref = sms.sender().send(out)
        except Exception as error:  # any failure of the gateway is recorded on the row
            return _failed(s, message, token, error)
        _finish(s, message, token, MessageState.SENT, gateway_ref=ref)
        return "sent"


def _failed(s: OrmSession, message: Message, token: str, error: Exception) -> str:
    code = error.code if isinstance(error, sms.GatewayError) else type(error).__name__
    permanent = isinstance(error, sms.GatewayError) and error.permanent
    backoff = current_app.config["SMS_RETRY_BACKOFF"]
    if permanent or message.attempts >= len(backoff) + 1:
        _finish(s, message, token, MessageState.FAILED, reason=code[:200])
        return "failed"
    delay = backoff[message.attempts - 1]
    s.execute(
        update(Message)
        .where(Message.id == message.id, Message.claim_token == token)
        .values(
            state=MessageState.QUEUED,
            claim_token=None,
            reason=code[:200],
            next_attempt_at=clock.utcnow() + dt.timedelta(seconds=delay),
        )
    )
    s.commit()
    log.warning("SMS %s to %s failed (%s); trying again in %s s", message.id, mask_phone(message.phone), code, delay)
    from app.messages import tasks

    tasks.retry_later(message.id, delay)
    return "retry"


def _finish(s: OrmSession, message: Message, token: str, state: str, reason: str | None = None, gateway_ref=None):
    values = {"state": state, "reason": reason}
    if state == MessageState.SENT:
        values |= {"sent_at": clock.utcnow(), "gateway_ref": gateway_ref}
    done = s.execute(
        update(Message).where(Message.id == message.id, Message.claim_token == token).values(**values)
    ).rowcount
    if done:
        s.add(_audit(message, state, reason))
    s.commit()


def _audit(message: Message, state: str, reason: str | None) -> AuditEntry:
    """The audit trail of a text: which template, what became of it; never the number or the words
    (a one-time code is in the words)."""
    details = {"template": message.template, "kind": message.kind, "attempts": message.attempts}
    if reason:
        details["reason"] = reason
    return AuditEntry(
        actor_id=None,
        action=f"message.{state}",
        target_type="message",
        target_id=message.id,
        resident_id=message.resident_id,
        details=details,
    )


def reconcile_stale_claims() -> int:
    """Rows left "sending" by a worker that died: ask the gateway, then settle them. Returns how many."""
    lease = dt.timedelta(seconds=current_app.config["SMS_CLAIM_LEASE"])
    settled = 0
    with _session() as s:
        stale = list(
            s.scalars(
                select(Message).where(
                    Message.state == MessageState.SENDING, Message.claimed_at < clock.utcnow() - lease
                )
            )
        )
        s.commit()
        for message in stale:
            went = sms.sender().was_sent(outgoing(message))
            if went is True:
                _finish(s, message, message.claim_token, MessageState.SENT)
            elif went is False:
                s.execute(
                    update(Message)
                    .where(Message.id == message.id, Message.claim_token == message.claim_token)
                    .values(state=MessageState.QUEUED, claim_token=None, next_attempt_at=clock.utcnow())
                )
                s.commit()
            else:
                _finish(s, message, message.claim_token, MessageState.FAILED, reason="interrupted")
            settled += 1
    return settled


def due_ids(limit: int = 1000) -> list[int]:
    """Queued messages whose time has come, one-time codes first, then oldest first."""
    with _session() as s:
        return list(
            s.scalars(
                select(Message.id)
                .where(Message.state == MessageState.QUEUED, Message.next_attempt_at <= clock.utcnow())
                .order_by(Message.priority, Message.id)
                .limit(limit)
            )
        )
