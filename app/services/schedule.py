"""Turning a weekly pattern into dated sessions."""

from __future__ import annotations

import datetime as dt


def weekly_dates(start: dt.date, end: dt.date, weekday: int) -> list[dt.date]:
    """Every date from `start` to `end` (inclusive) that falls on ISO `weekday`."""
    first = start + dt.timedelta(days=(weekday - start.isoweekday()) % 7)
    count = max((end - first).days // 7 + 1, 0)
    return [first + dt.timedelta(weeks=i) for i in range(count)]
