"""Configuration defaults (safe for development only) and environment overrides."""

import os
from typing import ClassVar

DEV_SECRET_KEY = "dev-only-not-secret"


class Config:
    SECRET_KEY = DEV_SECRET_KEY
    # Filled in by create_app: SQLite in the instance folder unless DATABASE_URL says otherwise.
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {"pool_pre_ping": True}

    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LOCALES = ("zh_Hans_CN", "en")
    LOCALE_COOKIE = "lang"

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Behind HTTPS in production; plain http on 127.0.0.1 in development and tests.
    SESSION_COOKIE_SECURE = False
    # A form's token lasts as long as the session it belongs to: a senior may leave the sign-up page
    # open for a day, and an expired token would throw away what they typed.
    WTF_CSRF_TIME_LIMIT = None

    COMPRESS_ALGORITHM: ClassVar[list[str]] = ["br", "gzip"]
    COMPRESS_MIMETYPES: ClassVar[list[str]] = ["text/html", "text/calendar", "application/json", "text/plain"]
    COMPRESS_MIN_SIZE = 500

    # Catalogue lists and the timetable are micro-cached for a few seconds per process (Flask-Caching):
    # popular searches cost one render every few seconds. Class pages and all forms are never cached.
    CACHE_TYPE = "SimpleCache"
    CACHE_DEFAULT_TIMEOUT = 5
    CACHE_THRESHOLD = 2000
    CACHE_NO_NULL_WARNING = True  # NullCache is how tests and benchmarks turn it off

    SMS_SENDER = "app.sms:LogSender"
    PUBLIC_URL: str | None = None  # set in production: links in messages never come from the Host header
    # Flask-Limiter counters: in memory for development and tests; Redis when several servers run.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True

    CATALOGUE_PAGE_SIZE = 20
    # The worker's outbox retries a failed send after these many seconds (then keeps the last).
    OUTBOX_BACKOFF: ClassVar[list[float]] = [5, 15, 60, 300]
    # Seconds the phone waits for any answer (a form sent, a replay, a fresh token) before it keeps the
    # entry and tries again later. A rural network can take 5–20 s; a hung request must not hold the queue.
    OUTBOX_TIMEOUT = 30
    # Part of the service worker's cache version; changing it makes phones fetch a new offline copy.
    OFFLINE_CACHE_SALT = ""
    # The service worker asks the network first, but shows the kept copy after this many seconds.
    OFFLINE_NETWORK_WAIT = 4
    # The kept copy is refreshed on an online visit when it is older than this many seconds.
    OFFLINE_REFRESH = 120
    # The kept catalogue holds at most this many classes (the worker's town first).
    OFFLINE_CATALOGUE_MAX = 1000
    STATIC_BUILD_DIR = os.path.join(os.path.dirname(__file__), "static", "dist")


def from_environment() -> dict:
    """Settings that the environment overrides (twelve-factor style)."""
    env = {}
    if os.environ.get("SECRET_KEY"):
        env["SECRET_KEY"] = os.environ["SECRET_KEY"]
    if os.environ.get("DATABASE_URL"):
        env["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    # e.g. CACHE_TYPE=RedisCache shared by several servers, or NullCache
    for name in ("CACHE_TYPE", "CACHE_REDIS_URL", "RATELIMIT_STORAGE_URI", "SMS_SENDER"):
        if os.environ.get(name):
            env[name] = os.environ[name]
    if os.environ.get("PUBLIC_URL"):  # e.g. https://xuehou.pinghu.gov.cn: links in SMS and QR codes
        env["PUBLIC_URL"] = os.environ["PUBLIC_URL"]
    if os.environ.get("TRUSTED_HOSTS"):  # comma-separated host names this site answers to
        env["TRUSTED_HOSTS"] = [h.strip() for h in os.environ["TRUSTED_HOSTS"].split(",") if h.strip()]
    if os.environ.get("SESSION_COOKIE_SECURE"):
        env["SESSION_COOKIE_SECURE"] = os.environ["SESSION_COOKIE_SECURE"].lower() in ("1", "true", "yes")
    return env
