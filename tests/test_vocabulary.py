"""The learning vocabulary: what words mean, the ladders, town positions — as data the bureau edits,
and the catalogue, need form and plan that use it."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, CertificateStep, DegreeStep, ProgrammeTerm, Town
from app.services import vocabulary as service
from tests.factories import make_institution, make_offering, make_programme, make_town
from tests.helpers import tokens


def offering_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-offering-id="(\d+)"', html)]


@pytest.mark.parametrize(
    ("target", "kind", "programmes"),
    [
        ("电工上岗证", "skill", ["电工"]),
        ("水电工", "skill", ["电工"]),
        ("电工", "skill", ["电工"]),
        ("电焊工", "skill", ["焊工"]),
        ("毛笔字", "community", ["书法"]),
        ("maobizi", "community", ["书法"]),
        ("做蛋糕", "community", ["烘焙"]),
        ("做面包", None, ["烘焙"]),
        ("大专", "degree", ["专科"]),
        ("专升本", "degree", ["本科"]),
        ("无人机驾驶", None, []),
    ],
)
def test_programme_terms_reads_everyday_words(app, vocabulary, target, kind, programmes):
    assert service.programme_terms(target, kind) == programmes


def test_programme_of_groups_demand_by_programme(app, vocabulary):
    assert {service.programme_of(t) for t in ["电工证", "电工上岗证", "水电工", "电工"]} == {"电工"}
    assert service.programme_of("无人机 驾驶") == "无人机驾驶"


def test_loading_twice_adds_nothing_and_keeps_the_bureaus_edits(app, vocabulary):
    town = make_town("新埭镇")
    term = db.session.scalar(select(ProgrammeTerm).where(ProgrammeTerm.word == "毛笔字"))
    term.programme = "书法与国画"
    db.session.flush()
    counts = service.load_file()
    assert counts["terms"] == counts["certificate_steps"] == counts["degree_steps"] == 0
    assert counts["town_positions"] == 1 and town.latitude and town.longitude  # a town added later
    assert term.programme == "书法与国画"
    assert service.load_file()["town_positions"] == 0


def test_every_pinghu_town_has_a_position_and_the_ladders_are_complete(app):
    data = service.read_file()
    assert [t["name"] for t in data["towns"]] == [
        "当湖街道", "钟埭街道", "曹桥街道", "乍浦镇", "新埭镇", "新仓镇", "广陈镇", "林埭镇", "独山港镇"
    ]  # fmt: skip
    default = {s["level"]: s.get("requires_level") for s in data["certificate_steps"] if s["occupation"] == ""}
    assert default == {"初级": None, "中级": "初级", "高级": "中级", "技师": "高级", "高级技师": "技师"}
    assert [s["level"] for s in sorted(data["degree_steps"], key=lambda s: s["position"])] == ["中专", "专科", "本科"]


def test_distances_between_town_centres(app, vocabulary):
    xindai = service.read_file()["towns"][4]
    zhongdai = service.read_file()["towns"][1]
    dushangang = service.read_file()["towns"][8]
    pos = lambda t: (t["latitude"], t["longitude"])  # noqa: E731
    assert 5 < service.distance_km(pos(xindai), pos(zhongdai)) < 10
    assert 15 < service.distance_km(pos(xindai), pos(dushangang)) < 25


@pytest.fixture
def classes(app, vocabulary):
    danghu = make_town("当湖街道")
    school = make_institution("当湖街道社区学校", town=danghu)
    calligraphy = make_offering(programme=make_programme("书法", institution=school))
    make_offering(programme=make_programme("养生保健", institution=school))
    db.session.commit()
    return {"calligraphy": calligraphy, "danghu": danghu}


def test_catalogue_search_uses_the_vocabulary(client, classes):
    assert offering_ids(client.get("/courses?q=毛笔字").get_data(as_text=True)) == [classes["calligraphy"].id]
    assert offering_ids(client.get("/courses?q=书法").get_data(as_text=True)) == [classes["calligraphy"].id]


def test_no_results_offers_the_need_form_with_what_was_typed(client, classes):
    html = client.get("/courses?q=无人机驾驶&kind=skill").get_data(as_text=True)
    assert offering_ids(html) == []
    link = re.search(r'href="(/needs/new\?[^"]+)"', html).group(1).replace("&amp;", "&")
    assert parse_qs(urlparse(link).query) == {"kind": ["skill"], "target": ["无人机驾驶"]}
    assert "例如“烘焙”“电工”" not in html
    form = client.get(link).get_data(as_text=True)
    assert 'value="无人机驾驶"' in form and re.search(r'<input checked[^>]*value="skill"', form)
    typed_electrician = client.get("/courses?q=电工").get_data(as_text=True)
    assert "“电工”" not in typed_electrician.split("登记想学")[0].split("也可以试试")[-1]


def test_degree_catalogue_leads_to_the_plan(client, classes):
    html = client.get("/courses?kind=degree").get_data(as_text=True)
    assert 'href="/needs/new?kind=degree"' in html and "学历提升路线" in html


def test_need_form_suggests_vocabulary_words_and_asks_for_certificates_held(client, classes):
    html = client.get("/needs/new?kind=skill").get_data(as_text=True)
    assert '<option value="电工">' in html and '<option value="电工上岗证">' in html
    assert 'name="held_level"' in html and "想学的这一行，您已有职业技能等级证书吗？" in html
    community = client.get("/needs/new?kind=community").get_data(as_text=True)
    assert '<option value="毛笔字">' in community and 'name="held_level"' not in community


def test_the_bureau_edits_the_vocabulary_with_an_audit_trail_and_matching_uses_it(client, login_as, classes):
    login_as("admin")
    page = client.get("/admin/terms/new").get_data(as_text=True)
    data = {**tokens(page), "word": "写大字", "programme": "书法", "kind": "community"}
    assert client.post("/admin/terms/new", data=data).status_code == 303
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "terms.create"))
    assert entry.details["after"] == {"word": "写大字", "programme": "书法", "kind": "community"}
    assert offering_ids(client.get("/courses?q=写大字").get_data(as_text=True)) == [classes["calligraphy"].id]
    again = tokens(client.get("/admin/terms/new").get_data(as_text=True))
    clash = client.post("/admin/terms/new", data={**again, "word": "毛笔字", "programme": "x", "kind": "skill"})
    assert clash.status_code == 422

    step = db.session.scalar(
        select(CertificateStep).where(CertificateStep.occupation == "电工", CertificateStep.level == "中级")
    )
    page = client.get(f"/admin/cert_steps/{step.id}/edit").get_data(as_text=True)
    answers = {**tokens(page), "occupation": "电工", "level": "中级", "requires_level": "", "requires": "不限"}
    assert client.post(f"/admin/cert_steps/{step.id}/edit", data=answers).status_code == 303
    db.session.refresh(step)
    assert step.requires_level is None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "cert_steps.update"))
    assert entry.details["before"]["requires_level"] == "初级" and entry.details["after"]["requires_level"] is None
    same_level = {**answers, "requires_level": "中级"}
    assert client.post(f"/admin/cert_steps/{step.id}/edit", data=same_level).status_code == 422

    degree = db.session.scalar(select(DegreeStep).where(DegreeStep.level == "本科"))
    page = client.get(f"/admin/degree_steps/{degree.id}/edit").get_data(as_text=True)
    assert 'value="专升本"' in page

    town = classes["danghu"]
    page = client.get(f"/admin/towns/{town.id}/edit").get_data(as_text=True)
    half = {**tokens(page), "name": town.name, "sort_order": "0", "latitude": "30.7", "longitude": ""}
    assert client.post(f"/admin/towns/{town.id}/edit", data=half).status_code == 422
    whole = {**half, "longitude": "121.02"}
    assert client.post(f"/admin/towns/{town.id}/edit", data=whole).status_code == 303
    assert db.session.get(Town, town.id).longitude == 121.02
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "towns.update")) == 1
