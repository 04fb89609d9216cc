"""Issue 19 at 360 px: an institution opens a class meeting twice a week with a lottery, in Chinese
and in English; the 长辈版's English home fits the screen (大字 too) and its error links are 60 × 60;
the audit log's table is reachable by keyboard; axe finds nothing on the pages changed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from app.extensions import db
from app.models import Offering, Session
from tests.browser.conftest import SCREENSHOTS
from tests.factories import make_institution, make_offering, make_programme, make_town
from tests.helpers import log_in_page, make_user

pytestmark = pytest.mark.browser


def no_violations(page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def fits(page) -> None:
    wide = page.evaluate(
        "() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 361)"
        ".slice(-5).map(e => e.tagName + '.' + e.className + ' ' + e.textContent.slice(0, 30))"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, f"sideways scroll on {page.url}: {wide}"


@pytest.fixture
def school(app):
    town = make_town("当湖街道")
    town.name_en = "Danghu Subdistrict"
    institution = make_institution("当湖街道社区学校", town=town)
    institution.name_en = "Danghu Community School"
    make_programme(name="书法", institution=institution, name_en="Calligraphy")
    staff = make_user("institution", institution=institution)
    db.session.commit()
    return staff


@pytest.mark.parametrize(
    "language, code, tuesday, thursday, save",
    [
        ("zh", "SF-ZH-01", "星期二", "星期四", "保存"),
        ("en", "SF-EN-01", "Tuesday", "Thursday", "Save"),
    ],
)
def test_a_class_twice_a_week_with_a_lottery_at_360px(
    live_server, phone, app, school, language, code, tuesday, thursday, save
):
    page = phone.new_page()
    log_in_page(page, live_server.url, school.username)
    expect(page).to_have_url(re.compile(r"/admin/offerings$"))
    if language == "en":
        page.goto(f"{live_server.url}/lang/en?next=/admin/offerings")
    page.goto(f"{live_server.url}/admin/offerings/new")
    fits(page)
    page.select_option("#programme", label="Calligraphy" if language == "en" else "书法")
    page.fill("#code", code)
    page.select_option("#town", label="Danghu Subdistrict" if language == "en" else "当湖街道")
    page.fill("#place", "社区学校 301 教室")
    assert page.locator("#start_date").get_attribute("type") == "date"
    page.fill("#start_date", "2027-03-01")
    page.fill("#end_date", "2027-03-31")
    page.get_by_label(tuesday, exact=True).check()
    page.get_by_label(thursday, exact=True).check()
    page.fill("#start_time", "09:00")
    page.fill("#end_time", "10:30")
    page.fill("#capacity", "20")
    page.fill("#signup_deadline", "2027-02-27")
    page.check("input[name=allocation][value=lottery]")
    page.get_by_role("button", name=save).click()
    # The lottery's day was left out: the form comes back with everything kept and says what to fix.
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#code")).to_have_value(code)
    expect(page.get_by_label(thursday, exact=True)).to_be_checked()
    no_violations(page)
    page.screenshot(path=str(SCREENSHOTS / f"offices-class-form-error-{language}-360.png"), full_page=True)
    page.fill("#lottery_closes", "2027-02-25")
    page.get_by_role("button", name=save).click()
    expect(page).to_have_url(re.compile(r"/admin/offerings/\d+$"))
    fits(page)
    no_violations(page)
    page.screenshot(path=str(SCREENSHOTS / f"offices-class-{language}-360.png"), full_page=True)
    days = page.locator("[data-session-id]").all_inner_texts()
    assert len(days) == 9
    assert all(tuesday in text or thursday in text for text in days), days
    assert any(tuesday in text for text in days) and any(thursday in text for text in days)
    db.session.rollback()  # the server wrote since this test's snapshot
    offering = db.session.scalar(db.select(Offering).where(Offering.code == code))
    assert offering.is_lottery and offering.days == [2, 4]
    weekdays = {s.date.isoweekday() for s in db.session.scalars(db.select(Session).filter_by(offering_id=offering.id))}
    assert weekdays == {2, 4}
    page.goto(f"{live_server.url}/admin/offerings")
    fits(page)
    no_violations(page)
    status = page.locator(f'[data-offering-id="{offering.id}"] td.status')
    lines = status.evaluate(
        "td => { const r = document.createRange(); r.selectNodeContents(td); return r.getClientRects().length; }"
    )
    assert lines == 1, "the status word stays on one line"
    page.screenshot(path=str(SCREENSHOTS / f"offices-offerings-{language}-360.png"), full_page=True)


def test_the_password_box_is_as_big_as_the_username_box(live_server, phone, app):
    page = phone.new_page()
    page.goto(f"{live_server.url}/admin/login")
    username, password = page.locator("#username").bounding_box(), page.locator("#password").bounding_box()
    assert password["height"] >= 44 and password["height"] == username["height"]
    assert password["width"] == username["width"]


def test_the_audit_table_is_reachable_by_keyboard(live_server, phone, app):
    admin = make_user("admin")
    db.session.commit()
    page = phone.new_page()
    log_in_page(page, live_server.url, admin.username)
    expect(page).to_have_url(re.compile(r"/admin/dashboard$"))
    page.goto(f"{live_server.url}/admin/audit")
    region = page.locator(".table-wrap")
    assert region.get_attribute("tabindex") == "0" and region.get_attribute("role") == "region"
    assert region.get_attribute("aria-label")
    fits(page)
    no_violations(page)


@pytest.mark.parametrize("size", ["normal", "big"])
def test_the_english_elder_home_fits_360px(live_server, phone, app, size):
    town = make_town("独山港镇")
    town.name_en = "Dushangang Town"
    db.session.commit()
    page = phone.new_page()
    page.goto(f"{live_server.url}/lang/en?next=/elder/")
    page.goto(f"{live_server.url}/elder/text-size/{size}?next=/elder/")
    fits(page)
    calligraphy = page.get_by_role("link", name="Calligraphy")
    box = calligraphy.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360, "Calligraphy is not cut off"
    inner = calligraphy.evaluate("a => a.scrollWidth <= a.clientWidth")
    assert inner, "the word fits inside its button"
    expect(page.get_by_role("link", name="Dushangang Town")).to_be_visible()
    no_violations(page)
    page.screenshot(path=str(SCREENSHOTS / f"offices-elder-home-en-{size}-360.png"), full_page=True)


def test_elder_error_links_are_60_by_60(live_server, phone, app):
    offering = make_offering(name="书法", senior=True, start_date=dt.date(2026, 12, 9))
    db.session.commit()
    page = phone.new_page()
    page.goto(f"{live_server.url}/elder/courses/{offering.id}/signup")
    page.locator("form button[type=submit]").last.click()
    links = page.locator(".error-summary a")
    expect(links.first).to_be_visible()
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert box["height"] >= 60 and box["width"] >= 60, box
    fits(page)
