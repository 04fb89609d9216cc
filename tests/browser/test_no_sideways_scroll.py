"""No page scrolls sideways on a phone: every GET page of every role (tests/routes_walk.py), in Chinese
and English, at 360 px and at 320 px, has document.documentElement.scrollWidth no wider than the
screen. A page that overflows is reported with the element that reaches furthest right (not counting
what sits inside a scrolling region, such as a wide table in its .table-wrap).

One browser; one context per role and language (logged in with the cookies of a test client that
went through the real log-in), the pages in sequence, each measured at the width it loaded at and
then, resized without reloading, at the other."""

from __future__ import annotations

import time

import pytest

from tests.routes_walk import LOCALES, ROLES, build_world, client_for, cookies_of, expected_status, walk

pytestmark = pytest.mark.browser
WIDTHS = (360, 320)

# What overflows the screen, if anything: the page's width, and the element furthest right that is
# not clipped by a scrolling or clipping ancestor (that one scrolls on its own).
OVERFLOW = """(width) => {
  const page = document.documentElement.scrollWidth;
  if (page <= width) return null;
  const clipped = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== "visible") return a.getBoundingClientRect().right <= width + 0.5;
    }
    return false;
  };
  let worst = null, right = width + 0.5, escaped = null, furthest = width + 0.5;
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right < Math.min(right, furthest)) continue;
    if (!clipped(el)) {
      if (box.right >= right) { worst = el; right = box.right; }  // equal and later: a descendant wins
    } else if (box.right >= furthest) { escaped = el; furthest = box.right; }
  }
  let note = "";
  if (!worst && escaped) { worst = escaped; right = furthest; note = " (positioned outside its scroll region)"; }
  if (!worst) return {page, element: "(none found)"};
  const classes = typeof worst.className === "string" ? worst.className.trim().split(/\\s+/).join(".") : "";
  const name = worst.tagName.toLowerCase() + (worst.id ? "#" + worst.id : "") + (classes ? "." + classes : "");
  const text = (worst.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 40);
  const wide = Math.round(worst.getBoundingClientRect().width);
  return {page, element: `${name} "${text}" right=${Math.round(right)} width=${wide}${note}`};
}"""


def test_no_page_scrolls_sideways_at_360_and_320_px(app, live_server, browser):
    world = build_world()
    pages = walk(app, world)
    started = time.monotonic()
    overflowing, wrong, measured = [], [], 0
    for locale in LOCALES:
        for role in ROLES:
            client = client_for(app, world, role, locale)
            context = browser.new_context(
                viewport={"width": WIDTHS[0], "height": 740},
                is_mobile=True,
                has_touch=True,
                locale="en-GB" if locale == "en" else "zh-CN",
                service_workers="block",  # the pages as the server sends them, every time
            )
            context.add_cookies(cookies_of(app, client, live_server.url))
            page = context.new_page()
            width = WIDTHS[0]
            for url in pages[role]:
                response = page.goto(live_server.url + url, wait_until="load")
                if response.status != expected_status(url):
                    wrong.append(f"{role} {locale} {url}: {response.status}")
                    continue
                loaded_at = width
                for width in sorted(WIDTHS, key=lambda w: w != loaded_at):  # the width it loaded at, then the other
                    if width != loaded_at:
                        page.set_viewport_size({"width": width, "height": 740})
                    found = page.evaluate(OVERFLOW, width)
                    measured += 1
                    if found:
                        where = f"{width} px {role} {locale} {url}"
                        overflowing.append(f"{where}: {found['page']} px wide, {found['element']}")
            context.close()
    took = time.monotonic() - started
    print(f"\n{measured} page measurements in {took:.0f} s; {len(overflowing)} overflow")
    print("\n".join(overflowing))
    assert not wrong, "\n".join(wrong)
    assert measured > 400
    assert not overflowing, f"{len(overflowing)} pages scroll sideways:\n" + "\n".join(overflowing)
