"""Text messages through a pluggable sender (config SMS_SENDER = "module:Class").

Development prints to the log; a county plugs in its SMS gateway's client by naming a class with
the same `send(phone, text)` method. Message texts are written by the callers, in the resident's
language; no personal data beyond the recipient's number goes to the log.

Every text to a resident counts against daily caps per phone, kept with the rate-limit counters
(Redis when several servers run), so nobody can make the county send a number an endless stream
of official texts: `send` says which kind of text it is, and returns whether it went.
"""

from __future__ import annotations

import importlib
import logging
import re
from typing import Protocol

from flask import Flask, current_app
from limits import parse

from app.extensions import limiter
from app.models.resident import mask_phone

log = logging.getLogger("xuehou.sms")


class Sender(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class LogSender:
    """Writes messages to the log, the number masked. Outside development the links and codes in a
    message are left out too: whoever holds a receipt link can cancel the sign-up."""

    def __init__(self, app: Flask):
        self.show_all = app.debug or app.config.get("SHOW_DEV_CODES", False)

    def send(self, phone: str, text: str) -> None:
        shown = text if self.show_all else re.sub(r"https?://\S+|\d{4,}", "…", text)
        log.warning("SMS to %s: %s", mask_phone(phone), shown)


class MemorySender:
    """Keeps what was sent, newest last (tests, and a dry run of a county's setup)."""

    def __init__(self, app: Flask):
        self.outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.outbox.append((phone, text))


def init_app(app: Flask) -> None:
    module, _, name = app.config["SMS_SENDER"].partition(":")
    app.extensions["sms"] = getattr(importlib.import_module(module), name)(app)


def sender() -> Sender:
    return current_app.extensions["sms"]


# What a text is, for the caps: a one-time code; the receipt of a public sign-up (the echo of a form
# anyone can fill in with any number); a notice about the person's own place (moved up, drawn,
# opened, a session moved or cancelled); a message to an institution's office (not capped).
KINDS = ("code", "receipt", "notice", "staff")


def send(phone: str, text: str, kind: str = "notice") -> bool:
    """Send unless a daily cap for this phone is reached; True if the text went. A text held back is
    logged (number masked); what it said is on the receipt page, which always works."""
    assert kind in KINDS, kind
    if kind != "staff" and not _within_caps(phone, kind):
        log.warning("SMS to %s held back: daily cap for %s texts", mask_phone(phone), kind)
        return False
    sender().send(phone, text)
    return True


def _within_caps(phone: str, kind: str) -> bool:
    from app.limits import phone_token
    from app.services.residents import phone_confirmed

    config = current_app.config
    key = phone_token(phone)
    buckets = [("sms-code", config["SMS_DAILY_CODES"])] if kind == "code" else [("sms", config["SMS_DAILY_CAP"])]
    if kind == "receipt" and not phone_confirmed(phone):
        buckets.append(("sms-unconfirmed", config["SMS_UNCONFIRMED_RECEIPTS"]))
    try:
        strategy = limiter.limiter
        items = [(parse(limit), bucket) for bucket, limit in buckets]
        if not all(strategy.test(item, bucket, key) for item, bucket in items):
            return False
        for item, bucket in items:
            strategy.hit(item, bucket, key)
    except Exception:  # the counters' store is down: a text about someone's place still goes
        log.exception("SMS caps unavailable; sending to %s uncounted", mask_phone(phone))
    return True
