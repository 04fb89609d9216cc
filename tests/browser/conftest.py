"""Browser tests: Playwright drives Debian's Chromium against the app served on 127.0.0.1.

Playwright must not download a browser here; it is pointed at /usr/bin/chromium (RECIPES.md).
Without Chromium these tests are skipped, except under CI=true where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Screenshots for people to look at (pytest-playwright empties its own test-results/ folder).
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
SCREENSHOTS.mkdir(parents=True, exist_ok=True)
# An `expect` waits for its condition and returns as soon as it holds: Playwright's 5 s is a wall-time
# budget that a busy 2-core machine (the suite's other pytest-xdist worker beside the browser) overruns.
expect.set_options(timeout=20_000)
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM):
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(f"CI=true but Chromium is missing at {CHROMIUM}")
    skip = pytest.mark.skip(reason="Chromium is not installed (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


class LiveServer:
    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def live_server(app):
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def phone(browser):
    """A 360 px Android-sized context with JavaScript on."""
    context = browser.new_context(**PHONE, locale="zh-CN")
    yield context
    context.close()


@pytest.fixture
def phone_no_js(browser):
    context = browser.new_context(**PHONE, locale="zh-CN", java_script_enabled=False)
    yield context
    context.close()
