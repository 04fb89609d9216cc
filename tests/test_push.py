"""Push (issue 16): a class that opens, reopens or gets free places reaches the open needs it fits;
only those who agreed to be contacted get a text, at most one a week; the stop link stops them; the
need's page and the 驾驶舱 count who was told and who signed up."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from sqlalchemy import func, select

from app import clock
from app.extensions import db
from app.models import Need, NeedSource, Offering, Push
from app.services import enrolment as enrolment_service
from app.services import needs, push
from app.services.needs import Wish
from app.services.residents import Person
from tests.admin_world import enrol
from tests.factories import TODAY, make_institution, make_offering, make_programme, make_town
from tests.helpers import tokens

NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=clock.TZ)


def report(phone: str, town, source=NeedSource.SELF, target="烘焙", weekdays=(7,)) -> Need:
    person = Person(name="王芳", phone=phone, town_id=town.id, age_band="40-49", education="高中", work="在职")
    wish = Wish(kind="community", target=target, weekdays=weekdays)
    return needs.report(person, wish, submission_id=uuid.uuid4().hex, today=TODAY, source=source)


def texts(app) -> list[tuple[str, str]]:
    return [(phone, text) for phone, text in app.extensions["sms"].outbox if "有您想学的课了" in text]


def answers(programme, town, code="PH-1", weekday="7", capacity="20") -> dict:
    return {
        "programme": str(programme.id),
        "code": code,
        "town": str(town.id),
        "place": "社区学校 301 教室",
        "start_date": "2027-01-03",
        "end_date": "2027-02-28",
        "weekdays": weekday,
        "start_time": "09:00",
        "end_time": "11:00",
        "capacity": capacity,
        "fee": "",
        "signup_deadline": "2027-01-02",
    }


@pytest.fixture
def county(app):
    app.config["CLOCK_NOW"] = NOW
    town = make_town("当湖街道")
    school = make_institution(name="当湖街道社区学校", town=town)
    programme = make_programme(name="烘焙", institution=school)
    people = [
        report("13900000001", town),  # online: ticked "…并由老师联系我"
        report("13900000002", town, source=NeedSource.ASSISTED),  # to a community worker, who asked
        report("13900000003", town, source=NeedSource.SURVEY),  # a survey: no agreement to be texted
    ]
    report("13900000004", town, target="书法")  # wants something else
    report("13900000005", town, weekdays=(1,))  # Mondays only: the class is on Sundays
    db.session.commit()
    return town, school, programme, people


def publish(client, programme, town, **changes) -> Offering:
    page = client.get("/admin/offerings/new").get_data(as_text=True)
    response = client.post("/admin/offerings/new", data={**tokens(page), **answers(programme, town, **changes)})
    assert response.status_code == 303, response.get_data(as_text=True)
    return db.session.scalar(select(Offering).where(Offering.code == changes.get("code", "PH-1")))


def test_a_new_class_texts_exactly_the_two_who_agreed_once(app, client, login_as, county):
    town, school, programme, (online, assisted, survey) = county
    login_as("institution", institution=school)
    offering = publish(client, programme, town)

    sent = texts(app)
    assert sorted(phone for phone, _ in sent) == ["13900000001", "13900000002"]
    phone, text = sent[0]
    assert "有您想学的课了：“烘焙”（当湖街道）" in text
    need_of = {n.resident.phone: n for n in (online, assisted)}
    assert f"/courses/{offering.id}/signup?need={need_of[phone].ref}" in text, "a link to sign up"
    assert f"/needs/{need_of[phone].ref}/stop" in text, "a one-tap stop link"
    db.session.rollback()
    pushes = db.session.scalars(select(Push).order_by(Push.need_id)).all()
    assert [(p.need_id, p.texted) for p in pushes] == [(online.id, True), (assisted.id, True), (survey.id, False)]
    assert {p.reason for p in pushes} == {"published"}

    # The survey's resident sees it on the plan page only.
    page = client.get(f"/needs/{survey.ref}").get_data(as_text=True)
    assert "新开的课：" in page and f'data-pushed="{offering.id}"' in page
    assert f"/courses/{offering.id}/signup?need={survey.ref}" in page

    # Closing and reopening, or more places: nobody is told twice.
    client.post(
        f"/admin/offerings/{offering.id}/status",
        data={**tokens(client.get(f"/admin/offerings/{offering.id}").get_data(as_text=True)), "status": "closed"},
    )
    page = client.get(f"/admin/offerings/{offering.id}").get_data(as_text=True)
    client.post(f"/admin/offerings/{offering.id}/status", data={**tokens(page), "status": "open"})
    assert db.session.get(Offering, offering.id).status == "open"
    assert len(texts(app)) == 2 and db.session.scalar(select(func.count(Push.id))) == 3


def test_one_text_a_week_and_a_freed_seat_within_it_sends_none(app, client, login_as, county):
    town, school, programme, _people = county
    login_as("institution", institution=school)
    publish(client, programme, town, code="PH-1")
    assert len(texts(app)) == 2
    # A second fitting class the same week: on the plan page, no second text.
    other = make_offering(programme=programme, weekday=7, seats=1, start_date=TODAY + dt.timedelta(days=12))
    signed = enrol(other, "13900000009")
    db.session.commit()
    enrolment_service.cancel(signed)  # its only place is free again and nobody waits: pushed
    db.session.commit()
    assert len(texts(app)) == 2, "a text already this week"
    db.session.rollback()
    told = db.session.scalars(select(Push).where(Push.offering_id == other.id)).all()
    assert len(told) == 3 and not any(p.texted for p in told) and {p.reason for p in told} == {"freed"}

    # Eight days later a third class texts them again.
    app.config["CLOCK_NOW"] = NOW + dt.timedelta(days=8)
    login_as("institution", institution=school)  # a staff log-in lasts less than a week
    publish(client, programme, town, code="PH-3")
    assert len(texts(app)) == 4


def test_the_stop_link_stops_further_texts(app, client, login_as, county):
    town, school, programme, (online, _assisted, _survey) = county
    page = client.get(f"/needs/{online.ref}/stop")
    assert page.status_code == 200 and "不再发短信给我" in page.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(Need, online.id).resident.push_stopped_at is None, "opening the link stops nothing"
    form = tokens(page.get_data(as_text=True))
    first = client.post(f"/needs/{online.ref}/stop", data=form)
    again = client.post(f"/needs/{online.ref}/stop", data=form)
    assert first.status_code == again.status_code == 303
    assert "已停止" in client.get(f"/needs/{online.ref}/stop").get_data(as_text=True)

    login_as("institution", institution=school)
    publish(client, programme, town)
    assert [phone for phone, _ in texts(app)] == ["13900000002"]
    db.session.rollback()
    mine = db.session.scalar(select(Push).where(Push.need_id == online.id))
    assert mine is not None and not mine.texted, "still shown on their plan page"


def test_the_dashboard_counts_who_was_told_and_who_signed_up(app, client, login_as, county):
    town, school, programme, _people = county
    login_as("institution", institution=school)
    offering = publish(client, programme, town)
    enrol(db.session.get(Offering, offering.id), "13900000003")  # the survey's resident signs up
    db.session.commit()
    assert push.counts() == push.Counts(told=3, texted=2, signed_up=1)

    client.get("/admin/logout")
    login_as("admin")
    page = client.get("/admin/dashboard").get_data(as_text=True)
    figures = dict(re.findall(r'data-push="(\w+)">([\d,]+)<', page))
    assert figures == {"told": "3", "texted": "2", "signed_up": "1"}
