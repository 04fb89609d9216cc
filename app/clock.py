"""The date and time in the county (Asia/Shanghai). Tests pin the date with config CLOCK_TODAY."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

TZ = ZoneInfo("Asia/Shanghai")


def now() -> dt.datetime:
    return dt.datetime.now(TZ)


def today() -> dt.date:
    if has_app_context() and current_app.config.get("CLOCK_TODAY"):
        return current_app.config["CLOCK_TODAY"]
    return now().date()
