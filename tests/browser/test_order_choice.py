"""A resident choosing 共富工坊 work at 360 px with JavaScript off: the orders their workshop has
taken, asking for pieces (an error first, then a number), the state on /me/work; the workshop
leader confirming it. Every page axe-clean, no sideways scroll."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app import demo
from app.extensions import db
from app.models import Resident, Town, WorkOrder, WorkPortion, WorkRequest
from app.services import learning
from tests.browser.test_earn import checked
from tests.factories import TODAY
from tests.helpers import log_in_page, make_user

pytestmark = pytest.mark.browser

PHONE = "13900000088"


@pytest.fixture
def village(app):
    app.config["CLOCK_TODAY"] = TODAY
    demo.load_demo(TODAY)
    town = db.session.scalar(select(Town).where(Town.name == "当湖街道"))
    person = Resident(phone=PHONE, name="顾红梅", town=town, consent_method="online")
    db.session.add(person)
    db.session.flush()
    earned = TODAY - dt.timedelta(days=60)
    claim = learning.declare(person.id, uuid.uuid4().hex, "certificate", "缝纫工五级", earned, None)
    claim.status = "accepted"
    leader = make_user("worker", town=town)
    db.session.commit()
    yield {"leader": leader, "resident": person}
    app.config.pop("CLOCK_TODAY", None)


def sign_in(page, base: str, app, phone: str) -> None:
    """At /me with the one-time code, as someone new to this phone (cookies cleared)."""
    page.context.clear_cookies()
    page.goto(f"{base}/me")
    page.fill("#phone", phone)
    page.get_by_role("button", name="获取验证码").click()
    code = re.search(r"\d{6}", app.extensions["sms"].outbox[-1][1]).group(0)
    page.fill("#code", code)
    page.get_by_role("button", name="查看我的学习").click()


def test_a_resident_asks_for_pieces_and_the_leader_confirms(live_server, phone_no_js, phone, app, village):
    base = live_server.url
    page = phone_no_js.new_page()
    axe_page = phone.new_page()
    order_id = db.session.scalar(select(WorkOrder.id).where(WorkOrder.what == "拉链头装配"))
    resident_id, leader = village["resident"].id, village["leader"].username

    # The demo learner 王建明 holds 电工, not 缝纫工: he is told why he cannot ask.
    sign_in(page, base, app, "13900000001")
    page.get_by_role("link", name="共富工坊可以领的活").click()
    card = page.locator(f'[data-choice="{order_id}"]')
    expect(card).to_have_attribute("data-open", "no")
    expect(card).to_contain_text("需要缝纫工初级")
    checked(page, axe_page, "me-orders-not-open")

    # 顾红梅 (缝纫工初级, checked) asks: 200 of the 400 left are held for 徐丽萍's request.
    sign_in(page, base, app, PHONE)
    page.goto(f"{base}/me/orders")
    card = page.locator(f'[data-choice="{order_id}"]')
    expect(card).to_have_attribute("data-open", "yes")
    expect(card).to_contain_text("还剩 200 件可领")
    checked(page, axe_page, "me-orders")
    card.get_by_role("link", name="申请领活").click()
    page.fill("#quantity", "300")
    page.get_by_role("button", name="申请领活").click()
    expect(page.locator(".error-summary")).to_contain_text("剩下可分的只有 200 件")
    expect(page.locator("#quantity")).to_have_value("300")
    expect(page).to_have_title(re.compile("^错误："))
    checked(page, axe_page, "me-order-errors", errors_button="申请领活")
    page.fill("#quantity", "150")
    page.get_by_role("button", name="申请领活").click()
    expect(page.locator("[data-asked]")).to_contain_text("已申请 150 件，做完可得 ¥22.50")
    expect(page.locator("[data-state=asked]")).to_contain_text("等工坊负责人确认")
    checked(page, axe_page, "me-order-asked")
    page.goto(f"{base}/me/work")
    expect(page.locator("[data-work-request=asked]")).to_contain_text("拉链头装配")
    checked(page, axe_page, "me-work-asked")

    # The leader sees both requests and confirms hers with 120 pieces.
    log_in_page(page, base, leader, path="/worker/login")
    page.goto(f"{base}/worker/workshop/orders/{order_id}")
    expect(page.locator("[data-request]")).to_have_count(2)
    checked(page, axe_page, "workshop-requests")
    db.session.rollback()  # a fresh read of what the server wrote
    request = db.session.scalar(select(WorkRequest).where(WorkRequest.resident_id == resident_id))
    section = page.locator(f"#request-{request.id}")
    section.locator("input[inputmode=numeric]").fill("120")
    section.get_by_role("button", name="确认").click()
    expect(page.locator(".notice-ok")).to_contain_text("已确认：分给顾红梅 120 件")
    expect(page.locator("[data-request]")).to_have_count(1)
    checked(page, axe_page, "workshop-confirmed")
    db.session.rollback()
    portion = db.session.scalar(select(WorkPortion).where(WorkPortion.resident_id == resident_id))
    assert portion is not None and portion.quantity == 120
