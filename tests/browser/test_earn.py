"""Learn → earn at 360 px with JavaScript off: a resident's record and jobs, an enterprise's job and
learners, a workshop leader's order, the bureau's checks — every page axe-clean, no sideways scroll."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select

from app import demo
from app.extensions import db
from app.models import Institution, Town, WorkOrder
from tests.browser.conftest import SCREENSHOTS
from tests.factories import TODAY
from tests.helpers import log_in_page, make_user

pytestmark = pytest.mark.browser


def no_violations(page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def checked(page, axe_page, name: str, errors_button: str | None = None) -> None:
    """The page (JavaScript off) fits 360 px, with a screenshot for people to look at; the same page
    passes axe (which needs JavaScript: opened again, with the same log-in, in a context that has
    it), after pressing `errors_button` there when the form's error state is what to check."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, f"{name}: no sideways scrolling"
    page.screenshot(path=str(SCREENSHOTS / f"earn-{name}-360.png"), full_page=True)
    axe_page.context.clear_cookies()
    axe_page.context.add_cookies(page.context.cookies())
    axe_page.goto(page.url)
    if errors_button:
        axe_page.get_by_role("button", name=errors_button).click()
        expect(axe_page.locator(".error-summary")).to_be_visible()
    no_violations(axe_page)


@pytest.fixture
def county(app):
    app.config["CLOCK_TODAY"] = TODAY
    demo.load_demo(TODAY)
    town = db.session.scalar(select(Town).where(Town.name == "当湖街道"))
    enterprise = db.session.scalar(select(Institution).where(Institution.name == "平湖光电科技有限公司"))
    users = {
        "enterprise": make_user("enterprise", institution=enterprise),
        "worker": make_user("worker", town=town),
        "admin": make_user("admin"),
    }
    db.session.commit()
    yield users
    app.config.pop("CLOCK_TODAY", None)


def test_the_journey_as_resident_enterprise_and_workshop_leader(live_server, phone_no_js, phone, app, county):
    base = live_server.url
    page = phone_no_js.new_page()
    axe_page = phone.new_page()

    page.goto(f"{base}/jobs")
    expect(page.locator("[data-job-id]")).to_have_count(5)
    checked(page, axe_page, "jobs")

    # A resident: the code by SMS, then the learning record and the jobs it fits.
    page.goto(f"{base}/me")
    page.fill("#phone", "13900000001")
    page.get_by_role("button", name="获取验证码").click()
    code = re.search(r"\d{6}", app.extensions["sms"].outbox[-1][1]).group(0)
    page.fill("#code", code)
    page.get_by_role("button", name="查看我的学习").click()
    expect(page.locator("#record + ul [data-record=earned]")).to_contain_text("电工（初级）")
    expect(page.locator(".reasons").first).to_contain_text("您有电工初级证；本镇；白班")
    expect(page.locator("[data-job-step]")).to_contain_text("再学电工中级，就能申请“设备维修电工”")
    checked(page, axe_page, "me")
    page.get_by_role("link", name="登记我已有的证书或学历").click()
    page.get_by_role("button", name="提交核对").click()
    expect(page.locator(".error-summary")).to_be_visible()
    checked(page, axe_page, "me-declare-errors", errors_button="提交核对")
    page.goto(f"{base}/me/work")
    checked(page, axe_page, "me-work")

    # An enterprise: a job for 电工 中级 shows the opted-in holder, masked.
    log_in_page(page, base, county["enterprise"].username, path="/enterprise/login")
    expect(page).to_have_url(re.compile(r"/enterprise/$"))
    checked(page, axe_page, "enterprise")
    page.goto(f"{base}/enterprise/jobs/new")
    page.get_by_role("button", name="发布").click()
    expect(page.locator(".error-summary")).to_be_visible()
    checked(page, axe_page, "enterprise-job-errors", errors_button="发布")
    page.fill("#title", "电气维修")
    page.select_option("#town", label="钟埭街道")
    page.fill("#pay_min", "6000")
    page.fill("#pay_max", "8000")
    page.check("input[value=day]")
    page.fill("#occupation", "电工")
    page.select_option("#cert_level", "中级")
    page.fill("#openings", "2")
    page.get_by_role("button", name="发布").click()
    expect(page.locator("[data-learner]")).to_have_count(1)
    expect(page.locator("[data-learner]")).to_contain_text("李**")
    expect(page.locator("[data-learner]")).not_to_contain_text("13900000002")
    checked(page, axe_page, "enterprise-job")
    page.goto(f"{base}/enterprise/orders/new")
    checked(page, axe_page, "enterprise-order-form")
    order = db.session.scalar(select(WorkOrder).where(WorkOrder.what == "拉链头装配"))
    db.session.rollback()

    # A workshop leader: the orders for their town, one shared out, a portion's pieces recorded.
    log_in_page(page, base, county["worker"].username, path="/worker/login")
    page.goto(f"{base}/worker/workshop/")
    checked(page, axe_page, "workshop")
    page.goto(f"{base}/worker/workshop/orders/{order.id}")
    expect(page.locator("[data-portion]")).to_have_count(3)
    page.get_by_role("button", name="分活").click()
    expect(page.locator(".error-summary")).to_be_visible()
    checked(page, axe_page, "workshop-order", errors_button="分活")

    log_in_page(page, base, county["admin"].username)
    page.goto(f"{base}/admin/learning-claims")
    checked(page, axe_page, "learning-claims")
    page.goto(f"{base}/admin/dashboard#conversion")
    expect(page.locator("#conversion [data-figure=hired]")).to_have_text("1")
    checked(page, axe_page, "dashboard")
