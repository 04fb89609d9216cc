"""Fixtures: an app on a fresh database per test, on SQLite and (when it answers) PostgreSQL.

Every test that uses `app` runs once per backend: test_x[sqlite], test_x[postgresql]. The schema
is built once per run by the migrations (so they are exercised too) and emptied after each test.
PostgreSQL comes from TEST_DATABASE_URL, else 127.0.0.1:5432/test if it answers; each run works
in a schema of its own. Under CI=true an unreachable PostgreSQL fails the run instead of skipping.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.assets import SOURCE, build, load_manifest
from app.extensions import db
from tests.factories import TODAY

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BUILD_DIR = SOURCE / "dist"


def _postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
    except OSError:
        return None
    return PG_DEFAULT


POSTGRES_URL = _postgres_url()


def pytest_configure(config):
    if os.environ.get("CI") == "true" and POSTGRES_URL is None:
        raise pytest.UsageError("CI=true but PostgreSQL does not answer on 127.0.0.1:5432 (or TEST_DATABASE_URL)")


SERIAL = ("tests/browser/", "tests/test_cluster.py")  # the browser tests and the nginx cluster


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (`-n auto`) the browser tests and the cluster share one worker, one after another:
    two Chromiums, or nginx beside a browser, on a 2-core machine turn their time limits into flakes."""
    for item in items:
        if "browser" in item.keywords or "cluster" in item.keywords:
            assert item.nodeid.startswith(SERIAL), f"{item.nodeid}: browser and cluster tests live in {SERIAL}"
            item.add_marker(pytest.mark.xdist_group("serial"))


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist's: unknown without it
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadgroup`, with the group "serial" read from the test's path. pytest-xdist 3.8 marks a
    group by appending `@serial` to the item's `_nodeid`, which pytest 9 no longer reads (the id comes
    from `_id`): the marks above reached no scheduler, every test was its own unit, and two workers ran
    browser tests (two Lighthouses at once) side by side."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class SerialGroup(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "serial" if nodeid.startswith(SERIAL) else super()._split_scope(nodeid)

    return SerialGroup(config, log)


def pytest_report_header(config):
    return f"databases: sqlite{', postgresql' if POSTGRES_URL else ' (PostgreSQL not reachable: its half is skipped)'}"


def pytest_generate_tests(metafunc):
    if "database" in metafunc.fixturenames:
        backends = ["sqlite"]
        marker = metafunc.definition.get_closest_marker
        if POSTGRES_URL and (not marker("browser") or marker("both_databases")):
            backends.append("postgresql")
        metafunc.parametrize("database", backends, indirect=True, scope="session")


@dataclass
class Database:
    backend: str
    url: str


def _config(url: str, **extra) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "STATIC_BUILD_DIR": str(BUILD_DIR),
        "CLOCK_TODAY": TODAY,
        "CACHE_TYPE": "NullCache",
        "SMS_SENDER": "app.sms:MemorySender",
        "SHOW_DEV_CODES": False,
        "MESSAGES_IMMEDIATE": True,  # texts delivered in-process when their transaction commits
        "SMS_QUIET_HOURS": None,  # the clock is real: a test at 22:00 would hold every text
        **extra,
    }


@pytest.fixture(scope="session", autouse=True)
def static_build():
    """The fingerprinted static files the pages link to; built once if missing."""
    try:
        load_manifest(str(BUILD_DIR))
    except RuntimeError:
        build(Path(BUILD_DIR))


@pytest.fixture(scope="session")
def database(request, tmp_path_factory):
    if request.param == "sqlite":
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")
        _migrate(url)
        yield Database("sqlite", url)
        return
    schema = f"xh_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    url_text = url.render_as_string(hide_password=False)
    try:
        _migrate(url_text)
        yield Database("postgresql", url_text)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _migrate(url: str) -> None:
    app = create_app(_config(url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _empty_tables(backend: str) -> None:
    """Every row gone, children before parents, and the ids counted from 1 again. DELETE, not TRUNCATE,
    on PostgreSQL too: a test leaves a few rows, and TRUNCATE of every table (a new file for each) took
    about a second per test, ten times as long as these deletes."""
    tables = [t.name for t in db.metadata.sorted_tables]
    with db.engine.begin() as conn:
        for table in reversed(tables):
            conn.execute(text(f'DELETE FROM "{table}"'))
        if backend == "postgresql":  # as TRUNCATE … RESTART IDENTITY did: the run's schema's sequences
            conn.execute(
                text(
                    "SELECT pg_catalog.setval(c.oid, 1, false) FROM pg_catalog.pg_class c"
                    " WHERE c.relkind = 'S' AND c.relnamespace = pg_catalog.current_schema()::regnamespace"
                )
            )


class FreshContextClient(FlaskClient):
    """Each request gets an app context of its own, as in production (fresh `g`, own db session),
    even though the test itself holds one open for its factories and queries."""

    def open(self, *args, **kwargs):
        # What the test built is committed, and its own read snapshot ends, so the request and the
        # test's next query both see the database as it is (SQLite WAL reads are snapshots).
        db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
            if response.is_streamed:  # read a streamed export here, in its own contexts, as a server would
                response.get_data()
                response.close()
            return response


@pytest.fixture
def app(database):
    app = create_app(_config(database.url))
    app.test_client_class = FreshContextClient
    app.config["DATABASE_BACKEND"] = database.backend
    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables(database.backend)
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def htmx(app):
    """A client whose requests come from HTMX."""
    client = app.test_client()
    client.environ_base["HTTP_HX_REQUEST"] = "true"
    return client


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login_as(app, client):
    """Log `client` in through the real log-in form as a new user of `role`; returns the user."""
    from tests.factories import make_institution, make_town
    from tests.helpers import log_in, make_user

    def log_in_as(role: str, town=None, institution=None, username: str | None = None):
        town = town or (make_town() if role == "worker" else None)
        institution = institution or (make_institution() if role == "institution" else None)
        user = make_user(role, town, institution, username)
        db.session.commit()
        log_in(client, user, path="/worker/login")
        return user

    return log_in_as


@pytest.fixture
def vocabulary(app):
    """The learning vocabulary of app/vocabulary.toml in the database, as demo-data loads it."""
    from app.services import vocabulary as service

    service.load_file()
    db.session.commit()
    return service
