"""Small builders with defaults; each adds and flushes, the test commits when it needs to."""

from __future__ import annotations

import datetime as dt
import itertools

from app.extensions import db
from app.models import Institution, Offering, Programme, Session, Town
from app.services import catalogue
from app.services.schedule import weekly_dates

_serial = itertools.count(1)
TODAY = dt.date(2026, 12, 1)  # a Tuesday


def make_town(name: str | None = None) -> Town:
    town = Town(name=name or f"测试镇{next(_serial)}")
    db.session.add(town)
    db.session.flush()
    return town


def make_institution(
    name: str | None = None, town: Town | None = None, type: str = "community_school", phone: str = "0573-85000000"
) -> Institution:
    institution = Institution(
        name=name or f"测试学校{next(_serial)}", type=type, town=town or make_town(), address="测试路 1 号", phone=phone
    )
    db.session.add(institution)
    db.session.flush()
    return institution


def make_programme(
    name: str = "烘焙", kind: str = "community", institution: Institution | None = None, **fields
) -> Programme:
    programme = Programme(name=name, kind=kind, institution=institution or make_institution(), **fields)
    db.session.add(programme)
    db.session.flush()
    return programme


def make_offering(
    name: str = "烘焙",
    kind: str = "community",
    seats: int = 20,
    taken: int = 0,
    town: Town | None = None,
    weekday: int = 3,
    start: str = "09:00",
    end: str = "10:30",
    start_date: dt.date = TODAY + dt.timedelta(days=8),
    weeks: int = 4,
    deadline: dt.date | None = None,
    fee: int = 0,
    senior: bool = False,
    status: str = "open",
    programme: Programme | None = None,
    today: dt.date = TODAY,
) -> Offering:
    programme = programme or make_programme(name=name, kind=kind)
    institution = programme.institution
    end_date = start_date + dt.timedelta(weeks=weeks)
    offering = Offering(
        code=f"T-{next(_serial)}",
        programme=programme,
        institution=institution,
        town=town or institution.town,
        kind=programme.kind,
        place="社区活动室",
        start_date=start_date,
        end_date=end_date,
        weekday=weekday,
        start_time=dt.time.fromisoformat(start),
        end_time=dt.time.fromisoformat(end),
        capacity=seats,
        seats_taken=taken,
        fee=fee,
        signup_deadline=deadline or start_date,
        status=status,
        senior_friendly=senior,
    )
    for seq, day in enumerate(weekly_dates(start_date, end_date, weekday), start=1):
        offering.sessions.append(Session(seq=seq, date=day, start_time=offering.start_time, end_time=offering.end_time))
    db.session.add(offering)
    db.session.flush()
    catalogue.refresh_search_key(offering)
    db.session.flush()
    return offering
