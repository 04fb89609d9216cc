"""Turning a weekly pattern into dated sessions, never more than a year of them."""

from __future__ import annotations

import datetime as dt

MAX_WEEKS = 52  # a class spans at most a year; a longer course is several classes
MAX_SESSIONS = MAX_WEEKS + 1  # weekly, both ends included (per weekday a class meets on)


class TooManySessions(ValueError):
    """A pattern that would make more than MAX_SESSIONS meetings (the forms and the importer say so
    field by field first; this guards every other caller, so no request builds sessions without end)."""


def weekly_dates(start: dt.date, end: dt.date, weekday: int) -> list[dt.date]:
    """Every date from `start` to `end` (inclusive) that falls on ISO `weekday`."""
    if (end - start).days > MAX_WEEKS * 7:
        raise TooManySessions(f"{start} to {end} is more than {MAX_WEEKS} weeks")
    first = start + dt.timedelta(days=(weekday - start.isoweekday()) % 7)
    count = max((end - first).days // 7 + 1, 0)
    return [first + dt.timedelta(weeks=i) for i in range(count)]


def dates_on(start: dt.date, end: dt.date, weekdays) -> list[dt.date]:
    """Every date from `start` to `end` (inclusive) that falls on one of the ISO `weekdays`, in
    order: a class meeting on Tuesday and Thursday has both each week."""
    return sorted({day for weekday in set(weekdays) for day in weekly_dates(start, end, weekday)})
