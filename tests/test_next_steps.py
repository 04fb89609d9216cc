"""No dead ends (issue 11, point 7, in part): a class that takes no sign-ups points to the next
intake of the same programme; the name and phone of a need report are offered on the sign-up that
follows, without the phone ever being put in an address or a page."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from app.extensions import db
from app.models import Enrolment, Need
from tests.factories import TODAY, make_institution, make_offering, make_programme, make_town
from tests.helpers import tokens
from tests.test_needs import answers


def test_a_past_deadline_class_points_to_the_next_intake_of_the_same_programme(client, app):
    """Before: a past-deadline class's page and sign-up said only '去找别的课程'."""
    school = make_institution("钟埭街道社区学校", town=make_town("钟埭街道"))
    programme = make_programme("烘焙", institution=school)
    elsewhere = make_offering(name="烘焙", start_date=TODAY + dt.timedelta(days=3))  # same name, other school
    past = make_offering(
        programme=programme, start_date=TODAY - dt.timedelta(weeks=2), deadline=TODAY - dt.timedelta(days=1)
    )
    later = make_offering(programme=programme, start_date=TODAY + dt.timedelta(weeks=3))
    db.session.commit()
    for path in (f"/courses/{past.id}", f"/courses/{past.id}/signup", f"/elder/courses/{past.id}"):
        html = client.get(path).get_data(as_text=True)
        assert f'data-next-intake="{later.id}"' in html, path
        assert f'data-next-intake="{elsewhere.id}"' not in html, "the same programme first"
    assert "下一期：2026年12月22日星期二 开课" in client.get(f"/courses/{past.id}").get_data(as_text=True)
    elder = client.get(f"/elder/courses/{past.id}").get_data(as_text=True)
    assert f'href="/elder/courses/{later.id}"' in elder


def test_a_closed_class_with_no_next_intake_offers_the_need_form(client, app):
    offering = make_offering(name="葫芦丝", status="closed")
    db.session.commit()
    html = client.get(f"/courses/{offering.id}").get_data(as_text=True)
    assert "data-next-intake" not in html and 'href="/needs/new"' in html


def test_a_plans_sign_up_offers_the_need_reports_name_and_phone_without_showing_the_phone(client, app):
    town = make_town("当湖街道")
    offering = make_offering(
        programme=make_programme("电工（初级）", kind="skill", institution=make_institution(town=town)), weekday=2
    )
    db.session.commit()
    form = client.get("/needs/new").get_data(as_text=True)
    response = client.post("/needs/new", data={**tokens(form), **answers(target="电工", times=None)})
    assert response.status_code == 303
    plan = client.get(response.headers["Location"]).get_data(as_text=True)
    ref = db.session.scalar(select(Need.ref))
    links = re.findall(r'href="(/courses/\d+/signup[^"]*)"', plan)
    assert links == [f"/courses/{offering.id}/signup?need={ref}"]
    assert all("13812345678" not in link for link in re.findall(r'href="([^"]*)"', plan))
    page = client.get(links[0].replace("&amp;", "&")).get_data(as_text=True)
    assert 'value="王芳"' in page and "138****5678" in page and "13812345678" not in page
    assert f'name="need" type="hidden" value="{ref}"' in page or f'value="{ref}"' in page
    assert f'<option selected value="{town.id}">' in page or f'value="{town.id}" selected' in page  # the town offered
    data = {**tokens(page), "need": ref, "name": "王芳", "phone": "", "town": str(town.id), "consent": "y"}
    refused = client.post(f"/courses/{offering.id}/signup", data={**data, "consent": ""})
    assert refused.status_code == 422 and "13812345678" not in refused.get_data(as_text=True)
    page = refused.get_data(as_text=True)
    done = client.post(f"/courses/{offering.id}/signup", data={**data, **tokens(page)})
    assert done.status_code == 303
    enrolment = db.session.scalar(select(Enrolment))
    assert enrolment.resident.phone == "13812345678" and enrolment.offering_id == offering.id


def test_a_wrong_need_ref_offers_nothing(client, app):
    offering = make_offering()
    db.session.commit()
    page = client.get(f"/courses/{offering.id}/signup?need=guessed").get_data(as_text=True)
    assert "登记学习需求时的手机号" not in page
    data = {**tokens(page), "need": "guessed", "name": "王芳", "phone": "", "consent": "y"}
    response = client.post(f"/courses/{offering.id}/signup", data=data)
    assert response.status_code == 422 and "请输入手机号码" in response.get_data(as_text=True)
