"""The minor findings of issue 12, each a test: the sign-up's town question, PUBLIC_URL in production,
HSTS, headers on static files, answers made of spaces, bearer references in access logs."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from app import ConfigError, create_app
from app.assets import load_manifest
from app.extensions import db
from app.security import MaskRefs
from app.services.residents import Person, register
from tests.conftest import BUILD_DIR
from tests.factories import make_institution, make_offering, make_town
from tests.helpers import invalid_fields, tokens

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def test_the_town_question_is_the_same_for_a_registered_number_and_a_new_one(client, app):
    offering = make_offering()
    register(Person(name="王芳", phone="13812345678", town_id=offering.town_id), "survey", "口头同意")
    db.session.commit()

    def answer(phone: str) -> tuple[int, list[str]]:
        page = client.get(f"/courses/{offering.id}/signup").get_data(as_text=True)
        data = {**tokens(page), "name": "王芳", "phone": phone, "town": "", "consent": "y"}
        response = client.post(f"/courses/{offering.id}/signup", data=data)
        html = response.get_data(as_text=True)
        return response.status_code, re.findall(r'class="error-message"[^>]*>(.*?)</p>', html)

    assert (
        answer("13812345678")
        == answer("13900000000")
        == (422, ['<span class="visually-hidden">错误：</span>请选择住在哪个镇（街道）'])
    )


@pytest.fixture
def outside_development(monkeypatch, tmp_path):
    for name in ("XUEHOU_DEV", "FLASK_DEBUG", "PUBLIC_URL", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XUEHOU_INSTANCE", str(tmp_path))  # no instance/config.py of a developer's
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    return tmp_path


def test_production_refuses_to_start_without_public_url(outside_development, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s3cret")
    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        create_app()
    monkeypatch.setenv("PUBLIC_URL", "https://xuehou.example.gov.cn")
    assert create_app().config["PUBLIC_URL"] == "https://xuehou.example.gov.cn"


@pytest.mark.parametrize("missing", ["SECRET_KEY", "PUBLIC_URL"])
def test_the_refusal_is_one_clear_line_not_a_traceback(outside_development, missing):
    env = {**os.environ, "SECRET_KEY": "s3cret", "PUBLIC_URL": "https://xuehou.example.gov.cn"}
    env.pop(missing)
    result = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "demo-data"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode != 0 and len(lines) == 1 and lines[0].startswith(f"xuehou: Set {missing}"), lines
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("secure", [True, False])
def test_hsts_when_cookies_are_secure_on_pages_and_static_files(database, secure):
    from tests.conftest import _config

    app = create_app(_config(database.url, SESSION_COOKIE_SECURE=secure))
    client = app.test_client()
    static = "/static/" + load_manifest(str(BUILD_DIR))["css/site.css"]
    for path in ("/healthz", static):
        response = client.get(path)
        assert ("Strict-Transport-Security" in response.headers) is secure, path
        response.close()
    with app.app_context():
        db.engine.dispose()


def test_static_files_get_the_csp_and_nosniff(client):
    manifest = load_manifest(str(BUILD_DIR))
    for name in ("css/site.css", "js/app.js"):
        response = client.get("/static/" + manifest[name])
        assert response.status_code == 200
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        response.close()


BLANKS = ["   ", "\u3000", "\u200b", " \ufeff\u200b ", "\u2060"]


@pytest.mark.parametrize("blank", BLANKS)
def test_an_answer_of_spaces_or_zero_width_characters_is_required(client, app, blank):
    make_town("当湖街道")
    db.session.commit()
    page = client.get("/needs/new").get_data(as_text=True)
    data = {**tokens(page), "name": blank, "phone": blank, "target": blank, "kind": "skill", "consent": "y"}
    html = client.post("/needs/new", data=data).get_data(as_text=True)
    assert "请输入姓名" in html and "请输入手机号码" in html and "请写下想学什么" in html
    assert {"name", "phone", "target"} <= invalid_fields(html)


def test_a_staff_form_says_required_for_blanks_too_and_trims_what_it_keeps(client, app, login_as):
    school = make_institution()
    db.session.commit()
    login_as("institution", institution=school)
    page = client.get("/admin/programmes/new").get_data(as_text=True)
    blank = client.post("/admin/programmes/new", data={**tokens(page), "kind": "community", "name": "\u200b\u3000"})
    assert blank.status_code == 422 and "name" in invalid_fields(blank.get_data(as_text=True))
    saved = client.post(
        "/admin/programmes/new", data={**tokens(page), "kind": "community", "name": "\ufeff 烘焙\u200b "}
    )
    assert saved.status_code == 303
    from app.models import Programme

    assert db.session.scalar(db.select(Programme.name)) == "烘焙"


REF = "Zq3kV9x2LmN8pR4tY6wB1cD5fG7hJ0kQ"


def test_bearer_references_are_masked_in_access_log_records():
    werkzeug = logging.LogRecord(
        "werkzeug", logging.INFO, "", 0, '127.0.0.1 - - [x] "%s" %s %s', (f"GET /signups/{REF} HTTP/1.1", 200, 5), None
    )
    MaskRefs().filter(werkzeug)
    assert REF not in werkzeug.getMessage() and "/signups/… HTTP/1.1" in werkzeug.getMessage()
    for path in (f"/needs/{REF}", f"/elder/signups/{REF}/cancel", f"/worker/needs/{REF}/saved"):
        record = logging.LogRecord("werkzeug", logging.INFO, "", 0, '"%s"', (f"GET {path} HTTP/1.1",), None)
        MaskRefs().filter(record)
        assert REF not in record.getMessage(), path
    untouched = logging.LogRecord("werkzeug", logging.INFO, "", 0, '"%s"', ("GET /needs/new HTTP/1.1",), None)
    MaskRefs().filter(untouched)
    assert "/needs/new" in untouched.getMessage()


def test_gunicorn_access_log_masks_bearer_references(app, database, tmp_path):
    port = _free_port()
    log = tmp_path / "access.log"
    env = {
        **os.environ,
        "DATABASE_URL": database.url,
        "SECRET_KEY": "log-test",
        "PYTHONPATH": str(ROOT),
        "PUBLIC_URL": "http://127.0.0.1",
        "CACHE_TYPE": "NullCache",
        "SMS_SENDER": "app.sms:MemorySender",
    }
    args = ["-w", "1", "-b", f"127.0.0.1:{port}", "--access-logfile", str(log), "wsgi:app"]
    proc = subprocess.Popen([str(BIN / "gunicorn"), *args], cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        for path in (f"/signups/{REF}", f"/needs/{REF}?x=1"):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5)
            except urllib.error.HTTPError as error:
                assert error.code == 404
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    text = log.read_text()
    assert "/signups/…" in text and "/needs/…" in text and REF not in text, text


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
