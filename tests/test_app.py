"""Factory, health check, security headers, compression and static files."""

from __future__ import annotations

import re

import pytest

from app import create_app
from app.assets import load_manifest
from tests.conftest import BUILD_DIR
from tests.factories import make_offering

PAGES = ["/", "/courses", "/schedule", "/courses/1", "/nope"]


@pytest.fixture
def one_class(app):
    from app.extensions import db

    make_offering()
    db.session.commit()


def test_factory_refuses_the_default_secret_outside_development(monkeypatch, tmp_path):
    monkeypatch.setenv("XUEHOU_INSTANCE", str(tmp_path))  # not a developer's instance/config.py
    monkeypatch.delenv("XUEHOU_DEV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_health_check_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize("path", PAGES)
def test_every_page_sends_a_strict_csp_and_security_headers(client, one_class, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    html = response.get_data(as_text=True)
    inline_scripts = [s for s in re.findall(r"<script\b[^>]*>", html) if "src=" not in s]
    assert inline_scripts == [] and " style=" not in html and "<style" not in html


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_html_is_compressed(client, one_class, encoding):
    response = client.get("/courses", headers={"Accept-Encoding": encoding})
    assert response.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in response.headers["Vary"]


def test_static_files_are_fingerprinted_precompressed_and_cached_for_a_year(client):
    manifest = load_manifest(str(BUILD_DIR))
    html = client.get("/").get_data(as_text=True)
    for name in ("css/site.css", "js/htmx.min.js", "js/app.js"):
        url = "/static/" + manifest[name]
        assert url in html
        response = client.get(url, headers={"Accept-Encoding": "br, gzip"})
        assert response.status_code == 200
        assert response.headers["Content-Encoding"] == "br"
        assert "immutable" in response.headers["Cache-Control"]
        assert "max-age=31536000" in response.headers["Cache-Control"]
        response.close()


def test_session_cookie_settings(app):
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_secure_cookies_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("XUEHOU_INSTANCE", str(tmp_path))
    monkeypatch.setenv("PUBLIC_URL", "https://xuehou.example.gov.cn")  # required outside development
    monkeypatch.setenv("SECRET_KEY", "s3cret")
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "true")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["SECRET_KEY"] == "s3cret"


def test_error_pages_are_in_the_users_language(client, app):
    response = client.get("/nope", headers={"Accept-Language": "en"})
    assert response.status_code == 404 and "Page not found" in response.get_data(as_text=True)
    assert client.post("/courses").status_code in (400, 405)


def test_the_clock_can_be_pinned_to_a_moment(app):
    """CLOCK_NOW pins now(), utcnow() and today() together (in the county's time zone)."""
    import datetime as dt

    from app import clock

    moment = dt.datetime(2026, 12, 6, 23, 30, tzinfo=dt.UTC)  # 07:30 on the 7th in Shanghai
    app.config["CLOCK_NOW"] = moment
    with app.app_context():
        assert clock.now() == moment and clock.now().utcoffset() == dt.timedelta(hours=8)
        assert clock.utcnow() == moment and clock.utcnow().tzinfo == dt.UTC
        assert clock.today() == dt.date(2026, 12, 7)


def test_readiness_is_false_while_migrations_are_pending(client, app):
    assert client.get("/readyz").get_json() == {"ready": True}
    app.extensions["xuehou_migration_heads"] = {"9999_next_release"}
    answer = client.get("/readyz")
    assert answer.status_code == 503 and answer.get_json()["database"] == "migrations pending"
    assert client.get("/healthz").status_code == 200, "alive, just not ready"
