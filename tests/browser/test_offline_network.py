"""A worker's phone on rural networks (issue 13): nothing lost, doubled or filed under another worker.

Chromium at 360 px reaches the app through a proxy of our own (flaky_network.py) that passes, hangs
(black-hole), hangs or resets POSTs only, loses the answer after the server saved, waits 5–20 s, or
answers 503. Each scenario enters residents and then counts the records in the database for them:

    lost        entered on the phone, not in the database
    duplicated  more than one record for one entry
    misfiled    a record under another worker than the one who entered it

and every count must be 0. The scenarios share one app, server and proxy (a module fixture: the
server starts once), each on a phone (browser context) of its own with its own residents. They run
on SQLite and, when it answers, PostgreSQL. The figures are written to build/offline-network.txt.

Time limits are short here (OUTBOX_TIMEOUT 4 s, OFFLINE_NETWORK_WAIT 3 s) so the suite stays fast, but not
so short that a page or an answer from a busy machine (the suite's other worker beside the browser) counts
as a network that failed: at 2.5 s and 1.5 s the server's own read-back sometimes lost to the phone's.
Everything else waits for what it waits for (the rows, the outbox, the page) with a generous limit.
"""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from app import create_app
from app.extensions import db, limiter
from app.models import Enrolment, Need, Policy, Resident, Town
from app.services.staff import create_or_update_user
from tests.browser.conftest import CHROMIUM, PHONE, SCREENSHOTS, LiveServer
from tests.browser.flaky_network import FlakyNetwork
from tests.browser.test_needs import assert_axe_clean
from tests.browser.test_offline import PASSWORD, fill_need, forget_rules, ready_for_offline, stored, wait_for
from tests.conftest import _config, _empty_tables
from tests.factories import make_institution, make_offering, make_programme, make_town

pytestmark = [pytest.mark.browser, pytest.mark.both_databases]
TIMEOUT = 4  # below the slow network's 5 s, so those sends always give up
WAIT = 3
FIGURES = Path(__file__).resolve().parents[2] / "build" / "offline-network.txt"
_phones = itertools.count(1)


@dataclass
class World:
    app: object
    net: FlakyNetwork
    workers: dict[str, int]
    classes: dict[str, int]
    backend: str

    @property
    def url(self) -> str:
        return self.net.url


@pytest.fixture(scope="module")
def world_(database):
    """One app, live server and flaky network for every scenario in this module."""
    app = create_app(
        _config(
            database.url,
            OUTBOX_BACKOFF=[0.3, 0.6, 1],
            OUTBOX_TIMEOUT=TIMEOUT,
            OFFLINE_NETWORK_WAIT=WAIT,
        )
    )
    with app.app_context():
        home = make_town("当湖街道")
        other = make_town("乍浦镇")
        school = make_institution("平湖技师学院", town=other)
        classes = {
            "书法": make_offering(name="书法", town=home).id,  # the worker's town: kept
            "烘焙": make_offering(name="烘焙", town=home, seats=1, taken=1).id,  # full: waitlisted
            "太极": make_offering(name="太极", town=other).id,  # another town's hobby class: not kept
            "电工": make_offering(
                kind="skill", fee=800, programme=make_programme("电工（初级）", "skill", school, cert_level="初级")
            ).id,
            "会计": make_offering(
                kind="degree",
                fee=6000,
                programme=make_programme("会计（专科）", "degree", school, degree_level="专科", tuition=6000),
            ).id,
        }
        db.session.add_all(
            [
                Policy(code="JN-5", name="初级证书补贴", kind="skill", level="初级", basis="fixed", value=800),
                Policy(
                    code="XL-1",
                    name="专科学历奖励",
                    kind="degree",
                    level="专科",
                    basis="tuition_percent",
                    value=50,
                    cap=3000,
                    residence="户籍",
                ),
                Policy(
                    code="XL-2",
                    name="专科学历奖励（新平湖人）",
                    kind="degree",
                    level="专科",
                    basis="tuition_percent",
                    value=30,
                    residence="流动人口",
                ),
            ]
        )
        workers = {}
        for username, name in (("zhang", "张晓"), ("li", "李明")):
            user, _ = create_or_update_user("worker", username, PASSWORD, None, str(home.id), name=name)
            workers[username] = user.id
        db.session.commit()
        with LiveServer(app) as server, FlakyNetwork(server.server.server_port) as net:
            yield World(app, net, workers, classes, database.backend)
        db.session.remove()
        _empty_tables(database.backend)
        db.engine.dispose()


@pytest.fixture(scope="session")
def figures_file():
    """Written afresh once per run (the module's fixtures are set up more than once: per database, and
    apart for the test that launches its own browser)."""
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    FIGURES.write_text("scenario | backend | entered | arrived | lost | duplicated | misfiled\n")
    return FIGURES


@pytest.fixture
def world(world_, figures_file):
    # One server for every scenario: many log-ins by the same two workers. The limiter is one object
    # for the whole run, so its counts are reset here (turning it off for this app would turn it off
    # for every later test).
    limiter.reset()
    world_.net.set("pass")
    yield world_
    world_.net.set("pass")


# ---- entries and their counts ------------------------------------------------------------------
@dataclass
class Entry:
    kind: str  # need | signup
    name: str
    phone: str
    worker: str
    offering: str | None = None


@dataclass
class Ledger:
    world: World
    entries: list[Entry] = field(default_factory=list)

    def add(self, kind: str, name: str, worker: str = "zhang", offering: str | None = None) -> Entry:
        entry = Entry(kind, name, f"137{next(_phones):08d}", worker, offering)
        self.entries.append(entry)
        return entry

    def rows(self, entry: Entry) -> list[int | None]:
        """The worker of each record the database holds for this entry."""
        if entry.kind == "need":
            query = select(Need.entered_by_id).join(Resident, Need.resident_id == Resident.id)
            query = query.where(Resident.phone == entry.phone)
        else:
            query = select(Enrolment.entered_by_id).join(Resident, Enrolment.resident_id == Resident.id)
            query = query.where(
                Resident.phone == entry.phone, Enrolment.offering_id == self.world.classes[entry.offering]
            )
        db.session.commit()  # end this thread's read snapshot
        return list(db.session.scalars(query))

    def arrived(self) -> int:
        return sum(1 for e in self.entries if self.rows(e))

    def figures(self) -> dict[str, int]:
        lost = duplicated = misfiled = 0
        for entry in self.entries:
            rows = self.rows(entry)
            lost += not rows
            duplicated += max(len(rows) - 1, 0)
            misfiled += sum(1 for worker in rows if worker != self.world.workers[entry.worker])
        return {
            "entered": len(self.entries),
            "arrived": self.arrived(),
            "lost": lost,
            "duplicated": duplicated,
            "misfiled": misfiled,
        }

    def settle(self, pages, scenario: str, record_property, timeout: float = 90) -> dict[str, int]:
        """Wait until every phone's outbox is empty, the network is quiet and all entries arrived; then
        a little longer (a late replay must not make a second record), and count."""
        pages = pages if isinstance(pages, list) else [pages]

        def done():
            return (
                self.world.net.quiet()
                and self.arrived() == len(self.entries)
                and all(stored(page) == [] for page in pages)
            )

        wait_for(done, timeout=timeout, what=f"{scenario}: every entry sent")
        time.sleep(1.5)
        wait_for(self.world.net.quiet, timeout=60, what="the slow requests still on the way")
        figures = self.figures()
        record_property(scenario, figures)
        with FIGURES.open("a") as out:
            out.write(
                f"{scenario} | {self.world.backend} | {figures['entered']} | {figures['arrived']} | "
                f"{figures['lost']} | {figures['duplicated']} | {figures['misfiled']}\n"
            )
        assert figures == {**figures, "lost": 0, "duplicated": 0, "misfiled": 0}, figures
        assert figures["arrived"] == figures["entered"]
        return figures


# ---- a phone and what a worker does with it ------------------------------------------------------
def phone(world: World, browser, username: str = "zhang"):
    context = browser.new_context(**PHONE, locale="zh-CN")
    page = context.new_page()
    log_in(page, world.url, username)
    ready_for_offline(page)
    wait_for(lambda: page.evaluate("!!localStorage.getItem('xuehou-outbox-rules')"), what="the form rules")
    return page


def log_in(page, base: str, username: str, start: str = "/worker/") -> None:
    page.goto(base + start)
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(base + start)


def review(page) -> None:
    page.get_by_role("button", name="下一步：读给居民核对").click()


def confirm_on_phone(page, name: str) -> None:
    """The phone's own read-back (the server did not answer in time, or is out of reach), then keep."""
    readback = page.locator(".offline-readback")
    expect(readback).to_contain_text(name, timeout=TIMEOUT * 1000 + 20_000)
    page.get_by_role("button", name="居民确认，保存到手机").click()
    expect(page.locator("#outbox-queued")).to_contain_text("已保存到手机")
    expect(page.locator("main")).not_to_contain_text(name)


def confirm_on_server(page, name: str) -> None:
    expect(page.locator("h1")).to_have_text("请居民核对")
    expect(page.locator(".readback")).to_contain_text(name)
    page.get_by_role("button", name="居民确认，保存", exact=True).click()


def fill_signup(page, entry: Entry) -> None:
    page.fill("#name", entry.name)
    page.fill("#phone", entry.phone)
    page.check("#consent_method-0")
    page.check("#consent")


def open_form(page, world: World, entry: Entry) -> None:
    path = "/worker/needs/new" if entry.kind == "need" else f"/worker/courses/{world.classes[entry.offering]}/signup"
    page.goto(world.url + path)
    expect(page.locator("#name")).to_be_visible()


def fill(page, entry: Entry) -> None:
    if entry.kind == "need":
        fill_need(page, entry.name, entry.phone)
    else:
        fill_signup(page, entry)


def on_the_server(world: World, path: str) -> int:
    return world.net.seen.count("POST", path)


# ---- the scenarios ---------------------------------------------------------------------------------
def test_black_hole_the_page_and_the_sync_never_hang_and_entries_arrive_once(world, browser, record_property):
    """Signal bars, no data: the form goes to the phone's read-back after the time limit instead of
    loading for ever, a worker page still opens (the kept copy, saying when it was saved), and a sync
    gives up in time."""
    ledger = Ledger(world)
    page = phone(world, browser)
    # Count the asks for persistent storage (an init script: the page's own CSP allows no inline script).
    page.add_init_script(
        "if (navigator.storage) { const ask = navigator.storage.persist.bind(navigator.storage);"
        " navigator.storage.persist = () => { window.persistAsked = (window.persistAsked || 0) + 1; return ask(); }; }"
    )
    first, second = ledger.add("need", "黑洞甲"), ledger.add("signup", "黑洞乙", offering="书法")
    open_form(page, world, first)
    world.net.set("blackhole")
    fill(page, first)
    review(page)
    expect(page.locator(".busy-note")).to_have_text("正在发送，请稍候……")
    confirm_on_phone(page, first.name)
    assert page.evaluate("window.persistAsked") == 1, "persistent storage asked on the form page, not only the outbox"
    started = time.monotonic()
    open_form(page, world, second)  # the kept copy, after OFFLINE_NETWORK_WAIT
    assert time.monotonic() - started < WAIT + 3.5
    expect(page.locator("html")).to_have_attribute("data-offline-copy", "")
    expect(page.locator("#outbox-network")).to_contain_text(re.compile(r"这是手机上保存的页面（保存于 .+）"))
    fill(page, second)
    review(page)
    confirm_on_phone(page, second.name)
    started = time.monotonic()
    page.evaluate("window.xuehouOutbox.sync(true)")
    assert time.monotonic() - started < 2 * TIMEOUT + 3, "a hung session() or send() gives up"
    assert ledger.arrived() == 0 and len(stored(page)) == 2
    world.net.set("pass")
    ledger.settle(page, "black-hole (online, carries nothing)", record_property)
    page.context.close()


def test_posts_that_hang_while_gets_answer(world, browser, record_property):
    """The probe and the token answer, the POST hangs: kept under its id, sent when POSTs get through."""
    ledger = Ledger(world)
    page = phone(world, browser)
    need, signup = ledger.add("need", "挂起甲"), ledger.add("signup", "挂起乙", offering="电工")
    world.net.set("blackhole", {"POST"})
    for entry in (need, signup):
        open_form(page, world, entry)
        expect(page.locator("html")).not_to_have_attribute("data-offline-copy", "")  # GETs answer
        fill(page, entry)
        review(page)
        confirm_on_phone(page, entry.name)
    page.goto(world.url + "/worker/outbox")
    page.evaluate("window.xuehouOutbox.sync(true)")
    expect(page.locator("#outbox-list")).to_contain_text("还没发出：网络没有回应")
    assert ledger.arrived() == 0
    world.net.set("pass")
    ledger.settle(page, "POST-only failure (hang)", record_property)
    page.context.close()


def test_posts_that_reset(world, browser, record_property):
    ledger = Ledger(world)
    page = phone(world, browser)
    first, second = ledger.add("need", "重置甲"), ledger.add("need", "重置乙")
    open_form(page, world, first)
    world.net.set("reset", {"POST"})
    fill(page, first)
    review(page)  # reset at once: the phone's read-back, no error page
    confirm_on_phone(page, first.name)
    world.net.set("pass")
    page.evaluate("window.xuehouOutbox.sync(true)")
    wait_for(lambda: ledger.arrived() == 1, what="the first need")
    open_form(page, world, second)
    fill(page, second)
    review(page)
    expect(page.locator("h1")).to_have_text("请居民核对")
    world.net.set("reset", {"POST"})  # on the server's read-back: the confirm is reset
    confirm_on_server(page, second.name)
    expect(page.locator("#outbox-queued")).to_contain_text("不用再填一次")
    world.net.set("pass")
    ledger.settle(page, "reset", record_property)
    page.context.close()


def test_answer_lost_after_the_server_saved_is_resolved_by_the_replay(world, browser, record_property):
    """The server saves, the answer never arrives: kept under the same submission id; every replay is
    answered with the first result; the worker never types it again."""
    ledger = Ledger(world)
    page = phone(world, browser)
    for entry in (ledger.add("need", "丢答甲"), ledger.add("signup", "丢答乙", offering="会计")):
        open_form(page, world, entry)
        fill(page, entry)
        review(page)
        expect(page.locator("h1")).to_have_text("请居民核对")
        submission_id = page.locator("main input[name=submission_id]").input_value()
        world.net.set("drop", {"POST"})
        confirm_on_server(page, entry.name)
        expect(page.locator("#outbox-queued")).to_contain_text("网站如果其实已经收到，也不会重复登记。不用再填一次。")
        expect(page.locator("main")).not_to_contain_text(entry.name)
        assert len(ledger.rows(entry)) == 1, "the server saved it"
        assert submission_id in [item["submission_id"] for item in stored(page)]
        page.evaluate("window.xuehouOutbox.sync(true)")  # replayed: answered again, and lost again
        assert len(ledger.rows(entry)) == 1
        world.net.set("pass")
        wait_for(lambda: submission_id not in [i["submission_id"] for i in stored(page)], what="the receipt")  # noqa: B023
    ledger.settle(page, "answer lost after the server saved", record_property)
    page.context.close()


def test_slow_network_5_to_20_seconds_two_tabs(world, browser, record_property):
    """POSTs take 5–20 s: each send gives up after the time limit and is kept, while the server saves
    it late; replays from two tabs, some also late, are answered with the first result."""
    ledger = Ledger(world)
    page = phone(world, browser)
    other_tab = page.context.new_page()
    other_tab.goto(world.url + "/worker/outbox")
    world.net.set("delay", {"POST"}, delay=(5, 20))
    for entry in (
        ledger.add("need", "慢网甲"),
        ledger.add("signup", "慢网乙", offering="书法"),
        ledger.add("need", "慢网丙"),
    ):
        open_form(page, world, entry)
        fill(page, entry)
        review(page)
        confirm_on_phone(page, entry.name)
    for tab in (page, other_tab):
        tab.evaluate("window.xuehouOutbox.sync(true)")
    time.sleep(8)  # replays on their way; some arrive and save while the phones still hold them
    world.net.set("pass")
    for tab in (page, other_tab):
        tab.evaluate("window.xuehouOutbox.sync(true)")
    ledger.settle([page, other_tab], "delay 5–20 s (two tabs)", record_property, timeout=120)
    page.context.close()


def test_503_is_said_as_the_server_not_the_network(world, browser, record_property):
    ledger = Ledger(world)
    page = phone(world, browser)
    entry = ledger.add("need", "忙碌甲")
    world.net.set("503")
    open_form(page, world, entry)  # a 503 page: the kept copy instead
    expect(page.locator("html")).to_have_attribute("data-offline-copy", "")
    fill(page, entry)
    review(page)
    confirm_on_phone(page, entry.name)
    page.goto(world.url + "/worker/outbox")
    page.evaluate("window.xuehouOutbox.sync(true)")
    state = page.locator("[data-outbox-item] .outbox-state")
    expect(state).to_have_text("还没发出：网站暂时不能接收。稍后会自动再试。")
    expect(state).not_to_contain_text("等待网络")
    world.net.set("pass")
    ledger.settle(page, "503", record_property)
    page.context.close()


def test_an_online_form_whose_log_in_lapsed_is_kept_then_sent_after_logging_in(world, browser, record_property):
    ledger = Ledger(world)
    page = phone(world, browser)
    entry = ledger.add("need", "过期甲")
    open_form(page, world, entry)
    fill(page, entry)
    page.context.clear_cookies()  # the log-in lapses while the form is open
    review(page)
    confirm_on_phone(page, entry.name)
    prompt = page.locator("#outbox-login")
    expect(prompt).to_contain_text("登录已过期")
    prompt.locator("a").click()
    page.fill("#username", "zhang")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(world.url + "/worker/outbox")
    ledger.settle(page, "log-in lapsed on an online form", record_property)
    page.context.close()


def test_a_shared_phone_files_nothing_under_the_next_worker(world, browser, record_property):
    """Worker A keeps two entries, logs out (warned; they stay for A alone); worker B logs in on the same
    phone: B neither sends nor sees them, and the server refuses them for B; A logs in again: sent as A's."""
    ledger = Ledger(world)
    page = phone(world, browser, "zhang")
    mine = [ledger.add("need", "共用甲", "zhang"), ledger.add("signup", "共用乙", "zhang", offering="书法")]
    world.net.set("blackhole", {"POST"}, paths=("/worker/needs/", "/worker/courses/"))
    for entry in mine:
        open_form(page, world, entry)
        fill(page, entry)
        review(page)
        confirm_on_phone(page, entry.name)
    page.goto(world.url + "/worker/")
    page.get_by_role("button", name="退出").click()
    warning = page.locator("#logout-warning")
    expect(warning).to_contain_text("手机上还有 2 条您录入的登记没有发送")
    page.screenshot(path=SCREENSHOTS / "offline-logout-warning-360.png", full_page=True)
    warning.get_by_role("button", name="仍然退出").click()
    expect(page).to_have_url(world.url + "/")
    world.net.set("pass")
    log_in(page, world.url, "li", start="/worker/outbox")
    items = page.locator("[data-outbox-item]")
    expect(items).to_have_count(2)
    expect(items.first).to_have_attribute("data-state", "other")
    expect(items.first).to_contain_text("张晓 录入的登记。内容不显示，要等 张晓 在这部手机上登录后才发送。")
    for entry in mine:
        expect(page.locator("body")).not_to_contain_text(entry.name)
        expect(page.locator("body")).not_to_contain_text(entry.phone[:3] + "****" + entry.phone[-4:])
    page.screenshot(path=SCREENSHOTS / "offline-other-worker-360.png", full_page=True)
    assert_axe_clean(page)
    page.evaluate("window.xuehouOutbox.sync(true)")
    time.sleep(1)
    assert ledger.arrived() == 0, "B's phone session sends none of A's entries"
    # The server's own guard: A's stamped entry, sent while B is logged in, is refused, not saved as B's.
    refused = page.evaluate(
        """async ([item]) => {
            const token = (await (await fetch('/worker/api/session')).json()).csrf_token;
            const body = new FormData();
            item.fields.forEach(([k, v]) => body.append(k, k === 'csrf_token' ? token : v));
            const response = await fetch(item.url, {method: 'POST', body});
            return [response.status, (await response.text()).includes('data-other-worker')];
        }""",
        [page.evaluate("window.xuehouOutbox.all()")[0]],
    )
    assert refused == [409, True] and ledger.arrived() == 0
    own = ledger.add("need", "共用丙", "li")
    open_form(page, world, own)
    fill(page, own)
    review(page)
    confirm_on_server(page, own.name)
    expect(page.locator("h1")).to_have_text("已保存")
    page.get_by_role("button", name="退出").click()  # nothing of B's waits: no warning
    expect(page).to_have_url(world.url + "/")
    log_in(page, world.url, "zhang", start="/worker/outbox")
    ledger.settle(page, "shared phone (A logs out, B logs in)", record_property)
    page.context.close()


def test_a_double_tap_on_a_slow_network_makes_one_read_back_and_one_record(world, browser, record_property):
    ledger = Ledger(world)
    page = phone(world, browser)
    entry = ledger.add("need", "双击甲")
    posts = on_the_server(world, "/worker/needs/new")
    open_form(page, world, entry)
    fill(page, entry)
    world.net.set("delay", {"POST"}, delay=(1.2, 1.2))
    page.get_by_role("button", name="下一步：读给居民核对").dblclick()
    expect(page.locator("form[aria-busy=true] .busy-note")).to_be_visible()
    expect(page.locator("form[aria-busy=true] button").first).to_be_disabled()
    expect(page.locator("h1")).to_have_text("请居民核对")
    assert on_the_server(world, "/worker/needs/new") == posts + 1
    expect(page.locator(".readback")).to_have_count(1)
    page.get_by_role("button", name="居民确认，保存", exact=True).dblclick()
    expect(page.locator("h1")).to_have_text("已保存")
    assert on_the_server(world, "/worker/needs/new") == posts + 2
    # Back after the save: not the form with the previous resident's answers (the receipt replaced it).
    page.go_back()
    expect(page).to_have_url(world.url + "/worker/")
    world.net.set("pass")
    ledger.settle(page, "double tap (slow network)", record_property)
    page.context.close()


def test_the_phone_checks_what_it_can_before_keeping_with_the_servers_messages(world, browser):
    page = phone(world, browser)
    page.context.set_offline(True)
    page.goto(world.url + "/worker/needs/new")
    page.fill("#name", "王 芳")
    page.fill("#phone", "１３８ 1234")  # full-width, spaces, too short
    page.fill("#id_card", "33048219900101123X")  # a wrong check character
    page.select_option("#town", label="当湖街道")
    review(page)
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    on_phone = summary.locator("li").all_inner_texts()
    assert "请输入11位手机号码，例如 13812345678" in on_phone and "请先征得居民同意并勾选" in on_phone
    assert page.title().startswith("错误：")
    expect(page.locator("#phone")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#kind input").first).to_have_attribute("aria-invalid", "true")
    assert stored(page) == [] and page.locator(".offline-readback").count() == 0
    page.screenshot(path=SCREENSHOTS / "offline-checked-on-phone-360.png", full_page=True)
    assert_axe_clean(page)
    # The same answers checked by the server: the same messages, in the same order.
    page.context.set_offline(False)
    forget_rules(page)
    page.goto(world.url + "/worker/needs/new")
    page.fill("#name", "王 芳")
    page.fill("#phone", "１３８ 1234")
    page.fill("#id_card", "33048219900101123X")
    page.select_option("#town", label="当湖街道")
    review(page)
    expect(page.locator(".error-summary")).to_be_visible()
    assert page.locator(".error-summary li").all_inner_texts() == on_phone
    page.context.close()


def test_offline_sign_ups_from_the_kept_catalogue_confirmed_or_waitlisted(world, browser, record_property):
    ledger = Ledger(world)
    page = phone(world, browser)
    page.context.set_offline(True)
    page.goto(world.url + "/courses?kind=skill")  # filtered on the phone, not the first page as it is
    listed = page.locator("#kept-catalogue [data-offering-id]:visible")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text("电工（初级）")
    expect(page.locator("#kept-count")).to_have_text("手机上保存的目录里有 1 门课符合。")
    expect(page.locator("main")).to_contain_text("目录更新于")
    assert page.locator(f"#o{world.classes['太极']}").count() == 0, "another town's hobby class is not kept"
    page.goto(world.url + "/courses?q=shufa")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text("书法")
    page.screenshot(path=SCREENSHOTS / "offline-kept-catalogue-360.png", full_page=True)
    page.goto(world.url + f"/courses/{world.classes['会计']}")  # a class page offline, with what it costs
    one = page.locator(f"#o{world.classes['会计']}")
    expect(one).to_be_visible()
    expect(one).to_contain_text(
        "费用 ¥6,000；学完可领补贴：本地户籍 ¥3,000（自付约 ¥3,000），外地户籍 ¥1,800（自付约 ¥4,200）"
    )
    expect(page.locator("#kept-catalogue [data-offering-id]:visible")).to_have_count(1)
    page.screenshot(path=SCREENSHOTS / "offline-class-page-360.png", full_page=True)
    assert_axe_clean(page)
    confirmed = ledger.add("signup", "离线报甲", offering="会计")
    waitlisted = ledger.add("signup", "离线报乙", offering="烘焙")
    one.get_by_role("link", name="代居民报名").click()
    expect(page).to_have_url(world.url + f"/worker/courses/{world.classes['会计']}/signup")
    for entry in (confirmed, waitlisted):
        open_form(page, world, entry)
        expect(page.locator("#kept-signup")).to_be_visible()
        fill(page, entry)
        review(page)
        readback = page.locator(".offline-readback")
        expect(readback).to_contain_text(entry.offering)
        expect(readback).to_contain_text("名额要等这条发送到网站时才定：还有名额就确认，满了就排队候补。")
        if entry is confirmed:
            page.screenshot(path=SCREENSHOTS / "offline-signup-readback-360.png", full_page=True)
        confirm_on_phone(page, entry.name)
    page.goto(world.url + "/worker/outbox")
    page.context.set_offline(False)
    expect(page.locator("#outbox-summary")).to_contain_text("其中报名：1 人名额已确认，1 人排队候补")
    ledger.settle(page, "offline sign-ups from the kept catalogue", record_property)
    statuses = {
        e.name: db.session.scalar(
            select(Enrolment.status)
            .join(Resident, Enrolment.resident_id == Resident.id)
            .where(Resident.phone == e.phone)
        )
        for e in (confirmed, waitlisted)
    }
    assert statuses == {confirmed.name: "confirmed", waitlisted.name: "waitlisted"}
    page.context.close()


def test_a_refused_entry_fixed_and_saved_leaves_the_outbox(world, browser, record_property):
    ledger = Ledger(world)
    page = phone(world, browser)
    forget_rules(page)
    entry = ledger.add("need", "退回甲")
    page.context.set_offline(True)
    open_form(page, world, entry)
    fill_need(page, entry.name, "1381234")
    review(page)
    confirm_on_phone(page, entry.name)
    page.goto(world.url + "/worker/outbox")
    page.context.set_offline(False)
    item = page.locator("[data-outbox-item]")
    expect(item).to_have_attribute("data-state", "refused")
    item.get_by_role("button", name="打开修改").click()
    page.fill("#phone", entry.phone)
    review(page)
    confirm_on_server(page, entry.name)
    expect(page.locator("h1")).to_have_text("已保存")
    page.goto(world.url + "/worker/outbox")
    expect(page.locator("#outbox-count")).to_have_text("待发送 0 条")
    ledger.settle(page, "refused, fixed and saved", record_property)
    page.context.close()


def test_entries_waiting_are_sent_from_a_public_catalogue_page(world, browser, record_property):
    """Before issue 13 nothing was sent from catalogue pages: a worker browsing classes online left the
    queue waiting. Now app.js brings the outbox to every page of a worker's phone."""
    ledger = Ledger(world)
    page = phone(world, browser)
    entry = ledger.add("need", "目录甲")
    world.net.set("blackhole", {"POST"}, paths=("/worker/needs/",))
    open_form(page, world, entry)
    fill(page, entry)
    review(page)
    confirm_on_phone(page, entry.name)
    page.goto(world.url + "/courses")  # the public catalogue, online
    expect(page.locator("html")).not_to_have_attribute("data-offline-copy", "")
    assert page.locator("#outbox-words").count() == 0
    wait_for(lambda: page.evaluate("!!window.xuehouOutbox"), what="the outbox brought by app.js")
    world.net.set("pass")
    ledger.settle(page, "sent from a public catalogue page", record_property)
    page.context.close()


def test_the_kept_copy_refreshes_on_an_online_visit_to_a_public_page(world, browser):
    page = phone(world, browser)
    added_id = make_offering(name="茶艺", town=db.session.scalar(select(Town).where(Town.name == "当湖街道"))).id
    db.session.commit()
    page.evaluate(
        "localStorage.setItem('xuehou-refreshed', '0 ' + JSON.parse(localStorage.getItem('xuehou-outbox')).worker)"
    )
    before = world.net.seen.count("GET", "/worker/catalogue")
    page.goto(world.url + "/courses")  # a public page: app.js brings the outbox, which asks for a refresh
    wait_for(lambda: world.net.seen.count("GET", "/worker/catalogue") > before, what="the kept catalogue refreshed")
    # Kept: the new copy is in the phone's cache (a fixed 1 s for the write was short on a busy machine).
    has_it = (
        "async () => { const hit = await caches.match('/worker/catalogue');"
        " return !!hit && (await hit.text()).includes('茶艺'); }"
    )
    wait_for(lambda: page.evaluate(has_it), what="the new class in the kept catalogue")
    page.context.set_offline(True)
    page.goto(world.url + f"/courses/{added_id}")
    expect(page.locator(f"#o{added_id}")).to_contain_text("茶艺")
    page.context.close()


def test_a_workers_day_of_12_residents_two_browser_restarts_arrives_exactly_once(
    world, playwright, tmp_path, record_property
):
    """Needs and sign-ups for 12 residents, the network changing under the worker between each, and
    the phone's browser closed and opened again twice, with entries waiting."""
    ledger = Ledger(world)
    classes = ["书法", "电工", "会计", "烘焙"]
    networks = ["pass", "blackhole", "offline", "reset", "drop", "503"]

    def launch():
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
            locale="zh-CN",
            **PHONE,
        )
        return context, context.new_page()

    context, page = launch()
    log_in(page, world.url, "zhang")
    ready_for_offline(page)
    for i in range(12):
        if i in (4, 8):
            context.close()  # the browser is closed with entries waiting, and opened again later
            context, page = launch()
        kind = "need" if i % 2 == 0 else "signup"
        entry = ledger.add(
            kind, f"一日{'甲乙丙丁戊己庚辛壬癸子丑'[i]}", offering=None if kind == "need" else classes[i // 2 % 4]
        )
        network = networks[i % len(networks)]
        world.net.set("pass")
        page.context.set_offline(network == "offline")
        if network == "blackhole":
            world.net.set("blackhole")
        if network == "503":
            world.net.set("503")
        open_form(page, world, entry)
        fill(page, entry)
        if network in ("reset", "drop"):
            review(page)
            expect(page.locator("h1")).to_have_text("请居民核对")
            world.net.set(network, {"POST"})
            confirm_on_server(page, entry.name)
            expect(page.locator("#outbox-queued")).to_contain_text("已保存到手机")
        elif network == "pass":
            review(page)
            confirm_on_server(page, entry.name)
            expect(page.locator("h1")).to_have_text("已保存")
        else:
            review(page)
            confirm_on_phone(page, entry.name)
    world.net.set("pass")
    page.context.set_offline(False)
    page.goto(world.url + "/worker/outbox")
    ledger.settle(page, "a worker's day: 12 residents, two browser restarts", record_property, timeout=120)
    assert db.session.scalar(select(func.count(Enrolment.id)).where(Enrolment.entered_by_id == world.workers["zhang"]))
    context.close()
