"""The SMS gateway, pluggable (config SMS_SENDER = "module:Class"), and the daily caps per phone.

Nothing here is called from a request: texts are rows (app.messages) delivered by the worker
process, which calls `sender().send(outgoing)` for one claimed row at a time. Development prints to
the log; tests keep texts in memory; a county uses `app.messages.alibaba:AlibabaSender`. No personal
data beyond the masked number goes to the log.

Every text to a resident counts against daily caps per phone, kept with the rate-limit counters
(Redis when several servers run), so nobody can make the county send a number an endless stream
of official texts.
"""

from __future__ import annotations

import importlib
import logging
import re
from dataclasses import dataclass, field
from typing import Protocol

from flask import Flask, current_app
from limits import parse

from app.extensions import limiter
from app.models.resident import mask_phone

log = logging.getLogger("xuehou.sms")


@dataclass(frozen=True)
class Outgoing:
    """One text as the gateway gets it: the registered template and its parameters, and the Chinese
    wording for senders that send plain text. `id` is our message id (the gateway's OutId)."""

    id: int
    phone: str
    template: str
    params: dict = field(default_factory=dict)
    text: str = ""


class GatewayError(Exception):
    """The gateway refused or failed. `permanent`: retrying cannot help (a bad number, an unknown
    template); otherwise the message is tried again later."""

    def __init__(self, code: str, permanent: bool = False):
        super().__init__(code)
        self.code = code
        self.permanent = permanent


class Sender(Protocol):
    def send(self, message: Outgoing) -> str | None:
        """Send one text; return the gateway's reference for it. Raise GatewayError if it failed."""

    def was_sent(self, message: Outgoing) -> bool | None:
        """After a worker died between calling the gateway and recording it: did this text go?
        None if the gateway can't say."""


class LogSender:
    """Writes messages to the log, the number masked. Outside development the links and codes in a
    message are left out too: whoever holds a receipt link can cancel the sign-up."""

    def __init__(self, app: Flask):
        self.show_all = app.debug or app.config.get("SHOW_DEV_CODES", False)

    def send(self, message: Outgoing) -> str | None:
        shown = message.text if self.show_all else re.sub(r"https?://\S+|\d{4,}", "…", message.text)
        log.warning("SMS to %s: %s", mask_phone(message.phone), shown)
        return None

    def was_sent(self, message: Outgoing) -> bool | None:
        return False  # a log line twice is harmless: send again


class MemorySender:
    """Keeps what was sent, newest last, as (phone, text) (tests, and a dry run of a county's setup)."""

    def __init__(self, app: Flask):
        self.outbox: list[tuple[str, str]] = []
        self.ids: list[int] = []

    def send(self, message: Outgoing) -> str | None:
        self.outbox.append((message.phone, message.text))
        self.ids.append(message.id)
        return f"mem-{message.id}"

    def was_sent(self, message: Outgoing) -> bool | None:
        return message.id in self.ids


def init_app(app: Flask) -> None:
    module, _, name = app.config["SMS_SENDER"].partition(":")
    app.extensions["sms"] = getattr(importlib.import_module(module), name)(app)


def sender() -> Sender:
    return current_app.extensions["sms"]


def within_caps(phone: str, kind: str, confirmed: bool) -> bool:
    """Count a text to `phone` against its daily caps; False (and not counted) if a cap is reached.
    One-time codes have their own count, so requesting codes can't use up someone's notices; a
    number that never confirmed a code (`confirmed`) gets few receipts of public sign-ups; texts to
    an institution's office are not capped."""
    if kind == "staff":
        return True
    from app.limits import phone_token

    config = current_app.config
    key = phone_token(phone)
    buckets = [("sms-code", config["SMS_DAILY_CODES"])] if kind == "code" else [("sms", config["SMS_DAILY_CAP"])]
    if kind == "receipt" and not confirmed:
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
