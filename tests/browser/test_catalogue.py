"""A resident finds a class on a phone: with JavaScript (HTMX, URL pushed) and without."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from app.extensions import db
from tests.factories import make_institution, make_offering, make_programme, make_town

pytestmark = pytest.mark.browser


@pytest.fixture
def county(app):
    danghu, zhapu = make_town("当湖街道"), make_town("乍浦镇")
    school = make_institution("当湖街道社区学校", town=danghu)
    tech = make_institution("平湖市技工学校", town=zhapu, type="vocational_school")
    classes = {
        "baking": make_offering(programme=make_programme("烘焙", institution=school), weekday=3, senior=True),
        "calligraphy": make_offering(programme=make_programme("书法", institution=school), weekday=1, senior=True),
        "electrician": make_offering(
            programme=make_programme("电工（初级）", kind="skill", institution=tech), weekday=2, fee=3200
        ),
    }
    db.session.commit()
    return classes


def result_ids(page) -> list[int]:
    return [
        int(x)
        for x in page.locator("#results [data-offering-id]").evaluate_all("els => els.map(e => e.dataset.offeringId)")
    ]


def test_search_updates_in_place_and_pushes_the_url(live_server, phone, county):
    page = phone.new_page()
    page.goto(live_server.url + "/courses")
    loads = []
    page.on("load", lambda: loads.append(page.url))
    page.fill("#q", "hb")
    expect(page).to_have_url(re.compile(r"q=hb"))
    expect(page.locator("#results [data-offering-id]")).to_have_count(1)
    assert result_ids(page) == [county["baking"].id]
    page.click("summary")  # the filters fold away on a phone
    page.select_option("#kind", "skill")
    expect(page).to_have_url(re.compile(r"kind=skill"))
    expect(page.locator("#results")).to_contain_text("没有找到符合条件的课程")
    assert loads == [], "results were swapped in place, not by a page load"
    page.screenshot(path="build/screenshots/catalogue-js-360.png", full_page=True)
    # the pushed URL is shareable: opening it gives the same results
    fresh = phone.new_page()
    fresh.goto(page.url.replace("kind=skill", "kind="))
    assert result_ids(fresh) == [county["baking"].id]


def test_filters_work_with_javascript_off(live_server, phone_no_js, county):
    page = phone_no_js.new_page()
    page.goto(live_server.url + "/courses")
    assert len(result_ids(page)) == 3
    page.fill("#q", "ｈｏｎｇ bei")
    page.click("summary")
    page.select_option("#audience", "senior")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r"audience=senior"))
    assert result_ids(page) == [county["baking"].id]
    assert page.locator("details.more-filters").get_attribute("open") is not None, "active filters stay in view"
    page.select_option("#town", label="乍浦镇")
    page.fill("#q", "")
    page.select_option("#audience", "")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r"town=\d+"))
    assert result_ids(page) == [county["electrician"].id]
    page.screenshot(path="build/screenshots/catalogue-nojs-360.png", full_page=True)


def test_pages_reflow_at_360_without_sideways_scrolling(live_server, phone, county):
    page = phone.new_page()
    for path in ["/", "/courses", f"/courses/{county['electrician'].id}", "/schedule"]:
        page.goto(live_server.url + path)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path


@pytest.mark.parametrize("path", ["/", "/courses", "/courses/{id}", "/schedule", "/courses?q=潜水"])
@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_axe_finds_no_violations(live_server, browser, county, path, language):
    from tests.browser.conftest import PHONE

    context = browser.new_context(**PHONE, locale=language)
    page = context.new_page()
    page.goto(live_server.url + path.format(id=county["electrician"].id))
    results = Axe().run(page)
    context.close()
    assert results.violations_count == 0, results.generate_report()
