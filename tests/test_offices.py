"""Issue 19 (institutions, English, 长辈版): a class meeting on several weekdays with a lottery or a
minimum to open, set on the class form; the class list's status words; names in English; money
with ¥; the 长辈版's way back to the list it came from."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from app.clock import TZ
from app.extensions import db
from app.models import Offering, Session
from app.services.schedule import dates_on
from tests.factories import TODAY, make_institution, make_offering, make_programme, make_town
from tests.helpers import invalid_fields, tokens
from tests.test_admin import offering_answers


@pytest.fixture
def school(app):
    town = make_town("当湖街道")
    institution = make_institution(name="当湖街道社区学校", town=town)
    db.session.commit()
    return institution


def test_dates_on_two_weekdays_are_every_tuesday_and_thursday_in_order():
    days = dates_on(dt.date(2027, 3, 1), dt.date(2027, 3, 14), [4, 2])
    assert days == [dt.date(2027, 3, 2), dt.date(2027, 3, 4), dt.date(2027, 3, 9), dt.date(2027, 3, 11)]


def test_a_class_twice_a_week_with_a_lottery_and_a_minimum_by_form(client, login_as, school):
    login_as("institution", institution=school)
    programme = make_programme(name="书法", institution=school)
    db.session.commit()
    page = client.get("/admin/offerings/new").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="start_date"[^>]*type="date"', page), page[page.find("start_date") - 300 :][:600]
    assert len(re.findall(r'<input[^>]*name="weekdays"[^>]*type="checkbox"', page)) == 7
    answers = offering_answers(
        programme,
        school.town,
        start_date="2027-03-01",
        end_date="2027-03-31",
        signup_deadline="2027-02-27",
        weekdays=None,
        allocation="lottery",
        lottery_closes="2027-02-25",
        min_to_open="12",
    )
    data = {**tokens(page), **answers, "weekdays": ["2", "4"]}
    response = client.post("/admin/offerings/new", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    offering = db.session.scalar(select(Offering))
    query = select(Session.date).where(Session.offering_id == offering.id).order_by(Session.seq)
    days = db.session.scalars(query).all()
    assert {day.isoweekday() for day in days} == {2, 4} and len(days) == 9
    assert days == sorted(days) and days[:2] == [dt.date(2027, 3, 2), dt.date(2027, 3, 4)]
    assert offering.days == [2, 4] and offering.is_lottery and offering.min_to_open == 12
    closes = offering.lottery_closes_at
    closes = (closes if closes.tzinfo else closes.replace(tzinfo=dt.UTC)).astimezone(TZ)
    assert (closes.date(), closes.hour) == (dt.date(2027, 2, 25), 20)
    detail = client.get(f"/admin/offerings/{offering.id}").get_data(as_text=True)
    assert "每星期二、星期四" in detail and "摇号" in detail and "满 12 人开班" in detail
    edit = client.get(f"/admin/offerings/{offering.id}/edit").get_data(as_text=True)
    assert edit.count("checked") >= 2 and 'value="2027-02-25"' in edit
    # The public catalogue finds it on a Thursday as well as on a Tuesday.
    for weekday in ("2", "4"):
        listing = client.get("/courses", query_string={"weekday": weekday}).get_data(as_text=True)
        assert f"/courses/{offering.id}" in listing
    wednesday = client.get("/courses", query_string={"weekday": "3"}).get_data(as_text=True)
    assert f'/courses/{offering.id}"' not in wednesday
    client.get("/lang/en")
    english = client.get(f"/courses/{offering.id}").get_data(as_text=True)
    assert "Every Tuesday and Thursday" in english


def test_a_lottery_needs_its_day_before_the_start_and_a_minimum_within_the_places(client, login_as, school):
    login_as("institution", institution=school)
    programme = make_programme(name="书法", institution=school)
    db.session.commit()
    page = client.get("/admin/offerings/new").get_data(as_text=True)
    answers = offering_answers(programme, school.town, allocation="lottery", min_to_open="99", capacity="30")
    response = client.post("/admin/offerings/new", data={**tokens(page), **answers})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and {"lottery_closes", "min_to_open"} <= invalid_fields(html)
    assert "摇号的班请填摇号日期" in html and "开班人数不能多于名额 30" in html
    assert re.search(r'<input[^>]*checked[^>]*value="lottery"|<input[^>]*value="lottery"[^>]*checked', html)
    assert db.session.scalar(select(Offering.id)) is None


def test_the_class_list_says_full_or_past_deadline_instead_of_open(client, login_as, school):
    login_as("institution", institution=school)
    mine = make_programme(name="书法", institution=school)
    open_ = make_offering(programme=mine, seats=10, taken=3)
    full = make_offering(programme=mine, seats=10, taken=10)
    late = make_offering(programme=mine, start_date=TODAY - dt.timedelta(days=7), deadline=TODAY - dt.timedelta(days=1))
    closed = make_offering(programme=mine, status="closed")
    db.session.commit()
    html = client.get("/admin/offerings").get_data(as_text=True)

    def status(offering):
        row = html.split(f'data-offering-id="{offering.id}"')[1].split("</tr>")[0]
        return row.split('data-status="')[1].split('"')[0], row

    assert status(open_)[0] == "open" and "报名中" in status(open_)[1]
    assert status(full)[0] == "full" and "已满" in status(full)[1] and "报名中" not in status(full)[1]
    assert status(late)[0] == "past_deadline" and "报名截止" in status(late)[1]
    assert status(closed)[0] == "closed"
    assert 'class="status"' in status(full)[1], "a status cell never wraps one character a line"
    page = client.get(f"/admin/offerings/{full.id}").get_data(as_text=True)
    assert '<dd data-status="open">已满</dd>' in page, "the class page says it the same way"


@pytest.fixture
def named(app):
    """A calligraphy class whose town, institution and programme have English names."""
    town = make_town("当湖街道")
    town.name_en = "Danghu Subdistrict"
    institution = make_institution(name="当湖街道社区学校", town=town)
    institution.name_en = "Danghu Community School"
    programme = make_programme(name="书法", institution=institution, name_en="Calligraphy")
    offering = make_offering(programme=programme, fee=7200, senior=True)
    db.session.commit()
    return offering


def test_english_pages_show_the_english_names_and_chinese_pages_the_chinese(client, named):
    zh = client.get("/courses").get_data(as_text=True)
    assert "书法" in zh and "当湖街道社区学校" in zh and "Calligraphy" not in zh
    client.get("/lang/en")
    for url in ("/courses", f"/courses/{named.id}", "/elder/", f"/elder/courses/{named.id}", "/schedule"):
        html = client.get(url).get_data(as_text=True)
        body = html.split("<main", 1)[1]
        assert "Calligraphy" in body or "Danghu Subdistrict" in body, url
        assert "当湖街道" not in body and "书法" not in body, url
    catalogue = client.get("/courses").get_data(as_text=True)
    assert f'<option value="{named.town_id}">Danghu Subdistrict</option>' in catalogue, "the town list too"
    detail = client.get(f"/courses/{named.id}").get_data(as_text=True)
    assert "Danghu Community School" in detail and "(Danghu Subdistrict)" in detail and "（" not in detail
    assert "¥7,200" in detail and "CN¥" not in detail


def test_a_name_without_english_falls_back_to_the_chinese(client, app):
    offering = make_offering(name="葫芦丝")
    db.session.commit()
    client.get("/lang/en")
    assert "葫芦丝" in client.get(f"/courses/{offering.id}").get_data(as_text=True)


def test_the_bureau_gives_a_town_its_english_name(client, login_as, named):
    login_as("admin")
    page = client.get(f"/admin/towns/{named.town_id}/edit")
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True)
    assert 'name="name_en"' in html and 'value="Danghu Subdistrict"' in html
    answers = {**tokens(html), "name": "当湖街道", "name_en": "Danghu Street", "sort_order": "0"}
    assert client.post(f"/admin/towns/{named.town_id}/edit", data=answers).status_code == 303
    client.get("/lang/en")
    assert "Danghu Street" in client.get("/elder/").get_data(as_text=True)


def test_money_is_yuan_sign_in_both_languages(app):
    from app.i18n import money

    for language in ("zh-CN", "en"):
        with app.test_request_context(headers={"Accept-Language": language}):
            assert money(7200) == "¥7,200"


def test_the_english_colon_before_a_phone_number_has_its_space(client, named):
    client.get("/lang/en")
    html = client.get(f"/courses/{named.id}").get_data(as_text=True)
    assert 'by phone: <a href="tel:' in html and "by phone:<" not in html


def test_the_elder_class_page_goes_back_to_the_list_it_came_from(client, named):
    town_list = client.get("/elder/courses", query_string={"town": named.town_id}).get_data(as_text=True)
    link = re.search(rf'href="(/elder/courses/{named.id}[^"]*)"', town_list).group(1).replace("&amp;", "&")
    assert f"town={named.town_id}" in link
    page = client.get(link).get_data(as_text=True)
    back = re.search(r'<a class="back" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert back == f"/elder/courses?town={named.town_id}"
    today_list = client.get("/elder/courses", query_string={"day": "today"}).get_data(as_text=True)
    for match in re.findall(r'href="(/elder/courses/\d+[^"]*)"', today_list):
        assert "day=today" in match
    plain = client.get(f"/elder/courses/{named.id}").get_data(as_text=True)
    assert re.search(r'<a class="back" href="([^"]+)"', plain).group(1) == "/elder/courses?day=week"


def test_elder_hints_say_zhangbei(client, named):
    html = client.get(f"/elder/courses/{named.id}/signup").get_data(as_text=True)
    assert "帮长辈报名" in html and "老人" not in html


def test_the_receipt_names_the_institution_and_town_in_english_too(client, named):
    from tests.admin_world import enrol

    signup = enrol(named, "13800000009")
    db.session.commit()
    client.get("/lang/en")
    body = client.get(f"/signups/{signup.ref}").get_data(as_text=True).split("<main", 1)[1]
    assert "Danghu Community School" in body and "Danghu Subdistrict" in body
    assert "当湖街道" not in body
