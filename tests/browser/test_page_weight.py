"""Page weight measured in Chromium: compressed bytes on the wire, first and repeat visit.

Budgets (STANDARDS.md): a resident page's first visit ≤ 40 KB in all, a repeat visit ≤ 10 KB.
Bytes are what Chromium's network layer reports as received (headers and compressed bodies).
"""

from __future__ import annotations

import pytest

from app.extensions import db
from tests.browser.conftest import PHONE
from tests.factories import make_offering

pytestmark = pytest.mark.browser
FIRST_VISIT_BUDGET = 40 * 1024
REPEAT_VISIT_BUDGET = 10 * 1024


class WireMeter:
    """Sums Network.loadingFinished.encodedDataLength over one navigation (CDP)."""

    def __init__(self, page):
        self.page = page
        self.session = page.context.new_cdp_session(page)
        self.session.send("Network.enable")
        self.bytes: dict[str, int] = {}
        self.urls: dict[str, str] = {}
        self.session.on(
            "Network.requestWillBeSent", lambda e: self.urls.__setitem__(e["requestId"], e["request"]["url"])
        )
        self.session.on(
            "Network.loadingFinished", lambda e: self.bytes.__setitem__(e["requestId"], e["encodedDataLength"])
        )

    def visit(self, url: str) -> dict[str, int]:
        self.bytes.clear()
        self.urls.clear()
        self.page.goto(url, wait_until="networkidle")
        return {self.urls.get(rid, rid): size for rid, size in self.bytes.items()}


@pytest.fixture
def catalogue(app):
    for i in range(25):  # a full first page of results
        make_offering(name=["烘焙", "书法", "电工（初级）", "法学（本科）", "智能手机使用"][i % 5], weekday=i % 7 + 1)
    db.session.commit()


def test_courses_first_visit_and_repeat_visit_fit_the_budget(live_server, browser, catalogue, record_property):
    context = browser.new_context(**PHONE, locale="zh-CN")
    page = context.new_page()
    meter = WireMeter(page)
    first = meter.visit(live_server.url + "/courses")
    repeat = meter.visit(live_server.url + "/courses")
    context.close()
    first_total, repeat_total = sum(first.values()), sum(repeat.values())
    record_property("first_visit_bytes", first_total)
    record_property("repeat_visit_bytes", repeat_total)
    print(f"\n/courses first visit {first_total} B: {first}\n/courses repeat visit {repeat_total} B: {repeat}")
    assert any("/static/js/htmx" in url for url in first), "the measurement saw the static files"
    assert first_total <= FIRST_VISIT_BUDGET, first
    assert repeat_total <= REPEAT_VISIT_BUDGET, repeat
    assert not any("/static/" in url and size > 0 for url, size in repeat.items()), "static files came from cache"
