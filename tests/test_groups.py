"""企业组班: an enterprise proposes a group class for its employees; the 驾驶舱 counts it as demand
for that programme in that town (shown apart), the bureau asks an institution for it, the class the
institution opens shows on the proposal with its sign-ups; a withdrawn proposal is not counted."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import ClassRequest, GroupProposal, Offering
from app.services import dashboard, groups
from tests.admin_world import enrol
from tests.factories import TODAY, make_institution, make_offering, make_programme, make_town
from tests.helpers import PASSWORD, invalid_fields, log_in, make_user, tokens


def enterprise_user(town, name: str = "平湖光电科技有限公司"):
    from app.services.staff import create_or_update_user

    user, _ = create_or_update_user("enterprise", f"ent-{uuid.uuid4().hex[:6]}", PASSWORD, town=str(town.id), org=name)
    return user


@pytest.fixture
def county(app, vocabulary):
    town = make_town("当湖街道")
    other = make_town("独山港镇")
    school = make_institution("平湖市技工学校", town=town, type="vocational_school")
    programme = make_programme("电工（中级）", kind="skill", institution=school, certificate="电工", cert_level="中级")
    boss = enterprise_user(town)
    rival = enterprise_user(other, name="平湖港通物流有限公司")
    admin = make_user("admin")
    teacher = make_user("institution", institution=school)
    db.session.commit()
    return dict(
        town=town, other=other, school=school, programme=programme, boss=boss, rival=rival, admin=admin,
        teacher=teacher,
    )  # fmt: skip


def answers(page: str, town, **changes) -> dict:
    return {
        **tokens(page),
        "programme": "电工",
        "cert_level": "中级",
        "town": str(town.id),
        "people": "40",
        "weekdays": ["6", "7"],
        "times": ["morning"],
        "note": "希望周末上课",
        "contact_name": "张伟",
        "contact_phone": "139 5730 0001",
        **changes,
    }


def propose(client, county, **changes) -> GroupProposal:
    log_in(client, county["boss"], path="/enterprise/login")
    page = client.get("/enterprise/groups/new").get_data(as_text=True)
    response = client.post("/enterprise/groups/new", data=answers(page, county["town"], **changes))
    assert response.status_code == 303, response.get_data(as_text=True)
    group_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    db.session.rollback()
    return db.session.get(GroupProposal, group_id)


def dashboard_page(client, county) -> str:
    log_in(client, county["admin"])
    return client.get("/admin/dashboard").get_data(as_text=True)


def demand_cell(html: str, town: str) -> list[str]:
    """The demand table's row for `town`: its numbers by kind, then the total."""
    table = html.split('id="table-demand"')[1].split("</table>")[0]
    row = re.search(rf"<tr><th scope=\"row\">{town}</th>(.*?)</tr>", table, re.S).group(1)
    return re.findall(r"<td>([^<]*)</td>", row)


def test_a_proposal_counts_on_the_dashboard_then_becomes_a_request_and_shows_the_class_opened(app, client, county):
    proposal = propose(client, county)
    assert (proposal.kind, proposal.programme, proposal.cert_level, proposal.people) == ("skill", "电工", "中级", 40)
    assert proposal.contact_phone == "13957300001" and proposal.weekday_list == [6, 7]
    listing = client.get("/enterprise/").get_data(as_text=True)
    row = re.search(rf'<tr data-group-id="{proposal.id}">.*?</tr>', listing, re.S).group(0)
    assert "电工（中级）" in row and 'data-group-state="waiting"' in row and "等待开班" in row

    # The 驾驶舱: 40 more people wanting a skill class in 当湖街道, shown as an enterprise group.
    html = dashboard_page(client, county)
    shares = dashboard.group_demand(TODAY)
    assert [(s.enterprise, s.wanted, s.people) for s in shares] == [("平湖光电科技有限公司", "电工（中级）", 40)]
    assert dashboard.demand(None, shares).get(county["town"].id, "skill") == 40
    kinds = list(dashboard.KINDS)
    assert demand_cell(html, "当湖街道")[kinds.index("skill")] == "40"
    assert "其中企业组班 40 人" in html
    gap = next(g for g in dashboard.gaps(TODAY, shares=shares) if g.groups)
    assert gap.town == "当湖街道" and gap.count == 40 and gap.group_people == 40 and "电工（中级）" in gap.programmes
    suggestion = re.search(r'<li data-town="当湖街道"[^>]*>.*?</li>', html, re.S).group(0)
    assert "（其中企业组班 40 人：平湖光电科技有限公司）" in suggestion

    # The bureau asks the school, from the proposal: the request form comes filled in and linked.
    link = re.search(rf'<tr data-group-id="{proposal.id}">.*?href="([^"]+)"', html, re.S).group(1)
    form = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert 'value="电工（中级）"' in form and re.search(
        r'name="people"[^>]*value="40"|value="40"[^>]*name="people"', form
    )
    assert "企业组班：平湖光电科技有限公司，40名员工" in form and "来自企业组班" in form
    sent = {
        **tokens(form),
        "institution": str(county["school"].id),
        "programme": "电工（中级）",
        "kind": "skill",
        "town": str(county["town"].id),
        "people": "40",
        "weekdays": ["6", "7"],
        "note": "企业组班",
    }
    assert client.post(link.replace("&amp;", "&"), data=sent).status_code == 303
    assert client.post(link.replace("&amp;", "&"), data=sent).status_code == 303  # a replay
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ClassRequest)) == 1
    asked = db.session.scalar(select(ClassRequest))
    assert db.session.get(GroupProposal, proposal.id).class_request_id == asked.id
    assert "已请院校开班" in client.get("/admin/dashboard").get_data(as_text=True)

    # The school opens the class from the request.
    log_in(client, county["teacher"])
    request_page = client.get(f"/admin/requests/{asked.id}").get_data(as_text=True)
    assert "平湖光电科技有限公司，40名员工；联系人 张伟 13957300001" in request_page
    form = client.get(f"/admin/offerings/new?request={asked.id}").get_data(as_text=True)
    saved = client.post(
        f"/admin/offerings/new?request={asked.id}",
        data={
            **tokens(form),
            "programme": str(county["programme"].id),
            "code": "DH-DG-02",
            "town": str(county["town"].id),
            "place": "平湖光电培训教室",
            "start_date": "2026-12-12",
            "end_date": "2027-02-27",
            "weekdays": "6",
            "start_time": "09:00",
            "end_time": "11:30",
            "capacity": "40",
            "signup_deadline": "2026-12-10",
        },
    )
    assert saved.status_code == 303, saved.get_data(as_text=True)
    db.session.rollback()
    offering = db.session.scalar(select(Offering).where(Offering.code == "DH-DG-02"))
    for n in range(3):
        enrol(offering, f"1380000010{n}", name="李强")
    db.session.commit()

    # The enterprise sees the class, the link for its employees and how many signed up.
    log_in(client, county["boss"], path="/enterprise/login")
    page = client.get(f"/enterprise/groups/{proposal.id}").get_data(as_text=True)
    assert 'data-group-state="open"' in page and "已开班" in page
    block = page.split(f'data-group-class="{offering.id}"')[1].split("</section>")[0]
    assert "电工（中级）" in block and "平湖光电培训教室" in block and "09:00" in block
    assert re.search(r"data-signed-up>3 人", block)
    assert (
        f'href="/courses/{offering.id}/signup"' in block and f'value="http://localhost/courses/{offering.id}"' in block
    )
    listing = client.get("/enterprise/").get_data(as_text=True)
    assert "已报名 3 人" in listing

    # No longer counted: the class that fits is open.
    assert dashboard.group_demand(TODAY) == []
    assert "其中企业组班" not in dashboard_page(client, county)


def test_a_proposal_for_one_level_suggests_a_class_of_that_level_only(app, client, county):
    """The county also teaches 电工（初级）: 40 employees who want 中级 are not a reason to open 初级."""
    make_programme("电工（初级）", kind="skill", institution=county["school"], certificate="电工", cert_level="初级")
    db.session.commit()
    propose(client, county)
    html = dashboard_page(client, county)
    gap = next(g for g in dashboard.gaps(TODAY, shares=dashboard.group_demand(TODAY)) if g.groups)
    assert gap.programmes == ("电工（中级）",)
    suggestion = re.search(r'<li data-town="当湖街道"[^>]*>.*?</li>', html, re.S).group(0)
    assert "“电工（中级）”班" in suggestion and "电工（初级）" not in suggestion


def test_a_class_that_fits_opening_anyway_makes_the_proposal_class_open(app, client, county):
    proposal = propose(client, county)
    make_offering(programme=county["programme"], town=county["town"], kind="skill")
    db.session.commit()
    assert groups.view(proposal, TODAY).state == "open"
    assert dashboard.group_demand(TODAY) == []
    # a class in another town is not the proposal's class
    db.session.execute(Offering.__table__.update().values(town_id=county["other"].id))
    db.session.commit()
    assert groups.view(db.session.get(GroupProposal, proposal.id), TODAY).state == "waiting"


def test_a_withdrawn_proposal_is_no_longer_counted(app, client, county):
    proposal = propose(client, county)
    assert dashboard.group_demand(TODAY) != []
    page = client.get(f"/enterprise/groups/{proposal.id}").get_data(as_text=True)
    assert client.post(f"/enterprise/groups/{proposal.id}/withdraw", data=tokens(page)).status_code == 303
    db.session.rollback()
    assert db.session.get(GroupProposal, proposal.id).status == "withdrawn"
    assert 'data-group-state="withdrawn"' in client.get(f"/enterprise/groups/{proposal.id}").get_data(as_text=True)
    assert dashboard.group_demand(TODAY) == []
    html = dashboard_page(client, county)
    assert "其中企业组班" not in html and f'data-group-id="{proposal.id}"' not in html
    kinds = list(dashboard.KINDS)
    assert demand_cell(html, "当湖街道")[kinds.index("skill")] == "0"
    # and the bureau can no longer turn it into a request: the form is the plain one
    form = client.get(f"/admin/requests/new?group={proposal.id}").get_data(as_text=True)
    assert "来自企业组班" not in form


def test_another_enterprise_can_neither_see_nor_withdraw_it(app, client, county):
    proposal = propose(client, county)
    log_in(client, county["rival"], path="/enterprise/login")
    page = client.get("/enterprise/groups/new").get_data(as_text=True)  # the rival's own form tokens
    assert f'data-group-id="{proposal.id}"' not in client.get("/enterprise/").get_data(as_text=True)
    assert client.get(f"/enterprise/groups/{proposal.id}").status_code == 404
    assert client.post(f"/enterprise/groups/{proposal.id}/withdraw", data=tokens(page)).status_code == 404
    db.session.rollback()
    assert db.session.get(GroupProposal, proposal.id).status == "active"


def test_the_form_keeps_what_was_typed_and_says_what_to_fix(app, client, county):
    log_in(client, county["boss"], path="/enterprise/login")
    page = client.get("/enterprise/groups/new").get_data(as_text=True)
    bad = answers(page, county["town"], programme="电工", cert_level="", people="800", contact_phone="1234")
    response = client.post("/enterprise/groups/new", data=bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "<title>错误：" in html
    assert invalid_fields(html) >= {"cert_level", "people", "contact_phone"}
    assert "电工分等级考证，请选要考哪一级" in html and "请填 1 到 500 之间的整数" in html
    assert 'value="800"' in html and 'value="张伟"' in html and "希望周末上课" in html

    unknown = client.post("/enterprise/groups/new", data=answers(page, county["town"], programme="火箭发射"))
    html = unknown.get_data(as_text=True)
    assert unknown.status_code == 422 and "课程词表里没有“火箭发射”" in html and 'value="火箭发射"' in html
    written = client.post(
        "/enterprise/groups/new", data=answers(page, county["town"], programme="书法", cert_level="中级")
    )
    assert written.status_code == 422 and "不考职业技能等级证书" in written.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(GroupProposal)) == 0

    english = client.post("/enterprise/groups/new", data=bad, headers={"Accept-Language": "en"})
    html = english.get_data(as_text=True)
    assert english.status_code == 422 and "<title>Error:" in html
    assert "电工 is examined by level: choose the level" in html and 'value="800"' in html


def test_a_level_written_in_the_words_is_taken_and_a_replay_makes_one_proposal(app, client, county):
    log_in(client, county["boss"], path="/enterprise/login")
    page = client.get("/enterprise/groups/new").get_data(as_text=True)
    data = answers(page, county["town"], programme="电工四级", cert_level="")
    first = client.post("/enterprise/groups/new", data=data)
    again = client.post("/enterprise/groups/new", data=data)
    assert first.status_code == again.status_code == 303 and first.headers["Location"] == again.headers["Location"]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(GroupProposal)) == 1
    assert db.session.scalar(select(GroupProposal)).wanted == "电工（中级）"


def test_an_occupation_taught_without_levels_needs_none_and_any_class_of_it_fits(app, client, county):
    forklift = make_programme("叉车司机", kind="skill", institution=county["school"], certificate="叉车司机证")
    db.session.commit()
    proposal = propose(client, county, programme="叉车司机", cert_level="")
    assert (proposal.programme, proposal.cert_level, proposal.wanted) == ("叉车司机", None, "叉车司机")
    assert groups.view(proposal, TODAY).state == "waiting"
    make_offering(programme=forklift, town=county["town"], kind="skill")
    db.session.commit()
    assert groups.view(db.session.get(GroupProposal, proposal.id), TODAY).state == "open"


@pytest.mark.parametrize("role", ["anonymous", "worker", "institution", "admin"])
def test_only_enterprises_open_the_group_pages(app, client, county, role):
    proposal = propose(client, county)
    client = app.test_client()  # a new browser: nobody, or the role logged in
    if role != "anonymous":
        user = {"institution": county["teacher"], "admin": county["admin"]}.get(role) or make_user(
            "worker", town=county["town"]
        )
        db.session.commit()
        log_in(client, user)
    for url in ("/enterprise/groups/new", f"/enterprise/groups/{proposal.id}"):
        assert client.get(url).status_code in (303, 403), url  # to the log-in page, or refused
    assert client.post(f"/enterprise/groups/{proposal.id}/withdraw").status_code in (303, 400, 403)
    db.session.rollback()
    assert db.session.get(GroupProposal, proposal.id).status == "active"


def test_when_the_institution_cannot_open_it_the_bureau_can_ask_another(app, client, county):
    from app.services import class_requests

    proposal = propose(client, county)
    values = dict(institution_id=county["school"].id, programme="电工（中级）", kind="skill",
                  town_id=county["town"].id, people=40, weekdays=[6], note="")  # fmt: skip
    first = class_requests.send(values, county["admin"], uuid.uuid4().hex)
    groups.link_request(proposal, first, county["admin"])
    assert dashboard.group_demand(TODAY)[0].requested
    class_requests.answer(first, "cannot", "没有老师", county["teacher"])
    share = dashboard.group_demand(TODAY)[0]
    assert not share.requested and share.people == 40, "still counted, and the bureau is offered to ask again"
    other = make_institution("平湖市职业中专", town=county["town"], type="vocational_school")
    second = class_requests.send({**values, "institution_id": other.id}, county["admin"], uuid.uuid4().hex)
    groups.link_request(proposal, second, county["admin"])
    assert proposal.class_request_id == second.id and dashboard.group_demand(TODAY)[0].requested
    groups.link_request(proposal, first, county["admin"])  # an older request does not take it back
    assert proposal.class_request_id == second.id


def test_a_degree_for_employees_is_a_degree_class_with_no_certificate_level(app, client, county):
    proposal = propose(client, county, programme="大专学历", cert_level="")
    assert (proposal.kind, proposal.programme, proposal.cert_level) == ("degree", "专科", None)
    assert dashboard.demand(None, dashboard.group_demand(TODAY)).get(county["town"].id, "degree") == 40
    accounting = make_programme("会计", kind="degree", institution=county["school"], degree_level="专科")
    make_offering(programme=accounting, town=county["town"], kind="degree")
    db.session.commit()
    assert groups.view(db.session.get(GroupProposal, proposal.id), TODAY).state == "open"


def test_a_proposal_withdrawn_or_asked_for_while_the_bureau_fills_in_the_form_is_not_sent_again(app, client, county):
    """The bureau opens the request form from a proposal; meanwhile the enterprise withdraws it (or
    another admin sends it): sending says so and asks no institution."""
    proposal = propose(client, county)
    bureau = app.test_client()
    log_in(bureau, county["admin"])
    link = f"/admin/requests/new?group={proposal.id}"
    form = bureau.get(link).get_data(as_text=True)
    assert "来自企业组班" in form
    sent = {**tokens(form), "institution": str(county["school"].id), "programme": "电工（中级）", "kind": "skill",
            "town": str(county["town"].id), "people": "40", "weekdays": ["6", "7"], "note": "企业组班"}  # fmt: skip
    page = client.get(f"/enterprise/groups/{proposal.id}").get_data(as_text=True)
    assert client.post(f"/enterprise/groups/{proposal.id}/withdraw", data=tokens(page)).status_code == 303

    response = bureau.post(link, data=sent)
    assert response.status_code == 422 and "企业已撤回这个组班申请" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ClassRequest)) == 0

    # Two admins open the form of one proposal: the second to send is told the first did.
    again = propose(client, county, people="30")
    link = f"/admin/requests/new?group={again.id}"
    other = app.test_client()
    log_in(other, make_user("admin"))
    first, second = (dict(sent, **tokens(c.get(link).get_data(as_text=True))) for c in (bureau, other))
    assert bureau.post(link, data=first).status_code == 303
    assert bureau.post(link, data=first).status_code == 303, "a replay of the first is fine"
    response = other.post(link, data=second)
    assert response.status_code == 422 and "已经为这个组班请院校开班" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ClassRequest)) == 1
