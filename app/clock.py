"""The date and time: `now()`/`utcnow()` and `today()` in the county (Asia/Shanghai).

Tests pin them with config CLOCK_NOW (an aware datetime) or CLOCK_TODAY (a date); CLOCK_NOW pins
both, so a test of "today" and of "has this session ended" agree."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

TZ = ZoneInfo("Asia/Shanghai")


def _pinned(key: str):
    return current_app.config.get(key) if has_app_context() else None


def now() -> dt.datetime:
    """The current time in the county (aware, Asia/Shanghai)."""
    pinned = _pinned("CLOCK_NOW")
    if pinned is not None:
        return pinned.astimezone(TZ)
    return dt.datetime.now(TZ)


def utcnow() -> dt.datetime:
    """The current time in UTC (aware): what timestamps are stored as."""
    return now().astimezone(dt.UTC)


def today() -> dt.date:
    pinned = _pinned("CLOCK_TODAY")
    if pinned is not None and _pinned("CLOCK_NOW") is None:
        return pinned
    return now().date()


def moment() -> dt.datetime:
    """now(), for asking "has it ended today?"; when tests pin only CLOCK_TODAY, the start of that day
    (a pinned date with the real time of day would make such tests depend on when they run)."""
    if _pinned("CLOCK_TODAY") is not None and _pinned("CLOCK_NOW") is None:
        return dt.datetime.combine(today(), dt.time(0, 0), tzinfo=TZ)
    return now()
