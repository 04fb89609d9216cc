"""企业组班 at 360 px with JavaScript off: an enterprise proposes a group class (the form's errors
first), sees it and its state; the bureau sees it counted on the 驾驶舱 and asks an institution from
it — every page axe-clean, no sideways scroll."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app import demo
from app.extensions import db
from app.models import GroupProposal, Institution
from tests.browser.test_earn import checked
from tests.factories import TODAY
from tests.helpers import log_in_page, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def county(app):
    app.config["CLOCK_TODAY"] = TODAY
    demo.load_demo(TODAY)
    enterprise = db.session.scalar(select(Institution).where(Institution.name == "平湖光电科技有限公司"))
    users = {"enterprise": make_user("enterprise", institution=enterprise), "admin": make_user("admin")}
    db.session.commit()
    yield users
    app.config.pop("CLOCK_TODAY", None)


def test_an_enterprise_proposes_a_group_class_and_the_bureau_asks_for_it(live_server, phone_no_js, phone, county):
    base = live_server.url
    page = phone_no_js.new_page()
    axe_page = phone.new_page()

    log_in_page(page, base, county["enterprise"].username, path="/enterprise/login")
    expect(page.locator("[data-group-id]")).to_have_count(1)  # the demo's proposal
    expect(page.locator("[data-group-id] [data-group-state]")).to_have_text("等待开班")
    page.get_by_role("link", name="申请组班").first.click()
    expect(page).to_have_url(re.compile(r"/enterprise/groups/new$"))
    page.fill("#programme", "电工")
    page.fill("#people", "600")
    page.get_by_role("button", name="提交组班申请").click()
    expect(page.locator(".error-summary")).to_contain_text("电工分等级考证，请选要考哪一级")
    expect(page.locator("#programme")).to_have_value("电工")
    expect(page.locator("#people")).to_have_value("600")
    checked(page, axe_page, "group-form-errors", errors_button="提交组班申请")

    page.select_option("#cert_level", "初级")
    page.select_option("#town", label="新埭镇")
    page.fill("#people", "25")
    page.check("input[name=weekdays][value='6']")
    page.check("input[name=times][value=evening]")
    page.fill("#contact_name", "王敏")
    page.fill("#contact_phone", "139 5730 0002")
    page.get_by_role("button", name="提交组班申请").click()
    expect(page.locator("h1")).to_have_text("组班：电工（初级）")
    expect(page.locator("[data-group-state]")).to_contain_text("等待开班")
    checked(page, axe_page, "group")
    db.session.rollback()  # see what the server committed
    proposal = db.session.scalar(select(GroupProposal).where(GroupProposal.contact_name == "王敏"))
    assert proposal is not None and proposal.people == 25 and proposal.contact_phone == "13957300002"
    db.session.rollback()

    # The bureau: both proposals counted on the 驾驶舱, shown apart; a request made from one.
    log_in_page(page, base, county["admin"].username)
    page.goto(f"{base}/admin/dashboard")
    expect(page.locator("[data-figure=group-demand]")).to_contain_text("其中企业组班 65 人")
    expect(page.locator("#table-groups [data-group-id]")).to_have_count(2)
    expect(page.locator(".suggestions")).to_contain_text("其中企业组班 40 人：平湖光电科技有限公司")
    checked(page, axe_page, "group-dashboard")
    page.locator(f"#table-groups [data-group-id='{proposal.id}']").get_by_role("link").click()
    expect(page.locator("[data-from-group]")).to_contain_text("平湖光电科技有限公司，电工（初级），25名员工")
    expect(page.locator("#people")).to_have_value("25")
    checked(page, axe_page, "group-request-form")
