"""A resident reports a need on a phone, with and without JavaScript, and reads the plan."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from app.extensions import db
from app.models import Mentor, Need, Policy
from tests.factories import make_institution, make_offering, make_programme, make_town

pytestmark = pytest.mark.browser


@pytest.fixture
def county(app):
    town = make_town("当湖街道")
    school = make_institution("平湖市技工学校", town=town, type="vocational_school")
    electric = make_offering(
        programme=make_programme(
            "电工（初级）", kind="skill", institution=school, certificate="电工", cert_level="初级"
        ),
        weekday=2,
        start="18:30",
        end="20:30",
    )
    db.session.add_all(
        [
            Policy(code="JN-5", name="初级证书补贴", kind="skill", level="初级", basis="fixed", value=800),
            Mentor(name="顾老师", institution=school, phone="0573-85033401", kinds="skill"),
        ]
    )
    db.session.commit()
    return {"electric": electric}


def fill_in(page):
    page.fill("#name", "王芳")
    page.fill("#phone", "138 1234 5678")
    page.select_option("#town", label="当湖街道")
    page.select_option("#age_band", "30-39")
    page.select_option("#education", "初中")
    page.select_option("#work", "在职")
    page.check("#kind-1")  # 技能提升
    page.fill("#target", "电工证")
    page.check("#weekdays-1")  # 星期二
    page.check("#times-2")  # 晚上
    page.check("#consent")


def assert_axe_clean(page):
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize("javascript", [True, False])
def test_report_a_need_and_read_the_plan(live_server, browser, county, javascript):
    from tests.browser.conftest import PHONE

    context = browser.new_context(**PHONE, locale="zh-CN", java_script_enabled=javascript)
    page = context.new_page()
    page.goto(live_server.url + "/needs/new")
    # First a mistake: the phone is too short and consent is missing.
    fill_in(page)
    page.fill("#phone", "1381234")
    page.uncheck("#consent")
    page.click("button[type=submit]")
    expect(page.locator(".error-summary")).to_be_visible()
    assert page.locator("#name").input_value() == "王芳", "what was typed is kept"
    assert page.locator("#phone").get_attribute("aria-invalid") == "true"
    if javascript:
        expect(page.locator(".error-summary")).to_be_focused()
    page.screenshot(path=f"build/screenshots/need-errors-{'js' if javascript else 'nojs'}-360.png", full_page=True)
    page.fill("#phone", "13812345678")
    page.check("#consent")
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/needs/[\w-]{20,}$"))
    expect(page.locator(f'[data-offering-id="{county["electric"].id}"]')).to_be_visible()
    expect(page.locator("main")).to_contain_text("完成后预计可领补贴 ¥800")
    expect(page.locator("main")).to_contain_text("顾老师")
    page.screenshot(path=f"build/screenshots/need-plan-{'js' if javascript else 'nojs'}-360.png", full_page=True)
    context.close()
    assert db.session.query(Need).count() == 1


def test_need_form_and_plan_pass_axe(live_server, phone, county):
    page = phone.new_page()
    page.goto(live_server.url + "/needs/new")
    assert_axe_clean(page)
    page.click("button[type=submit]")
    expect(page.locator(".error-summary")).to_be_visible()
    assert_axe_clean(page)
    fill_in(page)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/needs/[\w-]{20,}$"))
    assert_axe_clean(page)


def test_choosing_a_kind_updates_the_target_fields_in_place(live_server, phone, county):
    page = phone.new_page()
    page.goto(live_server.url + "/needs/new")
    expect(page.locator("#major")).to_be_visible()
    page.check("#kind-1")  # 技能提升: no major
    expect(page.locator("#major")).to_have_count(0)
    expect(page.locator("#target-hint")).to_contain_text("电工证")
    page.check("#kind-0")  # 学历提升
    expect(page.locator("#major")).to_be_visible()
