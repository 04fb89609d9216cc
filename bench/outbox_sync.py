"""The worker's outbox at volume: time to sync N submissions queued offline, once the network returns.

    python bench/outbox_sync.py [--items 200] [--backend sqlite|postgresql]

A scratch database with the demo data, the app under gunicorn (2 workers) on 127.0.0.1, and Debian's
Chromium at 360 px (the phone context of the browser tests). The worker logs in, the service worker
installs, the network is cut, one need is entered through the offline read-back, and the queue is
topped up to N items in IndexedDB (copies of that item with their own submission ids and phones,
exactly what outbox.js stores). Then the network returns and the clock runs until the outbox is
empty; the server must then hold exactly N needs. Prints the time, the rate, and the count.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import environment, flask, gunicorn, scratch_database

CHROMIUM = "/usr/bin/chromium"
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
TOP_UP = """async (n) => {
    const item = (await window.xuehouOutbox.all())[0];
    const db = await new Promise((resolve, reject) => {
        const open = indexedDB.open("xuehou-outbox", 1);
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
    });
    const tx = db.transaction("items", "readwrite");
    for (let i = 1; i < n; i++) {
        const bytes = crypto.getRandomValues(new Uint8Array(16));
        const id = Array.from(bytes, (b) => (b + 256).toString(16).slice(1)).join("");
        const fields = item.fields.map(([k, v]) =>
            k === "submission_id" ? [k, id] : k === "phone" ? [k, "137" + String(10000000 + i)] : [k, v]);
        tx.objectStore("items").put({...item, submission_id: id, fields, created_at: item.created_at + i});
    }
    await new Promise((resolve) => { tx.oncomplete = resolve; });
    return (await window.xuehouOutbox.all()).length;
}"""


def needs_on_server(database_url: str) -> int:
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as conn:
            return conn.execute("SELECT count(*) FROM needs").fetchone()[0]
    import psycopg

    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        return conn.execute("SELECT count(*) FROM needs").fetchone()[0]


def run(items: int, backend: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with scratch_database(backend) as url:
        env = environment(url)
        flask(env, "db", "upgrade")
        flask(env, "demo-data")
        flask(
            env,
            "create-user",
            "--role",
            "worker",
            "--username",
            "bench",
            "--password",
            "bench-password",
            "--town",
            "当湖街道",
        )
        before = needs_on_server(url)
        with gunicorn(env) as base, sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
            )
            context = browser.new_context(**PHONE, locale="zh-CN")
            page = context.new_page()
            page.goto(base + "/worker/")
            page.fill("#username", "bench")
            page.fill("#password", "bench-password")
            page.click("button[type=submit]")
            expect(page).to_have_url(base + "/worker/")
            page.evaluate("""async () => {
                await navigator.serviceWorker.ready;
                while (!navigator.serviceWorker.controller || !window.xuehouOutbox) {
                    await new Promise((resolve) => setTimeout(resolve, 50));
                }
            }""")
            context.set_offline(True)
            page.goto(base + "/worker/needs/new")
            page.fill("#name", "王芳")
            page.fill("#phone", "13700000000")
            page.select_option("#town", label="当湖街道")
            page.select_option("#age_band", "30-39")
            page.select_option("#education", "初中")
            page.select_option("#work", "在职")
            page.check("#kind-1")
            page.fill("#target", "电工证")
            page.check("#consent_method-0")
            page.check("#consent")
            page.get_by_role("button", name="下一步：读给居民核对").click()
            page.get_by_role("button", name="居民确认，保存到手机").click()
            expect(page.locator("#outbox-count")).to_have_text("待发送 1 条")
            assert page.evaluate(TOP_UP, items) == items
            page.goto(base + "/worker/outbox")  # offline: the kept copy, listing all of them
            expect(page.locator("#outbox-count")).to_have_text(f"待发送 {items} 条")
            start = time.perf_counter()
            context.set_offline(False)
            expect(page.locator("#outbox-count")).to_have_text("待发送 0 条", timeout=600_000)
            elapsed = time.perf_counter() - start
            browser.close()
        arrived = needs_on_server(url) - before
    print(
        f"outbox sync, {backend}, gunicorn -w 2, Chromium 360 px: {items} queued → {arrived} on the server "
        f"in {elapsed:.1f} s ({elapsed / items * 1000:.0f} ms per submission, {items / elapsed:.1f}/s)"
    )
    if arrived != items:
        raise SystemExit(f"expected exactly {items} on the server, found {arrived}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    run(args.items, args.backend)


if __name__ == "__main__":
    main()
