"""长辈版 in a real browser at 360 px: the MIIT 2021 figures from STANDARDS.md on every elder page."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from app.extensions import db
from tests.browser.conftest import PHONE
from tests.browser.test_page_weight import WireMeter
from tests.factories import TODAY, make_institution, make_offering, make_programme, make_town

pytestmark = pytest.mark.browser


@pytest.fixture
def calligraphy(app):
    town = make_town("当湖街道")
    school = make_institution("当湖街道社区学校", town=town, phone="0573-85088901")
    offering = make_offering(programme=make_programme("书法", institution=school), weekday=3, senior=True)
    make_offering(programme=make_programme("太极拳", institution=school), weekday=TODAY.isoweekday(), senior=True)
    db.session.commit()
    return offering


def elder_pages(offering) -> list[str]:
    return [
        "/elder/",
        "/elder/courses?day=week",
        "/elder/courses?day=today",
        f"/elder/courses?town={offering.town_id}",
        "/elder/courses?topic=书法",
        f"/elder/courses/{offering.id}",
        f"/elder/courses/{offering.id}/callback",
        f"/elder/courses/{offering.id}/callback/done",
    ]


MEASURE = """() => {
  const px = (el, prop) => parseFloat(getComputedStyle(el)[prop]);
  const text = [...document.querySelectorAll('main p, main li, main label, main a, main span, main dd')]
    .filter(el => el.offsetParent !== null && el.textContent.trim());
  const headings = [...document.querySelectorAll('h1, h2')];
  // A tick box's target is its whole row (the label is part of it).
  const target = el => (el.type === 'checkbox' || el.type === 'radio') ? el.closest('.checkbox, .option') : el;
  const selector = 'main .choice, main button, main input:not([type=hidden]), main select, header a';
  const controls = [...document.querySelectorAll(selector)]
    .map(el => target(el).getBoundingClientRect()).map(r => [r.width, r.height]);
  // Spacing between paragraphs of text (not a field's hint above its input).
  const paragraphs = [...document.querySelectorAll('main p:not(.hint):not(.error-message)')]
    .filter(el => el.nextElementSibling && el.nextElementSibling.tagName === 'P');
  return {
    body: px(document.body, 'fontSize'),
    smallestText: Math.min(...text.map(el => px(el, 'fontSize'))),
    tightestLine: Math.min(...text.map(el => px(el, 'lineHeight') / px(el, 'fontSize'))),
    smallestHeading: Math.min(...headings.map(el => px(el, 'fontSize'))),
    smallestControl: controls.length ? Math.min(...controls.map(([w, h]) => Math.min(w, h))) : 999,
    sideways: document.documentElement.scrollWidth > window.innerWidth,
    tightestParagraph: paragraphs.length
      ? Math.min(...paragraphs.map(el => px(el, 'marginBottom') / px(el, 'lineHeight'))) : 9,
  };
}"""


def test_every_elder_page_meets_the_elder_figures_and_axe(live_server, browser, calligraphy):
    context = browser.new_context(**PHONE, locale="zh-CN")
    page = context.new_page()
    for path in elder_pages(calligraphy):
        page.goto(live_server.url + path)
        figures = page.evaluate(MEASURE)
        assert figures["body"] >= 20 and figures["smallestText"] >= 18, (path, figures)
        assert figures["smallestHeading"] >= 24, (path, figures)
        assert figures["tightestLine"] >= 1.3, (path, figures)
        assert figures["smallestControl"] >= 60, (path, figures)
        assert figures["tightestParagraph"] >= 1.3, (path, figures)
        assert not figures["sideways"], (path, figures)
        results = Axe().run(page)
        assert results.violations_count == 0, (path, results.generate_report())
    page.goto(live_server.url + "/elder/")
    page.screenshot(path="build/screenshots/elder-home-360.png", full_page=True)
    context.close()


def test_big_text_step_reaches_30px_and_still_reflows_at_320(live_server, browser, calligraphy):
    context = browser.new_context(**{**PHONE, "viewport": {"width": 320, "height": 640}}, locale="zh-CN")
    page = context.new_page()
    page.goto(live_server.url + f"/elder/courses/{calligraphy.id}")
    page.click("text=大字")
    for path in elder_pages(calligraphy):
        page.goto(live_server.url + path)
        figures = page.evaluate(MEASURE)
        assert figures["body"] >= 30 and not figures["sideways"], (path, figures)
    page.goto(live_server.url + f"/elder/courses/{calligraphy.id}")
    page.screenshot(path="build/screenshots/elder-course-big-320.png", full_page=True)
    context.close()


def test_elder_page_weight_first_visit_within_15_kb(live_server, browser, calligraphy):
    context = browser.new_context(**PHONE, locale="zh-CN")
    page = context.new_page()
    meter = WireMeter(page)
    first = meter.visit(live_server.url + "/elder/courses?day=week")
    context.close()
    total = sum(first.values())
    print(f"\n/elder/courses first visit {total} B: {first}")
    assert not any(url.endswith(".js") for url in first), "the elder view ships no JavaScript"
    assert total <= 15 * 1024, first


def test_wednesday_calligraphy_in_my_town_in_four_taps_without_javascript(live_server, browser, calligraphy):
    context = browser.new_context(**PHONE, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/elder/")
    taps = 0

    def tap(selector):
        nonlocal taps
        page.click(selector)
        taps += 1

    tap("a.choice:has-text('当湖街道')")
    tap(f"[data-offering-id='{calligraphy.id}'] a")
    assert "每星期三 上午 9:00" in page.content()
    tap("text=我要报名")
    page.fill("#name", "李阿姨")
    page.fill("#phone", "13912345678")
    tap("button:has-text('同意并报名')")
    assert page.locator("[data-status='confirmed']").count() == 1 and taps <= 4
    page.screenshot(path="build/screenshots/elder-receipt-nojs-360.png", full_page=True)
    context.close()


def test_find_a_class_and_ask_for_a_call_without_javascript(live_server, browser, calligraphy):
    context = browser.new_context(**PHONE, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.click("a.elder-switch")
    page.click("a.choice:has-text('书法')")
    page.click(f"[data-offering-id='{calligraphy.id}'] a")
    page.click("text=请工作人员给我打电话")
    page.fill("#name", "李阿姨")
    page.fill("#phone", "13912345678")
    page.click("button[type=submit]")
    assert "已经记下了" in page.content()
    page.goto(live_server.url + "/")
    assert page.url.endswith("/elder/"), "the choice of the 长辈版 is remembered"
    context.close()
