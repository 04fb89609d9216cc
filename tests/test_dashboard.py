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
from tests.admin_world import enrol, make_policy, make_user
from tests.factories import TODAY, make_offering, make_programme, make_town


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
    for _ in range(2):
        need(here)
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
    assert demand.get(county["here"].id, "skill") == 2 and demand.get(county["there"].id, "skill") == 3
    assert demand.total == 6
    offerings, seats = dashboard.supply(TODAY)
    assert offerings.get(county["here"].id, "skill") == 1 and seats.get(county["here"].id, "skill") == 20
    gaps = dashboard.gaps(TODAY)
    assert [(g.town, g.target, g.count) for g in gaps] == [("新埭镇", "电工", 3), ("新埭镇", "烘焙", 1)]
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
    from tests.admin_world import log_in

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
    assert len(statements) <= 16, "aggregates, not a query per row"
    assert "在新埭镇开一个电工班（3人想学）" in html
    assert html.count('role="img"') == 4 and html.count("<table") >= 6 and '<th scope="row">新埭镇</th>' in html
    charts = re.findall(r"<svg.*?</svg>", html, re.S)
    assert len(charts) == 4 and all(chart.count("<rect") >= 3 for chart in charts), "every chart draws its bars"
    assert not any("style" in chart or "<script" in chart for chart in charts), "nothing the CSP would block"
    assert 'data-stage="paid"' in html and 'data-figure="paid">¥800' in html


@pytest.mark.parametrize("table", ["demand", "supply", "gaps", "funnel", "trends", "incentives"])
def test_each_table_exports(client, county, table):
    from tests.admin_world import log_in

    log_in(client, county["admin"])
    text = client.get(f"/admin/dashboard/{table}.csv").data
    assert text.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert len(rows) >= 2
    book = load_workbook(io.BytesIO(client.get(f"/admin/dashboard/{table}.xlsx").data))
    assert book.active.max_row == len(rows)
    if table == "gaps":
        assert rows[1] == ["新埭镇", "技能提升", "电工", "3", "在新埭镇开一个电工班（3人想学）"]


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
