"""The demo county and the county-sized generator: realistic, idempotent."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Institution, InstitutionType, Offering, Programme, Session, Town
from tests.factories import TODAY


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_data_is_a_realistic_county_and_loads_once(runner, app):
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    assert [t.name for t in db.session.scalars(select(Town).order_by(Town.sort_order))] == [
        "当湖街道",
        "钟埭街道",
        "曹桥街道",
        "乍浦镇",
        "新埭镇",
        "新仓镇",
        "广陈镇",
        "林埭镇",
        "独山港镇",
    ]
    assert count(Institution) >= 12
    assert set(db.session.scalars(select(Institution.type))) == {t.value for t in InstitutionType}
    offerings = list(db.session.scalars(select(Offering)))
    assert len(offerings) >= 60
    assert {o.kind for o in offerings} == {"degree", "skill", "community"}
    names = {p.name for p in db.session.scalars(select(Programme))}
    for wanted in [
        "法学（本科）",
        "电工（初级）",
        "叉车司机",
        "中式烹调师（初级）",
        "育婴员（中级）",
        "养老护理员（初级）",
        "烘焙",
        "书法",
        "太极拳",
        "智能手机使用",
        "广场舞",
    ]:
        assert wanted in names
    assert any(o.seats_left == 0 for o in offerings), "some classes are full"
    assert any(o.signup_deadline < TODAY for o in offerings), "some are past their deadline"
    assert any(o.senior_friendly for o in offerings)
    assert any(o.kind == "degree" and o.weekday == 7 and o.start_time.hour == 8 for o in offerings)
    statuses = set(db.session.scalars(select(Session.status)))
    assert {"scheduled", "moved", "cancelled"} <= statuses
    assert all(o.search_key for o in offerings)

    before = {m: count(m) for m in (Town, Institution, Programme, Offering, Session)}
    again = runner.invoke(args=["demo-data"])
    assert again.exit_code == 0 and "0 offerings added" in again.output
    assert {m: count(m) for m in before} == before


def test_demo_classes_are_found_by_pinyin(client, runner, app):
    runner.invoke(args=["demo-data"])
    html = client.get("/courses?q=taiji&audience=senior").get_data(as_text=True)
    assert "太极拳" in html and "data-offering-id" in html


def test_gen_scale_adds_offerings_with_sessions_up_to_the_total(runner, app):
    result = runner.invoke(args=["gen-scale", "--offerings", "300"])
    assert result.exit_code == 0, result.output
    synthetic = select(func.count(Offering.id)).where(Offering.code.like("GS-%"))
    assert db.session.scalar(synthetic) == 300
    assert db.session.scalar(select(func.count(Session.id)).join(Offering).where(Offering.code.like("GS-%"))) > 300
    assert "0 offerings" in runner.invoke(args=["gen-scale", "--offerings", "300"]).output
    runner.invoke(args=["gen-scale", "--offerings", "350"])
    assert db.session.scalar(synthetic) == 350
    # ids came from the database's own sequence: ordinary inserts still work afterwards
    runner.invoke(args=["demo-data"])


def test_gen_scale_adds_residents_and_needs(runner, app):
    from app.models import Need, Resident

    result = runner.invoke(args=["gen-scale", "--residents", "1200", "--needs", "900"])
    assert result.exit_code == 0, result.output
    synthetic = db.session.scalar(select(func.count(Resident.id)).where(Resident.phone.like("170%")))
    assert synthetic == 1200 and count(Need) == 900  # besides them, the demo county's six learners (139…)
    assert "0 residents, 0 needs" in runner.invoke(args=["gen-scale", "--residents", "1200", "--needs", "900"]).output
