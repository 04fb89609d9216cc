"""Two admins editing one class at 360 px: the second save shows both versions (with JavaScript,
swapped in by HTMX, where it passes axe with no sideways scrolling; without, as a 409 page), and
saving again wins."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from app.extensions import db
from app.models import Offering
from tests.browser.conftest import SCREENSHOTS
from tests.factories import make_institution, make_offering, make_programme, make_town
from tests.helpers import log_in_page, make_user

pytestmark = pytest.mark.browser


def no_violations(page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize("second_has_js", [True, False])
def test_the_second_save_shows_both_versions_and_saving_again_wins(live_server, phone, phone_no_js, app, second_has_js):
    school = make_institution("当湖街道社区学校", town=make_town("当湖街道"))
    offering = make_offering(programme=make_programme(name="烘焙", institution=school))
    first_admin, second_admin = make_user("admin"), make_user("admin")
    db.session.commit()
    url = f"{live_server.url}/admin/offerings/{offering.id}/edit"
    first = (phone_no_js if second_has_js else phone).new_page()
    second = (phone if second_has_js else phone_no_js).new_page()
    for page, user in ((first, first_admin), (second, second_admin)):
        log_in_page(page, live_server.url, user.username)
        expect(page).to_have_url(re.compile(r"/admin/dashboard$"))
        page.goto(url)
    first.fill("#place", "301 教室")
    first.get_by_role("button", name="保存").click()
    expect(first).to_have_url(re.compile(rf"/admin/offerings/{offering.id}$"))

    second.fill("#place", "二楼大教室")
    second.get_by_role("button", name="保存").click()
    box = second.locator("[data-conflict]")
    expect(box).to_contain_text("别人已经保存了这一条")
    expect(box.locator("tr", has_text="上课地点")).to_contain_text("301 教室")
    expect(box.locator("tr", has_text="上课地点")).to_contain_text("二楼大教室")
    expect(second.locator("#place")).to_have_value("二楼大教室")
    if second_has_js:  # axe and the width check run scripts in the page, which the other context can't
        no_violations(second)
        assert second.evaluate("document.documentElement.scrollWidth") <= 360, "no sideways scrolling at 360 px"
    name = "js" if second_has_js else "no-js"
    second.screenshot(path=str(SCREENSHOTS / f"admin-edit-conflict-{name}-360.png"), full_page=True)
    db.session.rollback()
    assert db.session.get(Offering, offering.id).place == "301 教室"

    second.get_by_role("button", name="保存").click()
    expect(second).to_have_url(re.compile(rf"/admin/offerings/{offering.id}$"))
    db.session.rollback()
    assert db.session.get(Offering, offering.id).place == "二楼大教室"
