"""The bureau's 驾驶舱: demand and supply by town and kind, where to open classes, the funnel, monthly
trends and incentives — aggregates in the database, charts as CSP-safe SVG with tables beside them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid

import pytest
from openpyxl import load_workbook
from sqlalchemy import event

from app.extensions import db
from app.models import Need, Resident
from app.services import dashboard, outcomes
from tests.admin_world import enrol, make_policy
from tests.factories import TODAY, make_offering, make_programme, make_town
from tests.helpers import log_in, make_user


def need(town, kind="skill", target="电工", unmet=False, created=None, phone=None) -> Need:
    resident = Resident(
        phone=phone or f"170{uuid.uuid4().int % 10**8:08d}", name="王芳", town_id=town.id, consent_method="survey"
    )
    db.session.add(resident)
    db.session.flush()
    row = Need(
        ref=uuid.uuid4().hex,
        submission_id=uuid.uuid4().hex,
        resident_id=resident.id,
        kind=kind,
        target=target,
        town_id=town.id,
        unmet=unmet,
        source="survey",
        created_at=created or dt.datetime(2026, 11, 15, 4, tzinfo=dt.UTC),
    )
    db.session.add(row)
    return row


@pytest.fixture
def county(app):
    here, there = make_town("当湖街道"), make_town("新埭镇")
    make_policy(code="JN-DG-CJ", level="初级", value=800)
    offering = make_offering(
        programme=make_programme(name="电工（初级）", kind="skill", certificate="电工", cert_level="初级"),
        town=here,
        start_date=TODAY - dt.timedelta(weeks=6),  # running, so a completion can be recorded today
        weeks=8,
        deadline=TODAY,
    )
    # The two learners below registered their needs first: the funnel follows them from need to paid.
    need(here, phone="13800000001")
    need(here, phone="13800000002")
    for _ in range(3):
        need(there)  # no skill class in 新埭镇
    need(there, kind="community", target="烘焙", unmet=True, created=dt.datetime(2026, 9, 30, 17, tzinfo=dt.UTC))
    admin = make_user("admin")
    learner = enrol(offering, "13800000001")
    outcome = outcomes.record(learner, "certificate", "初级", "证书 1", TODAY, admin, uuid.uuid4().hex)
    outcomes.mark_paid(outcome, admin)
    enrol(offering, "13800000002", name="李强")
    db.session.commit()
    return {"here": here, "there": there, "admin": admin}


def test_aggregates(county):
    demand = dashboard.demand()
    # Open needs only: the learner whose certificate is recorded no longer wants the class.
    assert demand.get(county["here"].id, "skill") == 1 and demand.get(county["there"].id, "skill") == 3
    assert demand.total == 5
    offerings, seats = dashboard.supply(TODAY)
    assert offerings.get(county["here"].id, "skill") == 1 and seats.get(county["here"].id, "skill") == 20
    gaps = dashboard.gaps(TODAY)
    # "open a class here" names the programme that teaches what they asked for, when one does
    assert [(g.town, g.target, g.count) for g in gaps] == [("新埭镇", "电工（初级）", 3), ("新埭镇", "烘焙", 1)]
    assert [(g.programmes, g.targets) for g in gaps] == [(("电工（初级）",), ["电工"]), ((), ["烘焙"])]
    assert [(s.key, s.count) for s in dashboard.funnel()] == [
        ("need", 6),
        ("matched", 5),
        ("enrolled", 2),
        ("completed", 1),
        ("paid", 1),
    ]
    months = {m.start: m for m in dashboard.trends(TODAY)}
    assert len(months) == 12 and min(months) == dt.date(2026, 1, 1)
    # 2026-09-30 17:00 UTC is 1 October in Pinghu: months follow the county's clock
    assert months[dt.date(2026, 10, 1)].needs == 1 and months[dt.date(2026, 11, 1)].needs == 5
    assert months[dt.date(2026, 12, 1)].outcomes == 1
    money = {m.kind: m for m in dashboard.incentives()}
    assert (money["certificate"].owed, money["certificate"].paid, money["certificate"].unpaid) == (800, 800, 0)


def test_dashboard_page_in_a_fixed_number_of_queries_with_accessible_charts(client, app, county):
    log_in(client, county["admin"])
    statements = []

    def count(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get("/admin/dashboard")
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    # 16 aggregates, the learning vocabulary read once per request (its words and ladders), the
    # push counts (one statement for classes, one for jobs), the bureau's requests to institutions
    # (one statement), the three of 成果转化 (the people counts, earnings by town, certificates that
    # lead to work), and the enterprises' group classes (one statement; one more for their towns'
    # open classes when there are some)
    assert len(statements) <= 27, "aggregates, not a query per row"
    assert "在新埭镇开一个“电工（初级）”班（3人想学）" in html
    assert html.count('role="img"') == 4 and html.count("<table") >= 6 and '<th scope="row">新埭镇</th>' in html
    charts = re.findall(r"<svg.*?</svg>", html, re.S)
    assert len(charts) == 4 and all(chart.count("<rect") >= 3 for chart in charts), "every chart draws its bars"
    assert not any("style" in chart or "<script" in chart for chart in charts), "nothing the CSP would block"
    assert 'data-stage="paid"' in html and 'data-figure="paid">¥800' in html


@pytest.mark.parametrize("table", ["demand", "supply", "seats", "gaps", "funnel", "trends", "incentives"])
def test_each_table_exports(client, county, table):
    log_in(client, county["admin"])
    text = client.get(f"/admin/dashboard/{table}.csv").data
    assert text.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert len(rows) >= 2
    book = load_workbook(io.BytesIO(client.get(f"/admin/dashboard/{table}.xlsx").data))
    assert book.active.max_row == len(rows)
    if table == "gaps":
        assert rows[1] == [
            "新埭镇",
            "技能提升",
            "电工（初级）",
            "电工",
            "在新埭镇开一个“电工（初级）”班（3人想学）",
            "3",
        ]


def test_gen_scale_adds_enrolments_within_capacity_and_outcomes(runner, app):
    result = runner.invoke(
        args=["gen-scale", "--residents", "300", "--needs", "200", "--offerings", "20", "--enrolments", "150"]
    )
    assert result.exit_code == 0, result.output
    from sqlalchemy import func, select

    from app.models import Enrolment, Offering, Outcome

    assert db.session.scalar(select(func.count(Enrolment.id))) == 150
    over = db.session.scalar(select(func.count(Offering.id)).where(Offering.seats_taken > Offering.capacity))
    assert over == 0
    seated = db.session.execute(
        select(Enrolment.offering_id, func.count())
        .where(Enrolment.status.in_(("confirmed", "completed")))
        .group_by(Enrolment.offering_id)
    ).all()
    for offering_id, n in seated:
        assert db.session.get(Offering, offering_id).seats_taken == n
    assert db.session.scalar(select(func.count(Outcome.id))) > 0
    again = runner.invoke(args=["gen-scale", "--enrolments", "150"])
    assert again.exit_code == 0 and db.session.scalar(select(func.count(Enrolment.id))) == 150


def test_the_headline_counts_everyone_with_no_class_near_not_the_top_20(app):
    town = make_town("广陈镇")
    for n in range(25):  # 25 different wishes, one person each: more suggestions than the table shows
        need(town, kind="community", target=f"兴趣{n}")
    resident = need(town, kind="community", target="兴趣0").resident_id
    db.session.flush()
    second = need(town, kind="community", target="兴趣1")
    second.resident_id = resident  # one person with two wishes is one person
    db.session.commit()
    assert len(dashboard.gaps(TODAY)) == 20 and dashboard.unmet_people(TODAY) == 26
    demand = dashboard.demand()
    assert demand.get(town.id, "community") == 27 and demand.total == 27, "demand is 人次: 27 wishes, 27 places"


def test_demand_counts_open_needs_only(app):
    town = make_town("广陈镇")
    need(town)
    enrolled = need(town)
    enrolled.status = "enrolled"
    done = need(town)
    done.status = "completed"
    db.session.commit()
    assert dashboard.demand().total == 1 and dashboard.unmet_people(TODAY) == 1


def test_the_funnel_follows_the_residents_who_registered_a_need(app):
    town = make_town("广陈镇")
    offering = make_offering(programme=make_programme(name="书法"), town=town)
    need(town, kind="community", target="书法", unmet=True, phone="13800000001")  # found a class since
    enrol(offering, "13800000001")
    enrol(offering, "13800000002", name="李强")  # signed up with no need registered: not in this funnel
    db.session.commit()
    assert [(s.key, s.count) for s in dashboard.funnel()] == [
        ("need", 1),
        ("matched", 1),
        ("enrolled", 1),
        ("completed", 0),
        ("paid", 0),
    ]


def test_the_people_behind_a_suggestion_whole_for_the_bureau_masked_for_institutions(client, app, county):
    from tests.helpers import log_in

    log_in(client, county["admin"])
    html = client.get("/admin/dashboard").get_data(as_text=True)
    link = re.search(r'href="(/admin/dashboard/gaps/\d+/skill\?about=[^"]+)"', html).group(1).replace("&amp;", "&")
    page = client.get(link).get_data(as_text=True)
    assert "在新埭镇开一个“电工（初级）”班（3人想学）" in page and page.count("<tr data-need-id=") == 3
    assert re.search(r"<td>170\d{8}</td>", page), "the bureau sees whole numbers"
    other = app.test_client()
    from tests.factories import make_institution

    log_in(other, make_user("institution", institution=make_institution()))
    db.session.commit()
    masked = other.get(link).get_data(as_text=True)
    assert re.search(r"<td>170\*\*\*\*\d{4}</td>", masked) and not re.search(r"170\d{8}", masked)
    assert '<th scope="row">王*</th>' in masked, "names are masked too"
    assert other.get("/admin/dashboard/gaps/1/skill?about=nothing").status_code == 404


def test_one_beside_a_thousand_is_still_a_bar_and_the_largest_figure_fits(client, app):
    from flask import render_template_string

    with app.test_request_context():
        svg = render_template_string(
            '{% from "macros/charts.html" import hbars %}{{ hbars("c", "t", rows, ["想学", "名额"]) }}',
            rows=[("当湖街道", [1, 1120]), ("新埭镇", [0, 1_234_567])],
        )
    widths = [float(w) for w in re.findall(r'<rect x="100" y="[\d.]+" width="([\d.]+)"', svg)][1:]  # not the key
    assert widths[0] >= 2 and widths[2] == 0 and max(widths) <= 170
    labels = [float(x) for x in re.findall(r'<text x="([\d.]+)" y="[\d.]+" font-size="12"', svg)]
    assert ">1,234,567</text>" in svg and all(x + 9 * 7 <= 360 for x in labels), "9 digits at 12 px fit the box"


def test_open_a_class_here_reads_what_people_typed_with_the_learning_vocabulary(county):
    """电工上岗证 and 水电工 are the vocabulary's words for 电工: the gap names the 电工 programme."""
    from app.services import vocabulary

    vocabulary.load_file()
    for target in ("电工上岗证", "水电工"):
        need(county["there"], target=target)
    db.session.commit()
    gaps = [g for g in dashboard.gaps(TODAY) if g.town == "新埭镇" and g.programmes]
    assert gaps and all(g.programmes == ("电工（初级）",) for g in gaps)
    assert sum(g.count for g in gaps) == 5
