"""Every date and number staff or spreadsheets can enter has bounds, and the message says the bound
(issue 12: a class ending 9999-12-31 built 416,015 sessions in a 92-second request)."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Offering, Session
from app.services import classes, imports
from app.services.schedule import MAX_SESSIONS, TooManySessions, weekly_dates
from tests.factories import TODAY, make_institution, make_offering, make_programme, make_town
from tests.helpers import invalid_fields, tokens
from tests.test_admin import offering_answers
from tests.test_imports import as_csv, upload


@pytest.fixture
def school(app):
    institution = make_institution(name="当湖街道社区学校", town=make_town("当湖街道"))
    db.session.commit()
    return institution


def post_class(client, programme, town, **changes):
    page = client.get("/admin/offerings/new").get_data(as_text=True)
    started = time.perf_counter()
    response = client.post(
        "/admin/offerings/new", data={**tokens(page), **offering_answers(programme, town, **changes)}
    )
    return response, time.perf_counter() - started


def test_a_class_form_refuses_dates_and_numbers_out_of_bounds_and_says_the_bound(client, login_as, school):
    login_as("institution", institution=school)
    programme = make_programme(name="烘焙", institution=school)
    db.session.commit()
    response, seconds = post_class(client, programme, school.town, end_date="9999-12-31")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and seconds < 2
    assert "日期要在 2016-12-03 到 2029-11-30 之间" in html and "end_date" in invalid_fields(html)
    response, _ = post_class(client, programme, school.town, end_date="2028-06-01")
    assert "结束日期最晚为开始后52周（2028-03-05）" in response.get_data(as_text=True)
    response, _ = post_class(client, programme, school.town, start_date="2028-12-10", end_date="2029-02-01")
    assert "开始日期最晚为 2028-11-30（两年内）" in response.get_data(as_text=True)
    response, _ = post_class(client, programme, school.town, start_date="2025-06-01", end_date="2025-12-01")
    assert "开始日期最早为 2025-12-01（一年前）" in response.get_data(as_text=True)
    response, _ = post_class(client, programme, school.town, signup_deadline="2027-06-01")
    assert "报名截止不能晚于结束日期 2027-05-30" in response.get_data(as_text=True)
    response, _ = post_class(client, programme, school.town, capacity="99999999999", fee="100001")
    html = response.get_data(as_text=True)
    assert "请填 0 到 10000 之间的整数" in html and "请填 0 到 100000 之间的整数" in html
    assert {"capacity", "fee"} <= invalid_fields(html)
    assert db.session.scalar(select(func.count(Offering.id))) == 0
    english = client.post(
        "/admin/offerings/new",
        data={
            **tokens(client.get("/admin/offerings/new").get_data(as_text=True)),
            **offering_answers(programme, school.town, end_date="2028-06-01"),
        },
        headers={"Accept-Language": "en"},
    ).get_data(as_text=True)
    assert "52 weeks" in english


def test_editing_a_class_may_keep_a_start_older_than_the_window(client, login_as, school):
    login_as("institution", institution=school)
    old = make_offering(
        programme=make_programme(name="书法", institution=school), start_date=TODAY - dt.timedelta(days=500), weeks=40
    )
    db.session.commit()
    page = client.get(f"/admin/offerings/{old.id}/edit").get_data(as_text=True)
    answers = offering_answers(
        old.programme,
        school.town,
        code=old.code,
        start_date=old.start_date.isoformat(),
        end_date=old.end_date.isoformat(),
        signup_deadline=old.signup_deadline.isoformat(),
        capacity="25",
        weekdays=str(old.weekday),
    )
    assert client.post(f"/admin/offerings/{old.id}/edit", data={**tokens(page), **answers}).status_code == 303


def test_the_importer_refuses_the_same_bounds_row_by_row(client, login_as, school):
    login_as("institution", institution=school)
    endless = [*imports.EXAMPLE[0]]
    endless[6] = "9999-12-31"
    long = [*imports.EXAMPLE[2]]
    long[6] = "2028-06-01"
    crowded = ["DQ-2026-09", *imports.EXAMPLE[0][1:]]
    crowded[10], crowded[11] = "1000000", "999999999"
    started = time.perf_counter()
    response = upload(client, as_csv([imports.HEADERS, endless, long, crowded]), "bad.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and time.perf_counter() - started < 2
    assert "第 2 行“结束日期”：日期要在 2016-12-03 到 2029-11-30 之间" in html
    assert "第 3 行“结束日期”：结束日期最晚为开始后52周（2028-03-02）" in html
    assert "第 4 行“名额”：要在 0 到 10000 之间" in html and "第 4 行“费用”：要在 0 到 100000 之间" in html
    assert db.session.scalar(select(func.count(Offering.id))) == 0


def test_an_import_that_would_make_too_many_sessions_is_refused(app, school, monkeypatch):
    monkeypatch.setattr(imports, "MAX_SESSIONS", 20)
    rows = [imports.HEADERS, imports.EXAMPLE[0], ["DQ-2", *imports.EXAMPLE[0][1:]]]  # 14 sessions each
    with app.test_request_context():
        _clean, problems = imports.validate(iter(enumerate(rows, start=1)), school)
    assert [(p.row, p.column) for p in problems] == [(3, "结束日期")]
    assert "一次最多 20 次，请分成几个文件" in str(problems[0])


def test_no_service_builds_more_than_a_year_of_sessions(app, school):
    assert len(weekly_dates(TODAY, TODAY + dt.timedelta(weeks=52), TODAY.isoweekday())) == MAX_SESSIONS
    with pytest.raises(TooManySessions):
        weekly_dates(TODAY, dt.date(9999, 12, 31), 1)
    offering = make_offering(programme=make_programme(name="太极", institution=school))
    db.session.commit()
    offering.end_date = dt.date(9999, 12, 31)
    with pytest.raises(classes.ClassError) as refused:
        classes.build_sessions(offering)
    assert (refused.value.field, refused.value.code) == ("end_date", "too_long")
    db.session.rollback()
    assert db.session.scalar(select(func.count(Session.id))) == 5


# Ids in URLs and the Host header -----------------------------------------------------------------


def id_rules(app):
    return [rule for rule in app.url_map.iter_rules() if "int:" in rule.rule]


def path_with_ids(rule, value) -> str:
    path = re.sub(r"<int:\w+>", str(value), rule.rule)
    return re.sub(r"<any\(([\w]+)[^>]*>", r"\1", path)  # <any(xlsx, csv):fmt> → xlsx


@pytest.mark.parametrize("role", ["anonymous", "worker", "institution", "admin"])
def test_ids_past_a_database_integer_are_404_on_every_route_for_every_role(client, login_as, role):
    rules = id_rules(client.application)
    assert len(rules) >= 20, "every route with an id in its path"
    if role != "anonymous":
        login_as(role)
    for rule in rules:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for value in (2**31, 2**63, 10**40, 0):
                response = client.open(path_with_ids(rule, value), method=method)
                assert response.status_code == 404, (role, method, rule.rule, value, response.status_code)
            largest = client.open(path_with_ids(rule, 2**31 - 1), method=method)
            assert largest.status_code < 500, (role, method, rule.rule)


def test_a_host_outside_trusted_hosts_is_400_not_500(app, client):
    app.config["TRUSTED_HOSTS"] = ["xuehou.example.gov.cn"]
    for path in ("/", "/courses", "/admin/offerings/1", "/nope"):
        response = client.get(path, headers={"Host": "evil.example"})
        assert response.status_code == 400, path
        assert "主机名不对" in response.get_data(as_text=True)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/healthz", headers={"Host": "xuehou.example.gov.cn"}).status_code == 200
