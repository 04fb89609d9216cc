"""Institution staff at 360 px: log in, import a term from the template, move a session; the bureau's
dashboard and a management page pass axe; screenshots for people to look at."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from app.extensions import db
from app.models import Offering
from tests.admin_world import make_side
from tests.browser.conftest import SCREENSHOTS
from tests.factories import make_institution, make_town
from tests.helpers import log_in_page, make_user

pytestmark = pytest.mark.browser


def no_violations(page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_a_term_from_the_template_then_one_session_moved(live_server, phone, app, tmp_path):
    town = make_town("当湖街道")
    make_town("钟埭街道")
    school = make_institution("当湖街道社区学校", town=town)
    staff = make_user("institution", institution=school)
    db.session.commit()
    page = phone.new_page()
    log_in_page(page, live_server.url, staff.username)
    expect(page).to_have_url(re.compile(r"/admin/offerings$"))
    page.goto(f"{live_server.url}/admin/import")
    with page.expect_download() as download:
        page.click("[data-template=xlsx]")
    template = tmp_path / "term.xlsx"
    download.value.save_as(template)
    page.set_input_files("#file", str(template))
    page.get_by_role("button", name="导入").click()
    expect(page.locator("[role=status]")).to_contain_text("新开 3 个班")
    page.screenshot(path=str(SCREENSHOTS / "admin-offerings-360.png"), full_page=True)
    page.click("text=电工（初级）")
    no_violations(page)
    page.get_by_role("link", name=re.compile("调课或停课")).first.click()
    page.check("input[value=cancel]")
    page.fill("#note", "教师外出培训")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("[data-session-status=cancelled]")).to_have_count(1)
    page.screenshot(path=str(SCREENSHOTS / "admin-offering-360.png"), full_page=True)
    db.session.rollback()  # end the test's read snapshot: the server wrote since
    assert db.session.scalar(db.select(db.func.count(Offering.id))) == 3


def test_dashboard_and_a_list_pass_axe_at_360px(live_server, phone, app):
    town = make_town("当湖街道")
    admin = make_user("admin")
    make_side(town, "本校", "13800000001", admin)
    db.session.commit()
    page = phone.new_page()
    log_in_page(page, live_server.url, admin.username)
    expect(page).to_have_url(re.compile(r"/admin/dashboard$"))
    expect(page.locator("svg[role=img]")).to_have_count(4)
    no_violations(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, "no sideways scrolling at 360 px"
    page.screenshot(path=str(SCREENSHOTS / "admin-dashboard-360.png"), full_page=True)
    page.locator("#chart-funnel").screenshot(path=str(SCREENSHOTS / "admin-dashboard-funnel-360.png"))
    page.goto(f"{live_server.url}/admin/policies/new")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".error-summary")).to_be_visible()
    no_violations(page)
    page.goto(f"{live_server.url}/admin/outcomes?show=all")
    no_violations(page)
