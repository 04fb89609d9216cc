"""What happens next is on the worker's page (issue 19, workers): the saved need shows the plan
with a "帮他报名" step for the same resident, a found resident is a card with their needs,
sign-ups, call-backs and actions, a call-back says which class and whether she is already in it,
the read-back says the class, time and place, and the forms speak of the resident, not to them."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import CallbackRequest, Enrolment, Need, Resident
from tests.admin_world import enrol
from tests.factories import TODAY, make_institution, make_offering, make_programme, make_town
from tests.helpers import hidden, tokens
from tests.test_needs import answers


@pytest.fixture
def town(app):
    town = make_town("当湖街道")
    school = make_institution("当湖街道成人学校", town=town)
    electric = make_programme("电工（初级）", kind="skill", institution=school, certificate="电工", cert_level="初级")
    make_offering(programme=electric, weekday=2, start="18:30", end="20:30", fee=3200, town=town)
    db.session.commit()
    return town


def save_need(client) -> str:
    """The worker enters a need, reads it back, the resident confirms: the saved page's address."""
    form = client.get("/worker/needs/new").get_data(as_text=True)
    data = {**tokens(form), **answers(), "consent_method": "口头同意", "step": "confirm"}
    response = client.post("/worker/needs/new", data=data)
    assert response.status_code == 303
    return response.headers["Location"]


def test_the_saved_need_shows_the_plan_and_signs_the_same_resident_up(client, login_as, town):
    """Before: the saved page said only "已保存" and "下一位居民"."""
    login_as("worker", town=town)
    saved = client.get(save_need(client)).get_data(as_text=True)
    need = db.session.scalar(select(Need))
    assert "给居民推荐的班级" in saved and "电工（初级）" in saved
    step = re.search(r'<a class="button" href="([^"]+)" data-signup-for-need>帮他报名', saved)
    assert step, "a sign-up step on the plan's class"
    form = client.get(unescape(step.group(1))).get_data(as_text=True)
    assert hidden(form, "need") == need.ref and 'value="王芳"' in form
    assert "13812345678" not in form and "138****5678" in form, "the phone is offered, never shown"
    data = {
        **tokens(form),
        "need": need.ref,
        "name": "王芳",
        "phone": "",
        "town": str(town.id),
        "consent_method": "口头同意",
        "consent": "y",
        "step": "review",
    }
    offering_id = int(re.search(r"/worker/courses/(\d+)/signup", step.group(1)).group(1))
    readback = client.post(f"/worker/courses/{offering_id}/signup", data=data).get_data(as_text=True)
    klass = readback[readback.index("data-readback-class") : readback.index("</dl>")]
    for expected in (
        "电工（初级）（当湖街道成人学校）",
        "每星期二 18:30–20:30",
        "2026年12月15日星期二",
        "社区活动室（当湖街道）",
        "¥3,200",
    ):
        assert expected in klass, expected
    assert "登记学习需求时的号码 138****5678" in readback
    done = client.post(f"/worker/courses/{offering_id}/signup", data={**data, "step": "confirm"})
    assert done.status_code == 303
    enrolment = db.session.scalar(select(Enrolment))
    assert enrolment.resident_id == need.resident_id and enrolment.source == "assisted"


def test_a_found_resident_is_a_card_with_needs_sign_ups_call_backs_and_actions(client, login_as, town):
    """Before: a found resident was an inert card (name, number, town)."""
    worker = login_as("worker", town=town)
    save_need(client)
    need = db.session.scalar(select(Need))
    baking = make_offering(name="烘焙", town=town, weekday=4, start="14:00", end="15:30")
    enrol(baking, "13812345678")
    db.session.add(
        CallbackRequest(
            submission_id="c" * 32, name="王芳", phone="13812345678", town_id=town.id, offering_id=baking.id
        )
    )
    db.session.commit()
    page = client.get("/worker/residents").get_data(as_text=True)
    html = client.post("/worker/residents", data={**tokens(page), "q": "王芳"}).get_data(as_text=True)
    card = html[html.index("data-resident-id") :]
    needs = card[card.index("data-needs") : card.index("</ul>", card.index("data-needs"))]
    assert "技能提升 · 电工证" in needs and f'href="/needs/{need.ref}"' in needs
    signups = card[card.index("data-signups") : card.index("</ul>", card.index("data-signups"))]
    assert "<strong>烘焙</strong> · 已确认" in signups
    assert "每星期四 14:00–15:30" in signups and "社区活动室（当湖街道）" in signups
    assert "想报名：烘焙（每星期四 14:00–15:30）" in card[card.index("data-callbacks") :]
    assert f'href="/worker/needs/{need.ref}"' in card, "帮他报名: the latest need's plan"
    resident = db.session.scalar(select(Resident))
    assert f'href="/worker/needs/new?resident={resident.id}"' in card
    plan = client.get(f"/worker/needs/{need.ref}").get_data(as_text=True)
    assert "王芳 的学习计划" in plan and "data-signup-for-need" in plan and "data-saved-submission" not in plan
    new = client.get(f"/worker/needs/new?resident={resident.id}").get_data(as_text=True)
    assert 'value="王芳"' in new and 'value="13812345678"' in new, "record a need: what we know is filled in"
    assert worker.town_id == resident.town_id


def test_another_towns_resident_shows_no_records_and_no_prefill(client, login_as, town):
    other = make_town("乍浦镇")
    stranger = Resident(phone="13912345678", name="王强", town_id=other.id, consent_method="online")
    db.session.add(stranger)
    db.session.flush()
    db.session.add(Need(ref="r" * 24, submission_id="n" * 32, resident=stranger, kind="community", target="书法"))
    db.session.commit()
    login_as("worker", town=town)
    page = client.get("/worker/residents").get_data(as_text=True)
    html = client.post("/worker/residents", data={**tokens(page), "q": "王强"}).get_data(as_text=True)
    assert "139****5678" in html and "书法" not in html and "data-needs" not in html
    assert client.get(f"/worker/needs/{'r' * 24}").status_code == 404
    new = client.get(f"/worker/needs/new?resident={stranger.id}").get_data(as_text=True)
    assert "王强" not in new and "13912345678" not in new


def test_a_call_back_says_which_class_and_that_she_is_already_in_its_lottery(client, login_as, town):
    """Before: "想报名：书法", nothing more."""
    login_as("worker", town=town)
    lottery = make_offering(name="书法", town=town, weekday=1, start="09:00", end="10:30")
    lottery.allocation = "lottery"
    lottery.lottery_closes_at = dt.datetime.combine(TODAY + dt.timedelta(days=5), dt.time(12), dt.UTC)
    other = make_offering(name="太极", town=town, weekday=3)
    entered = enrol(lottery, "13700000001", name="李阿姨")
    db.session.add_all(
        [
            CallbackRequest(
                submission_id="a" * 32, name="李阿姨", phone="13700000001", town_id=town.id, offering_id=lottery.id
            ),
            CallbackRequest(
                submission_id="b" * 32, name="张阿姨", phone="13700000002", town_id=town.id, offering_id=other.id
            ),
        ]
    )
    db.session.commit()
    assert entered.status == "received"
    html = client.get("/worker/").get_data(as_text=True)
    first = html[html.index('data-callback-id="') :]
    assert "想报名：书法" in first and "每星期一 09:00–10:30 · 社区活动室（当湖街道）" in first
    assert f"已在这个班的摇号名单里（报名号 {entered.code}），不用再报。" in first
    callback = db.session.scalar(select(CallbackRequest).where(CallbackRequest.phone == "13700000002"))
    link = f'href="/worker/courses/{other.id}/signup?callback={callback.id}"'
    assert 'data-standing="none"' in html and link in html
    form = client.get(f"/worker/courses/{other.id}/signup?callback={callback.id}").get_data(as_text=True)
    assert 'value="张阿姨"' in form and 'value="13700000002"' in form


def test_worker_forms_speak_of_the_resident_not_to_them(client, login_as, town):
    """Before: the assisted need form asked the worker "您住在哪个镇/街道？"."""
    login_as("worker", town=town)
    page = client.get("/worker/needs/new").get_data(as_text=True)
    form = page[page.index('<form class="stack-form"') : page.index("</form>", page.index('<form class="stack-form"'))]
    assert "您" not in form
    assert "居民住在哪个镇/街道？" in form and "就在居民住的镇/街道" in form
    wrong = client.post("/worker/needs/new", data={**tokens(page), **answers(town=None), "step": "review"})
    assert wrong.status_code == 422 and "请选择居民住的镇/街道" in wrong.get_data(as_text=True)
    public = client.get("/needs/new").get_data(as_text=True)
    assert "您住在哪个镇/街道？" in public, "the resident's own form still speaks to them"
    english = client.get("/worker/needs/new", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Which town or subdistrict does the resident live in?" in english


def test_a_found_resident_without_a_need_is_signed_up_from_the_catalogue(client, login_as, town):
    login_as("worker", town=town)
    resident = Resident(phone="13812340000", name="李强", town_id=town.id, consent_method="online")
    db.session.add(resident)
    db.session.commit()
    page = client.get("/worker/residents").get_data(as_text=True)
    html = client.post("/worker/residents", data={**tokens(page), "q": "李强"}).get_data(as_text=True)
    action = re.search(r'<a class="button" href="([^"]+)" data-signup-resident>帮他报名', html).group(1)
    assert unescape(action) == f"/courses?resident={resident.id}"
    listing = client.get(unescape(action)).get_data(as_text=True)
    assert f'name="resident" value="{resident.id}"' in listing, "a filter keeps who the class is for"
    link = unescape(re.search(r'<h2 class="card-title"><a href="([^"]+)">', listing).group(1))
    assert link.endswith(f"?resident={resident.id}")
    detail = client.get(link).get_data(as_text=True)
    signup = re.search(r'href="(/worker/courses/\d+/signup\?resident=\d+)"', detail).group(1)
    form = client.get(signup).get_data(as_text=True)
    assert 'value="李强"' in form and 'value="13812340000"' in form
