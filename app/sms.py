"""Text messages through a pluggable sender (config SMS_SENDER = "module:Class").

Development prints to the log; a county plugs in its SMS gateway's client by naming a class with
the same `send(phone, text)` method. Message texts are written by the callers, in the resident's
language; no personal data beyond the recipient's number goes to the log.
"""

from __future__ import annotations

import importlib
import logging
import re
from typing import Protocol

from flask import Flask, current_app

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


def send(phone: str, text: str) -> None:
    sender().send(phone, text)
