"""The offline outbox, server side: /sw.js, the outbox and policies pages, the session API, replays."""

from __future__ import annotations

import datetime as dt
import json
import re

import brotli
import pytest
from sqlalchemy import func, select

from app.assets import load_manifest
from app.clock import TZ
from app.extensions import db
from app.models import Need, Policy, Resident, ResidentConflict
from tests.conftest import BUILD_DIR
from tests.factories import TODAY, make_offering, make_town
from tests.forms import tokens
from tests.test_needs import answers

WORKER_JS_BUDGET = 12 * 1024  # issue 13: fetch with time limits, checks on the phone, offline sign-ups


@pytest.fixture
def town(app):
    town = make_town("当湖街道")
    make_offering(name="电工（初级）", kind="skill")
    db.session.commit()
    return town


def sw_config(text: str) -> dict:
    return json.loads(re.search(r"var CONFIG = (\{.*?\});", text).group(1))


def test_service_worker_is_served_at_the_root_uncached_with_its_version_and_urls(client, app):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    config = sw_config(response.get_data(as_text=True))
    assert re.fullmatch(r"[0-9a-f]{12}", config["version"])
    assert {"/worker/", "/worker/needs/new", "/worker/outbox", "/worker/policies"} <= set(config["pages"])
    assert config["catalogue"] == "/courses"
    manifest = load_manifest(str(BUILD_DIR))
    assert "/static/" + manifest["js/outbox.js"] in config["assets"]
    assert all(re.search(r"\.[0-9a-f]{12}\.\w+$", url) for url in config["assets"]), "only fingerprinted files"


def test_a_new_salt_is_a_new_cache_version(client, app):
    before = sw_config(client.get("/sw.js").get_data(as_text=True))["version"]
    app.config["OFFLINE_CACHE_SALT"] = "deploy-2"
    after = sw_config(client.get("/sw.js").get_data(as_text=True))["version"]
    assert before != after


def test_worker_pages_load_the_outbox_and_show_its_count(client, login_as, town):
    login_as("worker", town=town)
    for path in ("/worker/", "/worker/needs/new", "/worker/outbox", "/worker/policies", "/worker/residents"):
        html = client.get(path).get_data(as_text=True)
        assert "/static/js/outbox." in html and 'data-outbox-count aria-live="polite"' in html, path
        assert 'data-count="待发送 {n} 条"' in html and "<script>" not in html and 'style="' not in html


def test_public_pages_do_not_load_the_outbox(client, app):
    assert "outbox" not in client.get("/courses").get_data(as_text=True)


def test_outbox_page_explains_itself_without_javascript(client, login_as, town):
    login_as("worker", town=town)
    response = client.get("/worker/outbox")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "<noscript>" in html and 'id="outbox-list"' in html and 'id="outbox-persist"' in html


def test_the_offline_copy_of_today_has_no_residents_in_it(client, login_as, town):
    login_as("worker", town=town)
    form = client.get("/worker/needs/new").get_data(as_text=True)
    data = {**tokens(form), **answers(), "consent_method": "口头同意", "step": "confirm"}
    client.post("/worker/needs/new", data=data)
    db.session.scalar(select(Need)).created_at = dt.datetime.combine(TODAY, dt.time(10), TZ)  # today, by the test clock
    db.session.commit()
    assert "王芳" in client.get("/worker/").get_data(as_text=True)
    kept = client.get("/worker/", headers={"X-Xuehou-Precache": "1"}).get_data(as_text=True)
    assert "王芳" not in kept and "没有网络时这里不显示今天登记的名单" in kept


def test_policies_page_lists_the_active_rules(client, login_as, town):
    db.session.add_all(
        [
            Policy(code="JN-5", name="初级证书补贴", kind="skill", level="初级", basis="fixed", value=800),
            Policy(code="XL-1", name="学历提升奖励", kind="degree", basis="tuition_percent", value=50, cap=3000),
            Policy(code="OLD", name="停用的政策", kind="skill", basis="fixed", value=1, active=False),
        ]
    )
    db.session.commit()
    login_as("worker", town=town)
    html = client.get("/worker/policies").get_data(as_text=True)
    assert "初级证书补贴" in html and "¥800" in html and "学费的 50%" in html and "最多 ¥3,000" in html
    assert "停用的政策" not in html


def test_session_api_gives_a_token_and_fresh_ids_to_workers_only(client, login_as, town):
    anonymous = client.get("/worker/api/session")
    assert anonymous.status_code == 401 and anonymous.json["logged_in"] is False, "JSON is never redirected"
    assert anonymous.json["login_url"].startswith("/worker/login?next=")
    login_as("institution")
    assert client.get("/worker/api/session").status_code == 403


def test_session_api_for_a_worker(client, login_as, town):
    login_as("worker", town=town)
    response = client.get("/worker/api/session")
    data = response.json
    assert response.status_code == 200 and data["logged_in"] is True and data["csrf_token"]
    assert len(set(data["submission_ids"])) == 20
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in data["submission_ids"])
    assert response.headers["Cache-Control"] == "no-store"


def replay(client, fields: dict):
    """What outbox.js does: a fresh token from the session API, then the stored fields, step=confirm."""
    token = client.get("/worker/api/session").json["csrf_token"]
    return client.post("/worker/needs/new", data={**fields, "csrf_token": token, "step": "confirm"})


def test_a_queued_form_replays_to_one_receipt_however_often_it_is_sent(client, login_as, town):
    login_as("worker", town=town)
    submission_id = client.get("/worker/api/session").json["submission_ids"][0]
    fields = {**answers(), "consent_method": "口头同意", "submission_id": submission_id}
    first = replay(client, fields)
    second = replay(client, fields)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"] and "/saved" in first.headers["Location"]
    assert db.session.scalar(select(func.count(Need.id))) == 1


def test_a_replay_with_a_stale_token_is_refused_not_saved(client, login_as, town):
    login_as("worker", town=town)
    fields = {**answers(), "consent_method": "口头同意", "submission_id": "a" * 32, "step": "confirm"}
    response = client.post("/worker/needs/new", data={**fields, "csrf_token": "stale"})
    assert response.status_code == 400 and db.session.scalar(select(func.count(Need.id))) == 0


def test_a_replay_after_the_log_in_lapsed_goes_to_the_log_in_page_and_saves_nothing(app, client, login_as, town):
    login_as("worker", town=town)
    token = client.get("/worker/api/session").json["csrf_token"]
    client.post("/logout", data={"csrf_token": token, "submission_id": "b" * 32})
    # The session keeps a CSRF secret after log-out, as a lapsed log-in does: the form is valid, the user gone.
    token = tokens(client.get("/worker/login").get_data(as_text=True))["csrf_token"]
    fields = {**answers(), "consent_method": "口头同意", "submission_id": "c" * 32, "step": "confirm"}
    response = client.post("/worker/needs/new", data={**fields, "csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"].startswith("/worker/login?next=")
    assert db.session.scalar(select(func.count(Need.id))) == 0


def test_a_refused_replay_says_why(client, login_as, town):
    login_as("worker", town=town)
    fields = {**answers(phone="1381234"), "consent_method": "口头同意", "submission_id": "d" * 32}
    response = replay(client, fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'class="error-summary"' in html and "请输入11位手机号码" in html


def test_two_workers_offline_with_the_same_phone_make_one_resident_two_needs_and_a_conflict(app, town):
    from app.services.staff import create_or_update_user

    for name, username in (("王芳", "w1"), ("王芬", "w2")):
        client = app.test_client()
        create_or_update_user("worker", username, "correct horse", None, str(town.id), name="测试员")
        db.session.commit()
        page = client.get("/worker/login").get_data(as_text=True)
        client.post("/worker/login", data={**tokens(page), "username": username, "password": "correct horse"})
        submission_id = client.get("/worker/api/session").json["submission_ids"][0]
        fields = {**answers(name=name), "consent_method": "口头同意", "submission_id": submission_id}
        assert replay(client, fields).status_code == 303
    assert db.session.scalar(select(func.count(Resident.id))) == 1
    assert db.session.scalar(select(func.count(Need.id))) == 2
    conflict = db.session.scalar(select(ResidentConflict))
    assert (conflict.field, conflict.kept_value, conflict.new_value) == ("name", "王芳", "王芬")


def test_the_js_worker_pages_add_stays_under_12_kb_compressed(client, app):
    manifest = load_manifest(str(BUILD_DIR))
    outbox = (BUILD_DIR / (manifest["js/outbox.js"] + ".br")).stat().st_size
    service_worker = len(brotli.compress(client.get("/sw.js").get_data()))
    assert outbox + service_worker < WORKER_JS_BUDGET, (outbox, service_worker)


def test_every_worker_route_refuses_anonymous_users_and_other_roles(app, client, login_as, town):
    """A walk over the URL map, so a route added later (e.g. the worker sign-up) cannot be forgotten."""
    paths = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/worker/") or rule.endpoint == "auth.login" or "GET" not in rule.methods:
            continue
        paths.append(rule.rule.replace("<ref>", "x" * 22).replace("<int:offering_id>", "1"))
    assert {"/worker/", "/worker/outbox", "/worker/policies", "/worker/api/session"} <= set(paths)
    for path in paths:
        anonymous = client.get(path)
        assert anonymous.status_code in (303, 401), path
        if anonymous.status_code == 303:
            assert anonymous.headers["Location"].startswith("/worker/login?next="), path
    for role in ("institution", "admin"):
        login_as(role)
        for path in paths:
            assert client.get(path).status_code == 403, (role, path)
