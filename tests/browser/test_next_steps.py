"""Issue 19's journeys on a 360 px phone, in Chinese and in English, with nothing wider than the
screen and axe-clean: a worker goes from a need to its plan to signing the same resident up; a
resident reads how to pay and claim on a degree receipt, cancels, and signs up again."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Enrolment, Need, Policy
from app.services.staff import create_or_update_user
from tests.browser.conftest import PHONE, SCREENSHOTS
from tests.browser.test_needs import assert_axe_clean
from tests.factories import make_institution, make_offering, make_programme, make_town
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser
LOCALES = {"zh": "zh-CN", "en": "en-US"}


@pytest.fixture
def county(app):
    town = make_town("当湖街道")
    school = make_institution("平湖市职业中等专业学校", town=town, phone="0573-85022345")
    electric = make_programme("电工（初级）", kind="skill", institution=school, certificate="电工", cert_level="初级")
    make_offering(programme=electric, weekday=2, start="18:30", end="20:30", fee=3200, town=town)
    degree = make_programme(
        "机电一体化技术（专科）", kind="degree", institution=school, degree_level="专科", tuition=7200
    )
    db.session.add(
        Policy(
            code="XL-ZK-HJ",
            name="大专学历提升学费补助（户籍）",
            kind="degree",
            level="专科",
            residence="户籍",
            basis="tuition_percent",
            value=30,
            cap=3000,
            claim_months=12,
        )
    )
    make_offering(programme=degree, fee=7200, weekday=7, start="13:30", end="17:00", town=town)
    create_or_update_user("worker", "zhang", PASSWORD, None, str(town.id), name="张")
    db.session.commit()
    return town


def fits(page) -> None:
    """Nothing wider than the 360 px screen: no sideways scroll."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} is {width} px wide"


@pytest.mark.parametrize("language", ["zh", "en"])
def test_worker_need_then_plan_then_signs_the_same_resident_up(live_server, browser, county, language):
    context = browser.new_context(**PHONE, locale=LOCALES[language])
    page = context.new_page()
    base = live_server.url
    page.goto(base + "/worker/needs/new")  # sent to the log-in page, then back
    page.fill("#username", "zhang")
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(base + "/worker/needs/new")
    page.fill("#name", "王芳")
    page.fill("#phone", "13812345678")
    page.select_option("#town", label="当湖街道")
    page.select_option("#age_band", "30-39")
    page.select_option("#education", "初中")
    page.select_option("#work", "在职")
    page.check("#kind-1")  # skill
    page.fill("#target", "电工证")
    page.check("#weekdays-1")  # Tuesday
    page.check("#consent_method-0")
    page.check("#consent")
    page.locator("form.stack-form button[type=submit]").click()
    page.locator("button[value=confirm]").click()
    plan = page.locator("[data-plan]")
    expect(plan).to_contain_text("电工（初级）")
    fits(page)
    assert_axe_clean(page)
    page.screenshot(path=str(SCREENSHOTS / f"worker-need-plan-{language}-360.png"), full_page=True)

    page.locator("[data-signup-for-need]").first.click()
    expect(page.locator("#name")).to_have_value("王芳")
    expect(page.locator("#phone")).to_have_value("")  # offered from the need, never shown
    page.check("#consent_method-0")
    page.check("#consent")
    page.locator("form.stack-form button[type=submit]").click()
    readback = page.locator("[data-readback-class]")
    expect(readback).to_contain_text("电工（初级）")
    expect(readback).to_contain_text("18:30")
    expect(readback).to_contain_text("社区活动室")
    expect(page.locator("dl.readback").last).to_contain_text("138****5678")
    fits(page)
    assert_axe_clean(page)
    page.screenshot(path=str(SCREENSHOTS / f"worker-signup-readback-{language}-360.png"), full_page=True)
    page.locator("button[value=confirm]").click()
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "confirmed")
    db.session.commit()  # end this thread's read snapshot
    need = db.session.scalar(select(Need))
    enrolment = db.session.scalar(select(Enrolment))
    assert enrolment.resident_id == need.resident_id, "the same resident"
    context.close()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_resident_receipt_pay_and_claim_then_cancel_then_sign_up_again(live_server, browser, county, language):
    context = browser.new_context(**PHONE, locale=LOCALES[language])
    page = context.new_page()
    base = live_server.url
    page.goto(base + "/")
    box = page.locator(".ways li").last.bounding_box()
    assert box["y"] + box["height"] <= 740, "the three ways in are above the fold"
    fits(page)

    page.goto(base + "/courses?q=机电")
    card = page.locator(".card-link").first
    spot = card.locator("p").nth(1).bounding_box()  # the institution line, not the title
    page.mouse.click(spot["x"] + 5, spot["y"] + spot["height"] / 2)  # the title's link covers the whole card
    expect(page).to_have_url(re.compile(r"/courses/\d+\?q="))
    page.locator("p.back a").click()
    expect(page).to_have_url(re.compile(r"/courses\?q="))
    expect(page.locator("#q")).to_have_value("机电")
    card.locator("h2 a").click()

    def sign_up() -> None:
        page.fill("#name", "王芳")
        page.fill("#phone", "13812345678")
        page.select_option("#town", label="当湖街道")
        page.check("#consent")
        page.locator("main form button[type=submit]").click()
        expect(page.locator("[data-status]")).to_have_attribute("data-status", "confirmed")

    page.locator("main a[href$='/signup']").first.click()
    sign_up()
    pay = page.locator("[data-pay-claim]")
    expect(pay).to_contain_text("¥7,200")
    expect(pay).to_contain_text("0573-85022345")
    expect(pay.locator("[data-policy='XL-ZK-HJ']")).to_contain_text("¥2,160")
    expect(page.locator(".qr-figure")).to_have_count(1)
    fits(page)
    assert_axe_clean(page)
    page.screenshot(path=str(SCREENSHOTS / f"receipt-degree-{language}-360.png"), full_page=True)

    page.locator("a[href$='/cancel']").first.click()
    page.locator("main form button[type=submit]").click()
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "cancelled")
    expect(page.locator(".qr-figure")).to_have_count(0)
    expect(page.locator("[data-pay-claim]")).to_have_count(0)
    fits(page)
    assert_axe_clean(page)
    page.locator("[data-signup-again]").click()
    sign_up()
    db.session.commit()
    live = db.session.scalars(select(Enrolment).where(Enrolment.status == "confirmed")).all()
    assert len(live) == 1
    context.close()
