"""A class's sessions as an iCalendar file (RFC 5545), in Asia/Shanghai, built with `icalendar`."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from icalendar import Alarm, Calendar, Event
from sqlalchemy import func, select

from app.clock import TZ, utcnow
from app.extensions import db
from app.models import AuditEntry, Offering, SessionStatus
from app.services.classes import PATTERN

REMINDER_BEFORE = dt.timedelta(hours=1)  # the phone's own reminder; the day-before SMS is apart


def schedule_changes(offering: Offering) -> int:
    """How many times the class's times changed: its weekly pattern (an edit or a re-import) and
    each session moved or cancelled, counted from the audit log (every such change is audited).
    A calendar event's SEQUENCE: it only ever grows, so a phone takes the newer copy of an event."""
    updates = db.session.scalars(
        select(AuditEntry.details).where(
            AuditEntry.target_type == "offering",
            AuditEntry.target_id == offering.id,
            AuditEntry.action == "offering.update",
        )
    )
    repatterned = sum(1 for details in updates if set((details or {}).get("after") or {}) & set(PATTERN))
    moved = db.session.scalar(
        select(func.count(AuditEntry.id)).where(
            AuditEntry.target_type == "session",
            AuditEntry.action.in_(("session.move", "session.cancel")),
            AuditEntry.details["offering_id"].as_integer() == offering.id,
        )
    )
    return repatterned + (moved or 0)


def offering_calendar(offering: Offering, now: dt.datetime | None = None) -> bytes:
    """One VEVENT per session, each with a reminder an hour before; a cancelled session stays in
    the file as STATUS:CANCELLED (without a reminder)."""
    stamp = (now or utcnow()).replace(microsecond=0)
    changes = schedule_changes(offering)
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
        event.add("status", "CANCELLED" if session.cancelled else "CONFIRMED")
        event.add("sequence", max(changes, 0 if session.status == SessionStatus.SCHEDULED else 1))
        if not session.cancelled:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("trigger", -REMINDER_BEFORE)
            alarm.add(
                "description",
                _("%(name)s 一小时后上课：%(place)s", name=offering.programme.name, place=session.where),
            )
            event.add_component(alarm)
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
