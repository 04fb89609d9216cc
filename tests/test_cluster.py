"""Production on more than one server (issue 15), through nginx: deploy/run-local-cluster.sh starts
nginx in front of two gunicorn instances, the message worker, Redis and PostgreSQL on 127.0.0.1.
The app keeps no state of its own: everything below crosses from one server to the other.

Skipped when nginx is not installed, except under CI=true (.ci/run installs it)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from bench.common import ROOT, free_port, hidden, scratch_database
from bench.fake_alibaba import FakeAlibaba

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
if NGINX is None and os.environ.get("CI") != "true":
    pytest.skip("nginx is not installed (apt-get install nginx)", allow_module_level=True)

REDIS = "redis://127.0.0.1:6379/7"
SECRET = "cluster-test-secret"
pytestmark = pytest.mark.cluster


class Browser:
    """One person's cookies, against any of the servers."""

    def __init__(self):
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect(), urllib.request.ProxyHandler({})
        )

    def get(self, url: str, headers: dict | None = None) -> tuple[int, str, dict]:
        return self._open(urllib.request.Request(url, headers=headers or {}))

    def post(self, url: str, data: dict, headers: dict | None = None) -> tuple[int, str, dict]:
        body = urllib.parse.urlencode(data).encode()
        return self._open(urllib.request.Request(url, data=body, headers=headers or {}))

    def _open(self, request) -> tuple[int, str, dict]:
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), dict(error.headers)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def tokens(html: str) -> dict:
    return {"csrf_token": hidden(html, "csrf_token"), "submission_id": hidden(html, "submission_id")}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    import redis

    try:
        store = redis.Redis.from_url(REDIS)
        store.flushdb()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    fake = FakeAlibaba().start()
    run_dir = tmp_path_factory.mktemp("cluster")
    port = free_port()
    with scratch_database("postgresql") as url:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "REDIS_URL": REDIS,
            "PORT": str(port),
            "RUN_DIR": str(run_dir),
            "PYTHONPATH": str(ROOT),
            "SMS_SENDER": "app.messages.alibaba:AlibabaSender",
            "SMS_ALIBABA_ENDPOINT": fake.endpoint,
            "SMS_ALIBABA_PROTOCOL": "http",
            "SMS_ALIBABA_ACCESS_KEY_ID": "test",
            "SMS_ALIBABA_ACCESS_KEY_SECRET": "test",
            "SMS_ALIBABA_TEMPLATES": "code=SMS_1,signup_confirmed=SMS_2,signup_waitlisted=SMS_3",
            "SMS_QUIET_HOURS": "off",
            "PUBLIC_URL": f"http://127.0.0.1:{port}",
        }
        script = subprocess.Popen(
            [str(ROOT / "deploy" / "run-local-cluster.sh")], cwd=ROOT, env=env, start_new_session=True
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(base, script)
            world = _world(url)
            yield {
                "base": base,
                "servers": [f"http://127.0.0.1:{port + 1}", f"http://127.0.0.1:{port + 2}"],
                "fake": fake,
                "redis": store,
                "run_dir": Path(run_dir),
                "db_url": url,
                **world,
            }
        finally:
            os.killpg(script.pid, signal.SIGTERM)
            script.wait(30)
            fake.stop()
            store.flushdb()


def _wait_ready(base: str, script: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if script.poll() is not None:
            raise RuntimeError(f"run-local-cluster.sh exited with {script.returncode}")
        try:
            if Browser().get(base + "/readyz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the cluster did not become ready")


def _world(url: str) -> dict:
    """A class with five places and a bureau account, written straight into the cluster's database."""
    from app import create_app
    from app.extensions import db
    from tests.factories import make_offering
    from tests.helpers import make_user

    app = create_app({"TESTING": True, "SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        offering = make_offering(seats=5)
        admin = make_user("admin")
        db.session.commit()
        world = {"offering_id": offering.id, "town": offering.town.name, "admin": admin.username}
        db.session.remove()
        db.engine.dispose()
    return world


def sign_up(base: str, world: dict, phone: str, headers: dict | None = None) -> int:
    browser = Browser()
    path = f"{base}/courses/{world['offering_id']}/signup"
    _, page, _ = browser.get(path, headers)
    data = {**tokens(page), "name": "王芳", "phone": phone, "town": world["town"], "consent": "y"}
    return browser.post(path, data, headers)[0]


def test_log_in_on_one_server_and_continue_on_the_other(cluster):
    from tests.helpers import PASSWORD

    one, other = cluster["servers"]
    browser = Browser()
    _, page, _ = browser.get(one + "/admin/login")
    data = {**tokens(page), "username": cluster["admin"], "password": PASSWORD}
    assert browser.post(one + "/admin/login", data)[0] == 303
    status, page, _ = browser.get(other + "/admin/audit")
    assert status == 200 and "操作记录" in page, "the other server knows the log-in"


def test_a_sign_up_rush_over_both_servers_never_overbooks(cluster):
    statuses: list[int] = []
    servers = cluster["servers"]

    def one(n: int) -> None:
        statuses.append(sign_up(servers[n % 2], cluster, f"1370000{n:04d}"))

    threads = [threading.Thread(target=one, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses.count(303) == 16
    from sqlalchemy import create_engine, text

    engine = create_engine(cluster["db_url"])
    with engine.connect() as conn:
        taken, capacity = conn.execute(
            text("SELECT seats_taken, capacity FROM offerings WHERE id = :id"), {"id": cluster["offering_id"]}
        ).one()
        confirmed = conn.scalar(
            text("SELECT count(*) FROM enrolments WHERE offering_id = :id AND status = 'confirmed'"),
            {"id": cluster["offering_id"]},
        )
    engine.dispose()
    assert taken == capacity == confirmed == 5
    assert _wait(lambda: len(cluster["fake"].sent) >= 16), "the worker sent every receipt"


def _wait(condition, timeout: float = 90) -> bool:
    """Until `condition()` holds: generous (under pytest-xdist the other worker keeps both cores busy
    while the message worker sends), and over as soon as it holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_a_one_time_code_issued_by_one_server_is_accepted_by_the_other(cluster):
    one, other = cluster["servers"]
    phone = "13700009999"
    assert sign_up(cluster["base"], cluster, phone) == 303  # a resident now: codes go to known numbers
    browser = Browser()
    _, page, _ = browser.get(one + "/me")
    data = {**tokens(page), "step": "send", "phone": phone}
    status, page, _ = browser.post(one + "/me", data)
    assert status == 200
    fake = cluster["fake"]
    assert _wait(lambda: any(t["PhoneNum"] == phone and t["TemplateCode"] == "SMS_1" for t in fake.sent))
    text = next(t for t in fake.sent if t["PhoneNum"] == phone and t["TemplateCode"] == "SMS_1")
    code = text["TemplateParam"]["code"]
    data = {**tokens(page), "step": "verify", "code": code}
    assert browser.post(other + "/me", data)[0] == 303, "the other server accepts the code"
    status, page, _ = browser.get(other + "/me")
    assert status == 200 and "137****9999" in page


def test_rate_limits_are_counted_in_redis_across_both_servers(cluster):
    one, other = cluster["servers"]
    phone = "13700008888"  # per phone: 5 code requests in 10 minutes, wherever they arrive
    statuses = []
    for n in range(6):
        server = (one, other)[n % 2]
        browser = Browser()
        _, page, _ = browser.get(server + "/me")
        data = {**tokens(page), "step": "send", "phone": phone}
        statuses.append(browser.post(server + "/me", data)[0])
    assert statuses == [200] * 5 + [429]
    assert any(key.startswith(b"LIMITS") for key in cluster["redis"].keys("*"))


def test_the_micro_cache_is_shared_through_redis(cluster):
    assert Browser().get(cluster["base"] + "/courses")[0] == 200
    assert any(b"flask_cache" in key for key in cluster["redis"].keys("*")), "the catalogue page is cached in Redis"


def test_the_limits_see_the_address_nginx_gives_not_one_the_client_makes_up(cluster):
    """/me allows 30 POSTs an hour per address. Through nginx, a client that sends a different
    X-Forwarded-For each time is still one address (nginx overwrites the header)."""
    statuses = []
    for n in range(32):
        browser = Browser()
        spoof = {"X-Forwarded-For": f"10.9.{n}.1"}
        _, page, _ = browser.get(cluster["base"] + "/me", spoof)
        data = {**tokens(page), "step": "send", "phone": f"1360000{n:04d}"}
        statuses.append(browser.post(cluster["base"] + "/me", data, spoof)[0])
        if statuses[-1] == 429:
            break
    assert statuses[-1] == 429, "made-up addresses did not escape the per-address limit"


def test_readiness_and_structured_logs_without_personal_data(cluster):
    status, body, _ = Browser().get(cluster["base"] + "/readyz")
    assert status == 200 and json.loads(body) == {"ready": True}
    phones = ("13700009999", "13700008888", "13700000001")
    for log in cluster["run_dir"].glob("*access.log"):
        lines = log.read_text().splitlines()
        assert lines, f"{log.name} is empty"
        for line in lines:
            json.loads(line)  # one JSON object a line
            assert not any(phone in line for phone in phones), f"a phone number in {log.name}"
            assert "127.0.0.1" not in line.split('"upstream"')[0], f"a client address in {log.name}"
    for log in cluster["run_dir"].glob("*.log"):
        assert not any(phone in log.read_text() for phone in phones), f"a phone number in {log.name}"
