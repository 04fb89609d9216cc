"""Sign up on a 360 px phone, with JavaScript (HTMX) and without; the receipt; cancelling; axe; print."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from app.extensions import db
from tests.factories import make_institution, make_offering, make_programme, make_town

pytestmark = pytest.mark.browser


@pytest.fixture
def baking(app):
    town = make_town("当湖街道")
    make_town("乍浦镇")
    school = make_institution("当湖街道社区学校", town=town)
    offering = make_offering(programme=make_programme("烘焙", institution=school), seats=1, senior=True)
    db.session.commit()
    return offering


def no_violations(page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def fill_in(page) -> None:
    page.fill("#name", "王芳")
    page.fill("#phone", "138 1234 5678")
    page.select_option("#town", label="当湖街道")
    page.check("#consent")


def cancel(page) -> None:
    page.click("text=取消这个报名")
    expect(page.locator("h1")).to_have_text("确定取消报名吗？")
    page.get_by_role("button", name="确定取消报名").click()
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "cancelled")


def test_sign_up_with_javascript_at_360px(live_server, phone, baking):
    page = phone.new_page()
    page.goto(f"{live_server.url}/courses/{baking.id}")
    page.click("text=我要报名")
    expect(page).to_have_url(re.compile(rf"/courses/{baking.id}/signup$"))
    no_violations(page)
    loads = []
    page.on("load", lambda: loads.append(page.url))
    page.fill("#phone", "12345")
    page.click("button[type=submit]")
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(page.locator("#phone")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#phone")).to_have_value("12345")
    assert loads == [], "the errors were swapped in by HTMX, not a page load"
    no_violations(page)
    page.screenshot(path="test-results/signup-errors-js-360.png", full_page=True)
    fill_in(page)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/signups/[\w-]+$"))
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "confirmed")
    expect(page.locator(".code")).to_have_text(re.compile(r"XH-\w{6}"))
    expect(page.locator(".qr-figure svg")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "no sideways scrolling"
    no_violations(page)
    page.screenshot(path="test-results/signup-receipt-js-360.png", full_page=True)
    cancel(page)
    no_violations(page)


def test_sign_up_with_javascript_off_at_360px(live_server, phone_no_js, baking):
    page = phone_no_js.new_page()
    page.goto(f"{live_server.url}/courses/{baking.id}/signup")
    page.click("button[type=submit]")
    expect(page).to_have_title(re.compile(r"^错误："))
    expect(page.locator(".error-summary")).to_contain_text("请输入姓名")
    expect(page.locator("#name")).to_have_attribute("aria-invalid", "true")
    page.screenshot(path="test-results/signup-errors-nojs-360.png", full_page=True)
    fill_in(page)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/signups/[\w-]+$"))
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "confirmed")
    page.screenshot(path="test-results/signup-receipt-nojs-360.png", full_page=True)
    cancel(page)
    page.screenshot(path="test-results/signup-cancelled-nojs-360.png", full_page=True)


def test_a_second_person_is_waitlisted_and_the_receipt_prints_on_one_a4_page(live_server, browser, baking):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    for phone_number in ("13800000001", "13800000002"):
        page.goto(f"{live_server.url}/courses/{baking.id}/signup")
        fill_in(page)
        page.fill("#phone", phone_number)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/signups/[\w-]+$"))
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "waitlisted")
    expect(page.locator(".receipt-status")).to_contain_text("候补名单第 1 位")
    page.emulate_media(media="print")
    page.screenshot(path="test-results/signup-receipt-print.png", full_page=True)
    expect(page.locator(".site-header nav")).to_be_hidden()
    pdf = page.pdf(format="A4", print_background=False)
    context.close()
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1, "the receipt prints on one A4 page"


def test_receipt_in_english_passes_axe(live_server, browser, baking):
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.goto(f"{live_server.url}/courses/{baking.id}/signup")
    fill_in(page)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/signups/[\w-]+$"))
    expect(page.locator("h1")).to_have_text("You are signed up")
    no_violations(page)
    context.close()


def test_class_pages_with_a_lottery_record_and_a_group_count_pass_axe(live_server, phone, app, baking):
    import datetime as dt

    from app.services import enrolment

    baking.allocation = "lottery"
    baking.lottery_closes_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    enrolment.draw(baking, seed="0123456789abcdef0123456789abcdef")
    group = make_offering(programme=make_programme("电工（初级）", kind="skill"), seats=30)
    group.min_to_open = 20
    db.session.commit()
    page = phone.new_page()
    page.goto(f"{live_server.url}/courses/{baking.id}")
    expect(page.locator(".lottery")).to_contain_text("0123456789abcdef0123456789abcdef")
    no_violations(page)
    page.goto(f"{live_server.url}/courses/{group.id}")
    expect(page.locator(".group-class")).to_contain_text("已有 0 人报名，满 20 人开班")
    no_violations(page)
    page.screenshot(path="test-results/signup-group-class-360.png", full_page=True)


def test_form_and_receipt_fit_the_page_weight_budget(live_server, phone, baking):
    from tests.browser.test_page_weight import FIRST_VISIT_BUDGET, REPEAT_VISIT_BUDGET, WireMeter

    page = phone.new_page()
    meter = WireMeter(page)
    form = sum(meter.visit(f"{live_server.url}/courses/{baking.id}/signup").values())
    fill_in(page)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/signups/[\w-]+$"))
    receipt = sum(meter.visit(page.url).values())
    assert form <= FIRST_VISIT_BUDGET and receipt <= REPEAT_VISIT_BUDGET, (form, receipt)
