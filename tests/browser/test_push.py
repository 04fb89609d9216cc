"""Issue 16 at 360 px: a resident's plan shows the new class and its stop link works without
JavaScript; an institution answers the bureau's request with HTMX on; each page passes axe."""

from __future__ import annotations

import re
import uuid

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import ClassRequest, Need, Push
from app.services import needs
from app.services.needs import Wish
from app.services.residents import Person
from tests.factories import TODAY, make_institution, make_offering, make_programme, make_town
from tests.helpers import log_in_page, make_user

pytestmark = pytest.mark.browser


def no_violations(page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_the_plan_shows_the_new_class_and_the_stop_link_works_without_javascript(live_server, phone, phone_no_js, app):
    town = make_town("当湖街道")
    person = Person(name="王芳", phone="13900000001", town_id=town.id, education="高中", work="在职")
    need = needs.report(person, Wish(kind="community", target="烘焙"), submission_id=uuid.uuid4().hex, today=TODAY)
    offering = make_offering(programme=make_programme(name="烘焙", institution=make_institution(town=town)))
    db.session.add(Push(resident_id=need.resident_id, need_id=need.id, offering_id=offering.id, reason="published"))
    db.session.commit()
    checked = phone.new_page()  # axe runs in the page: JavaScript on
    checked.goto(f"{live_server.url}/needs/{need.ref}")
    expect(checked.locator(f'[data-pushed="{offering.id}"]')).to_contain_text("烘焙")
    no_violations(checked)
    checked.goto(f"{live_server.url}/needs/{need.ref}/stop")
    no_violations(checked)

    page = phone_no_js.new_page()
    page.goto(f"{live_server.url}/needs/{need.ref}")
    page.get_by_role("link", name="不想再收到新开课程的短信").click()
    page.get_by_role("button", name="不再发短信给我").click()
    expect(page.locator("[role=status]")).to_contain_text("已停止")
    db.session.rollback()
    assert db.session.get(Need, need.id).resident.push_stopped_at is not None


def test_an_institution_answers_the_bureau_at_360_px(live_server, phone, app):
    town = make_town("新埭镇")
    school = make_institution(name="平湖市职业中专", town=town)
    admin, staff = make_user("admin"), make_user("institution", institution=school)
    asked = ClassRequest(
        submission_id=uuid.uuid4().hex,
        institution_id=school.id,
        town_id=town.id,
        kind="skill",
        programme="电工（初级）",
        people=12,
        weekdays="6,7",
        requested_by_id=admin.id,
    )
    db.session.add(asked)
    db.session.commit()
    page = phone.new_page()
    log_in_page(page, live_server.url, staff.username)
    expect(page).to_have_url(re.compile(r"/admin/offerings$"))
    page.goto(f"{live_server.url}/admin/requests")
    expect(page.locator(f'[data-request-id="{asked.id}"]')).to_contain_text("新埭镇")
    no_violations(page)
    page.get_by_role("link", name="电工（初级）").click()
    no_violations(page)
    page.check("input[value=cannot]")
    page.get_by_role("button", name="回复").click()
    expect(page.locator(".error-summary")).to_contain_text("请写一下原因")
    no_violations(page)
    page.fill("#reason", "没有电工老师")
    page.get_by_role("button", name="回复").click()
    expect(page.locator("[data-answer=cannot]")).to_contain_text("没有电工老师")
    db.session.rollback()
    assert db.session.scalar(select(ClassRequest.answer)) == "cannot"
