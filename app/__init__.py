"""学后 Xuehou: adult learning after school."""

from __future__ import annotations

import os
import re

from flask import Flask, current_app, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter
from whitenoise import WhiteNoise

from app import config as config_module
from app import extensions
from app.extensions import babel, cache, compress, csrf, limiter, migrate

HASHED_FILE = re.compile(r"\.[0-9a-f]{12}\.\w+(\.(gz|br))?$")
MAX_ID = 2**31 - 1  # a PostgreSQL integer: a larger id in a URL is no row, so it is 404, never a 500


class IdConverter(IntegerConverter):
    """`<int:…>` on every route: 1 to 2**31 - 1, else the route doesn't match (404)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = 1, max: int | None = MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def create_app(test_config: dict | None = None) -> Flask:
    # XUEHOU_INSTANCE: another instance folder (config.py, the SQLite file), e.g. for a second checkout's tests.
    instance = os.environ.get("XUEHOU_INSTANCE")
    app = Flask(
        __name__,
        instance_path=os.path.abspath(instance) if instance else None,
        instance_relative_config=True,
        static_folder=None,
    )
    app.url_map.converters["int"] = IdConverter  # before any route is added
    app.config.from_object(config_module.Config)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.update(config_module.from_environment())
    else:
        app.config.update(test_config)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "xuehou.db")
    _refuse_unsafe_production(app)
    app.config.setdefault("SHOW_DEV_CODES", app.debug or os.environ.get("XUEHOU_DEV") == "1")

    # `extensions.db`, not a bare `db`: importing the module app.db rebinds that name in this package
    extensions.db.init_app(app)
    migrate.init_app(
        app, extensions.db, render_as_batch=True, directory=os.path.join(os.path.dirname(app.root_path), "migrations")
    )
    csrf.init_app(app)
    compress.init_app(app)
    cache.init_app(app)
    limiter.init_app(app)

    from app import auth, i18n, limits, messages, security, sms, templating

    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    sms.init_app(app)
    messages.init_app(app)
    auth.init_app(app)
    limits.init_app(app)

    from app.routes import (
        admin,
        cases,
        courses,
        elder,
        enterprise,
        errors,
        jobs,
        main,
        me,
        mentor,
        needs,
        offline,
        signup,
        worker,
    )
    from app.routes import auth as auth_routes
    from app.routes import workshop as workshop_routes

    app.register_blueprint(main.bp)
    app.register_blueprint(courses.bp)
    app.register_blueprint(needs.bp)
    app.register_blueprint(signup.bp)
    app.register_blueprint(me.bp)
    app.register_blueprint(auth_routes.bp)
    app.register_blueprint(worker.bp)
    app.register_blueprint(cases.bp)
    app.register_blueprint(mentor.bp)
    app.register_blueprint(elder.bp)
    app.register_blueprint(offline.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(enterprise.bp)
    app.register_blueprint(jobs.bp)
    app.register_blueprint(workshop_routes.bp)
    errors.init_app(app)
    app.before_request(_writers_first)

    from app import cli

    cli.init_app(app)

    if app.config["PROXY_FIX_X_FOR"] or app.config["PROXY_FIX_X_PROTO"]:
        # X-Forwarded-For only from the configured proxies: the client address rate limits key on.
        hops = {"x_for": app.config["PROXY_FIX_X_FOR"], "x_proto": app.config["PROXY_FIX_X_PROTO"]}
        app.wsgi_app = ProxyFix(app.wsgi_app, **hops)
    app.wsgi_app = WhiteNoise(
        app.wsgi_app,
        root=app.config["STATIC_BUILD_DIR"],
        prefix="static/",
        immutable_file_test=lambda path, url: bool(HASHED_FILE.search(url)),
        max_age=31536000,
        add_headers_function=security.static_headers(app),
    )
    return app


def _writers_first() -> None:
    """A request that changes things begins its transaction as a writer. On SQLite a transaction that
    has read cannot start writing once another has written ("database is locked", whatever the busy
    timeout), so every POST takes the write lock first (BEGIN IMMEDIATE) and waits its turn; on
    PostgreSQL this is a plain BEGIN."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        from app.db import begin_write

        if getattr(current_app.view_functions.get(request.endpoint or ""), "reads_first", False):
            return  # it takes the lock itself once it has read (app.db.reads_first)
        begin_write()


class ConfigError(RuntimeError):
    """A setting production can't run without; wsgi.py turns it into one line and exit status 1."""


def _refuse_unsafe_production(app: Flask) -> None:
    """Outside development and tests: a real secret key, and the public address for links."""
    if app.debug or app.testing or os.environ.get("XUEHOU_DEV") == "1":
        return
    if app.config["SECRET_KEY"] == config_module.DEV_SECRET_KEY:
        raise ConfigError("Set SECRET_KEY (environment or instance/config.py) before running outside development.")
    if not app.config.get("PUBLIC_URL"):
        raise ConfigError(
            "Set PUBLIC_URL (e.g. https://xuehou.example.gov.cn; environment or instance/config.py) before running "
            "outside development: links in text messages and QR codes must not come from the Host header."
        )


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, connection_record) -> None:
    """SQLite: write-ahead log so readers don't block the writer; foreign keys; wait when busy.

    pysqlite's own transaction handling is switched off (isolation_level None) so that SQLAlchemy's
    BEGIN below is the one that counts, which makes SAVEPOINT and BEGIN IMMEDIATE work as documented.
    """
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        # A page cache that holds a county's catalogue (the default 2 MB re-reads the classes' rows
        # from the operating system on every search), and the file mapped rather than read.
        cursor.execute("PRAGMA cache_size=-32768")
        cursor.execute("PRAGMA mmap_size=268435456")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    """BEGIN, or BEGIN IMMEDIATE (take the write lock first) for a session that asked for it with
    execution option `sqlite_immediate` (see services that must not race, e.g. enrolment)."""
    if connection.dialect.name == "sqlite":
        immediate = connection.get_execution_options().get("sqlite_immediate")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
