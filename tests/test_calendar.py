"""The class's .ics file: a reminder on every session held, and SEQUENCE that grows with each change."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar

from app.extensions import db
from tests.admin_world import enrol
from tests.factories import make_institution, make_offering, make_programme, make_town
from tests.helpers import tokens


@pytest.fixture
def school(app):
    institution = make_institution(name="当湖街道社区学校", town=make_town("当湖街道"))
    db.session.commit()
    return institution


def events(client, offering) -> list:
    return Calendar.from_ical(client.get(f"/courses/{offering.id}.ics").data).walk("VEVENT")


def test_every_session_held_has_a_reminder_an_hour_before(client, school):
    offering = make_offering(programme=make_programme(name="烘焙", institution=school), weeks=2)
    offering.sessions[0].status = "cancelled"
    db.session.commit()
    found = events(client, offering)
    alarms = [e.walk("VALARM") for e in found]
    assert alarms[0] == [], "a cancelled session rings nobody"
    for alarm in alarms[1:]:
        assert len(alarm) == 1
        assert str(alarm[0]["ACTION"]) == "DISPLAY"
        assert alarm[0].decoded("TRIGGER") == -dt.timedelta(hours=1)
        assert "烘焙" in str(alarm[0]["DESCRIPTION"])


def test_sequence_grows_when_the_class_is_repatterned_or_a_session_moves(client, login_as, school):
    login_as("institution", institution=school)
    offering = make_offering(programme=make_programme(name="烘焙", institution=school), weekday=3, weeks=3)
    enrol(offering, "13800000001")
    db.session.commit()
    assert {int(e["SEQUENCE"]) for e in events(client, offering)} == {0}

    page = client.get(f"/admin/offerings/{offering.id}/edit").get_data(as_text=True)
    answers = {
        "programme": str(offering.programme_id),
        "code": offering.code,
        "town": str(school.town.id),
        "place": offering.place,
        "start_date": "2026-12-10",
        "end_date": offering.end_date.isoformat(),
        "weekdays": "4",  # Wednesday → Thursday
        "start_time": "09:00",
        "end_time": "10:30",
        "capacity": "20",
        "signup_deadline": "2026-12-09",
    }
    assert client.post(f"/admin/offerings/{offering.id}/edit", data={**tokens(page), **answers}).status_code == 303
    after = events(client, offering)
    assert all(e.decoded("DTSTART").isoweekday() == 4 for e in after)
    assert {int(e["SEQUENCE"]) for e in after} == {1}, "every event moved: each says it is newer"

    db.session.expire_all()
    session = offering.sessions[1]
    page = client.get(f"/admin/sessions/{session.id}/change").get_data(as_text=True)
    moved = {**tokens(page), "action": "move", "date": "2026-12-19", "start_time": "14:00", "end_time": "15:30"}
    assert client.post(f"/admin/sessions/{session.id}/change", data={**moved, "note": "教室维修"}).status_code == 303
    again = {str(e["UID"]): int(e["SEQUENCE"]) for e in events(client, offering)}
    assert again[f"offering-{offering.id}-session-2@xuehou"] == 2
    assert min(again.values()) >= 1, "no event's SEQUENCE ever goes down"
