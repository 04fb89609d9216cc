"""A community worker offline: forms kept on the phone, sent when the network returns, exactly once.

Chromium at 360 px; `context.set_offline` cuts the network. The outbox retries after short waits here
(OUTBOX_BACKOFF), so each journey takes seconds.
"""

from __future__ import annotations

import re
import threading
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select
from werkzeug.serving import make_server

from app.extensions import db
from app.models import Need, Policy, Resident, ResidentConflict
from app.services.staff import create_or_update_user
from tests.browser.conftest import CHROMIUM, PHONE
from tests.browser.test_needs import assert_axe_clean
from tests.factories import make_offering, make_town
from tests.helpers import PASSWORD, log_in_page, send_log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def county(app):
    app.config["OUTBOX_BACKOFF"] = [0.3, 0.6, 1]
    town = make_town("当湖街道")
    make_offering(name="电工（初级）", kind="skill")
    db.session.add(Policy(code="JN-5", name="初级证书补贴", kind="skill", level="初级", basis="fixed", value=800))
    for username in ("zhang", "li"):
        create_or_update_user("worker", username, PASSWORD, None, str(town.id), name=username)
    db.session.commit()
    return town


def needs_on_server() -> int:
    db.session.commit()  # end this thread's read snapshot
    return db.session.scalar(select(func.count(Need.id)))


def wait_for(condition, timeout: float = 60, what: str = "") -> None:
    """Until `condition()` holds (checked every 0.1 s); generous, since a busy machine is slow, and it
    returns as soon as the condition holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(0.1)


def log_in(page, base: str, username: str = "zhang", start: str = "/worker/") -> None:
    log_in_page(page, base, username, path=start)  # sent to the log-in page, then back to `start`
    expect(page).to_have_url(base + start)


def ready_for_offline(page) -> None:
    """The service worker is installed (its cache filled) and controls this page."""
    page.evaluate(
        """async () => {
            await navigator.serviceWorker.ready;
            while (!navigator.serviceWorker.controller || !window.xuehouOutbox) {
                await new Promise((resolve) => setTimeout(resolve, 50));
            }
        }"""
    )


def fill_need(page, name: str, phone: str) -> None:
    page.fill("#name", name)
    page.fill("#phone", phone)
    page.select_option("#town", label="当湖街道")
    page.select_option("#age_band", "30-39")
    page.select_option("#education", "初中")
    page.select_option("#work", "在职")
    page.check("#kind-1")  # 技能提升
    page.fill("#target", "电工证")
    page.check("#weekdays-1")
    page.check("#consent_method-0")  # 口头同意
    page.check("#consent")


def queue_offline(page, name: str, phone: str, check_axe: bool = False) -> None:
    """Fill in, read back on the phone, confirm: kept on the phone and the form is clean again."""
    fill_need(page, name, phone)
    page.get_by_role("button", name="下一步：读给居民核对").click()
    readback = page.locator(".offline-readback")
    expect(readback).to_contain_text(name)
    expect(readback).to_contain_text("技能提升")
    if check_axe:
        assert_axe_clean(page)
    page.get_by_role("button", name="居民确认，保存到手机").click()
    expect(page.locator("#outbox-queued")).to_contain_text("已保存到手机")
    expect(readback).to_have_count(0)
    assert page.locator("#name").input_value() == "" and page.locator("#phone").input_value() == ""
    assert not page.locator("#consent").is_checked() and not page.locator("#kind-1").is_checked()
    expect(page.locator("body")).not_to_contain_text(name)


def count_text(page, n: int):
    expect(page.locator("#outbox-count")).to_have_text(f"待发送 {n} 条", timeout=60_000)


def stored(page) -> list[dict]:
    return page.evaluate("window.xuehouOutbox.all()")


def submit_five_offline(page, base: str) -> None:
    page.context.set_offline(True)
    page.goto(base + "/worker/needs/new")  # served by the service worker
    expect(page.locator("html")).to_have_attribute("data-offline-copy", "")
    for i in range(5):
        queue_offline(page, f"居民{'甲乙丙丁戊'[i]}", f"1381234000{i}", check_axe=i == 0)
        count_text(page, i + 1)


def test_offline_five_needs_reload_then_online_sends_exactly_five(live_server, phone, county):
    page = phone.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    log_in(page, live_server.url)
    ready_for_offline(page)
    submit_five_offline(page, live_server.url)
    page.screenshot(path="test-results/offline-queued-360.png", full_page=True)
    page.reload()  # still offline: the kept copy, with the count from the phone's storage
    count_text(page, 5)
    page.goto(live_server.url + "/worker/outbox")
    expect(page.locator("[data-outbox-item]")).to_have_count(5)
    expect(page.locator("#outbox-list")).to_contain_text("138****0000")
    expect(page.locator("#outbox-list")).to_contain_text("等待网络")
    page.screenshot(path="test-results/offline-outbox-360.png", full_page=True)
    assert_axe_clean(page)
    for path in ("/worker/", "/worker/policies", "/courses"):
        page.goto(live_server.url + path)
        expect(page.locator("h1")).to_be_visible()
    expect(page.locator("[data-offering-id]")).to_have_count(1)
    page.goto(live_server.url + "/worker/policies")
    expect(page.locator("main")).to_contain_text("初级证书补贴")
    assert needs_on_server() == 0
    page.context.set_offline(False)  # no reload: the `online` event sends them
    count_text(page, 0)
    wait_for(lambda: needs_on_server() == 5, what="five needs on the server")
    assert stored(page) == []
    time.sleep(1)
    assert needs_on_server() == 5
    names = set(db.session.scalars(select(Resident.name)))
    assert names == {f"居民{c}" for c in "甲乙丙丁戊"}
    assert errors == [], "no script errors on the way"


def test_queued_needs_survive_closing_the_browser(live_server, playwright, county, tmp_path):
    def launch():
        return playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
            locale="zh-CN",
            **PHONE,
        )

    context = launch()
    page = context.new_page()
    log_in(page, live_server.url)
    ready_for_offline(page)
    submit_five_offline(page, live_server.url)
    context.close()
    assert needs_on_server() == 0
    context = launch()
    context.set_offline(True)
    page = context.new_page()
    page.goto(live_server.url + "/worker/outbox")
    count_text(page, 5)
    context.set_offline(False)
    count_text(page, 0)
    wait_for(lambda: needs_on_server() == 5, what="five needs after the restart")
    context.close()


class RestartableServer:
    """The app on a fixed port that can be stopped and started again. `hold_after(n)`: the POSTs after
    the next n wait until `stop()`, so that stopping lands in the middle of a sync whatever the
    machine's speed (a sleep per POST once did, until a busy machine's test thread looked too late)."""

    def __init__(self, app, delay: float = 0.25):
        self.app = app
        self.delay = delay
        self.port = None
        self.lock = threading.Lock()
        self.passing: int | None = None  # POSTs still let through; None: all
        self.gate = threading.Event()
        self.start()
        self.url = f"http://127.0.0.1:{self.port}"

    def hold_after(self, posts: int) -> None:
        with self.lock:
            self.passing = posts
            self.gate.clear()

    def slow(self, environ, start_response):
        if environ["REQUEST_METHOD"] == "POST":
            time.sleep(self.delay)
            with self.lock:
                held = self.passing is not None and self.passing <= 0
                if self.passing is not None:
                    self.passing -= 1
            if held:
                self.gate.wait(60)  # until stop(): then answered like any request in flight at a shutdown
        return self.app(environ, start_response)

    def start(self):
        with self.lock:
            self.passing = None
        self.server = make_server("127.0.0.1", self.port or 0, self.slow, threaded=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.gate.set()
        self.thread.join(timeout=5)


def test_server_stopped_while_syncing_then_restarted_everything_arrives_once(app, phone, county):
    server = RestartableServer(app)
    try:
        page = phone.new_page()
        log_in(page, server.url)
        ready_for_offline(page)
        page.context.set_offline(True)
        page.goto(server.url + "/worker/needs/new")
        for i in range(8):
            queue_offline(page, f"王{'一二三四五六七八'[i]}", f"1391234000{i}")
        count_text(page, 8)
        server.hold_after(2)
        page.context.set_offline(False)
        wait_for(lambda: needs_on_server() >= 2, what="the sync to start")
        server.stop()
        stopped_at = needs_on_server()
        assert stopped_at < 8, "the server stopped in the middle of the sync"
        time.sleep(1.5)  # sends fail and back off
        assert len(stored(page)) >= 8 - stopped_at - 1
        server.start()
        wait_for(lambda: needs_on_server() == 8, what="all eight after the restart")
        count_text(page, 0)
        time.sleep(1)
        assert needs_on_server() == 8
        submission_ids = list(db.session.scalars(select(Need.submission_id)))
        assert len(set(submission_ids)) == 8
    finally:
        server.stop()


def test_log_in_lapses_while_items_wait_nothing_lost_worker_logs_in_then_it_syncs(live_server, phone, county):
    page = phone.new_page()
    log_in(page, live_server.url)
    ready_for_offline(page)
    page.context.set_offline(True)
    page.goto(live_server.url + "/worker/needs/new")
    for i in range(3):
        queue_offline(page, f"李{'一二三'[i]}", f"1371234000{i}")
    page.context.clear_cookies()  # the log-in lapses
    page.context.set_offline(False)
    prompt = page.locator("#outbox-login")
    expect(prompt).to_contain_text("登录已过期")
    count_text(page, 3)
    assert {item["state"] for item in stored(page)} == {"login"}
    assert needs_on_server() == 0
    page.screenshot(path="test-results/offline-login-lapsed-360.png", full_page=True)
    prompt.locator("a").click()
    expect(page).to_have_url(re.compile(r"/worker/login\?next="))
    send_log_in(page, "zhang")
    expect(page).to_have_url(live_server.url + "/worker/outbox")
    count_text(page, 0)
    wait_for(lambda: needs_on_server() == 3, what="three needs after logging in again")
    expect(page.locator("#outbox-summary")).to_contain_text("刚才已发送 3 条")


def test_a_service_worker_update_while_items_wait_keeps_them_and_cached_forms(app, live_server, phone, county):
    page = phone.new_page()
    log_in(page, live_server.url)
    ready_for_offline(page)
    old = page.evaluate("caches.keys()")
    page.context.set_offline(True)
    page.goto(live_server.url + "/worker/needs/new")
    for i in range(2):
        queue_offline(page, f"赵{'一二'[i]}", f"1361234000{i}")
    page.goto(live_server.url + "/courses")  # offline: the kept catalogue (issue 13: it sends the queue too)
    page.context.set_offline(False)
    app.config["OFFLINE_CACHE_SALT"] = "deploy-2"  # a new deploy: /sw.js has a new version
    page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
    page.evaluate(
        """async (old) => {
            for (let i = 0; i < 600; i++) {  // up to 60 s: a loaded CI machine is slow to install a worker
                const names = await caches.keys();
                if (names.length === 1 && names[0] !== old[0]) return;
                await new Promise((resolve) => setTimeout(resolve, 100));
            }
            throw new Error("the new version did not take over");
        }""",
        old,
    )
    new = page.evaluate("caches.keys()")
    assert new != old and len(new) == 1
    # Issue 13 changed this: catalogue pages send the queue too, so the two arrive (once) across the update.
    wait_for(lambda: needs_on_server() == 2, what="the two kept needs, sent from the catalogue page")
    # The new copy of the form still works offline.
    page.context.set_offline(True)
    page.goto(live_server.url + "/worker/needs/new")
    count_text(page, 0)
    queue_offline(page, "赵三", "13612340002")
    count_text(page, 1)
    page.context.set_offline(False)
    count_text(page, 0)
    wait_for(lambda: needs_on_server() == 3, what="three needs after the update")


def test_two_workers_enter_the_same_phone_offline_one_resident_both_needs_a_conflict(live_server, browser, county):
    pages = []
    for username in ("zhang", "li"):
        context = browser.new_context(**PHONE, locale="zh-CN")
        page = context.new_page()
        log_in(page, live_server.url, username)
        ready_for_offline(page)
        context.set_offline(True)
        page.goto(live_server.url + "/worker/needs/new")
        pages.append(page)
    queue_offline(pages[0], "孙丽", "13512345678")
    queue_offline(pages[1], "孙莉", "13512345678")
    for page in pages:
        page.context.set_offline(False)
    wait_for(lambda: needs_on_server() == 2, what="both entries")
    for page in pages:
        count_text(page, 0)
        page.context.close()
    assert db.session.scalar(select(func.count(Resident.id))) == 1
    conflict = db.session.scalar(select(ResidentConflict))
    assert conflict.field == "name" and {conflict.kept_value, conflict.new_value} == {"孙丽", "孙莉"}


def test_network_lost_on_the_servers_read_back_keeps_the_same_submission(live_server, phone, county):
    page = phone.new_page()
    log_in(page, live_server.url)
    ready_for_offline(page)
    page.goto(live_server.url + "/worker/needs/new")
    fill_need(page, "周敏", "13312345678")
    page.get_by_role("button", name="下一步：读给居民核对").click()
    expect(page.locator("h1")).to_have_text("请居民核对")  # the server's read-back, online
    submission_id = page.locator("main input[name=submission_id]").input_value()
    page.context.set_offline(True)
    page.get_by_role("button", name="居民确认，保存", exact=True).click()
    expect(page.locator("#outbox-queued")).to_contain_text("已保存到手机")
    expect(page.locator("main")).not_to_contain_text("周敏")  # the read-back left the screen
    assert [item["submission_id"] for item in stored(page)] == [submission_id]
    page.context.set_offline(False)
    count_text(page, 0)
    wait_for(lambda: needs_on_server() == 1, what="the need")
    assert db.session.scalar(select(Need.submission_id)) == submission_id


def forget_rules(page) -> None:
    """A phone that has no copy of the server's form rules (it checks nothing itself): the server's
    refusal is then the only check, as for entries kept before the phone had the rules."""
    deadline = time.monotonic() + 60
    while not page.evaluate("localStorage.getItem('xuehou-outbox-rules')") and time.monotonic() < deadline:
        time.sleep(0.05)
    page.evaluate("localStorage.removeItem('xuehou-outbox-rules')")


def test_a_refused_item_is_kept_with_its_reason_and_opens_in_the_form(live_server, phone, county):
    page = phone.new_page()
    log_in(page, live_server.url)
    ready_for_offline(page)
    forget_rules(page)  # issue 13: with the rules the phone itself refuses the short number (tested elsewhere)
    page.context.set_offline(True)
    page.goto(live_server.url + "/worker/outbox")
    page.goto(live_server.url + "/worker/needs/new")
    queue_offline(page, "吴刚", "1381234")  # too short: the server will refuse it
    page.goto(live_server.url + "/worker/outbox")
    page.context.set_offline(False)
    item = page.locator("[data-outbox-item]")
    expect(item).to_have_attribute("data-state", "refused")
    expect(item).to_contain_text("被退回：请输入11位手机号码")
    count_text(page, 1)
    expect(page.locator("#outbox-send")).to_be_hidden()  # a refused item is not sent again as it is
    assert needs_on_server() == 0
    page.screenshot(path="test-results/offline-refused-360.png", full_page=True)
    item.get_by_role("button", name="打开修改").click()
    expect(page.locator("#name")).to_have_value("吴刚")
    expect(page.locator("#phone")).to_have_value("1381234")


def test_a_network_that_says_online_but_carries_nothing_keeps_the_answers(live_server, phone, county):
    """Signal bars but no data: the phone reports online, every request fails. The form is kept on the
    phone (read back there) instead of ending on the browser's error page, and sent later."""
    page = phone.new_page()
    log_in(page, live_server.url, start="/worker/needs/new")
    ready_for_offline(page)
    page.route("**/*", lambda route: route.abort("internetdisconnected"))
    queue_offline(page, "居民己", "13812340009")
    assert needs_on_server() == 0 and len(stored(page)) == 1
    page.unroute("**/*")
    wait_for(lambda: needs_on_server() == 1, what="the kept need to arrive once the network carries data")
    count_text(page, 0)
    assert needs_on_server() == 1


def test_online_submissions_still_take_the_normal_road(live_server, phone, county):
    page = phone.new_page()
    log_in(page, live_server.url, start="/worker/needs/new")
    fill_need(page, "居民庚", "13812340010")
    page.get_by_role("button", name="下一步：读给居民核对").click()
    expect(page.locator("h1")).to_have_text("请居民核对")
    page.get_by_role("button", name="居民确认，保存").click()
    expect(page.locator("h1")).to_have_text("已保存")
    assert needs_on_server() == 1
