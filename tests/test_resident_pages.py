"""What happens next is on the page (issue 19, residents): a receipt says how to pay and how to
claim, a cancelled one offers to sign up again, /me says when and where, the catalogue keeps the
search, its filters read as prompts, the home page puts the three ways in first, the timetable
jumps to a day, and WeChat's own browser is told how to add the calendar."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Enrolment
from tests.admin_world import enrol, make_policy
from tests.factories import TODAY, make_institution, make_offering, make_programme, make_town
from tests.helpers import tokens
from tests.test_me import ask_for_code, enter_code, sent_code

WECHAT = "Mozilla/5.0 (Linux; Android 12) AppleWebKit/537.36 Chrome/107.0 Mobile MicroMessenger/8.0.47.2560"


@pytest.fixture
def degree(app):
    school = make_institution("平湖市职业中等专业学校", town=make_town("当湖街道"), phone="0573-85022345")
    programme = make_programme(
        "机电一体化技术（专科）", kind="degree", institution=school, degree_level="专科", tuition=7200
    )
    make_policy(
        code="XL-ZK-HJ",
        name="大专学历提升学费补助（户籍）",
        kind="degree",
        level="专科",
        residence="户籍",
        basis="tuition_percent",
        value=30,
        cap=3000,
        claim_months=12,
    )
    offering = make_offering(programme=programme, fee=7200, weekday=7, start="13:30", end="17:00", seats=1)
    db.session.commit()
    return offering


def receipt(client, enrolment: Enrolment, **headers) -> str:
    return client.get(f"/signups/{enrolment.ref}", headers=headers).get_data(as_text=True)


def test_a_degree_receipt_says_how_and_when_to_pay_and_how_to_claim(client, degree):
    """Before: a ¥7,200 receipt said nothing about paying or claiming the subsidy."""
    signed = enrol(degree, "13800000001")  # 户籍, on the resident's record
    db.session.commit()
    html = receipt(client, signed)
    section = html[html.index("data-pay-claim") :]
    assert "怎么交费" in section and "¥7,200" in section
    assert "直接交给开课机构 平湖市职业中等专业学校" in section
    assert "第一次上课（2026年12月13日星期日）前问清楚" in section and "0573-85022345" in section
    assert "学完怎么领补贴" in section and "由开课机构登记结业" in section
    assert 'data-policy="XL-ZK-HJ"' in section and "¥2,160" in section  # 30% of 7,200, the rule's amount
    assert "完成后 12 个月内申领" in section, "the claim window is the rule's own"


def test_a_waitlisted_degree_receipt_says_not_to_pay_yet(client, degree):
    enrol(degree, "13800000001")
    waiting = enrol(degree, "13800000002", name="李强")
    db.session.commit()
    html = receipt(client, waiting)
    assert waiting.status == "waitlisted" and "现在不用交费" in html and "前问清楚" not in html


def test_a_free_community_receipt_has_no_payment_section(client, app):
    offering = make_offering(name="烘焙")
    db.session.commit()
    assert "data-pay-claim" not in receipt(client, enrol(offering, "13800000001"))


def test_a_cancelled_receipt_hides_the_qr_code_and_offers_to_sign_up_again(client, degree):
    signed = enrol(degree, "13800000001")
    db.session.commit()
    before = receipt(client, signed)
    assert 'class="qr"' in before and ">重新报名</a>" not in before
    page = client.get(f"/signups/{signed.ref}/cancel").get_data(as_text=True)
    assert client.post(f"/signups/{signed.ref}/cancel", data=tokens(page)).status_code == 303
    after = receipt(client, signed)
    assert "报名已取消" in after and 'class="qr"' not in after and "扫码打开这张回执" not in after
    again = re.search(r'<a class="button" href="([^"]+)" data-signup-again>重新报名</a>', after)
    assert again and again.group(1) == f"/courses/{degree.id}/signup"
    form = client.get(again.group(1)).get_data(as_text=True)
    answers = {"name": "王芳", "phone": "13800000001", "town": str(degree.town_id), "consent": "y"}
    response = client.post(again.group(1), data={**tokens(form), **answers})
    assert response.status_code == 303
    live = db.session.scalars(select(Enrolment).where(Enrolment.status == "confirmed")).all()
    assert [e.resident.phone for e in live] == ["13800000001"]


def test_a_cancelled_receipt_of_a_class_now_closed_points_to_its_page(client, degree):
    signed = enrol(degree, "13800000001")
    db.session.commit()
    client.post(f"/signups/{signed.ref}/cancel", data=tokens(client.get(f"/signups/{signed.ref}/cancel").text))
    degree.status = "closed"
    db.session.commit()
    html = receipt(client, signed)
    assert ">重新报名</a>" not in html and f'href="/courses/{degree.id}" data-signup-again' in html


def test_me_lists_each_sign_up_with_its_date_time_and_place(app, client, degree):
    """Before: /me listed the class's name and status only."""
    enrol(degree, "13812345678")
    db.session.commit()
    page = ask_for_code(client)
    enter_code(client, page.get_data(as_text=True), sent_code(app))
    html = client.get("/me").get_data(as_text=True)
    assert "每星期日 13:30–17:00" in html
    assert "下次上课：2026年12月13日星期日 13:30–17:00" in html
    assert "地点：社区活动室（当湖街道）" in html


def test_the_back_link_of_a_class_keeps_the_search(client, degree):
    """Before: "← 返回课程列表" went to /courses?kind=… and dropped the search."""
    listing = client.get("/courses?q=机电&town=当湖街道&weekday=7").get_data(as_text=True)
    link = re.search(r'<h2 class="card-title"><a href="([^"]+)">', listing).group(1).replace("&amp;", "&")
    assert link.startswith(f"/courses/{degree.id}?") and "q=%E6%9C%BA%E7%94%B5" in link and "weekday=7" in link
    detail = client.get(link).get_data(as_text=True)
    back = re.search(r'<p class="back"><a href="([^"]+)">', detail).group(1).replace("&amp;", "&")
    assert back.startswith("/courses?q=%E6%9C%BA%E7%94%B5") and "weekday=7" in back and "town=" in back
    assert client.get(back).status_code == 200
    plain = client.get(f"/courses/{degree.id}").get_data(as_text=True)
    assert '<p class="back"><a href="/courses?kind=degree">' in plain, "with no search: the class's kind"


def test_a_catalogue_card_is_one_link_covering_the_card(client, degree):
    html = client.get("/courses").get_data(as_text=True)
    card = html[html.index('class="card card-link"') :]
    card = card[: card.index("</li>")]
    assert card.count("<a ") == 1, "one link per card: its name"


def test_filter_defaults_read_as_prompts(client, degree):
    html = client.get("/courses").get_data(as_text=True)
    for prompt in ("类别：不限", "镇/街道：不限", "星期：不限", "适合人群：不限"):
        assert f'<option selected value="">{prompt}</option>' in html or f'value="">{prompt}<' in html, prompt
    assert ">每天<" not in html
    english = client.get("/courses", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Day: any" in english


def test_the_home_page_puts_the_three_ways_in_first_and_names_the_elder_version_once(client, degree):
    html = client.get("/").get_data(as_text=True)
    main = html[html.index("<main") :]
    assert html.count("长辈版") == 1, "the menu's link only"
    assert main.index('class="way way-degree"') < main.index('id="home-q"') < main.index("/needs/new")


def test_the_timetable_jumps_to_a_day_marks_today_and_closed_classes(client, app):
    open_ = make_offering(name="烘焙", weekday=2)
    shut = make_offering(name="书法", weekday=2, status="closed")
    late = make_offering(
        name="太极", weekday=4, start_date=TODAY - dt.timedelta(days=6), deadline=TODAY - dt.timedelta(days=1)
    )
    db.session.commit()
    html = client.get("/schedule").get_data(as_text=True)
    nav = html[html.index('class="day-nav"') : html.index("</nav>", html.index('class="day-nav"'))]
    assert [int(d) for d in re.findall(r'href="#day-(\d)"', nav)] == [1, 2, 3, 4, 5, 6, 7]
    assert re.search(r'href="#day-2" aria-current="date"[^>]*>周二<span class="today-mark">今天</span>', nav)
    assert nav.count("aria-current") == 1, "1 December 2026 is a Tuesday"
    assert 'class="day day-today"' in html and 'id="day-2"' in html
    assert f'data-offering-id="{shut.id}" class="slot-closed" data-closed="closed"' in html
    assert f'data-offering-id="{late.id}" class="slot-closed" data-closed="past_deadline"' in html
    assert f'data-offering-id="{open_.id}">' in html
    english = client.get("/schedule", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '>Tue<span class="today-mark">Today</span>' in english


def test_wechat_is_told_to_open_the_page_in_the_phones_browser_for_the_calendar(client, degree):
    signed = enrol(degree, "13800000001")
    db.session.commit()
    for path in (f"/courses/{degree.id}", f"/signups/{signed.ref}"):
        plain = client.get(path).get_data(as_text=True)
        wechat = client.get(path, headers={"User-Agent": WECHAT}).get_data(as_text=True)
        assert f'href="/courses/{degree.id}.ics"' in plain and "data-wechat-hint" not in plain
        assert "data-wechat-hint" in wechat and "在浏览器打开" in wechat, path
    english = client.get(f"/courses/{degree.id}", headers={"User-Agent": WECHAT, "Accept-Language": "en"})
    assert "Open in browser" in english.get_data(as_text=True)
    assert "User-Agent" in client.get(f"/courses/{degree.id}").headers.get("Vary", "")


def test_a_class_meeting_twice_a_week_is_on_the_timetable_on_both_days(client):
    """A Tue + Thu class (issue 19's class form) is listed, and counted, under Tuesday and Thursday."""
    twice = make_offering(name="烘焙", weekday=2)
    twice.weekdays = "2,4"
    db.session.commit()
    html = client.get("/schedule").get_data(as_text=True)

    def day(n):
        start = html.index(f'id="day-{n}"')
        return html[start : html.index("</section>", start)]

    assert f'data-offering-id="{twice.id}"' in day(2) and f'data-offering-id="{twice.id}"' in day(4)
    assert f'data-offering-id="{twice.id}"' not in day(3)
    assert "1 门课" in day(4)
