"""The bureau asks (issue 16): from an "open a class here" suggestion the bureau asks an institution
to open a class; only that institution sees it, answers it, opens the class; the 驾驶舱 shows the
answer."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ClassRequest, Offering
from app.services import needs
from app.services.needs import Wish
from app.services.residents import Person
from tests.factories import TODAY, make_institution, make_programme, make_town
from tests.helpers import invalid_fields, log_in, make_user, tokens


@pytest.fixture
def county(app):
    waiting = make_town("新埭镇")  # people want 电工 here; no class of theirs is open here
    school = make_institution(name="平湖市职业中专", town=make_town("当湖街道"))
    other = make_institution(name="曹桥街道社区学校", town=make_town("曹桥街道"))
    programme = make_programme(
        name="电工（初级）", kind="skill", institution=school, certificate="电工", cert_level="初级"
    )
    for n, days in enumerate([(6, 7), (6,), (6, 7)]):
        person = Person(name="王芳", phone=f"1390000010{n}", town_id=waiting.id, education="高中", work="在职")
        wish = Wish(kind="skill", target="电工", weekdays=days)
        needs.report(person, wish, submission_id=uuid.uuid4().hex, today=TODAY)
    admin = make_user("admin")
    staff = make_user("institution", institution=school)
    stranger = make_user("institution", institution=other)
    db.session.commit()
    return dict(
        town=waiting, school=school, other=other, programme=programme, admin=admin, staff=staff, stranger=stranger
    )


def ask(client, county) -> ClassRequest:
    log_in(client, county["admin"])
    dashboard = client.get("/admin/dashboard").get_data(as_text=True)
    link = re.search(r'href="(/admin/requests/new\?[^"]+)"', dashboard)
    assert link, "each suggestion has a link to ask an institution"
    page = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    town = county["town"]
    assert re.search(rf'<option selected value="{town.id}">|<option value="{town.id}" selected>', page), "the town"
    assert 'value="电工（初级）"' in page and 'value="3"' in page, "what and how many, from the suggestion"
    assert re.search(r'value="6"[^>]*checked|checked[^>]*value="6"', page), "Saturday suits all three"
    answers = {
        **tokens(page),
        "institution": str(county["school"].id),
        "programme": "电工（初级）",
        "kind": "skill",
        "town": str(town.id),
        "people": "3",
        "weekdays": ["6", "7"],
        "note": "新埭镇三位居民想考电工证",
    }
    first = client.post("/admin/requests/new", data=answers)
    again = client.post("/admin/requests/new", data=answers)
    assert first.status_code == again.status_code == 303
    [asked] = db.session.scalars(select(ClassRequest)).all()
    assert (asked.institution_id, asked.people, asked.weekdays, asked.answer) == (
        county["school"].id,
        3,
        "6,7",
        "pending",
    )
    client.get("/admin/logout")
    return asked


def test_a_request_reaches_the_institution_and_its_answer_reaches_the_dashboard(client, county):
    asked = ask(client, county)
    log_in(client, county["staff"])
    listing = client.get("/admin/requests").get_data(as_text=True)
    assert f'data-request-id="{asked.id}"' in listing and "新埭镇" in listing
    page = client.get(f"/admin/requests/{asked.id}").get_data(as_text=True)
    assert "新埭镇三位居民想考电工证" in page and "约 3 人" in page

    refused = client.post(f"/admin/requests/{asked.id}", data={**tokens(page), "answer": "cannot", "reason": ""})
    assert refused.status_code == 422 and invalid_fields(refused.get_data(as_text=True)) == {"reason"}
    assert "请写一下原因" in refused.get_data(as_text=True)
    done = client.post(
        f"/admin/requests/{asked.id}", data={**tokens(page), "answer": "will_open", "reason": "三月开班"}
    )
    assert done.status_code == 303

    # "Open this class": the class form filled in from the request; the class saved is linked to it.
    form = client.get(f"/admin/offerings/new?request={asked.id}").get_data(as_text=True)
    assert re.search(
        rf'<option selected value="{county["town"].id}">|<option value="{county["town"].id}" selected>', form
    )
    assert re.search(r'name="capacity"[^>]*value="3"|value="3"[^>]*name="capacity"', form)
    saved = client.post(
        f"/admin/offerings/new?request={asked.id}",
        data={
            **tokens(form),
            "programme": str(county["programme"].id),
            "code": "XD-DG-01",
            "town": str(county["town"].id),
            "place": "新埭镇成人学校",
            "start_date": "2027-03-06",
            "end_date": "2027-05-29",
            "weekdays": "6",
            "start_time": "09:00",
            "end_time": "11:30",
            "capacity": "20",
            "signup_deadline": "2027-03-01",
        },
    )
    assert saved.status_code == 303
    db.session.rollback()
    offering = db.session.scalar(select(Offering).where(Offering.code == "XD-DG-01"))
    assert db.session.get(ClassRequest, asked.id).offering_id == offering.id
    client.get("/admin/logout")

    log_in(client, county["admin"])
    dashboard = client.get("/admin/dashboard").get_data(as_text=True)
    row = re.search(rf'<tr data-request-id="{asked.id}">.*?</tr>', dashboard, re.S).group(0)
    assert 'data-answer="will_open"' in row and "三月开班" in row and "XD-DG-01" in row and "平湖市职业中专" in row


def test_an_institution_sees_only_the_requests_sent_to_it(client, county):
    asked = ask(client, county)
    log_in(client, county["stranger"])
    assert f'data-request-id="{asked.id}"' not in client.get("/admin/requests").get_data(as_text=True)
    assert client.get(f"/admin/requests/{asked.id}").status_code == 404
    page = client.get("/admin/requests").get_data(as_text=True)
    answer = client.post(f"/admin/requests/{asked.id}", data={**tokens(page), "answer": "cannot", "reason": "x"})
    assert answer.status_code == 404
    assert client.get(f"/admin/offerings/new?request={asked.id}").status_code == 404
    assert client.get("/admin/requests/new").status_code in (302, 403), "only the bureau asks"
    db.session.rollback()
    assert db.session.get(ClassRequest, asked.id).answer == "pending"
