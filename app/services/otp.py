"""One-time codes by SMS: six digits, ten minutes, single use, five tries; kept in the database
(so any of several servers can check them) and only as a keyed hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from flask import current_app
from sqlalchemy import select, update

from app.extensions import db
from app.models import OneTimeCode
from app.services import residents

LIFETIME = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 5


def _hash(phone: str, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def issue(phone: str, now: dt.datetime) -> str:
    """A new code for this phone; any earlier unused code stops working."""
    db.session.execute(
        update(OneTimeCode).where(OneTimeCode.phone == phone, OneTimeCode.used_at.is_(None)).values(used_at=now)
    )
    code = f"{secrets.randbelow(1_000_000):06d}"
    db.session.add(OneTimeCode(phone=phone, code_hash=_hash(phone, code), created_at=now, expires_at=now + LIFETIME))
    db.session.flush()
    return code


def verify(phone: str, code: str, now: dt.datetime) -> bool:
    """True once for the right code within its lifetime and before too many wrong tries."""
    current = db.session.scalar(
        select(OneTimeCode)
        .where(OneTimeCode.phone == phone, OneTimeCode.used_at.is_(None), OneTimeCode.expires_at > now)
        .order_by(OneTimeCode.id.desc())
        .limit(1)
    )
    if current is None or current.attempts >= MAX_ATTEMPTS:
        return False
    current.attempts += 1
    if not hmac.compare_digest(current.code_hash, _hash(phone, code)):
        db.session.flush()
        return False
    current.used_at = now
    residents.confirm_phone(phone, now)
    db.session.flush()
    return True
