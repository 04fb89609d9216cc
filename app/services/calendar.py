"""A class's sessions as an iCalendar file (RFC 5545), in Asia/Shanghai, built with `icalendar`."""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar, Event

from app.clock import TZ, utcnow
from app.models import Offering, SessionStatus


def offering_calendar(offering: Offering, now: dt.datetime | None = None) -> bytes:
    """One VEVENT per session; a cancelled session stays in the file as STATUS:CANCELLED."""
    stamp = (now or utcnow()).replace(microsecond=0)
    cal = Calendar()
    cal.add("prodid", "-//Xuehou//学后//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", offering.programme.name)
    cal.add("x-wr-timezone", "Asia/Shanghai")
    for session in offering.sessions:
        event = Event()
        event.add("uid", f"offering-{offering.id}-session-{session.seq}@xuehou")
        event.add("dtstamp", stamp)
        event.add("dtstart", dt.datetime.combine(session.date, session.start_time, TZ))
        event.add("dtend", dt.datetime.combine(session.date, session.end_time, TZ))
        event.add("summary", offering.programme.name)
        event.add("location", session.where)
        event.add("description", f"{offering.institution.name}（{offering.town.name}）")
        event.add("status", "CANCELLED" if session.status == SessionStatus.CANCELLED else "CONFIRMED")
        event.add("sequence", 1 if session.status != SessionStatus.SCHEDULED else 0)
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
