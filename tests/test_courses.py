"""The catalogue, one class, its calendar file and the weekly timetable, through real requests."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from icalendar import Calendar

from app.extensions import db
from app.models import SessionStatus
from tests.factories import TODAY, make_institution, make_offering, make_programme, make_town


def offering_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-offering-id="(\d+)"', html)]


@pytest.fixture
def county(app):
    """A small county: baking and calligraphy in one town, electricians in another."""
    danghu, zhapu = make_town("当湖街道"), make_town("乍浦镇")
    school = make_institution("当湖街道社区学校", town=danghu)
    tech = make_institution("平湖市技工学校", town=zhapu, type="vocational_school")
    baking = make_offering(programme=make_programme("烘焙", institution=school), weekday=3, senior=True, fee=120)
    calligraphy = make_offering(programme=make_programme("书法", institution=school), weekday=1, senior=True)
    electrician = make_offering(
        programme=make_programme("电工（初级）", kind="skill", institution=tech, certificate="电工", cert_level="初级"),
        weekday=2,
        start="18:30",
        end="20:30",
        fee=3200,
    )
    db.session.commit()
    return {"danghu": danghu, "zhapu": zhapu, "baking": baking, "calligraphy": calligraphy, "electrician": electrician}


def test_catalogue_lists_each_class_with_what_a_resident_needs(client, county):
    html = client.get("/courses").get_data(as_text=True)
    assert sorted(offering_ids(html)) == sorted(
        o.id for o in (county["baking"], county["calligraphy"], county["electrician"])
    )
    card = html[html.index(f'data-offering-id="{county["electrician"].id}"') :]
    card = card[: card.index("</li>")]
    for expected in [
        "电工（初级）",
        "平湖市技工学校",
        "乍浦镇",
        "每星期二 18:30–20:30",
        "¥3,200",
        "还剩 20 个名额",
        "2026年12月9日",
    ]:
        assert expected in card


@pytest.mark.parametrize("query", ["烘焙", "hongbei", "hb", "HongBei", "ｈｏｎｇｂｅｉ", "  hong  bei ", "ＨＢ", "烘"])
def test_search_finds_baking_by_characters_pinyin_and_initials(client, county, query):
    html = client.get("/courses", query_string={"q": query}).get_data(as_text=True)
    assert offering_ids(html) == [county["baking"].id]


def test_search_by_town_name_in_pinyin(client, county):
    html = client.get("/courses", query_string={"q": "zhapu"}).get_data(as_text=True)
    assert offering_ids(html) == [county["electrician"].id]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "skill"}, ["electrician"]),
        ({"kind": "community"}, ["baking", "calligraphy"]),
        ({"weekday": "3"}, ["baking"]),
        ({"audience": "senior"}, ["baking", "calligraphy"]),
        ({"town": "乍浦镇"}, ["electrician"]),
        ({"kind": "community", "weekday": "1"}, ["calligraphy"]),
    ],
)
def test_filters(client, county, params, expected):
    html = client.get("/courses", query_string=params).get_data(as_text=True)
    assert sorted(offering_ids(html)) == sorted(county[name].id for name in expected)


def test_town_filter_takes_an_id_too(client, county):
    html = client.get(f"/courses?town={county['danghu'].id}").get_data(as_text=True)
    assert sorted(offering_ids(html)) == sorted([county["baking"].id, county["calligraphy"].id])


def test_htmx_search_gets_only_the_results(htmx, county):
    response = htmx.get("/courses?q=hb")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and "<form" not in html
    assert offering_ids(html) == [county["baking"].id]
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize("header", ["HX-Boosted", "HX-History-Restore-Request"])
def test_boosted_and_history_restore_get_the_whole_page(htmx, county, header):
    html = htmx.get("/courses?q=hb", headers={header: "true"}).get_data(as_text=True)
    assert "<html" in html and offering_ids(html) == [county["baking"].id]


def test_no_results_says_so_and_suggests_what_to_change(client, county):
    html = client.get("/courses?q=潜水&weekday=7&kind=skill").get_data(as_text=True)
    assert offering_ids(html) == []
    assert "没有找到符合条件的课程" in html
    assert "不限星期" in html and "不限类别" in html
    assert 'href="/courses?q=%E6%BD%9C%E6%B0%B4&amp;kind=skill&amp;page=1"' in html


def test_unknown_filter_values_are_ignored_and_named(client, county):
    response = client.get("/courses?kind=cooking&weekday=9&town=火星&audience=kids")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert len(offering_ids(html)) == 3
    assert "已忽略" in html and "类别" in html and "星期" in html


# `number`, not `page`: a parameter named `page` is taken for pytest-playwright's fixture, which started a
# Chromium for these six tests and sorted them among the browser tests.
@pytest.mark.parametrize("number", ["0", "-3", "abc", "99999999999999999999999", "1e9", "5"])
def test_absurd_page_numbers_answer_a_clear_page(client, county, number):
    response = client.get(f"/courses?page={number}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert offering_ids(html) or "回到第 1 页" in html


@pytest.mark.parametrize("query", ["x" * 10_000, "'; DROP TABLE offerings; --", "%_%", "😀🎂", "\x00", "<script>"])
def test_hostile_queries_answer_a_clear_page(client, county, query):
    response = client.get("/courses", query_string={"q": query})
    assert response.status_code == 200
    assert "<script>" not in response.get_data(as_text=True)


def test_paging(client, app, county):
    app.config["CATALOGUE_PAGE_SIZE"] = 2
    first = client.get("/courses").get_data(as_text=True)
    second = client.get("/courses?page=2").get_data(as_text=True)
    assert len(offering_ids(first)) == 2 and len(offering_ids(second)) == 1
    assert set(offering_ids(first)).isdisjoint(offering_ids(second))
    assert "第 1 / 2 页" in first and 'rel="next"' in first and 'rel="prev"' in second


def test_finished_and_cancelled_classes_are_not_listed(client, app):
    finished = make_offering(start_date=TODAY - dt.timedelta(weeks=10), weeks=2)
    cancelled = make_offering(status="cancelled")
    running = make_offering()
    db.session.commit()
    ids = offering_ids(client.get("/courses").get_data(as_text=True))
    assert ids == [running.id]
    assert client.get(f"/courses/{finished.id}").status_code == 200  # its page still answers
    assert cancelled.id not in ids


def test_full_and_past_deadline_classes_say_so(client, app):
    full = make_offering(name="太极拳", seats=10, taken=10)
    late = make_offering(name="书法", deadline=TODAY - dt.timedelta(days=1))
    db.session.commit()
    html = client.get("/courses").get_data(as_text=True)
    assert "名额已满" in html and "报名已截止" in html
    assert offering_ids(html)[-1] == late.id  # classes still taking sign-ups come first
    assert 'data-seats-left="0"' in client.get(f"/courses/{full.id}").get_data(as_text=True)


def test_class_page_shows_programme_place_sessions_seats_fee_deadline(client, county):
    offering = county["electrician"]
    offering.sessions[1].status = SessionStatus.MOVED
    offering.sessions[1].original_date = offering.sessions[1].date
    offering.sessions[1].date += dt.timedelta(days=1)
    offering.sessions[2].status = SessionStatus.CANCELLED
    offering.sessions[2].note = "教师外出培训"
    db.session.commit()
    html = client.get(f"/courses/{offering.id}").get_data(as_text=True)
    for expected in [
        "电工（初级）",
        "平湖市技工学校",
        "社区活动室",
        "乍浦镇",
        "¥3,200",
        'data-seats-left="20"',
        "报名截止",
        "2026年12月9日星期三",
        "已调课",
        "原定 2026年12月22日星期二",
        "2026年12月23日星期三 18:30",
        "已取消",
        "教师外出培训",
        "证书",
        'href="tel:0573-85000000"',
        f'href="/courses/{offering.id}.ics"',
    ]:
        assert expected in html
    assert html.count('class="session ') == len(offering.sessions)


def test_missing_class_is_a_404_page(client, app):
    response = client.get("/courses/424242")
    assert response.status_code == 404
    assert "找不到这个页面" in response.get_data(as_text=True)
    assert client.get("/courses/99999999999999999999999").status_code == 404


def test_calendar_file_has_one_event_per_session_in_shanghai_time(client, county):
    offering = county["electrician"]
    offering.sessions[0].status = SessionStatus.CANCELLED
    db.session.commit()
    response = client.get(f"/courses/{offering.id}.ics")
    assert response.mimetype == "text/calendar"
    cal = Calendar.from_ical(response.data)
    events = cal.walk("VEVENT")
    assert len(events) == len(offering.sessions)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    first = events[0]
    start = first.decoded("DTSTART")
    assert (start.date(), start.hour, start.minute) == (offering.sessions[0].date, 18, 30)
    assert str(start.tzinfo) == "Asia/Shanghai"
    assert str(first["STATUS"]) == "CANCELLED" and str(events[1]["STATUS"]) == "CONFIRMED"
    assert str(first["SUMMARY"]) == "电工（初级）"
    assert len({str(e["UID"]) for e in events}) == len(events)
    assert client.get("/courses/424242.ics").status_code == 404


def test_timetable_groups_classes_by_weekday_and_time(client, county):
    html = client.get("/schedule").get_data(as_text=True)
    monday, tuesday, wednesday = (html.index(f'id="day-{d}"') for d in (1, 2, 3))
    assert monday < html.index("书法") < tuesday < html.index("电工（初级）") < wednesday < html.index("烘焙")
    assert "星期日" in html and "这一天没有课" in html


def test_timetable_filters_by_town_and_kind(client, htmx, county):
    html = client.get("/schedule?kind=skill").get_data(as_text=True)
    assert offering_ids(html) == [county["electrician"].id]
    html = htmx.get(f"/schedule?town={county['danghu'].id}").get_data(as_text=True)
    assert "<html" not in html
    assert sorted(offering_ids(html)) == sorted([county["baking"].id, county["calligraphy"].id])


def test_home_has_three_ways_in(client, app):
    html = client.get("/").get_data(as_text=True)
    for kind, label in [("degree", "学历提升"), ("skill", "技能提升"), ("community", "社区与兴趣")]:
        assert f'href="/courses?kind={kind}"' in html and label in html


def test_catalogue_is_micro_cached_per_language_and_fragment(app, client, htmx):
    """Popular searches are rendered once every few seconds; the class page is always fresh."""
    app.config["CACHE_TYPE"] = "SimpleCache"
    from app.extensions import cache

    cache.init_app(app)
    first = make_offering(name="烘焙")
    db.session.commit()
    assert offering_ids(client.get("/courses").get_data(as_text=True)) == [first.id]
    second = make_offering(name="书法")
    db.session.commit()
    assert offering_ids(client.get("/courses").get_data(as_text=True)) == [first.id], "served from the cache"
    assert "<html" not in htmx.get("/courses").get_data(as_text=True), "fragments are cached apart from pages"
    assert "Find a class" in client.get("/courses", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert len(offering_ids(client.get("/courses?page=1").get_data(as_text=True))) == 2, "another query, new render"
    assert client.get(f"/courses/{second.id}").status_code == 200
    cache.clear()
    assert len(offering_ids(client.get("/courses").get_data(as_text=True))) == 2
