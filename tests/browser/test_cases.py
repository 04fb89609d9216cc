"""Issue 16 at 360 px: a worker's caseload and a case (JavaScript off too), a resident's data page,
a mentor's residents; each page passes axe and does not scroll sideways."""

from __future__ import annotations

import re
import uuid

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from app.extensions import db
from app.models import CaseEvent, Mentor, Need, Resident
from tests.browser.conftest import SCREENSHOTS
from tests.factories import make_institution, make_town
from tests.helpers import log_in_page, make_user

pytestmark = pytest.mark.browser
PHONE = "13812345678"


def checked(page, name: str) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "no sideways scrolling at 360 px"
    page.screenshot(path=str(SCREENSHOTS / f"{name}-360.png"), full_page=True)


@pytest.fixture
def world(app):
    town = make_town("东镇")
    school = make_institution("技工学校", town=town)
    worker = make_user("worker", town)
    account = make_user("mentor")
    mentor = Mentor(name="顾老师", institution=school, phone="13900000001", kinds="skill", user_id=account.id)
    resident = Resident(phone=PHONE, name="王芳", town=town, consent_method="online")
    db.session.add_all([mentor, resident])
    db.session.flush()
    need = Need(ref=uuid.uuid4().hex, submission_id=uuid.uuid4().hex, resident=resident, kind="skill", target="电工",
                mentor=mentor)  # fmt: skip
    db.session.add(need)
    db.session.commit()
    return {"worker": worker, "mentor": account, "need": need}


def test_caseload_and_a_case_pass_axe(live_server, phone, world):
    page = phone.new_page()
    log_in_page(page, live_server.url, world["worker"].username, path="/worker/login")
    page.get_by_role("link", name="我的个案（要跟进的居民）").click()
    expect(page.get_by_role("heading", name="我的个案")).to_be_visible()
    checked(page, "worker-cases")
    page.get_by_role("link", name="王芳").click()
    page.fill("#next_contact", "下周")
    page.get_by_role("button", name="保存这次联系").click()
    expect(page.locator(".error-summary")).to_be_visible()
    checked(page, "worker-case-error")


def test_a_case_is_updated_with_javascript_off(live_server, phone_no_js, world):
    page = phone_no_js.new_page()
    log_in_page(page, live_server.url, world["worker"].username, path="/worker/login")
    page.goto(f"{live_server.url}/worker/cases/need/{world['need'].id}")
    page.get_by_label("已联系").check()
    page.fill("#note", "周六有空")
    page.get_by_role("button", name="保存这次联系").click()
    expect(page.locator("p.notice[role=status]")).to_have_text("已保存。")
    expect(page.get_by_text("周六有空").first).to_be_visible()
    db.session.rollback()  # end the test's read snapshot: see what the server saved
    assert db.session.query(CaseEvent).count() == 1


def test_my_data_and_a_mentors_pages_pass_axe(live_server, phone, app, world):
    page = phone.new_page()
    page.goto(f"{live_server.url}/me")
    page.fill("#phone", PHONE)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator("#code")).to_be_visible()
    code = re.search(r"\d{6}", app.extensions["sms"].outbox[-1][1]).group(0)
    page.fill("#code", code)
    page.get_by_role("button", name="查看我的学习").click()
    expect(page.get_by_text("顾老师")).to_be_visible()
    page.get_by_role("link", name=re.compile("我的信息")).click()
    expect(page.get_by_role("heading", name="我的信息", exact=True)).to_be_visible()
    checked(page, "me-data")

    mentor = phone.new_page()
    log_in_page(mentor, live_server.url, world["mentor"].username, path="/worker/login")
    expect(mentor).to_have_url(re.compile(r"/mentor/$"))
    checked(mentor, "mentor-residents")
    mentor.get_by_role("link", name="王芳").click()
    checked(mentor, "mentor-resident")
