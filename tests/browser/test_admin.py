"""Institution staff at 360 px: log in, import a term from the template, move a session; the bureau's
dashboard and a management page pass axe; screenshots for people to look at."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from axe_playwright_python.sync_playwright import Axe
from openpyxl import load_workbook
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
    expect(page.locator(".error-summary")).to_contain_text("只有模板的示例行"), "examples are never imported"
    book = load_workbook(template)  # the office fills it in: the example rows become theirs
    for (cell,) in book.active.iter_rows(min_row=2, max_col=1):
        cell.value = cell.value.removeprefix("示例-")
    book.save(template)
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


def test_the_dashboard_at_1280px_fits_its_largest_figures_and_keeps_1_beside_1120_readable(live_server, browser, app):
    import datetime as dt
    import uuid

    from sqlalchemy import insert

    from app.models import Need, Resident
    from tests.factories import make_offering, make_programme

    town = make_town("当湖街道")
    make_offering(programme=make_programme(name="电工（初级）", kind="skill"), town=town, seats=1)
    residents = [dict(phone=f"171{n:08d}", name="王芳", town_id=town.id, consent_method="survey") for n in range(1120)]
    db.session.execute(insert(Resident), residents)
    ids = db.session.scalars(db.select(Resident.id).where(Resident.phone.like("171%"))).all()
    moment = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    db.session.execute(
        insert(Need),
        [
            dict(
                ref=uuid.uuid4().hex,
                submission_id=uuid.uuid4().hex,
                resident_id=i,
                kind="skill",
                target="电工",
                town_id=town.id,
                source="survey",
                created_at=moment,
            )
            for i in ids
        ],
    )
    admin = make_user("admin")
    db.session.commit()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    log_in_page(page, live_server.url, admin.username)
    expect(page).to_have_url(re.compile(r"/admin/dashboard$"))
    clipped = page.evaluate(
        """() => [...document.querySelectorAll('.key-figures strong, table.data td, table.data th')]
                 .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)"""
    )
    assert clipped == [], f"figures cut off: {clipped}"
    outside = page.evaluate(
        """() => [...document.querySelectorAll('svg.chart text')]
                 .filter(t => { const b = t.getBBox(); return b.x < 0 || b.x + b.width > 360; })
                 .map(t => t.textContent)"""
    )
    assert outside == [], f"chart labels outside the chart: {outside}"
    bars = page.evaluate(
        """() => [...document.querySelectorAll('#chart-demand rect')].slice(2)
                 .map(r => r.getBoundingClientRect().width)"""
    )
    assert min(w for w in bars if w) >= 2, "1 beside 1,120 is still a bar you can see"
    assert "1,120" in page.locator("#chart-demand").text_content()
    page.screenshot(path=str(SCREENSHOTS / "admin-dashboard-1280.png"), full_page=True)
    context.close()


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) reads the printed PDF")
def test_the_printed_sign_in_sheet_names_the_class_and_numbers_every_page(live_server, browser, app, tmp_path):
    import datetime as dt

    from tests.admin_world import enrol
    from tests.factories import TODAY, make_offering, make_programme

    school = make_institution("当湖街道社区学校", town=make_town("当湖街道"))
    offering = make_offering(
        programme=make_programme(name="烘焙", institution=school),
        seats=60,
        start_date=TODAY - dt.timedelta(weeks=2),
        weeks=10,
        deadline=TODAY,
    )
    for n in range(45):
        enrol(offering, f"1380000{n:04d}", name="王芳")
    staff = make_user("institution", institution=school)
    db.session.commit()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    log_in_page(page, live_server.url, staff.username)
    expect(page).to_have_url(re.compile(r"/admin/offerings$"))
    page.goto(f"{live_server.url}/admin/offerings/{offering.id}/roster")
    pdf = tmp_path / "sheet.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True)
    context.close()
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) >= 2
    for number, body in enumerate(pages, start=1):
        assert f"{offering.code}" in body and "烘焙" in body, f"page {number} names the class"
        assert f"{number}/{len(pages)}" in body.replace(" ", ""), f"page {number} is numbered"
    assert "13800000001" not in text and "138****0001" in text, "phones masked on paper"
    assert "导出" not in text and "登记结业" not in text, "no screen-only links on paper"
