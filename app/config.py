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

    # Request bodies: 1 MB for any form (a need report is a few KB); the spreadsheet import takes
    # files up to 5 MB (5,000 rows of classes are about 0.5 MB as XLSX, 0.6 MB as CSV).
    MAX_CONTENT_LENGTH = 2**20
    BODY_LIMITS: ClassVar[dict[str, int]] = {"admin.import_offerings": 5 * 2**20}
    # An XLSX is a zip: what it unpacks to is checked, member by member as it is read, before parsing.
    IMPORT_UNPACKED_LIMIT = 32 * 2**20  # 5,000 rows unpack to about 5 MB
    IMPORT_MEMBER_LIMIT = 100  # files inside one XLSX (Excel writes about ten)

    COMPRESS_ALGORITHM: ClassVar[list[str]] = ["br", "gzip"]
    COMPRESS_MIMETYPES: ClassVar[list[str]] = ["text/html", "text/calendar", "application/json", "text/plain"]
    COMPRESS_MIN_SIZE = 500
    # Tuned for speed (issue 18): on a 13 KB search page brotli quality 2 takes 0.06 ms for 2.8 KB,
    # quality 4 (the default) 0.14 ms for 2.5 KB; gzip level 4 sits between its 1 and 6.
    COMPRESS_BR_LEVEL = 2
    COMPRESS_LEVEL = 4

    # Catalogue lists and the timetable are micro-cached for a few seconds per process (Flask-Caching):
    # popular searches cost one render every few seconds. Class pages and all forms are never cached.
    CACHE_TYPE = "SimpleCache"
    CACHE_DEFAULT_TIMEOUT = 5
    CACHE_THRESHOLD = 2000
    CACHE_NO_NULL_WARNING = True  # NullCache is how tests and benchmarks turn it off
    # The 驾驶舱's county-wide figures are computed at most once a minute (each computation reads every
    # open need); the page says when they were computed.
    DASHBOARD_CACHE_SECONDS = 60

    SMS_SENDER = "app.sms:LogSender"
    PUBLIC_URL: str | None = None  # set in production: links in messages never come from the Host header
    # Flask-Limiter counters: in memory for development and tests; Redis when several servers run.
    RATELIMIT_STORAGE_URI = "memory://"
    # Said in every app's config: Flask-Limiter otherwise takes the last app's setting (one limiter).
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    # Staff log-ins: at most 8 hours, and an hour without a request ends one; a password change ends
    # them all. Wrong passwords: LOGIN_FREE_TRIES, then a wait of 2, 4, 8 … up to LOGIN_MAX_WAIT s.
    STAFF_SESSION_HOURS = 8
    STAFF_IDLE_MINUTES = 60
    LOGIN_FREE_TRIES = 5
    LOGIN_MAX_WAIT = 60
    # Behind a load balancer: how many proxies in front set X-Forwarded-For / -Proto (werkzeug
    # ProxyFix). 0 trusts none: the client address is the connecting one (rate limits key on it).
    PROXY_FIX_X_FOR = 0
    PROXY_FIX_X_PROTO = 0
    # A community worker's resident searches (each one audited).
    RESIDENT_SEARCH_LIMIT = "30 per 10 minutes;200 per day"
    # Public forms that send a text (app.limits.sends_texts): sign-ups taken, per phone and per address.
    TEXT_FORM_LIMIT_PER_PHONE = "5 per hour;10 per day"
    TEXT_FORM_LIMIT_PER_ADDRESS = "50 per hour;300 per day"  # generous: mobile networks share addresses
    # Texts per phone (app.sms): any number gets at most SMS_DAILY_CAP a day (one-time codes counted
    # apart, so requesting codes can't use up someone's notices); a number that has never confirmed a
    # one-time code gets at most SMS_UNCONFIRMED_RECEIPTS receipts for public sign-ups a day.
    SMS_DAILY_CAP = "10 per day"
    SMS_DAILY_CODES = "10 per day"
    SMS_UNCONFIRMED_RECEIPTS = "1 per day"
    # The message worker (app.messages): no texts in these local hours (start, end), one-time codes
    # apart; a failed send is tried again after these many seconds, then given up; a claim older
    # than SMS_CLAIM_LEASE seconds belongs to a worker that died (longer than any gateway call).
    SMS_QUIET_HOURS: tuple[int, int] | None = (21, 8)
    SMS_RETRY_BACKOFF: ClassVar[list[float]] = [30, 120, 600, 3600]
    SMS_CLAIM_LEASE = 300
    # A lottery with more entries than this is drawn by the worker process, not in a request.
    DRAW_IN_REQUEST_MAX = 200
    # Tests deliver in-process (Huey immediate mode); the site and the worker use the real queue.
    MESSAGES_IMMEDIATE = False
    # Alibaba Cloud SMS (app.messages.alibaba:AlibabaSender): the registered sign name, a template
    # code per kind of text, and the endpoint (a local fake in tests). Keys from the environment.
    SMS_ALIBABA_SIGN_NAME = "学后"
    SMS_ALIBABA_TEMPLATES: ClassVar[dict[str, str]] = {}
    SMS_ALIBABA_ENDPOINT = "dysmsapi.aliyuncs.com"
    SMS_ALIBABA_PROTOCOL = "https"
    SMS_ALIBABA_ACCESS_KEY_ID = ""
    SMS_ALIBABA_ACCESS_KEY_SECRET = ""

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
    for name in (
        "CACHE_TYPE",
        "CACHE_REDIS_URL",
        "RATELIMIT_STORAGE_URI",
        "SMS_SENDER",
        "SMS_ALIBABA_SIGN_NAME",
        "SMS_ALIBABA_ENDPOINT",
        "SMS_ALIBABA_PROTOCOL",
        "SMS_ALIBABA_ACCESS_KEY_ID",
        "SMS_ALIBABA_ACCESS_KEY_SECRET",
    ):
        if os.environ.get(name):
            env[name] = os.environ[name]
    if os.environ.get("SMS_ALIBABA_TEMPLATES"):  # e.g. code=SMS_1234,signup_confirmed=SMS_5678
        pairs = (item.partition("=") for item in os.environ["SMS_ALIBABA_TEMPLATES"].split(","))
        env["SMS_ALIBABA_TEMPLATES"] = {k.strip(): v.strip() for k, _, v in pairs if v.strip()}
    if os.environ.get("SMS_CLAIM_LEASE", "").isdecimal():
        env["SMS_CLAIM_LEASE"] = int(os.environ["SMS_CLAIM_LEASE"])
    if os.environ.get("SMS_QUIET_HOURS") == "off":
        env["SMS_QUIET_HOURS"] = None
    if os.environ.get("RATELIMIT_ENABLED"):  # e.g. false behind a gateway that limits already
        env["RATELIMIT_ENABLED"] = os.environ["RATELIMIT_ENABLED"].lower() in ("1", "true", "yes")
    if os.environ.get("PUBLIC_URL"):  # e.g. https://xuehou.pinghu.gov.cn: links in SMS and QR codes
        env["PUBLIC_URL"] = os.environ["PUBLIC_URL"]
    if os.environ.get("TRUSTED_HOSTS"):  # comma-separated host names this site answers to
        env["TRUSTED_HOSTS"] = [h.strip() for h in os.environ["TRUSTED_HOSTS"].split(",") if h.strip()]
    for name in ("PROXY_FIX_X_FOR", "PROXY_FIX_X_PROTO"):
        if os.environ.get(name, "").isdecimal():
            env[name] = int(os.environ[name])
    if os.environ.get("SESSION_COOKIE_SECURE"):
        env["SESSION_COOKIE_SECURE"] = os.environ["SESSION_COOKIE_SECURE"].lower() in ("1", "true", "yes")
    return env
