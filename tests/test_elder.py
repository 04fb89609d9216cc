"""长辈版: a separate, simple view over the same data; no JavaScript; call-back requests reach workers."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, CallbackRequest, Enrolment, Offering
from tests.factories import TODAY, make_institution, make_offering, make_programme, make_town
from tests.helpers import tokens


@pytest.fixture
def county(app):
    danghu, zhapu = make_town("当湖街道"), make_town("乍浦镇")
    school = make_institution("当湖街道社区学校", town=danghu, phone="0573-85088901")
    classes = {
        "calligraphy": make_offering(
            programme=make_programme("书法", institution=school),
            weekday=3,
            start="09:00",
            senior=True,
            taken=15,
            start_date=TODAY,  # meets tomorrow, Wednesday: this week
        ),
        "taiji": make_offering(
            programme=make_programme("太极拳", institution=school),
            weekday=TODAY.isoweekday(),
            senior=True,
            town=zhapu,
            start_date=TODAY,  # meets today
        ),
        "baking_not_senior": make_offering(programme=make_programme("烘焙", institution=school), senior=False),
        "electric": make_offering(name="电工", kind="skill", senior=True),
    }
    db.session.commit()
    return {"danghu": danghu, "zhapu": zhapu, **classes}


def ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'data-offering-id="(\d+)"', html)]


def test_home_offers_big_choices_and_no_javascript(client, county):
    html = client.get("/elder/").get_data(as_text=True)
    for words in [
        "今天有什么课",
        "这个星期",
        "我住在",
        "烘焙",
        "书法",
        "太极",
        "唱歌跳舞",
        "智能手机",
        "健康",
        "当湖街道",
    ]:
        assert words in html
    assert "<script" not in html and "返回标准版" in html


def test_this_weeks_community_classes_said_plainly(client, county):
    html = client.get("/elder/courses?day=week").get_data(as_text=True)
    assert sorted(ids(html)) == sorted([county["calligraphy"].id, county["taiji"].id])
    card = html[html.index(f'data-offering-id="{county["calligraphy"].id}"') :]
    assert re.search(
        r"星期三 上午 9:00\s*</span>\s*<span class=\"what\">书法</span>\s*"
        r"<span class=\"where\">当湖街道 当湖街道社区学校",
        card,
    )
    assert "还剩 5 个名额" in card


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("day=today", ["taiji"]),
        ("topic=书法", ["calligraphy"]),
        ("topic=太极", ["taiji"]),
        # Changed with issue 11: a Wednesday class open to everyone is listed too, after the senior-friendly one.
        ("day=3", ["calligraphy", "baking_not_senior"]),
    ],
)
def test_filters(client, county, query, expected):
    assert ids(client.get(f"/elder/courses?{query}").get_data(as_text=True)) == [county[n].id for n in expected]


def test_town_choice(client, county):
    html = client.get(f"/elder/courses?town={county['zhapu'].id}").get_data(as_text=True)
    assert ids(html) == [county["taiji"].id] and "乍浦镇的课" in html


def test_class_page_has_the_big_buttons(client, county):
    offering = county["calligraphy"]
    html = client.get(f"/elder/courses/{offering.id}").get_data(as_text=True)
    assert 'href="tel:0573-85088901"' in html and "打电话问问" in html and "请工作人员给我打电话" in html
    assert "每星期三 上午 9:00" in html and 'data-seats-left="5"' in html and "<script" not in html


def test_call_back_request_reaches_the_workers_of_that_town(client, app, county, login_as):
    offering = county["calligraphy"]
    form = client.get(f"/elder/courses/{offering.id}/callback").get_data(as_text=True)
    bad = client.post(f"/elder/courses/{offering.id}/callback", data={**tokens(form), "name": "李", "phone": "123"})
    assert bad.status_code == 422 and "请输入11位手机号码" in bad.get_data(as_text=True)
    assert 'value="李"' in bad.get_data(as_text=True)
    data = {**tokens(form), "name": "李阿姨", "phone": "139 1234 5678"}
    first = client.post(f"/elder/courses/{offering.id}/callback", data=data)
    again = client.post(f"/elder/courses/{offering.id}/callback", data=data)
    assert first.status_code == again.status_code == 303
    assert "已经记下了" in client.get(first.headers["Location"]).get_data(as_text=True)
    callback = db.session.scalar(select(CallbackRequest))
    assert db.session.query(CallbackRequest).count() == 1
    assert (callback.town_id, callback.phone, callback.offering_id) == (county["danghu"].id, "13912345678", offering.id)
    worker = login_as("worker", town=county["danghu"])
    page = client.get("/worker/").get_data(as_text=True)
    assert "李阿姨" in page and "13912345678" in page and "想报名：书法" in page
    done = client.post(f"/worker/callbacks/{callback.id}/done", data=tokens(page))
    assert done.status_code == 303 and "李阿姨" not in client.get("/worker/").get_data(as_text=True)
    assert db.session.scalar(select(AuditEntry.actor_id)) == worker.id


def test_workers_of_another_town_do_not_see_it(client, county, login_as):
    offering = county["calligraphy"]
    form = client.get(f"/elder/courses/{offering.id}/callback").get_data(as_text=True)
    client.post(
        f"/elder/courses/{offering.id}/callback", data={**tokens(form), "name": "李阿姨", "phone": "13912345678"}
    )
    login_as("worker", town=county["zhapu"])
    assert "李阿姨" not in client.get("/worker/").get_data(as_text=True)
    callback = db.session.scalar(select(CallbackRequest))
    page = client.get("/worker/").get_data(as_text=True)
    assert client.post(f"/worker/callbacks/{callback.id}/done", data=tokens(page)).status_code == 404


def test_the_choice_of_view_is_remembered_and_reversible(client, county):
    assert client.get("/").status_code == 200
    assert 'href="/view/elder"' in client.get("/courses").get_data(as_text=True), "a switch on every standard page"
    client.get("/view/elder")
    assert client.get("/").headers["Location"] == "/elder/"
    client.get("/view/standard")
    assert client.get("/").status_code == 200


def test_big_text_step_is_remembered(client, county):
    assert '<body class="elder">' in client.get("/elder/").get_data(as_text=True)
    response = client.get("/elder/text-size/big?next=/elder/courses")
    assert response.headers["Location"] == "/elder/courses"
    assert '<body class="elder big">' in client.get("/elder/").get_data(as_text=True)
    assert client.get("/elder/text-size/big?next=https://evil.example").headers["Location"] == "/elder/"


def test_every_elder_page_has_a_way_back_and_english_works(client, county):
    offering = county["calligraphy"]
    for path in ["/elder/courses?day=week", f"/elder/courses/{offering.id}", f"/elder/courses/{offering.id}/callback"]:
        assert "← " in client.get(path).get_data(as_text=True), path
    client.get("/lang/en")
    html = client.get(f"/elder/courses/{offering.id}").get_data(as_text=True)
    assert "Every Wednesday 9:00 AM" in html and "Ask staff to call me" in html


def test_sign_up_from_the_elder_view_with_name_and_phone_then_cancel(client, app, county):
    from app.models import Enrolment

    offering = county["calligraphy"]
    assert f'href="/elder/courses/{offering.id}/signup"' in client.get(f"/elder/courses/{offering.id}").get_data(
        as_text=True
    )
    form = client.get(f"/elder/courses/{offering.id}/signup").get_data(as_text=True)
    assert "同意并报名" in form and f'<option selected value="{county["danghu"].id}">' in form
    bad = client.post(
        f"/elder/courses/{offering.id}/signup",
        data={**tokens(form), "name": "李阿姨", "phone": "1", "town": str(county["danghu"].id)},
    )
    assert bad.status_code == 422 and "请输入11位手机号码" in bad.get_data(as_text=True)
    response = client.post(
        f"/elder/courses/{offering.id}/signup",
        data={**tokens(form), "name": "李阿姨", "phone": "13912345678", "town": str(county["danghu"].id)},
    )
    assert response.status_code == 303 and response.headers["Location"].startswith("/elder/signups/")
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-status="confirmed"' in receipt and "报上了" in receipt and "带上身份证" in receipt
    assert "<script" not in receipt
    enrolment = db.session.scalar(select(Enrolment))
    assert (enrolment.source, enrolment.consent_method) == ("self", "online")
    cancel_page = client.get(f"/elder/signups/{enrolment.ref}/cancel").get_data(as_text=True)
    done = client.post(f"/elder/signups/{enrolment.ref}/cancel", data=tokens(cancel_page))
    assert done.status_code == 303
    assert 'data-status="cancelled"' in client.get(done.headers["Location"]).get_data(as_text=True)


def test_family_member_signs_a_senior_up(client, app, county):
    from app.models import Enrolment

    offering = county["calligraphy"]
    form = client.get(f"/elder/courses/{offering.id}/signup").get_data(as_text=True)
    client.post(
        f"/elder/courses/{offering.id}/signup",
        data={
            **tokens(form),
            "name": "李阿姨",
            "phone": "13912345678",
            "town": str(county["danghu"].id),
            "family": "y",
        },
    )
    enrolment = db.session.scalar(select(Enrolment))
    assert (enrolment.source, enrolment.consent_method) == ("family", "家属代办")
    assert app.extensions["sms"].outbox[-1][0] == "13912345678", "the receipt goes to the senior's own phone"


# The same sign-up step as the public pages: due lotteries drawn on sight, refusals answered 422 --------


def elder_sign_up(client, offering, phone: str = "13912345678"):
    form = client.get(f"/elder/courses/{offering.id}/signup").get_data(as_text=True)
    data = {**tokens(form), "name": "李阿姨", "phone": phone, "town": str(offering.town_id)}
    response = client.post(f"/elder/courses/{offering.id}/signup", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"]


def lottery_class(county, seats: int):
    offering = county["calligraphy"]
    offering.capacity, offering.seats_taken = seats, 0
    offering.allocation = "lottery"
    offering.lottery_closes_at = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    db.session.commit()
    return offering


def close_window(offering) -> None:
    db.session.rollback()  # end the test's own read snapshot; see what the requests committed
    offering = db.session.get(Offering, offering.id)
    offering.lottery_closes_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    db.session.commit()


def statuses(offering) -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(select(Enrolment.status).where(Enrolment.offering_id == offering.id)))


def test_a_closed_lottery_is_drawn_when_its_elder_class_page_is_first_seen(client, app, county):
    offering = lottery_class(county, seats=1)
    for phone in ("13900000001", "13900000002"):
        elder_sign_up(client, offering, phone)
    assert client.get(f"/elder/courses/{offering.id}").status_code == 200
    assert statuses(offering) == ["received", "received"], "the window is still open: no draw"
    close_window(offering)
    assert client.get(f"/elder/courses/{offering.id}").status_code == 200
    assert sorted(statuses(offering)) == ["confirmed", "waitlisted"]
    drawn = db.session.get(Offering, offering.id)
    assert drawn.drawn_at is not None and drawn.draw_entries == 2 and drawn.seats_taken == 1
    assert sum("摇号结果" in text for _phone, text in app.extensions["sms"].outbox) == 2, "each entry is told"


def test_a_closed_lottery_is_drawn_when_an_elder_receipt_is_first_seen(client, app, county):
    offering = lottery_class(county, seats=2)
    receipt = elder_sign_up(client, offering)
    html = client.get(receipt).get_data(as_text=True)
    assert 'data-status="received"' in html and "摇号后会发短信告诉您结果" in html
    close_window(offering)
    html = client.get(receipt).get_data(as_text=True)
    assert 'data-status="confirmed"' in html and "报上了" in html, "the receipt shows the draw's result"
    assert db.session.get(Offering, offering.id).drawn_at is not None


def test_an_invalid_elder_cancel_answers_422_and_cancels_nothing(client, county):
    receipt = elder_sign_up(client, county["calligraphy"])
    page = client.get(receipt + "/cancel").get_data(as_text=True)
    response = client.post(receipt + "/cancel", data={**tokens(page), "submission_id": "tampered"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "<title>错误：" in html and "表单已过期，请再提交一次。" in html
    assert statuses(county["calligraphy"]) == ["confirmed"]
    again = client.post(receipt + "/cancel", data=tokens(html))  # the fresh id the page issued works
    assert again.status_code == 303 and statuses(county["calligraphy"]) == ["cancelled"]


# Issue 11: a 长辈版 that tells the truth --------------------------------------------------------------


def test_the_wednesday_calligraphy_open_to_everyone_appears(client, county):
    """Before: only classes flagged 适合长辈 were listed; a 书法 class for 所有人 never appeared."""
    school = make_institution("钟埭街道社区学校", town=make_town("钟埭街道"))
    open_class = make_offering(
        programme=make_programme("书法", institution=school, audience="所有人"), weekday=3, start_date=TODAY
    )
    for_workers = make_offering(programme=make_programme("书法（职工班）", institution=school, audience="在职人员"))
    db.session.commit()
    for query in ("day=3", "topic=书法", "day=week"):
        found = ids(client.get(f"/elder/courses?{query}").get_data(as_text=True))
        assert open_class.id in found and for_workers.id not in found, query
        assert found.index(county["calligraphy"].id) < found.index(open_class.id), "适合长辈 first"


def test_a_town_with_community_classes_lists_them(client, app):
    """Before: "钟埭街道的课：这里暂时没有课" while 钟埭 had four community classes (none flagged)."""
    zhongdai = make_town("钟埭街道")
    school = make_institution("钟埭街道社区学校", town=zhongdai)
    classes = [
        make_offering(programme=make_programme(name, institution=school), weekday=day)
        for name, day in [("烘焙", 1), ("书法", 3), ("太极拳", 5), ("智能手机使用", 2)]
    ]
    db.session.commit()
    html = client.get(f"/elder/courses?town={zhongdai.id}").get_data(as_text=True)
    assert "这里暂时没有课" not in html and "钟埭街道的课" in html
    assert sorted(ids(html)) == sorted(c.id for c in classes)


def test_today_at_15_20_lists_only_meetings_not_yet_over(client, app):
    """Before: at 15:20 "今天有什么课" listed by weekday: 9:30 classes already over, classes starting next month."""
    app.config["CLOCK_NOW"] = dt.datetime(2026, 12, 1, 15, 20, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    tuesday = TODAY.isoweekday()
    school = make_institution("当湖街道社区学校")

    def tuesday_class(name, start, end, **kw):
        return make_offering(
            programme=make_programme(name, institution=school), weekday=tuesday, start=start, end=end, **kw
        )

    over = tuesday_class("广场舞", "09:30", "11:00", start_date=TODAY - dt.timedelta(weeks=2))
    running = tuesday_class("太极拳", "14:30", "16:00", start_date=TODAY - dt.timedelta(weeks=2))
    later = tuesday_class("唱歌（合唱）", "16:30", "18:00", start_date=TODAY - dt.timedelta(weeks=1))
    next_month = tuesday_class("国画（山水）", "16:00", "17:30", start_date=TODAY + dt.timedelta(weeks=5))
    stopped = tuesday_class("葫芦丝", "18:30", "20:00", start_date=TODAY - dt.timedelta(weeks=1))
    session = next(s for s in stopped.sessions if s.date == TODAY)
    session.status, session.note = "cancelled", "教师外出"
    db.session.commit()
    html = client.get("/elder/courses?day=today").get_data(as_text=True)
    assert ids(html) == [running.id, later.id, stopped.id]
    assert over.id not in ids(html) and next_month.id not in ids(html)
    assert "正在上课" in html[html.index(f'data-offering-id="{running.id}"') :]
    assert "这次停课：教师外出" in html[html.index(f'data-offering-id="{stopped.id}"') :]
    assert "2026年12月1日星期二" in html


def test_this_week_has_real_dates(client, county):
    html = client.get("/elder/courses?day=week").get_data(as_text=True)
    assert "<h2>2026年12月1日星期二</h2>" in html and "<h2>2026年12月2日星期三</h2>" in html
    assert html.index("12月1日星期二") < html.index(f'data-offering-id="{county["taiji"].id}"')
    assert html.index("12月2日星期三") < html.index(f'data-offering-id="{county["calligraphy"].id}"')


def test_topic_pages_offer_weekday_choices(client, county):
    html = client.get("/elder/courses?topic=书法").get_data(as_text=True)
    for day in range(1, 8):
        assert f'href="/elder/courses?topic=%E4%B9%A6%E6%B3%95&amp;day={day}"' in html
    chosen = client.get("/elder/courses?topic=书法&day=3").get_data(as_text=True)
    assert ids(chosen) == [county["calligraphy"].id] and "书法：星期三的课" in chosen


def test_a_lottery_class_says_before_sign_up_that_places_are_drawn(client, county):
    offering = lottery_class(county, seats=2)
    for path in (f"/elder/courses/{offering.id}", f"/elder/courses/{offering.id}/signup"):
        html = client.get(path).get_data(as_text=True)
        assert "这个班的名额要摇号" in html and "摇中后再去上课" in html, path
        assert "以前报名的，机会都一样" in html and "结果发短信告诉您" in html, path
